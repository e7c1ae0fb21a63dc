// The shared world of the UI scenarios: sandbox, fixture repository, the packaged extension in one code-server, Chromium windows.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, BrowserContext } from 'playwright-core';
import { seed, startSandbox, type Sandbox } from '../../../src/sandbox';
import {
  e2eArtifactsDir,
  launchChromium,
  newWorkbenchContext,
  openWorkbench,
  type Workbench,
} from './browser';
import { FixtureRepository } from './fixtureRepository';
import {
  extensionActivations,
  findVscodeInstallation,
  quietWorkbenchSettings,
  startVscodeServer,
  waitForExtensionActivation,
  writeUserSettings,
  type RunningVscodeServer,
} from './vscodeServer';
import { extensionId, installVsix, packageVsix, readExtensionManifest, type ExtensionManifest } from './vsix';

/** The Bitbucket repository the fixture was "cloned" from, and the central pipeline the settings name. */
export const FIXTURE = {
  repo: seed.webApp.fullName,
  remoteUrl: `https://bitbucket.org/${seed.webApp.fullName}.git`,
  branch: seed.webApp.pullRequest.source,
  pullRequestId: seed.webApp.pullRequest.id,
  destination: seed.webApp.pullRequest.destination,
  otherBranch: 'feature/signup',
  central: seed.centralChecks.fullName,
  pipeline: 'sonar-pr-check',
  checkKey: 'sonar',
} as const;

/** How long the sandbox's default central run stays PENDING, then IN_PROGRESS: long enough to see the spinner. */
const CENTRAL_RUN_STEP_MS = 3000;

export interface WindowOptions {
  /** Workspace trust enabled and the folder not trusted (Restricted Mode); trust disabled otherwise. */
  readonly restricted?: boolean;
  /** A .code-workspace file to open (a multi-root window) instead of the fixture folder. */
  readonly workspaceFile?: string;
}

export class UiSession {
  private current?: Workbench;
  private windows = 0;

  private constructor(
    readonly manifest: ExtensionManifest,
    readonly sandbox: Sandbox,
    readonly fixture: FixtureRepository,
    readonly scratch: string,
    readonly userDataDir: string,
    readonly server: RunningVscodeServer,
    readonly browser: Browser,
    /** One context for every window: the web workbench keeps SecretStorage in the origin's storage. */
    readonly context: BrowserContext,
  ) {}

  /**
   * Starts the sandbox on loopback, makes the fixture repository and registers its commits there (so PR #7's source
   * is the fixture's feature/login head), packages and installs the extension, and starts code-server on the fixture.
   */
  static async start(extensionFolder: string): Promise<UiSession> {
    const manifest = readExtensionManifest(extensionFolder);
    const installation = findVscodeInstallation();
    fs.rmSync(e2eArtifactsDir, { recursive: true, force: true });
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscheck-e2e-'));
    const userDataDir = path.join(scratch, 'user-data');
    const extensionsDir = path.join(scratch, 'extensions');
    const sandbox = await startSandbox({ centralRunStepMs: CENTRAL_RUN_STEP_MS });
    try {
      const fixture = FixtureRepository.create(path.join(scratch, 'web-app'), {
        remoteUrl: FIXTURE.remoteUrl,
        main: ['Initial commit', 'Add app shell'],
        branches: {
          [FIXTURE.branch]: ['Add login form', 'Validate login form input'],
          [FIXTURE.otherBranch]: ['Add signup page'],
        },
        checkedOut: FIXTURE.branch,
      });
      registerInSandbox(fixture, sandbox);
      const vsix = packageVsix(extensionFolder, path.join(scratch, `${manifest.name}.vsix`));
      installVsix(installation, vsix, { extensionsDir, userDataDir });
      writeUserSettings(userDataDir, userSettings(sandbox, {}));
      const server = await startVscodeServer({
        installation,
        kind: 'code-server',
        extensionsDir,
        userDataDir,
        folder: fixture.root,
        logFile: path.join(e2eArtifactsDir, 'code-server.log'),
        disableWorkspaceTrust: false,
      });
      const browser = await launchChromium().catch(async (error: unknown) => {
        await server.stop();
        throw error;
      });
      const context = await newWorkbenchContext(browser);
      return new UiSession(manifest, sandbox, fixture, scratch, userDataDir, server, browser, context);
    } catch (error) {
      await sandbox.close();
      fs.rmSync(scratch, { recursive: true, force: true });
      throw error;
    }
  }

  get extensionId(): string {
    return extensionId(this.manifest);
  }

  /** The window opened last. */
  get workbench(): Workbench {
    if (!this.current) throw new Error('no workbench window is open');
    return this.current;
  }

  /**
   * Closes the open window, writes the user settings for the next one (trusted or Restricted Mode), opens a new window
   * on the fixture and waits until its extension host has activated the extension.
   */
  async openWindow(options: WindowOptions = {}): Promise<Workbench> {
    await this.closeWindow();
    writeUserSettings(this.userDataDir, userSettings(this.sandbox, options));
    const activated = extensionActivations(this.userDataDir, this.extensionId).length;
    this.windows += 1;
    const url = options.workspaceFile
      ? `${this.server.url}/?workspace=${encodeURIComponent(options.workspaceFile)}`
      : this.server.url;
    const workbench = await openWorkbench(this.context, url, {
      consoleLogFile: path.join(e2eArtifactsDir, `window-${this.windows}-console.log`),
    });
    this.current = workbench;
    await waitForExtensionActivation(this.userDataDir, this.extensionId, 60_000, activated);
    return workbench;
  }

  /** Closes the open window, if any; the server then ends its extension host. */
  async closeWindow(): Promise<void> {
    await this.current?.page.close();
    this.current = undefined;
  }

  /** Waits until the sandbox has received nothing for `quietMs` (a closed window's extension host finished). */
  async sandboxQuiet(quietMs = 1500, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() - (this.sandbox.requests.at(-1)?.at ?? 0) < quietMs) {
      if (Date.now() > deadline) throw new Error(`the sandbox kept receiving requests for ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Keeps what explains a failed scenario: a screenshot, the server's logs (extension hosts included), the requests. */
  async keepFailureArtifacts(scenario: string): Promise<string> {
    const target = path.join(e2eArtifactsDir, `failed-${scenario}`);
    fs.mkdirSync(target, { recursive: true });
    if (this.current) {
      await this.current.page
        .screenshot({ path: path.join(target, 'screenshot.png') })
        .catch(() => undefined);
      await this.current.page
        .screenshot({ path: path.join(e2eArtifactsDir, `failed-${scenario}.png`) })
        .catch(() => undefined);
    }
    const logs = path.join(this.userDataDir, 'logs');
    if (fs.existsSync(logs)) fs.cpSync(logs, path.join(target, 'logs'), { recursive: true });
    // Recorded with secrets redacted by the sandbox.
    fs.writeFileSync(
      path.join(target, 'sandbox-requests.json'),
      `${JSON.stringify(this.sandbox.requests, null, 2)}\n`,
    );
    return target;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.server.stop();
    await this.sandbox.close();
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** User settings: the sandbox as Bitbucket, the central check, and trust as the window needs it. */
function userSettings(sandbox: Sandbox, options: WindowOptions): Record<string, unknown> {
  return {
    ...quietWorkbenchSettings,
    'crosscheck.apiUrl': sandbox.bitbucketApiUrl,
    'crosscheck.centralRepository': FIXTURE.central,
    'crosscheck.centralPipeline': FIXTURE.pipeline,
    'crosscheck.checkKey': FIXTURE.checkKey,
    'git.autofetch': false,
    ...(options.restricted
      ? {
          'security.workspace.trust.enabled': true,
          // No modal on opening: the folder simply opens untrusted.
          'security.workspace.trust.startupPrompt': 'never',
        }
      : { 'security.workspace.trust.enabled': false }),
  };
}

/**
 * Registers every fixture commit in the sandbox under `repo` (the fixture's by default), then moves each sandbox branch
 * to the fixture's head of it.
 */
export function registerInSandbox(
  fixture: FixtureRepository,
  sandbox: Sandbox,
  repo: string = FIXTURE.repo,
): void {
  for (const commit of fixture.commits()) {
    sandbox.addCommit(repo, commit.hash, { parents: [...commit.parents], message: commit.message });
  }
  for (const [branch, head] of fixture.branches()) sandbox.addCommit(repo, head, { branch });
}
