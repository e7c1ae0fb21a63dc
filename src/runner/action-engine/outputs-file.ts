// Writes a run's outputs as a file a later Bitbucket Pipelines step can `source`: `export OUTPUT_<NAME>='value'`.
import { promises as fs, type Stats } from 'node:fs';
import { ActionDefinitionError } from './action-definition';
import { untrustedReason, writeNoFollow } from './private-files';

/**
 * The shell variable an output becomes: `OUTPUT_` + the name upper-cased with every character outside `A-Z 0-9 _`
 * replaced by `_` (`report-url` → `OUTPUT_REPORT_URL`). The prefix keeps names valid (no leading digit) and apart
 * from the step's own variables.
 */
export function outputVariableName(name: string): string {
  return `OUTPUT_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

export interface OutputsFile {
  text: string;
  /** One message per output left out because an earlier output already maps to the same variable. */
  collisions: string[];
}

/**
 * Formats outputs (pure) as `export NAME='value'` lines. Single quotes keep every byte literal, newlines included;
 * a `'` inside a value is written as `'\''`. Outputs are written in the order given.
 */
export function formatOutputsFile(outputs: Record<string, string>): OutputsFile {
  const taken = new Map<string, string>();
  const collisions: string[] = [];
  let text = '';
  for (const [name, value] of Object.entries(outputs)) {
    const variable = outputVariableName(name);
    const earlier = taken.get(variable);
    if (earlier !== undefined) {
      collisions.push(`Outputs '${earlier}' and '${name}' both map to ${variable}; '${name}' was left out.`);
      continue;
    }
    taken.set(variable, name);
    text += `export ${variable}=${shellQuote(value)}\n`;
  }
  return { text, collisions };
}

/** Quotes a value for a POSIX shell: single quotes keep every byte literal; a `'` becomes `'\\''`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/** Writes the outputs file readable by its owner only (outputs may hold secrets); returns the collisions. */
export async function writeOutputsFile(file: string, outputs: Record<string, string>): Promise<string[]> {
  const { text, collisions } = formatOutputsFile(outputs);
  await writeUserFile(file, text, 'truncate', '--outputs-file');
  return collisions;
}

/**
 * Refuses an existing file a later step would `source` when another local user could have planted it or can still
 * change it (they would read the values and add lines that run): a symlink, another user's file, a file group- or
 * world-writable, or not a regular file. A missing file passes. Throws ActionDefinitionError (a usage error).
 */
export async function checkUserFile(file: string, option: string): Promise<void> {
  const stat = await fs.lstat(file).catch(() => undefined);
  if (stat) refuseUnsafeFile(file, stat, option);
}

function refuseUnsafeFile(file: string, stat: Stats, option: string): void {
  const problem = untrustedReason(stat, 'file');
  if (problem) {
    throw new ActionDefinitionError(
      `${option} ${file} ${problem}; a step that sources it would run what someone else wrote. Give a new file in the job or clone directory (e.g. .git/actions.env).`,
    );
  }
}

/** Writes (`truncate`) or appends to a file of the current user, creating it 0600, never through a symlink. */
export async function writeUserFile(
  file: string,
  text: string,
  how: 'truncate' | 'append',
  option: string,
): Promise<void> {
  await checkUserFile(file, option);
  // Checked again on what was opened, not on what the name pointed to a moment before.
  writeNoFollow(file, text, how === 'append' ? 'append' : 'replace', (stat) =>
    refuseUnsafeFile(file, stat, option),
  );
}
