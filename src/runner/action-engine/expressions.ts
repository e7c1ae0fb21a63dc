// Evaluates `${{ }}` in action.yml with GitHub's own evaluator (@actions/expressions), loaded only when one is met.
import { promises as fs } from 'node:fs';
import { ActionDefinitionError } from './action-definition';
import type { StepResult } from './action-log';
import { hashFiles } from './hash-files';

// typescript-eslint takes the import attributes of this import type for an object assigned an any (a false report).
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
type ExpressionsModule = typeof import('@actions/expressions', { with: { 'resolution-mode': 'import' } });

/** An expression that cannot be parsed or evaluated: names the file, the key and the expression (exit 2). */
export class ExpressionError extends ActionDefinitionError {}

/** Where a value comes from, for messages: the action.yml and the key inside it (e.g. `runs.steps[2].with.token`). */
export interface ExpressionSite {
  file: string;
  key: string;
}

/** The contexts as plain JSON (github, env, inputs, runner, steps, job, strategy, matrix); absent ones are refused. */
export type ExpressionContexts = Record<string, unknown>;

/** GitHub's status functions: success() and failure() look at the status so far, cancelled() at cancellation. */
export type ConditionStatus = StepResult;

const STATUS_FUNCTIONS = ['success', 'failure', 'cancelled', 'always'];

/** The largest value (characters of its strings and keys) and the deepest nesting an expression may produce. */
export const VALUE_LIMIT = 1024 * 1024;
export const DEPTH_LIMIT = 64;

type ExpressionData = ReturnType<InstanceType<ExpressionsModule['Evaluator']>['evaluate']>;

/** hashFiles(pattern, …): GitHub allows 1 to 255 patterns. */
const HASH_FILES = { name: 'hashFiles', minArgs: 1, maxArgs: 255 };

export function hasExpression(value: string): boolean {
  return value.includes('${{');
}

/**
 * A condition that is nothing but one status function (`always()`, `${{ success() }}`…) — the common `pre-if` and
 * `post-if` — is answered without loading the evaluator. Returns undefined for anything else.
 */
export function plainStatusCondition(condition: string, status: ConditionStatus): boolean | undefined {
  const bare = condition
    .trim()
    .replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    .trim();
  const match = /^(always|success|failure|cancelled)\(\s*\)$/i.exec(bare);
  return match ? statusFunction(match[1]!.toLowerCase(), status) : undefined;
}

function statusFunction(name: string, status: ConditionStatus): boolean {
  if (name === 'always') return true;
  if (name === 'cancelled') return status === 'cancelled';
  if (name === 'failure') return status === 'failure';
  return status === 'success';
}

/** One literal or `${{ }}` part of a value. */
type Part = { literal: string } | { expression: string };

/** Splits a value into literals and `${{ … }}` expressions; `}}` inside a '…' string literal does not close one. */
export function splitTemplate(value: string): Part[] | { error: string } {
  const parts: Part[] = [];
  let index = 0;
  while (index < value.length) {
    const open = value.indexOf('${{', index);
    if (open < 0) {
      parts.push({ literal: value.slice(index) });
      break;
    }
    if (open > index) parts.push({ literal: value.slice(index, open) });
    let position = open + 3;
    let inString = false;
    let close = -1;
    for (; position < value.length; position++) {
      const char = value[position];
      if (char === "'") inString = !inString;
      else if (!inString && char === '}' && value[position + 1] === '}') {
        close = position;
        break;
      }
    }
    if (close < 0) return { error: "the expression is not closed with '}}'" };
    const expression = value.slice(open + 3, close).trim();
    if (expression === '') return { error: 'the expression is empty' };
    parts.push({ expression });
    index = close + 2;
  }
  return parts;
}

/** GitHub's evaluator with the contexts and functions of an action file. Create it with `loadExpressionEvaluator`. */
export class ExpressionEvaluator {
  constructor(private readonly engine: ExpressionsModule) {}

  /**
   * Checks every expression in `value` against the contexts a key may use, before anything runs, so a typo fails the
   * run with exit 2 and not halfway. `conditions` allows the status functions (only `if:` keys have them).
   */
  check(value: string, site: ExpressionSite, contexts: readonly string[], conditions = false): void {
    for (const expression of this.expressionsOf(value, site))
      this.parse(expression, site, contexts, conditions);
  }

  /** A string value: literals kept, each `${{ }}` replaced by its result (null → '', true → 'true'…). */
  evaluateString(value: string, contexts: ExpressionContexts, site: ExpressionSite): string {
    const parts = this.partsOf(value, site);
    return parts
      .map((part) =>
        'literal' in part
          ? part.literal
          : this.toText(this.evaluate(part.expression, contexts, site, undefined), part.expression, site),
      )
      .join('');
  }

  /** A value whose type is kept when it is one whole expression (`continue-on-error: ${{ inputs.x == 'y' }}`). */
  evaluateValue(value: string, contexts: ExpressionContexts, site: ExpressionSite): unknown {
    const parts = this.partsOf(value, site);
    const [only] = parts;
    if (parts.length === 1 && only && 'expression' in only) {
      return this.toJson(this.evaluate(only.expression, contexts, site, undefined));
    }
    return this.evaluateString(value, contexts, site);
  }

  /**
   * `if:`, `pre-if`, `post-if`: with or without `${{ }}`; without a status function it means `success() && (…)`, as
   * GitHub's runner reads it. A value mixing text and `${{ }}` is a string, true when not empty (GitHub's quirk).
   */
  evaluateCondition(
    condition: string,
    contexts: ExpressionContexts,
    status: ConditionStatus,
    site: ExpressionSite,
  ): boolean {
    const trimmed = condition.trim();
    const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(trimmed);
    const parts = whole ? undefined : hasExpression(trimmed) ? this.partsOf(trimmed, site) : undefined;
    if (parts && parts.length > 1) return this.evaluateString(trimmed, contexts, site) !== '';
    const expression = whole ? whole[1]!.trim() : trimmed;
    const usesStatus = this.usesStatusFunction(expression, site);
    const result = this.evaluate(
      usesStatus ? expression : `success() && (${expression})`,
      contexts,
      site,
      status,
      condition,
    );
    return this.truthy(result);
  }

  private usesStatusFunction(expression: string, site: ExpressionSite): boolean {
    const tokens = this.lex(expression, site);
    return tokens.some(
      (token, index) =>
        STATUS_FUNCTIONS.includes(token.lexeme.toLowerCase()) && tokens[index + 1]?.lexeme === '(',
    );
  }

  private lex(expression: string, site: ExpressionSite) {
    try {
      return new this.engine.Lexer(expression).lex().tokens;
    } catch (error) {
      throw this.failure(expression, site, error);
    }
  }

  private parse(expression: string, site: ExpressionSite, contexts: readonly string[], conditions: boolean) {
    try {
      const tokens = new this.engine.Lexer(expression).lex().tokens;
      const functions = conditions ? STATUS_FUNCTIONS.map((name) => ({ name, minArgs: 0, maxArgs: 0 })) : [];
      return new this.engine.Parser(tokens, [...contexts], [...functions, HASH_FILES]).parse();
    } catch (error) {
      throw this.failure(expression, site, error);
    }
  }

  private evaluate(
    expression: string,
    contexts: ExpressionContexts,
    site: ExpressionSite,
    status: ConditionStatus | undefined,
    shown = expression,
  ) {
    const { data, Evaluator } = this.engine;
    try {
      const tree = this.parse(expression, site, Object.keys(contexts), status !== undefined);
      const context = JSON.parse(JSON.stringify(contexts), data.reviver) as InstanceType<
        typeof data.Dictionary
      >;
      const functions: ConstructorParameters<ExpressionsModule['Evaluator']>[2] = new Map(
        status === undefined
          ? []
          : STATUS_FUNCTIONS.map((name) => [
              name,
              {
                name,
                minArgs: 0,
                maxArgs: 0,
                call: () => new data.BooleanData(statusFunction(name, status)),
              },
            ]),
      );
      // GitHub's own functions, each result bounded (the evaluator prefers these over its built-in ones).
      for (const [name, definition] of Object.entries(this.engine.wellKnownFunctions)) {
        if (functions.has(name)) continue;
        functions.set(name, {
          ...definition,
          call: (...args) => this.bounded(definition.call(...args), shown, site),
        });
      }
      functions.set(HASH_FILES.name.toLowerCase(), this.hashFilesFunction(contexts));
      return this.bounded(new Evaluator(tree, context, functions).evaluate(), shown, site);
    } catch (error) {
      if (error instanceof ExpressionError) throw error;
      throw this.failure(shown, site, error);
    }
  }

  /**
   * Refuses a value over VALUE_LIMIT characters or nested deeper than DEPTH_LIMIT, checked after every function
   * call: `format('{0}{0}', …)` nested a few dozen times would otherwise double its way to gigabytes.
   */
  private bounded(value: ExpressionData, expression: string, site: ExpressionSite): ExpressionData {
    const { Kind } = this.engine.data;
    const fail = (what: string): never => {
      throw new ExpressionError(
        `${site.file}: ${site.key}: '\${{ ${expression} }}' gives a value ${what}; expressions are bounded so an action file cannot exhaust memory.`,
      );
    };
    let size = 0;
    const pending: Array<[ExpressionData, number]> = [[value, 1]];
    for (let next = pending.pop(); next; next = pending.pop()) {
      const [item, depth] = next;
      if (depth > DEPTH_LIMIT) fail(`nested deeper than ${DEPTH_LIMIT} levels`);
      if (item.kind === Kind.String) size += item.coerceString().length;
      else if (item.kind === Kind.Array) {
        for (const element of item.values()) pending.push([element, depth + 1]);
      } else if (item.kind === Kind.Dictionary) {
        for (const { key, value: element } of item.pairs()) {
          size += key.length;
          pending.push([element, depth + 1]);
        }
      } else size += 8;
      if (size > VALUE_LIMIT) fail(`of more than ${VALUE_LIMIT / 1024 / 1024} MiB`);
    }
    return value;
  }

  /** hashFiles over `github.workspace`; a file that cannot be read fails the expression, as on GitHub. */
  private hashFilesFunction(contexts: ExpressionContexts) {
    const { data } = this.engine;
    const workspace = (contexts.github as Record<string, unknown> | undefined)?.workspace;
    return {
      ...HASH_FILES,
      call: (...args: Array<{ coerceString(): string }>) => {
        if (typeof workspace !== 'string' || workspace === '') {
          throw new Error('hashFiles() needs github.workspace');
        }
        return new data.StringData(
          hashFiles(
            workspace,
            args.map((arg) => arg.coerceString()),
          ),
        );
      },
    };
  }

  private expressionsOf(value: string, site: ExpressionSite): string[] {
    return this.partsOf(value, site).flatMap((part) => ('expression' in part ? [part.expression] : []));
  }

  private partsOf(value: string, site: ExpressionSite): Part[] {
    const parts = splitTemplate(value);
    if ('error' in parts) throw new ExpressionError(`${site.file}: ${site.key}: '${value}': ${parts.error}.`);
    return parts;
  }

  private toText(
    result: ReturnType<ExpressionEvaluator['evaluate']>,
    expression: string,
    site: ExpressionSite,
  ): string {
    const { Kind } = this.engine.data;
    if (result.kind === Kind.Dictionary || result.kind === Kind.Array) {
      throw new ExpressionError(
        `${site.file}: ${site.key}: '\${{ ${expression} }}' is ${result.kind === Kind.Array ? 'an array' : 'an object'}, where a string is needed. Use toJSON(…) to turn it into text.`,
      );
    }
    return result.kind === Kind.Null ? '' : result.coerceString();
  }

  private toJson(result: ReturnType<ExpressionEvaluator['evaluate']>): unknown {
    return JSON.parse(JSON.stringify(result, this.engine.data.replacer) ?? 'null');
  }

  private truthy(result: ReturnType<ExpressionEvaluator['evaluate']>): boolean {
    const { Kind } = this.engine.data;
    switch (result.kind) {
      case Kind.Null:
        return false;
      case Kind.Boolean:
        return result.value;
      case Kind.Number:
        return result.number() !== 0 && !Number.isNaN(result.number());
      case Kind.String:
        return result.coerceString() !== '';
      default:
        return true;
    }
  }

  private failure(expression: string, site: ExpressionSite, error: unknown): ExpressionError {
    const reason = error instanceof Error ? error.message : String(error);
    return new ExpressionError(
      `${site.file}: ${site.key}: cannot evaluate '\${{ ${expression} }}': ${reason}.`,
    );
  }
}

/** Loads @actions/expressions (its own chunk in the bundle, so actions without `${{ }}` never pay for it). */
export async function loadExpressionEvaluator(): Promise<ExpressionEvaluator> {
  return new ExpressionEvaluator(await import('@actions/expressions'));
}

/** Who an action is, for `github.action_path`, `github.action_repository`, `github.action_ref`. */
export interface Identity {
  directory: string;
  repository?: string;
  ref?: string;
}

/** The most of an event payload read for `github.event`. */
const EVENT_LIMIT = 16 * 1024 * 1024;

/** Reads GITHUB_EVENT_PATH for `github.event`; {} when it is missing, too large or not JSON. */
export async function readEventPayload(file: string | undefined): Promise<unknown> {
  if (!file) return {};
  try {
    const stat = await fs.stat(file);
    if (stat.size > EVENT_LIMIT) return {};
    return JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
  } catch {
    return {};
  }
}

/**
 * The contexts of a step, GitHub's names: `github` from the GITHUB_* variables (Bitbucket mapped) with `token`
 * (GITHUB_TOKEN when set), `event`, `action_path`, `action_repository`, `action_ref`; `runner` from RUNNER_*; `env`
 * (the step's env: values), `inputs`, `steps`, `job.status`; `strategy` and `matrix` empty.
 */
export function buildContexts(
  env: Record<string, string>,
  event: unknown,
  identity: Identity,
  inputs: Record<string, string>,
  status: StepResult,
  extra: Partial<ExpressionContexts> = {},
): ExpressionContexts {
  return {
    ...defaultsContexts(env, event, identity, status),
    env: {},
    inputs,
    steps: {},
    ...extra,
  };
}

/** What an input default may use (GitHub's action schema): github, runner, job, strategy, matrix. */
export function defaultsContexts(
  env: Record<string, string>,
  event: unknown,
  identity: Identity,
  status: StepResult = 'success',
): ExpressionContexts {
  const github: Record<string, unknown> = {};
  const runner: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('GITHUB_') && !/^GITHUB_(ENV|PATH|OUTPUT|STATE|STEP_SUMMARY|TOKEN)$/.test(name)) {
      github[name.slice('GITHUB_'.length).toLowerCase()] = value;
    } else if (name.startsWith('RUNNER_')) {
      runner[name.slice('RUNNER_'.length).toLowerCase()] = value;
    }
  }
  github.token = env.GITHUB_TOKEN ?? '';
  github.event = event ?? {};
  github.action_path = identity.directory;
  github.action_repository = identity.repository ?? '';
  github.action_ref = identity.ref ?? '';
  return { github, runner, job: { status }, strategy: {}, matrix: {} };
}
