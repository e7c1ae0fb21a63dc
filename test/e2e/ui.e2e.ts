// End-to-end UI scenarios: the packaged extension in code-server, driven in Chromium, against the local sandbox.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { launchChromium, openWorkbench, type Workbench } from './support/browser';
import {
  findVscodeInstallation,
  quietWorkbenchSettings,
  repositoryRoot,
  startVscodeServer,
  waitForExtensionActivation,
  writeUserSettings,
  type RunningVscodeServer,
} from './support/vscodeServer';
import {
  commandPaletteTitles,
  extensionId,
  installVsix,
  packageVsix,
  readExtensionManifest,
  type ExtensionManifest,
} from './support/vsix';

/** The extension folder to package: the repository (manifest + dist/extension.js) unless CROSSCHECK_E2E_EXTENSION says. */
const extensionFolder = path.resolve(process.env.CROSSCHECK_E2E_EXTENSION ?? repositoryRoot);

/** Everything a scenario may use; built once for the suite by `before`. */
interface UiSession {
  readonly manifest: ExtensionManifest;
  readonly sandbox: Sandbox;
  readonly scratch: string;
  readonly userDataDir: string;
  readonly workspaceFolder: string;
  readonly server: RunningVscodeServer;
  readonly browser: Browser;
  readonly workbench: Workbench;
}

describe('Crosscheck in VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  let session: UiSession | undefined;
  const current = (): UiSession => {
    if (!session) throw new Error('the UI session did not start (see the before hook)');
    return session;
  };

  before(async function () {
    const manifest = readExtensionManifest(extensionFolder);
    const main = (
      JSON.parse(fs.readFileSync(path.join(extensionFolder, 'package.json'), 'utf8')) as { main?: string }
    ).main;
    if (main && !fs.existsSync(path.join(extensionFolder, main))) {
      throw new Error(`${path.join(extensionFolder, main)} is missing: run 'npm run build' first`);
    }
    const installation = findVscodeInstallation();
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscheck-e2e-'));
    const userDataDir = path.join(scratch, 'user-data');
    const extensionsDir = path.join(scratch, 'extensions');
    const workspaceFolder = path.join(scratch, 'workspace');
    fs.mkdirSync(workspaceFolder, { recursive: true });
    const sandbox = await startSandbox({});
    const vsix = packageVsix(extensionFolder, path.join(scratch, `${manifest.name}.vsix`));
    installVsix(installation, vsix, { extensionsDir, userDataDir });
    writeUserSettings(userDataDir, quietWorkbenchSettings);
    const server = await startVscodeServer({
      installation,
      kind: 'code-server',
      extensionsDir,
      userDataDir,
      folder: workspaceFolder,
      logFile: path.join(repositoryRoot, '.artifacts', 'e2e', 'code-server.log'),
    });
    const browser = await launchChromium();
    const workbench = await openWorkbench(browser, server.url, {
      consoleLogFile: path.join(repositoryRoot, '.artifacts', 'e2e', 'workbench-console.log'),
    });
    console.log(`      workbench drawn in ${workbench.openedInMs} ms`);
    session = { manifest, sandbox, scratch, userDataDir, workspaceFolder, server, browser, workbench };
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const name = this.currentTest.title.replace(/[^\w-]+/g, '-');
      await session.workbench.screenshot(`failed-${name}`).catch(() => undefined);
    }
  });

  after(async function () {
    if (!session) return;
    await session.browser.close();
    await session.server.stop();
    await session.sandbox.close();
    fs.rmSync(session.scratch, { recursive: true, force: true });
  });

  it('activates and lists its commands in the palette', async function () {
    const { manifest, userDataDir, workbench } = current();
    const category = manifest.displayName ?? manifest.name;
    const ownTitles = commandPaletteTitles(manifest).filter((title) => title.startsWith(`${category}: `));
    assert.ok(ownTitles.length > 0, `the manifest contributes no command titled '${category}: …'`);

    const activation = await waitForExtensionActivation(userDataDir, extensionId(manifest), 60_000);
    assert.match(
      activation,
      new RegExp(`_doActivateExtension ${extensionId(manifest).replace(/\./g, '\\.')},`),
    );

    const listed = await workbench.commandPaletteLabels(`${category}: `);
    const shown = ownTitles.filter((title) => listed.includes(title));
    await workbench.screenshot('palette-lists-commands');
    assert.ok(
      shown.length > 0,
      `none of ${JSON.stringify(ownTitles)} in the palette, which lists ${JSON.stringify(listed)}`,
    );
    await workbench.dismissQuickInput();
  });
});
