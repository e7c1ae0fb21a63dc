// Runs the extension-host suite in desktop VS Code downloaded by @vscode/test-electron (machines with internet access).
import * as path from 'path';
import { runTests, TestRunFailedError } from '@vscode/test-electron';
import { readSuiteLocation, type SuiteLocation } from './suiteLocation';

const repositoryRoot = path.resolve(__dirname, '..', '..', '..');

async function main(): Promise<void> {
  let location: SuiteLocation;
  try {
    location = readSuiteLocation(process.argv.slice(2), repositoryRoot);
  } catch (error) {
    console.error(
      `${(error as Error).message}\nusage: node out/test/vscode/runWithElectron.js [--extension <folder>] [--suite <index.js>]`,
    );
    process.exitCode = 2;
    return;
  }
  process.exitCode = await runTests({
    ...location,
    version: process.env.CROSSCHECK_VSCODE_VERSION ?? 'stable',
    launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((error: unknown) => {
  // runTests rejects when the suite fails as well as when VS Code cannot be downloaded or started.
  if (error instanceof TestRunFailedError) console.error(`extension-host suite failed: ${error.message}`);
  else console.error('extension-host suite did not run (VS Code could not be downloaded or started):', error);
  process.exitCode = 1;
});
