// `--env-file FILE`: what an action exported (GITHUB_ENV, GITHUB_PATH) as `export` lines a later script line can `. FILE`.
import { shellQuote, writeUserFile } from './outputs-file';

/** What one `action run` added to the job's environment, in the order it was added. */
export interface ExportedEnvironment {
  env: Array<[string, string]>;
  /** GITHUB_PATH entries, in the order added (each goes in front of PATH, so the last ends up first). */
  path: string[];
}

export interface EnvExports {
  text: string;
  /** Names a POSIX shell cannot export (e.g. `my-var`); the action still sees them in later `action run`s. */
  skipped: string[];
}

/** Formats (pure) `export NAME='value'` lines and `export PATH='dir':"$PATH"` for every path entry. */
export function formatEnvExports(exported: ExportedEnvironment): EnvExports {
  let text = '';
  const skipped: string[] = [];
  for (const [name, value] of exported.env) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) skipped.push(name);
    else text += `export ${name}=${shellQuote(value)}\n`;
  }
  for (const entry of exported.path) text += `export PATH=${shellQuote(entry)}:"$PATH"\n`;
  return { text, skipped };
}

/** Appends the exports to `file` (created readable by its owner only: values may be secrets). */
export async function appendEnvExports(file: string, exported: ExportedEnvironment): Promise<string[]> {
  const { text, skipped } = formatEnvExports(exported);
  await writeUserFile(file, text, 'append', '--exports-file');
  return skipped;
}
