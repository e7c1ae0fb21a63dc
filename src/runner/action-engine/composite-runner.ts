// Runs a composite action's steps as GitHub's runner does: if/env/with/run/uses, step outputs, continue-on-error.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  ActionDefinitionError,
  loadActionDefinition,
  resolveInputs,
  type ActionDefinition,
  type CompositeActionDefinition,
  type CompositeStep,
  type JavaScriptActionDefinition,
  type NodeRuntime,
} from './action-definition';
import { combine, type StepResult } from './action-log';
import { locateAction, type LocatedAction } from './action-locator';
import { evaluateCondition } from './conditions';
import type { ExpressionContexts, ExpressionEvaluator, ExpressionSite, Identity } from './expressions';
import type { RemoteActions } from './remote-actions';

/** GitHub's `CompositeActionsMaxDepth`: a composite may nest composites 9 levels deep. */
export const COMPOSITE_MAX_DEPTH = 9;

/** A composite action with every `uses:` step resolved and loaded (recursively), before anything runs. */
export interface CompositeTree {
  definition: CompositeActionDefinition;
  steps: Array<{ step: CompositeStep; uses?: NestedAction }>;
}

export interface NestedAction {
  located: LocatedAction;
  definition: ActionDefinition;
  /** For a nested composite action. */
  tree?: CompositeTree;
}

/** Contexts a composite step may use (GitHub's action schema); `if:` adds the status functions. */
const STEP_CONTEXTS = ['github', 'env', 'inputs', 'runner', 'steps', 'job', 'strategy', 'matrix'];
const DEFAULTS_CONTEXTS = ['github', 'runner', 'job', 'strategy', 'matrix'];

/** Fetches and loads every action the steps use, refusing cycles deeper than GitHub allows. */
export async function loadCompositeTree(
  definition: CompositeActionDefinition,
  options: { workspace: string; remoteActions?: RemoteActions },
  depth = 1,
): Promise<CompositeTree> {
  if (depth > COMPOSITE_MAX_DEPTH) {
    throw new ActionDefinitionError(
      `${definition.file}: composite action depth exceeded max depth ${COMPOSITE_MAX_DEPTH} (as on GitHub); simplify the actions.`,
    );
  }
  const steps: CompositeTree['steps'] = [];
  for (const step of definition.steps) {
    if (step.uses === undefined) {
      steps.push({ step });
      continue;
    }
    if (step.uses.includes('${{')) {
      throw new ActionDefinitionError(
        `${definition.file}: ${step.key}.uses cannot hold an expression ('${step.uses}').`,
      );
    }
    const located = await locateAction(step.uses, {
      cwd: options.workspace,
      remoteActions: options.remoteActions,
      fromCommandLine: false,
      where: `${definition.file}: ${step.key}.uses`,
    });
    const nested = await loadActionDefinition(located.directory, options.workspace);
    const tree =
      nested.using === 'composite' ? await loadCompositeTree(nested, options, depth + 1) : undefined;
    steps.push({ step, uses: { located, definition: nested, ...(tree && { tree }) } });
  }
  return { definition, steps };
}

export interface CompositeResult {
  status: StepResult;
  outputs: Map<string, string>;
  /** The exit code of the first step that failed the action (undefined when none did). */
  failedExitCode?: number | null;
}

/** One `run:` step's process: its shell and script file, where, and the step's environment. */
export interface ProcessRequest {
  label: string;
  command: string;
  args: string[];
  /** The script file (for messages). */
  file: string;
  cwd: string;
  env: Record<string, string>;
  /** The composite action the step belongs to (GITHUB_ACTION_PATH and the `github` context). */
  identity: Identity;
  /** The step's `id:` (its GITHUB_ACTION), when it has one. */
  stepId?: string;
  signal: AbortSignal | undefined;
}

/** How a nested JavaScript action's pre and main ended. */
export interface NestedStart {
  status: StepResult;
  outputs: Map<string, string>;
  /** The exit code of the failing phase, when one failed. */
  exitCode: number | null;
}

/** The job a composite runs in: processes, env, PATH, masks, posts (the job lifecycle) and the evaluator. */
export interface CompositeHost {
  readonly evaluator: ExpressionEvaluator;
  readonly workspace: string;
  /** RUNNER_TEMP, where `run:` scripts are written, as GitHub does. */
  readonly temporaryDirectory: string;
  cancelled(): boolean;
  contexts(
    identity: Identity,
    inputs: Record<string, string>,
    status: StepResult,
    extra?: Partial<ExpressionContexts>,
  ): Promise<ExpressionContexts>;
  defaultsContexts(identity: Identity): Promise<ExpressionContexts>;
  report(level: 'error' | 'warning' | 'notice', message: string): void;
  skip(label: string, reason: string): void;
  runProcess(
    request: ProcessRequest,
  ): Promise<{ status: StepResult; outputs: Map<string, string>; exitCode: number | null }>;
  /** Runs pre and main of a nested JavaScript action; its post is queued in the job (or run after the composite). */
  startJavaScript(
    definition: JavaScriptActionDefinition,
    remote: LocatedAction['remote'],
    inputs: Record<string, string>,
    stepEnv: Record<string, string>,
    signal: AbortSignal | undefined,
    /** The step's `id:` (its GITHUB_ACTION), when it has one. */
    stepId?: string,
  ): Promise<NestedStart>;
}

interface StepContext {
  outputs: Record<string, string>;
  outcome: StepResult | 'skipped';
  conclusion: StepResult | 'skipped';
}

interface StepOutcome {
  status: StepResult;
  outputs: Record<string, string>;
  exitCode?: number | null;
}

type Site = (key: string) => ExpressionSite;

/** One run of a composite action's steps, GitHub's way: `if:` defaults to success() of the steps so far. */
export class CompositeRun {
  private readonly stepsContext: Record<string, StepContext> = {};

  constructor(
    private readonly host: CompositeHost,
    private readonly tree: CompositeTree,
    private readonly identity: Identity,
    private readonly inputs: Record<string, string>,
    /** `env:` of the step that used this action (or `--env`), passed down to every step. */
    private readonly inheritedEnv: Record<string, string>,
  ) {}

  /** Checks every expression in the tree against the contexts each key may use. */
  static check(tree: CompositeTree, evaluator: ExpressionEvaluator): void {
    const { file } = tree.definition;
    for (const input of tree.definition.inputs) {
      if (input.default !== undefined) {
        evaluator.check(input.default, { file, key: `inputs.${input.name}.default` }, DEFAULTS_CONTEXTS);
      }
    }
    for (const output of tree.definition.outputs) {
      if (output.value !== undefined) {
        evaluator.check(output.value, { file, key: `outputs.${output.name}.value` }, STEP_CONTEXTS);
      }
    }
    for (const { step, uses } of tree.steps) {
      const strings: Array<[string, string | undefined]> = [
        ['name', step.name],
        ['run', step.run],
        ['shell', step.shell],
        ['working-directory', step.workingDirectory],
        ['continue-on-error', step.continueOnError],
        ...Object.entries(step.with).map(([name, value]): [string, string] => [`with.${name}`, value]),
        ...Object.entries(step.env).map(([name, value]): [string, string] => [`env.${name}`, value]),
      ];
      for (const [key, value] of strings) {
        if (value !== undefined) evaluator.check(value, { file, key: `${step.key}.${key}` }, STEP_CONTEXTS);
      }
      if (step.shell !== undefined && !step.shell.includes('${{'))
        resolveShell(step.shell.trim(), `${file}: ${step.key}.shell`);
      if (step.if !== undefined) {
        const bare = step.if.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
        evaluator.check(
          bare.includes('${{') ? bare : `\${{ ${bare} }}`,
          { file, key: `${step.key}.if` },
          STEP_CONTEXTS,
          true,
        );
      }
      if (uses?.tree) CompositeRun.check(uses.tree, evaluator);
      else if (uses) checkJavaScriptExpressions(uses.definition as JavaScriptActionDefinition, evaluator);
    }
  }

  async run(signal: AbortSignal | undefined): Promise<CompositeResult> {
    const { definition } = this.tree;
    const host = this.host;
    let status: StepResult = host.cancelled() ? 'cancelled' : 'success';
    let failedExitCode: number | null | undefined;
    for (const { step, uses } of this.tree.steps) {
      if (host.cancelled()) status = 'cancelled';
      const site: Site = (key) => ({ file: definition.file, key: `${step.key}.${key}` });
      const env = { ...this.inheritedEnv };
      const contexts = () =>
        host.contexts(this.identity, this.inputs, status, { steps: this.stepsContext, env: { ...env } });
      const text = async (value: string, key: string) =>
        value.includes('${{') ? host.evaluator.evaluateString(value, await contexts(), site(key)) : value;
      const label =
        step.name !== undefined
          ? await text(step.name, 'name')
          : `Run ${step.uses ?? (step.run ?? '').trim().split('\n')[0]}`;
      const condition = step.if ?? 'success()';
      const wanted = evaluateCondition(condition, status, {
        evaluator: host.evaluator,
        contexts: await contexts(),
        site: site('if'),
      });
      if (!wanted) {
        host.skip(label, `if ${condition.trim()} is false`);
        this.record(step, { outputs: {}, outcome: 'skipped', conclusion: 'skipped' });
        continue;
      }
      for (const [name, value] of Object.entries(step.env)) env[name] = await text(value, `env.${name}`);
      const continueOnError = await this.continueOnError(step, text, site);
      // A value that is not true or false fails the step unrun, as on GitHub (reported masked, not thrown).
      const outcome: StepOutcome =
        continueOnError === undefined
          ? { status: 'failure', outputs: {} }
          : uses
            ? await this.runUses(step, uses, env, text, signal)
            : await this.runScript(step, label, env, text, signal);
      const conclusion: StepResult =
        outcome.status === 'failure' && continueOnError ? 'success' : outcome.status;
      this.record(step, { outputs: outcome.outputs, outcome: outcome.status, conclusion });
      if (outcome.status === 'failure') {
        const code =
          outcome.exitCode !== undefined && outcome.exitCode !== null
            ? ` with exit code ${outcome.exitCode}`
            : '';
        // Named as the log names it (the step's name:), with where it is in action.yml.
        const what = `${definition.name}: step '${label}' failed${code} (${step.key}${step.id ? `, id ${step.id}` : ''})`;
        host.report(
          continueOnError ? 'warning' : 'error',
          continueOnError ? `${what}; continue-on-error is set` : what,
        );
      }
      if (conclusion === 'failure' && failedExitCode === undefined) failedExitCode = outcome.exitCode ?? null;
      status = combine(status, conclusion);
    }
    // Outputs are mapped whatever happened, as on GitHub.
    const outputs = new Map<string, string>();
    const final = await host.contexts(this.identity, this.inputs, status, {
      steps: this.stepsContext,
      env: this.inheritedEnv,
    });
    for (const output of definition.outputs) {
      if (output.value === undefined) continue;
      const site = { file: definition.file, key: `outputs.${output.name}.value` };
      outputs.set(output.name, host.evaluator.evaluateString(output.value, final, site));
    }
    return { status, outputs, ...(failedExitCode !== undefined && { failedExitCode }) };
  }

  private async continueOnError(
    step: CompositeStep,
    text: (value: string, key: string) => Promise<string>,
    site: Site,
  ): Promise<boolean | undefined> {
    if (step.continueOnError === undefined) return false;
    const value = (await text(step.continueOnError, 'continue-on-error')).trim();
    if (value === 'true' || value === 'false') return value === 'true';
    this.host.report(
      'error',
      `${site('continue-on-error').file}: ${step.key}.continue-on-error is '${value}', not true or false.`,
    );
    return undefined;
  }

  private record(step: CompositeStep, context: StepContext): void {
    if (step.id !== undefined) this.stepsContext[step.id] = context;
  }

  private async runScript(
    step: CompositeStep,
    label: string,
    env: Record<string, string>,
    text: (value: string, key: string) => Promise<string>,
    signal: AbortSignal | undefined,
  ): Promise<StepOutcome> {
    const { definition } = this.tree;
    const script = await text(step.run ?? '', 'run');
    const shell = resolveShell(
      (await text(step.shell ?? '', 'shell')).trim(),
      `${definition.file}: ${step.key}.shell`,
    );
    const folder = await fs.mkdtemp(path.join(this.host.temporaryDirectory, 'step-'));
    const file = path.join(folder, `script${shell.extension}`);
    await fs.writeFile(file, shell.fixUp(script), { mode: 0o700 });
    const cwd =
      step.workingDirectory === undefined
        ? this.host.workspace
        : path.resolve(this.host.workspace, await text(step.workingDirectory, 'working-directory'));
    try {
      const result = await this.host.runProcess({
        label,
        command: shell.command,
        args: shell.args(file),
        file,
        cwd,
        env,
        identity: this.identity,
        ...(step.id !== undefined && { stepId: step.id }),
        signal,
      });
      return {
        status: result.status,
        outputs: Object.fromEntries(result.outputs),
        exitCode: result.exitCode,
      };
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  }

  private async runUses(
    step: CompositeStep,
    uses: NestedAction,
    env: Record<string, string>,
    text: (value: string, key: string) => Promise<string>,
    signal: AbortSignal | undefined,
  ): Promise<StepOutcome> {
    const given: Record<string, string> = {};
    for (const [name, value] of Object.entries(step.with)) given[name] = await text(value, `with.${name}`);
    const identity: Identity = {
      directory: uses.definition.directory,
      ...(uses.located.remote && {
        repository: uses.located.remote.repository,
        ref: uses.located.remote.ref,
      }),
    };
    const defaults = uses.definition.inputs.some((input) => input.default?.includes('${{'))
      ? await this.host.defaultsContexts(identity)
      : {};
    const inputs = resolveInputs(uses.definition, given, (input) =>
      this.host.evaluator.evaluateString(input.default, defaults, {
        file: uses.definition.file,
        key: `inputs.${input.name}.default`,
      }),
    );
    for (const warning of inputs.warnings) this.host.report('warning', warning);
    if (uses.tree) {
      const nested = await new CompositeRun(this.host, uses.tree, identity, inputs.values, env).run(signal);
      return {
        status: nested.status,
        outputs: Object.fromEntries(nested.outputs),
        ...(nested.failedExitCode !== undefined && { exitCode: nested.failedExitCode }),
      };
    }
    const started = await this.host.startJavaScript(
      uses.definition as JavaScriptActionDefinition,
      uses.located.remote,
      inputs.values,
      env,
      signal,
      step.id,
    );
    return {
      status: started.status,
      outputs: Object.fromEntries(started.outputs),
      exitCode: started.exitCode,
    };
  }
}

/** The newest `runs.using` of the JavaScript actions in a composite tree (node20 when there is none). */
export function newestRuntime(tree: CompositeTree): NodeRuntime {
  let newest: NodeRuntime = 'node20';
  for (const { uses } of tree.steps) {
    const using = uses?.tree ? newestRuntime(uses.tree) : (uses?.definition.using as NodeRuntime | undefined);
    if (using && Number(using.slice(4)) > Number(newest.slice(4))) newest = using;
  }
  return newest;
}

/** Checks the `${{ }}` of a JavaScript action's input defaults and pre-if / post-if before anything runs. */
export function checkJavaScriptExpressions(
  definition: JavaScriptActionDefinition,
  evaluator: ExpressionEvaluator,
): void {
  const { file } = definition;
  for (const input of definition.inputs) {
    if (input.default !== undefined) {
      evaluator.check(input.default, { file, key: `inputs.${input.name}.default` }, DEFAULTS_CONTEXTS);
    }
  }
  for (const [key, condition] of [
    ['runs.pre-if', definition.preIf],
    ['runs.post-if', definition.postIf],
  ] as const) {
    const bare = condition.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
    evaluator.check(bare.includes('${{') ? bare : `\${{ ${bare} }}`, { file, key }, STEP_CONTEXTS, true);
  }
}

export interface Shell {
  command: string;
  args: (file: string) => string[];
  extension: string;
  fixUp: (script: string) => string;
}

/**
 * GitHub's shells (ScriptHandlerHelpers): bash `--noprofile --norc -e -o pipefail {0}`, sh `-e {0}`, python `{0}`,
 * pwsh/powershell `-command ". '{0}'"` with `$ErrorActionPreference = 'stop'`, cmd; or `command … {0} …`.
 * `node` alone means `node {0}` (GitHub requires the `{0}`).
 */
export function resolveShell(option: string, where: string): Shell {
  const plain = (command: string, extension: string, flags: string[]): Shell => ({
    command,
    extension,
    args: (file) => [...flags, file],
    fixUp: (script) => script,
  });
  const powershell = (command: string): Shell => ({
    command,
    extension: '.ps1',
    args: (file) => ['-command', `. '${file.replace(/'/g, "''")}'`],
    fixUp: (script) =>
      `$ErrorActionPreference = 'stop'\n${script}\nif ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }`,
  });
  switch (option) {
    case 'bash':
      return plain('bash', '.sh', ['--noprofile', '--norc', '-e', '-o', 'pipefail']);
    case 'sh':
      return plain('sh', '.sh', ['-e']);
    case 'python':
      return plain('python', '.py', []);
    case 'node':
      return plain('node', '.js', []);
    case 'pwsh':
    case 'powershell':
      return powershell(option);
    case 'cmd':
      return {
        command: 'cmd.exe',
        extension: '.cmd',
        args: (file) => ['/D', '/E:ON', '/V:OFF', '/S', '/C', `CALL "${file}"`],
        fixUp: (script) => `@echo off\r\n${script}`,
      };
  }
  const [command, ...args] = splitWords(option);
  if (command === undefined || !args.some((word) => word.includes('{0}'))) {
    throw new ActionDefinitionError(
      `${where} '${option}' is not a shell GitHub knows (bash, sh, python, pwsh, powershell, cmd) nor a command with '{0}' for the script, e.g. 'perl {0}'.`,
    );
  }
  return {
    command,
    extension: '',
    args: (file) => args.map((word) => word.replace(/\{0\}/g, file)),
    fixUp: (script) => script,
  };
}

/** Splits a command line on spaces, keeping "double" and 'single' quoted words together (quotes removed). */
function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g))
    words.push((match[1] ?? match[2] ?? match[3])!); // one of the three alternatives matched
  return words;
}
