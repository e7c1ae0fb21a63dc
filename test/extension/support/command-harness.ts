// The command functions' dependencies for a test: fakes for the editor, and the real credential store, connection
// provider and refresher (over a fake clock) wired to a running sandbox, as the composition root wires them.
import type { CommandDependencies } from '../../../src/extension/model/commands/ports';
import { ConnectionProvider } from '../../../src/extension/model/connection';
import { CredentialStore } from '../../../src/extension/model/credential-store';
import { Refresher } from '../../../src/extension/model/refresher';
import { RunTracker } from '../../../src/extension/model/runs';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../../src/sandbox';
import { assertRequestsMatchOpenApi } from '../../support/sandbox-suite';
import { FakeClock } from './fake-clock';
import { FakeCommands, FakeLog, FakeWindow, FakeWorkspace } from './fake-editor';
import { MemoryMemento, MemorySecrets } from './memory-stores';
import { loginBranch, TRANSPORT } from './sandbox';

export interface CommandHarness extends CommandDependencies {
  window: FakeWindow;
  commands: FakeCommands;
  log: FakeLog;
  workspace: FakeWorkspace;
  refresher: Refresher;
  clock: FakeClock;
  secrets: MemorySecrets;
  runs: RunTracker;
  /** Invalidations of the connection so far. */
  invalidations(): number;
  /** Stores the demo API token, as a finished sign-in would. */
  signInAsDemo(): Promise<void>;
  dispose(): void;
}

/** Signed out, trusted, on acme/web-app's feature/login (pull request #7), with the central check settings set. */
export function commandHarness(sandbox: Sandbox): CommandHarness {
  const clock = new FakeClock();
  const secrets = new MemorySecrets();
  const store = new CredentialStore(secrets);
  const workspace = new FakeWorkspace(() => sandbox.bitbucketApiUrl, loginBranch());
  const provider = new ConnectionProvider(store, { apiUrl: () => workspace.apiUrl(), transport: TRANSPORT });
  let invalidations = 0;
  const connections = {
    connection: () => provider.connection(),
    invalidate: () => {
      invalidations++;
      provider.invalidate();
    },
  };
  const runs = new RunTracker(new MemoryMemento());
  const refresher = new Refresher({
    locate: () => workspace.currentRepository(),
    isTrusted: () => workspace.isTrusted(),
    connect: async () => (await connections.connection())?.api,
    checkKey: (context) => workspace.checkSettings(context.root).checkKey,
    runs,
    clock,
  });
  return {
    window: new FakeWindow(),
    commands: new FakeCommands(),
    log: new FakeLog(),
    workspace,
    store,
    connections,
    refresher,
    clock,
    transport: TRANSPORT,
    secrets,
    runs,
    invalidations: () => invalidations,
    signInAsDemo: async () => {
      await store.save({
        kind: 'api-token',
        email: sandbox.demo.email,
        token: sandbox.demo.apiToken,
        source: 'x',
      });
      connections.invalidate();
    },
    dispose: () => refresher.dispose(),
  };
}

/**
 * For a mocha suite: a fresh sandbox and harness before each test, handed to `use`; after it, both closed and the
 * requests the sandbox received checked against the OpenAPI document.
 */
export function useCommandHarness(
  use: (sandbox: Sandbox, editor: CommandHarness) => void,
  options: SandboxOptions = {},
): void {
  let sandbox: Sandbox | undefined;
  let editor: CommandHarness | undefined;
  beforeEach(async () => {
    sandbox = await startSandbox(options);
    editor = commandHarness(sandbox);
    use(sandbox, editor);
  });
  afterEach(async () => {
    editor?.dispose();
    if (!sandbox) return;
    await sandbox.close();
    assertRequestsMatchOpenApi(sandbox);
  });
}
