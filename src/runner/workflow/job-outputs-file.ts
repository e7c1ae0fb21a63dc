// A job's outputs as a file a later step can `source` (as `action run --outputs-file`) and `--needs` reads back.
import { promises as fs } from 'node:fs';
import { formatOutputsFile, outputVariableName, writeUserFile } from '../action-engine';
import { WorkflowError } from './workflow-model';

/** What `needs.<job>` holds for a later job. */
export interface NeededJob {
  result: 'success' | 'failure' | 'cancelled' | 'skipped';
  outputs: Record<string, string>;
}

const HEADER = '# crosscheck workflow job ';
const FILE_LIMIT = 4 * 1024 * 1024;

/**
 * `export OUTPUT_<NAME>='value'` lines (what `action run --outputs-file` writes), under one comment line naming the
 * job, its result and each output's original name, so `--needs` restores `needs.<job>.outputs.<name>` exactly.
 */
export function formatJobOutputs(job: string, result: NeededJob['result'], outputs: Record<string, string>) {
  const { text, collisions } = formatOutputsFile(outputs);
  const names = Object.fromEntries(Object.keys(outputs).map((name) => [name, outputVariableName(name)]));
  return { text: `${HEADER}${JSON.stringify({ job, result, outputs: names })}\n${text}`, collisions };
}

export async function writeJobOutputs(
  file: string,
  job: string,
  result: NeededJob['result'],
  outputs: Record<string, string>,
): Promise<string[]> {
  const { text, collisions } = formatJobOutputs(job, result, outputs);
  // As `action run --outputs-file`: 0600, never through a symlink nor into another user's or a shared-writable file.
  await writeUserFile(file, text, 'truncate', '--outputs-file');
  return collisions;
}

/** Parses a file written by `formatJobOutputs` (pure). */
export function parseJobOutputs(text: string, file: string): { job: string } & NeededJob {
  const firstLine = text.slice(0, text.indexOf('\n') + 1 || undefined);
  let header: { job?: unknown; result?: unknown; outputs?: unknown } | undefined;
  if (firstLine.startsWith(HEADER)) {
    try {
      header = JSON.parse(firstLine.slice(HEADER.length)) as typeof header;
    } catch {
      header = undefined;
    }
  }
  const results = ['success', 'failure', 'cancelled', 'skipped'];
  if (
    !header ||
    typeof header.job !== 'string' ||
    typeof header.result !== 'string' ||
    !results.includes(header.result) ||
    typeof header.outputs !== 'object' ||
    header.outputs === null
  ) {
    throw new WorkflowError(
      `${file} is not a job's outputs file. Give --needs the file 'crosscheck workflow run --job ID --outputs-file FILE' wrote.`,
    );
  }
  const values = new Map<string, string>();
  for (const match of text.matchAll(/^export ([A-Z0-9_]+)='((?:[^']|'\\'')*)'$/gm)) {
    values.set(match[1]!, match[2]!.replace(/'\\''/g, "'"));
  }
  const outputs: Record<string, string> = {};
  for (const [name, variable] of Object.entries(header.outputs as Record<string, unknown>)) {
    const value = typeof variable === 'string' ? values.get(variable) : undefined;
    if (value !== undefined) outputs[name] = value;
  }
  return { job: header.job, result: header.result as NeededJob['result'], outputs };
}

/** Reads `--needs` files: a job named twice (matrix combinations) keeps the last outputs and the worst result. */
export async function readNeeds(files: string[]): Promise<Record<string, NeededJob>> {
  const needs: Record<string, NeededJob> = {};
  for (const file of files) {
    const text = await fs
      .stat(file)
      .then((stat) => {
        if (stat.size > FILE_LIMIT) throw new WorkflowError(`--needs ${file} is larger than 4 MiB.`);
        return fs.readFile(file, 'utf8');
      })
      .catch((error: unknown) => {
        if (error instanceof WorkflowError) throw error;
        throw new WorkflowError(
          `Cannot read --needs ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): run the job it comes from with --outputs-file ${file} first (in Pipelines: an artifact of its step).`,
        );
      });
    const { job, ...needed } = parseJobOutputs(text, file);
    const earlier = needs[job];
    const worse = earlier && earlier.result !== 'success' ? earlier.result : needed.result;
    needs[job] = { result: worse, outputs: { ...earlier?.outputs, ...needed.outputs } };
  }
  return needs;
}
