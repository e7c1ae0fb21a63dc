// Runs the extension-host suite in the VS Code server shipped with code-server (.ci/setup-vscode.sh); exit code = result.
import { runExtensionHostSuite } from '../e2e/support/extensionHost';
import { suiteLocationFromArgv } from './suiteLocation';

async function main(): Promise<void> {
  const location = suiteLocationFromArgv('runInServer.js');
  if (!location) return;
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
