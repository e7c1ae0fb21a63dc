// Runs the extension-host suite in the VS Code server shipped with code-server (.ci/setup-vscode.sh); exit code = result.
import * as path from 'path';
import { runExtensionHostSuite } from '../e2e/support/extensionHost';
import { readSuiteLocation, type SuiteLocation } from './suiteLocation';

const repositoryRoot = path.resolve(__dirname, '..', '..', '..');

async function main(): Promise<void> {
  let location: SuiteLocation;
  try {
    location = readSuiteLocation(process.argv.slice(2), repositoryRoot);
  } catch (error) {
    console.error(
      `${(error as Error).message}\nusage: node out/test/vscode/runInServer.js [--extension <folder>] [--suite <index.js>]`,
    );
    process.exitCode = 2;
    return;
  }
  const started = Date.now();
  const exitCode = await runExtensionHostSuite(location);
  console.log(
    `extension-host suite ${exitCode === 0 ? 'passed' : 'failed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  process.exitCode = exitCode;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
