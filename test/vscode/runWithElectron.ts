// Runs the extension-host suite in desktop VS Code downloaded by @vscode/test-electron (machines with internet access).
import { runTests, TestRunFailedError } from '@vscode/test-electron';
import { suiteLocationFromArgv } from './suiteLocation';

async function main(): Promise<void> {
  const location = suiteLocationFromArgv('runWithElectron.js');
  if (!location) return;
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
