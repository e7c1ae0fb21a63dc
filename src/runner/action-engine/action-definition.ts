// Reads and validates a local action's action.yml (JavaScript actions only) and resolves its inputs.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** A YAML or JSON value as text: a scalar as written, a mapping or list as JSON (never "[object Object]"). */
export function valueText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** The action or its inputs cannot be run as given: a usage error (the CLI exits 2), the message says what to do. */
export class ActionDefinitionError extends Error {
  override readonly name = 'ActionDefinitionError';
}

export type NodeRuntime = 'node12' | 'node16' | 'node20' | 'node24';

export interface ActionInput {
  name: string;
  description?: string;
  default?: string;
  required: boolean;
  deprecationMessage?: string;
}

export interface ActionOutput {
  name: string;
  description?: string;
  /** Composite actions only: `outputs.<name>.value`, usually `${{ steps.<id>.outputs.<name> }}`. */
  value?: string;
}

interface ActionDefinitionBase {
  /** Absolute path of the action.yml / action.yaml that was read. */
  file: string;
  /** The action's folder (GITHUB_ACTION_PATH); scripts are relative to it. */
  directory: string;
  name: string;
  description?: string;
  inputs: ActionInput[];
  outputs: ActionOutput[];
}

export interface JavaScriptActionDefinition extends ActionDefinitionBase {
  using: NodeRuntime;
  main: string;
  pre?: string;
  /** As written (`always()` when absent); evaluated with the status so far. */
  preIf: string;
  post?: string;
  postIf: string;
}

/** One step of a composite action, values as written: their `${{ }}` are evaluated when the step runs. */
export interface CompositeStep {
  /** `runs.steps[i]`, for messages. */
  key: string;
  id?: string;
  name?: string;
  if?: string;
  run?: string;
  shell?: string;
  uses?: string;
  with: Record<string, string>;
  env: Record<string, string>;
  workingDirectory?: string;
  continueOnError?: string;
}

export interface CompositeActionDefinition extends ActionDefinitionBase {
  using: 'composite';
  steps: CompositeStep[];
}

export type ActionDefinition = JavaScriptActionDefinition | CompositeActionDefinition;

const NODE_RUNTIMES: readonly string[] = ['node12', 'node16', 'node20', 'node24'];
const MANIFEST_NAMES = ['action.yml', 'action.yaml'];

/**
 * Finds, parses and validates the action in `actionPath` (a folder holding action.yml or action.yaml, or that file),
 * resolved against `cwd`, and checks that its scripts exist. Throws ActionDefinitionError for anything the user must fix.
 */
export async function loadActionDefinition(actionPath: string, cwd: string): Promise<ActionDefinition> {
  const file = await findManifest(path.resolve(cwd, actionPath));
  await refuseOutsideLinks(file, path.dirname(file), 'action.yml');
  const text = await fs.readFile(file, 'utf8');
  const { parseDocument } = await import('yaml');
  const document = parseDocument(text, { prettyErrors: true });
  const [firstError] = document.errors;
  if (firstError) {
    throw new ActionDefinitionError(`${file} is not valid YAML: ${firstError.message}`);
  }
  const definition = validateActionManifest(document.toJS(), file);
  if (definition.using === 'composite') return definition;
  for (const [field, script] of [
    ['runs.pre', definition.pre],
    ['runs.main', definition.main],
    ['runs.post', definition.post],
  ] as const) {
    if (script === undefined) continue;
    await refuseOutsideLinks(
      path.resolve(definition.directory, script),
      definition.directory,
      `${file}: ${field}`,
    );
    const exists = await fs.stat(path.resolve(definition.directory, script)).then(
      (stat) => stat.isFile(),
      () => false,
    );
    if (!exists) {
      throw new ActionDefinitionError(
        `${file}: ${field} '${script}' does not exist in ${definition.directory}. Build the action first (its dist/ is often not committed) or fix ${field}.`,
      );
    }
  }
  return definition;
}

/**
 * Refuses a file that is, or lies behind, a symbolic link leading out of the action's folder (action.yml, main, pre,
 * post): reading it would show (or run) a file of the machine the action's author chose. A missing file passes.
 */
async function refuseOutsideLinks(file: string, directory: string, what: string): Promise<void> {
  const outside = (from: string, to: string) => {
    const relative = path.relative(from, to);
    return relative === '' || relative.startsWith('..') || path.isAbsolute(relative);
  };
  // A path written with `..` is the action's own choice (as on GitHub); a link is checked where it leads.
  if (outside(directory, file)) return;
  const real = await fs.realpath(file).catch(() => undefined);
  if (real === undefined) return;
  if (outside(await fs.realpath(directory), real)) {
    throw new ActionDefinitionError(
      `${what} '${path.relative(directory, file) || file}' is a symbolic link leading out of the action's folder ${directory}; Crosscheck does not read or run it. Put the file itself in the action.`,
    );
  }
}

async function findManifest(resolved: string): Promise<string> {
  const stat = await fs.stat(resolved).catch(() => undefined);
  if (!stat) {
    throw new ActionDefinitionError(
      `Action folder '${resolved}' does not exist. Pass the folder that holds action.yml.`,
    );
  }
  if (stat.isFile()) {
    if (MANIFEST_NAMES.includes(path.basename(resolved))) return resolved;
    throw new ActionDefinitionError(`'${resolved}' is a file; pass the folder that holds action.yml.`);
  }
  for (const name of MANIFEST_NAMES) {
    const candidate = path.join(resolved, name);
    if (
      await fs.stat(candidate).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return candidate;
  }
  throw new ActionDefinitionError(
    `No action.yml or action.yaml in '${resolved}'. Pass the folder that holds the action.`,
  );
}

/** Validates a parsed action.yml (pure). `file` locates the manifest: its folder is the action's directory. */
export function validateActionManifest(manifest: unknown, file: string): ActionDefinition {
  const fail = (message: string): never => {
    throw new ActionDefinitionError(`${file}: ${message}`);
  };
  if (!isMapping(manifest)) return fail('the file must be a YAML mapping with name, description and runs.');
  const runs = manifest.runs;
  if (!isMapping(runs))
    return fail('runs is missing. A JavaScript action needs runs.using (e.g. node20) and runs.main.');
  const using = typeof runs.using === 'string' ? runs.using.trim().toLowerCase() : '';
  if (using === 'docker') {
    fail(
      'Docker container actions are not supported, only JavaScript actions (runs.using: node20 or node24) and composite actions. Run the image with docker in the pipeline step instead.',
    );
  }
  if (using !== 'composite' && !NODE_RUNTIMES.includes(using)) {
    fail(
      `runs.using '${valueText(runs.using ?? '')}' is not supported. Use node12, node16, node20, node24 or composite.`,
    );
  }
  const name = typeof manifest.name === 'string' && manifest.name.trim() ? manifest.name.trim() : undefined;
  const description = typeof manifest.description === 'string' ? manifest.description : undefined;
  const base: ActionDefinitionBase = {
    file,
    directory: path.dirname(file),
    name: name ?? path.basename(path.dirname(file)),
    ...(description !== undefined && { description }),
    inputs: entries(manifest.inputs, 'inputs', fail).map(([inputName, spec]) => toInput(inputName, spec)),
    outputs: entries(manifest.outputs, 'outputs', fail).map(([outputName, spec]) => ({
      name: outputName,
      ...(typeof spec.description === 'string' && { description: spec.description }),
      ...(using === 'composite' &&
        spec.value !== undefined &&
        spec.value !== null && { value: valueText(spec.value) }),
    })),
  };
  if (using === 'composite') return { ...base, using: 'composite', steps: compositeSteps(runs.steps, fail) };
  const script = (field: 'main' | 'pre' | 'post'): string | undefined => {
    const value = runs[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value.trim() === '') return fail(`runs.${field} must be a script path.`);
    return value.trim();
  };
  const main =
    script('main') ?? fail("runs.main is missing. Name the action's entry script, e.g. main: dist/index.js.");
  const condition = (field: 'pre-if' | 'post-if'): string => {
    const value = runs[field];
    if (value === undefined || value === null || valueText(value).trim() === '') return 'always()';
    return valueText(value);
  };
  return {
    ...base,
    using: using as NodeRuntime,
    main,
    ...optional('pre', script('pre')),
    preIf: condition('pre-if'),
    ...optional('post', script('post')),
    postIf: condition('post-if'),
  };
}

/** GitHub's step ids: a letter or `_`, then letters, digits, `-` and `_`. */
const STEP_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const STEP_KEYS = [
  'id',
  'name',
  'if',
  'run',
  'shell',
  'uses',
  'with',
  'env',
  'working-directory',
  'continue-on-error',
];

/** Validates `runs.steps` as GitHub's action schema does: `run` (with `shell`) or `uses`, and their keys. */
function compositeSteps(value: unknown, fail: (message: string) => never): CompositeStep[] {
  if (!Array.isArray(value) || value.length === 0) {
    return fail('runs.steps is missing. A composite action lists its steps under runs.steps.');
  }
  const ids = new Set<string>();
  return value.map((raw, index) => {
    const key = `runs.steps[${index}]`;
    if (!isMapping(raw)) return fail(`${key} must be a mapping with run or uses.`);
    const text = (field: string): string | undefined => {
      const item = raw[field];
      if (item === undefined || item === null) return undefined;
      if (typeof item === 'object') return fail(`${key}.${field} must be a string.`);
      return valueText(item);
    };
    const mapping = (field: string): Record<string, string> => {
      const item = raw[field];
      if (item === undefined || item === null) return {};
      if (!isMapping(item)) return fail(`${key}.${field} must be a mapping of names to values.`);
      return Object.fromEntries(
        Object.entries(item).map(([name, entry]) => [
          name,
          entry === null || entry === undefined ? '' : valueText(entry),
        ]),
      );
    };
    const unknown = Object.keys(raw).filter((field) => !STEP_KEYS.includes(field));
    if (unknown.length > 0)
      fail(`${key}: unexpected key '${unknown[0]}' (a composite step takes ${STEP_KEYS.join(', ')}).`);
    const id = text('id');
    if (id !== undefined) {
      if (!STEP_ID.test(id))
        fail(`${key}.id '${id}' must start with a letter or '_' and hold only letters, digits, '-' and '_'.`);
      if (ids.has(id.toLowerCase())) fail(`${key}.id '${id}' is used by an earlier step.`);
      ids.add(id.toLowerCase());
    }
    const run = text('run');
    const uses = text('uses');
    if ((run === undefined) === (uses === undefined)) fail(`${key} needs exactly one of run or uses.`);
    const shell = text('shell');
    if (run !== undefined && (shell === undefined || shell.trim() === '')) {
      fail(
        `${key}: shell is required for a run step in a composite action (e.g. shell: bash), as on GitHub.`,
      );
    }
    if (uses !== undefined && (shell !== undefined || raw['working-directory'] !== undefined)) {
      fail(`${key}: shell and working-directory apply only to run steps.`);
    }
    if (run !== undefined && raw.with !== undefined) fail(`${key}: with applies only to uses steps.`);
    const step: CompositeStep = { key, with: mapping('with'), env: mapping('env') };
    const fields: Array<[string, string]> = [
      ['id', 'id'],
      ['name', 'name'],
      ['if', 'if'],
      ['run', 'run'],
      ['shell', 'shell'],
      ['uses', 'uses'],
      ['workingDirectory', 'working-directory'],
      ['continueOnError', 'continue-on-error'],
    ];
    for (const [property, field] of fields) {
      const item = text(field);
      if (item !== undefined) (step as unknown as Record<string, string>)[property] = item;
    }
    return step;
  });
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function entries(
  value: unknown,
  field: string,
  fail: (message: string) => never,
): Array<[string, Record<string, unknown>]> {
  if (value === undefined || value === null) return [];
  if (!isMapping(value)) return fail(`${field} must be a mapping of names to their settings.`);
  return Object.entries(value).map(([name, spec]) => {
    if (spec === null || spec === undefined) return [name, {}];
    if (!isMapping(spec)) return fail(`${field}.${name} must be a mapping (description, default, …).`);
    return [name, spec];
  });
}

function toInput(name: string, spec: Record<string, unknown>): ActionInput {
  const input: ActionInput = { name, required: spec.required === true || spec.required === 'true' };
  if (typeof spec.description === 'string') input.description = spec.description;
  if (spec.default !== undefined && spec.default !== null) input.default = valueText(spec.default);
  if (typeof spec.deprecationMessage === 'string') input.deprecationMessage = spec.deprecationMessage;
  return input;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface ResolvedInputs {
  /** Every input by name: declared ones (given or default, '' when neither) plus undeclared given ones. */
  values: Record<string, string>;
  /** The same as `INPUT_<NAME>` variables (upper case, spaces to `_`), as GitHub passes them. */
  env: Record<string, string>;
  /** GitHub's warnings: unexpected and deprecated inputs, required inputs left empty. */
  warnings: string[];
}

/**
 * Merges defaults and given values (names matched case-insensitively, as GitHub does). Pure. A default holding
 * `${{ }}` goes through `evaluateDefault` (GitHub's evaluator, loaded by the caller only when needed).
 */
export function resolveInputs(
  definition: ActionDefinition,
  given: Record<string, string>,
  evaluateDefault?: (input: ActionInput & { default: string }) => string,
): ResolvedInputs {
  const declared = new Map(definition.inputs.map((input) => [input.name.toLowerCase(), input]));
  const values: Record<string, string> = {};
  const warnings: string[] = [];
  const unexpected: string[] = [];
  for (const [name, value] of Object.entries(given)) {
    const input = declared.get(name.toLowerCase());
    if (!input) unexpected.push(name);
    else if (input.deprecationMessage !== undefined) {
      warnings.push(`Input '${input.name}' has been deprecated with message: ${input.deprecationMessage}`);
    }
    values[input?.name ?? name] = value;
  }
  if (unexpected.length > 0) {
    const valid = definition.inputs.map((input) => input.name);
    warnings.push(
      `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${valid.join("', '")}']`,
    );
  }
  for (const input of definition.inputs) {
    if (input.name in values) continue;
    if (input.default?.includes('${{') && evaluateDefault) {
      values[input.name] = evaluateDefault({ ...input, default: input.default });
    } else {
      values[input.name] = input.default ?? '';
    }
  }
  for (const input of definition.inputs) {
    if (input.required && values[input.name] === '')
      warnings.push(`Input required and not supplied: ${input.name}`);
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(values))
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  return { values, env, warnings };
}
