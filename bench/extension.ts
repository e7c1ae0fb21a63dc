// Benchmarks the VS Code extension in Node: bundle and .vsix sizes, activation time against a trivial extension
// measured in the same run (with a stand-in `vscode` module), and requests per simulated hour of the refresher.
// Run: npm run build && npx tsc -p tsconfig.json && node out/bench/extension.js
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Refresher } from '../src/extension/model/refresher';
import { RunTracker } from '../src/extension/model/runs';
import { type Sandbox, seed, startSandbox } from '../src/sandbox';
import { FakeClock } from '../test/extension/support/fake-clock';
import { MemoryMemento } from '../test/extension/support/memory-stores';
import { connectBitbucket } from '../src/core/bitbucket/connection';
import { RequestBudget } from '../src/extension/model/request-budget';
import { demoSources, loginBranch, rateLimitBranch, TRANSPORT } from '../test/extension/support/sandbox';
import { FollowedRepositories } from '../src/extension/model/followed-repositories';
import type { PushedContext, RepoContext } from '../src/extension/model/repository';
import { formatRepository } from '../src/core/validation';
import { median, report } from './support';

const ROOT = join(__dirname, '..', '..');
const HOUR = 3_600_000;

/** Just enough of the `vscode` API for activate() to run outside VS Code. */
function fakeVscode(): Record<string, unknown> {
  class EventEmitter<T> {
    private readonly listeners = new Set<(value: T) => void>();
    event = (listener: (value: T) => void) => {
      this.listeners.add(listener);
      return { dispose: () => this.listeners.delete(listener) };
    };
    fire(value: T): void {
      for (const listener of this.listeners) listener(value);
    }
    dispose(): void {
      this.listeners.clear();
    }
  }
  const noEvent = () => ({ dispose: () => undefined });
  const uri = (path: string) => ({ fsPath: path, scheme: 'file', toString: () => `file://${path}` });
  return {
    EventEmitter,
    StatusBarAlignment: { Left: 1, Right: 2 },
    ThemeColor: class {
      constructor(readonly id: string) {}
    },
    MarkdownString: class {
      value = '';
      appendMarkdown(text: string) {
        this.value += text;
        return this;
      }
      appendText(text: string) {
        this.value += text;
        return this;
      }
    },
    ProgressLocation: { Notification: 15, Window: 10 },
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    languages: {
      createDiagnosticCollection: () => ({ set() {}, clear() {}, dispose() {} }),
    },
    ExtensionMode: { Production: 1, Development: 2, Test: 3 },
    ViewColumn: { Beside: -2 },
    ConfigurationTarget: { Global: 1 },
    Uri: {
      file: uri,
      joinPath: (base: { fsPath: string }, ...parts: string[]) => uri(join(base.fsPath, ...parts)),
      parse: (text: string) => ({ toString: () => text }),
    },
    window: {
      state: { focused: true },
      activeTextEditor: undefined,
      createOutputChannel: () => ({
        info() {},
        debug() {},
        warn() {},
        error() {},
        trace() {},
        show() {},
        dispose() {},
      }),
      createStatusBarItem: () => ({ show() {}, hide() {}, dispose() {} }),
      onDidChangeActiveTextEditor: noEvent,
      onDidChangeWindowState: noEvent,
      onDidChangeVisibleTextEditors: noEvent,
      visibleTextEditors: [],
      showErrorMessage: async () => undefined,
      showInformationMessage: async () => undefined,
    },
    workspace: {
      isTrusted: true,
      onDidGrantWorkspaceTrust: noEvent,
      onDidChangeConfiguration: noEvent,
      onDidChangeWorkspaceFolders: noEvent,
      onDidChangeTextDocument: noEvent,
      onDidSaveTextDocument: noEvent,
      onDidCloseTextDocument: noEvent,
      textDocuments: [],
      registerTextDocumentContentProvider: () => ({ dispose: () => undefined }),
      workspaceFolders: undefined,
      getConfiguration: () => ({ get: (_key: string, fallback: unknown) => fallback, inspect: () => ({}) }),
    },
    extensions: { getExtension: () => undefined },
    commands: {
      registerCommand: () => ({ dispose: () => undefined }),
      executeCommand: async () => undefined,
    },
    env: { openExternal: async () => true },
  };
}

/** Makes `require('vscode')` return the stand-in. */
function installFakeVscode(): void {
  const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = loader._resolveFilename;
  loader._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
  };
  require.cache.vscode = {
    id: 'vscode',
    filename: 'vscode',
    loaded: true,
    exports: fakeVscode(),
  } as unknown as NodeJS.Module;
}

function fakeContext() {
  const noEvent = () => ({ dispose: () => undefined });
  return {
    subscriptions: [] as Array<{ dispose(): unknown }>,
    extensionUri: { fsPath: ROOT, scheme: 'file' },
    extensionMode: 1,
    secrets: {
      get: async () => undefined,
      store: async () => undefined,
      delete: async () => undefined,
      onDidChange: noEvent,
    },
    workspaceState: { get: () => undefined, update: async () => undefined },
    globalState: { get: () => undefined, update: async () => undefined },
  };
}

/** Activation of a bundle in a fresh Node process (so require is cold), in milliseconds. */
function activationMs(bundle: string): number {
  const script = `
    require(${JSON.stringify(join(__dirname, 'extension.js'))}).installFakeVscode();
    const t0 = process.hrtime.bigint();
    const extension = require(${JSON.stringify(bundle)});
    Promise.resolve(extension.activate(require(${JSON.stringify(join(__dirname, 'extension.js'))}).fakeContext())).then(() => {
      process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));
      process.exit(0);
    });`;
  return Number(
    execFileSync(process.execPath, ['-e', script], {
      env: { BENCH_CHILD: '1', PATH: process.env.PATH },
    }).toString(),
  );
}

export { fakeContext, installFakeVscode };

async function requestsPerHour(setup: (sandbox: Sandbox, refresher: Refresher) => void): Promise<number> {
  const sandbox = await startSandbox();
  try {
    const clock = new FakeClock();
    // As in the extension: the connection's events feed the window's request budget.
    const budget = new RequestBudget(clock);
    const api = connectBitbucket({
      credentials: demoSources(sandbox),
      apiUrl: sandbox.bitbucketApiUrl,
      transport: { ...TRANSPORT, onEvent: budget.observe },
    }).api;
    const context = loginBranch();
    const refresher = new Refresher({
      locate: () => context,
      isTrusted: () => true,
      connect: async () => api,
      checkKey: () => 'sonar',
      runs: new RunTracker(new MemoryMemento()),
      clock,
      budget,
    });
    setup(sandbox, refresher);
    await refresher.refresh();
    const before = sandbox.requests.length;
    await clock.advance(HOUR, () => refresher.settled());
    refresher.dispose();
    return sandbox.requests.length - before;
  } finally {
    await sandbox.close();
  }
}

/**
 * Requests in a simulated hour of one window following several repositories (multi-root), all drawing on the one
 * per-window budget; the first is the one shown.
 */
async function windowRequestsPerHour(
  contexts: readonly RepoContext[],
  setup: (sandbox: Sandbox) => void,
): Promise<number> {
  const sandbox = await startSandbox();
  try {
    const clock = new FakeClock();
    const budget = new RequestBudget(clock);
    const api = connectBitbucket({
      credentials: demoSources(sandbox),
      apiUrl: sandbox.bitbucketApiUrl,
      transport: { ...TRANSPORT, onEvent: budget.observe },
    }).api;
    const runs = new RunTracker(new MemoryMemento());
    const followed = new FollowedRepositories({
      contexts: () => [...contexts],
      activeRoot: () => contexts[0]?.root,
      createRefresher: (locate) =>
        new Refresher({
          locate,
          isTrusted: () => true,
          connect: async () => api,
          checkKey: () => 'sonar',
          runs,
          clock,
          budget,
        }),
    });
    setup(sandbox);
    await followed.sync();
    const before = sandbox.requests.length;
    await clock.advance(HOUR, () => followed.settled());
    followed.dispose();
    return sandbox.requests.length - before;
  } finally {
    await sandbox.close();
  }
}

async function main(): Promise<void> {
  const bundle = join(ROOT, 'dist', 'extension.js');
  const vsix = join(mkdtempSync(join(tmpdir(), 'crosscheck-vsix-')), 'crosscheck.vsix');
  execFileSync(
    process.execPath,
    [join(ROOT, 'scripts', 'package-vsix.js'), '--no-prepublish', '--out', vsix],
    {
      stdio: 'ignore',
    },
  );
  report('Sizes', [
    ['dist/extension.js (goal ≤ 200 KB)', `${(statSync(bundle).size / 1024).toFixed(1)} KB`],
    ['crosscheck.vsix (goal ≤ 300 KB)', `${(statSync(vsix).size / 1024).toFixed(1)} KB`],
  ]);

  const trivial = join(mkdtempSync(join(tmpdir(), 'crosscheck-trivial-')), 'extension.js');
  writeFileSync(
    trivial,
    "const vscode = require('vscode');\nexports.activate = (context) => { context.subscriptions.push(vscode.commands.registerCommand('trivial.hello', () => undefined)); };\n",
  );
  const runs = 9;
  const baseline: number[] = [];
  const crosscheck: number[] = [];
  for (let run = 0; run < runs; run++) {
    baseline.push(activationMs(trivial));
    crosscheck.push(activationMs(bundle));
  }
  report(
    `Activation in Node with a stand-in vscode module, cold require + activate (${runs} runs, medians)`,
    [
      ['trivial extension (one command)', `${median(baseline).toFixed(1)} ms`],
      ['Crosscheck', `${median(crosscheck).toFixed(1)} ms`],
      ['ratio', `${(median(crosscheck) / median(baseline)).toFixed(1)}x`],
    ],
  );

  const head = seed.webApp.pullRequest.sourceCommit;
  const inProgress = (sandbox: Sandbox) =>
    sandbox.setBuildStatus(seed.webApp.fullName, head, { key: 'sonar', state: 'INPROGRESS' });
  const three: PushedContext[] = [
    loginBranch(),
    rateLimitBranch(),
    loginBranch({
      root: '/work/web-app-main',
      branch: 'main',
      commit: seed.webApp.branches.main,
      upstream: 'origin/main',
    }),
  ];
  const allInProgress = (sandbox: Sandbox) => {
    for (const context of three)
      sandbox.setBuildStatus(formatRepository(context.repo), context.commit, {
        key: 'sonar',
        state: 'INPROGRESS',
      });
  };
  report('Requests per simulated hour (refresher against the sandbox)', [
    [
      "focused, another key's status INPROGRESS all hour (idle pace: only the check key polls fast)",
      String(
        await requestsPerHour((sandbox) =>
          sandbox.setBuildStatus(seed.webApp.fullName, head, { key: 'ci-build', state: 'INPROGRESS' }),
        ),
      ),
    ],
    [
      'multi-root, 3 repositories, focused, idle',
      String(await windowRequestsPerHour(three, () => undefined)),
    ],
    [
      'multi-root, 3 repositories, INPROGRESS in each all hour (one window budget; goal ≤ 300)',
      String(await windowRequestsPerHour(three, allInProgress)),
    ],
    ['focused, idle (goal ≤ 60)', String(await requestsPerHour(() => undefined))],
    [
      'focused, idle, panel open',
      String(await requestsPerHour((_sandbox, refresher) => refresher.setPanelOpen(true))),
    ],
    [
      'unfocused (goal 0)',
      String(await requestsPerHour((_sandbox, refresher) => refresher.setFocused(false))),
    ],
    [
      'unfocused, status INPROGRESS (goal 0)',
      String(
        await requestsPerHour((sandbox, refresher) => {
          inProgress(sandbox);
          refresher.setFocused(false);
        }),
      ),
    ],
    [
      'focused, INPROGRESS all hour (2–3 s polls, then the budget; goal ≤ 300)',
      String(await requestsPerHour((sandbox) => inProgress(sandbox))),
    ],
    [
      'focused, INPROGRESS all hour, panel open (goal ≤ 300)',
      String(
        await requestsPerHour((sandbox, refresher) => {
          inProgress(sandbox);
          refresher.setPanelOpen(true);
        }),
      ),
    ],
    [
      'focused, every request answered 429 (backoff)',
      String(
        await requestsPerHour((sandbox) =>
          sandbox.injectFaults({ pathPattern: /statuses/, faults: Array(500).fill(429) }),
        ),
      ),
    ],
  ]);
}

if (!process.env.BENCH_CHILD) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
