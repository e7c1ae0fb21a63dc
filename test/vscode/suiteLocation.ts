// Reads which extension and which compiled suite a runner should use: the repository's, or others given on the command line.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';

/** The two paths VS Code needs to run an extension-host suite. */
export interface SuiteLocation {
  /** Folder holding the extension's package.json; the repository root (manifest + dist/extension.js) by default. */
  readonly extensionDevelopmentPath: string;
  /** Compiled suite entry exporting run(); this folder's index.js (out/test/vscode/index.js) by default. */
  readonly extensionTestsPath: string;
}

/** Parses `--extension <folder>` and `--suite <index.js>`; throws a usage error for anything else or a missing file. */
export function readSuiteLocation(args: readonly string[], repositoryRoot: string): SuiteLocation {
  const { values } = parseArgs({
    args: [...args],
    options: { extension: { type: 'string' }, suite: { type: 'string' } },
    strict: true,
  });
  const location: SuiteLocation = {
    extensionDevelopmentPath: path.resolve(values.extension ?? repositoryRoot),
    extensionTestsPath: path.resolve(values.suite ?? path.join(__dirname, 'index.js')),
  };
  const manifest = path.join(location.extensionDevelopmentPath, 'package.json');
  if (!fs.existsSync(manifest)) throw new Error(`no extension manifest at ${manifest}`);
  const main = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { main?: string }).main;
  if (main && !fs.existsSync(path.resolve(location.extensionDevelopmentPath, main))) {
    throw new Error(`the extension is not built (${main} missing): run 'npm run build' first`);
  }
  if (!fs.existsSync(location.extensionTestsPath)) {
    throw new Error(
      `no compiled suite at ${location.extensionTestsPath}: run 'npx tsc -p tsconfig.json' first`,
    );
  }
  return location;
}

/** The suite location from this process's arguments, or undefined after printing the usage (exit code 2). */
export function suiteLocationFromArgv(script: string): SuiteLocation | undefined {
  const repositoryRoot = path.resolve(__dirname, '..', '..', '..');
  try {
    return readSuiteLocation(process.argv.slice(2), repositoryRoot);
  } catch (error) {
    console.error(
      `${(error as Error).message}\nusage: node out/test/vscode/${script} [--extension <folder>] [--suite <index.js>]`,
    );
    process.exitCode = 2;
    return undefined;
  }
}
