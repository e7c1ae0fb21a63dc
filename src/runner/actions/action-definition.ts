// Reads and validates a local action's action.yml (JavaScript actions only) and resolves its inputs.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { conditionProblem } from './conditions';

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

export interface ActionDefinition {
  /** Absolute path of the action.yml / action.yaml that was read. */
  file: string;
  /** The action's folder (GITHUB_ACTION_PATH); scripts are relative to it. */
  directory: string;
  name: string;
  description?: string;
  inputs: ActionInput[];
  outputs: Array<{ name: string; description?: string }>;
  using: NodeRuntime;
  main: string;
  pre?: string;
  /** `runs.pre-if` as written; `always()` when absent. */
  preIf: string;
  post?: string;
  /** `runs.post-if` as written; `always()` when absent. */
  postIf: string;
}

const NODE_RUNTIMES: readonly string[] = ['node12', 'node16', 'node20', 'node24'];
const MANIFEST_NAMES = ['action.yml', 'action.yaml'];

/**
 * Finds, parses and validates the action in `actionPath` (a folder holding action.yml or action.yaml, or that file),
 * resolved against `cwd`, and checks that its scripts exist. Throws ActionDefinitionError for anything the user must fix.
 */
export async function loadActionDefinition(actionPath: string, cwd: string): Promise<ActionDefinition> {
  const file = await findManifest(path.resolve(cwd, actionPath));
  const text = await fs.readFile(file, 'utf8');
  const { parseDocument } = await import('yaml');
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ActionDefinitionError(`${file} is not valid YAML: ${document.errors[0].message}`);
  }
  const definition = validateActionManifest(document.toJS(), file);
  for (const [field, script] of [
    ['runs.pre', definition.pre],
    ['runs.main', definition.main],
    ['runs.post', definition.post],
  ] as const) {
    if (script === undefined) continue;
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
  if (using === 'composite') {
    fail(
      'composite actions are not supported, only JavaScript actions (runs.using: node20 or node24). Run the composite steps as script lines of the pipeline step instead.',
    );
  }
  if (using === 'docker') {
    fail(
      'Docker container actions are not supported, only JavaScript actions (runs.using: node20 or node24). Run the image with docker in the pipeline step instead.',
    );
  }
  if (!NODE_RUNTIMES.includes(using)) {
    fail(`runs.using '${String(runs.using ?? '')}' is not supported. Use node12, node16, node20 or node24.`);
  }
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
    if (value === undefined || value === null) return 'always()';
    const text = typeof value === 'string' ? value : String(value);
    const problem = conditionProblem(text);
    return problem ? fail(`runs.${field} '${text}' cannot be evaluated here: ${problem}.`) : text;
  };
  const name = typeof manifest.name === 'string' && manifest.name.trim() ? manifest.name.trim() : undefined;
  const description = typeof manifest.description === 'string' ? manifest.description : undefined;
  return {
    file,
    directory: path.dirname(file),
    name: name ?? path.basename(path.dirname(file)),
    ...(description !== undefined && { description }),
    inputs: entries(manifest.inputs, 'inputs', fail).map(([inputName, spec]) => toInput(inputName, spec)),
    outputs: entries(manifest.outputs, 'outputs', fail).map(([outputName, spec]) => ({
      name: outputName,
      ...(typeof spec.description === 'string' && { description: spec.description }),
    })),
    using: using as NodeRuntime,
    main,
    ...optional('pre', script('pre')),
    preIf: condition('pre-if'),
    ...optional('post', script('post')),
    postIf: condition('post-if'),
  };
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
  if (spec.default !== undefined && spec.default !== null) input.default = String(spec.default);
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
  /** GitHub's warnings: unexpected and deprecated inputs; ours: required inputs left empty, unevaluated defaults. */
  warnings: string[];
}

/** Merges defaults and given values (names matched case-insensitively, as GitHub does). Pure. */
export function resolveInputs(definition: ActionDefinition, given: Record<string, string>): ResolvedInputs {
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
    if (input.default?.includes('${{')) {
      warnings.push(
        `Input '${input.name}' defaults to the expression '${input.default}', which is not evaluated outside GitHub: it is empty. Pass --with ${input.name}=VALUE.`,
      );
      values[input.name] = '';
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
