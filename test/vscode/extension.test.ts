// Crosscheck in a real VS Code: activation, commands, sign-in storing and clearing secrets, the status bar against the sandbox.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CrosscheckApi } from '../../src/extension/extension';
import type { CheckState } from '../../src/extension/model/check-state';
import { COMMANDS } from '../../src/extension/model/command-ids';
import { startSandbox, type Sandbox } from '../../src/sandbox';

const EXTENSION_ID = 'crosscheck.crosscheck';

/** The parts of the git extension's API this suite drives. */
interface GitApi {
  openRepository(root: vscode.Uri): Promise<unknown>;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

/** A repository cloned from acme/web-app (as far as its remote says), on feature/login, pushed. */
function createRepository(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscheck-web-app-'));
  git(root, 'init', '-q', '-b', 'feature/login');
  git(root, 'config', 'user.email', 'dev@acme.example');
  git(root, 'config', 'user.name', 'Dana Developer');
  fs.writeFileSync(path.join(root, 'README.md'), '# web-app\n');
  git(root, 'add', 'README.md');
  git(root, 'commit', '-q', '-m', 'Add login form');
  git(root, 'remote', 'add', 'origin', 'git@bitbucket.org:acme/web-app.git');
  // As after `git push -u origin feature/login`, without a network.
  git(root, 'update-ref', 'refs/remotes/origin/feature/login', 'HEAD');
  git(root, 'branch', '-q', '--set-upstream-to=origin/feature/login');
  return root;
}

/** Waits until the extension publishes a state that passes `accept`, refreshing first. */
async function stateWhere(
  api: CrosscheckApi,
  accept: (state: CheckState) => boolean,
  what: string,
): Promise<CheckState> {
  if (accept(api.state)) return api.state;
  return new Promise<CheckState>((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`no ${what} state within 15 s; last: ${JSON.stringify(api.state.kind)}`));
    }, 15_000);
    const subscription = api.onDidChangeState((state) => {
      if (!accept(state)) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(state);
    });
    void vscode.commands.executeCommand(COMMANDS.refresh);
  });
}

describe('Crosscheck extension', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let api: CrosscheckApi;
  let root: string;

  before(async () => {
    sandbox = await startSandbox();
    await vscode.workspace
      .getConfiguration('crosscheck')
      .update('apiUrl', sandbox.bitbucketApiUrl, vscode.ConfigurationTarget.Global);
    const extension = vscode.extensions.getExtension<CrosscheckApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    api = await extension.activate();
    await vscode.commands.executeCommand(COMMANDS.signOut);
    root = createRepository();
    const gitApi = vscode.extensions
      .getExtension<{ getAPI(version: 1): GitApi }>('vscode.git')!
      .exports.getAPI(1);
    await gitApi.openRepository(vscode.Uri.file(root));
  });

  after(async () => {
    await vscode.commands.executeCommand(COMMANDS.signOut);
    await vscode.workspace
      .getConfiguration('crosscheck')
      .update('apiUrl', undefined, vscode.ConfigurationTarget.Global);
    await sandbox?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('registers every command', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const command of Object.values(COMMANDS)) assert.ok(registered.has(command), command);
  });

  it('finds the Bitbucket repository from git and shows signed-out in the status bar, sending nothing', async () => {
    const state = await stateWhere(api, (candidate) => candidate.kind === 'signed-out', 'signed-out');
    assert.ok(state.kind === 'signed-out');
    assert.deepEqual(state.context.repo, { workspace: 'acme', slug: 'web-app' });
    assert.equal(state.context.branch, 'feature/login');
    assert.equal(state.context.commit, git(root, 'rev-parse', 'HEAD'));
    const bar = api.statusBar();
    assert.equal(bar?.visible, true, 'the status bar item is shown');
    assert.equal(bar?.text, '$(warning) Crosscheck');
    assert.equal(bar?.command, COMMANDS.signIn);
    assert.equal(sandbox.requests.length, 0);
  });

  it('the sign-in command takes no credential from its arguments: it asks, and stores nothing when cancelled', async () => {
    const pending = vscode.commands.executeCommand<{ signedIn: boolean; reason?: string }>(COMMANDS.signIn, {
      kind: 'api-token',
      email: sandbox.demo.email,
      token: sandbox.demo.apiToken,
    });
    // The command opened its quick pick instead of using the argument; closing it cancels the sign-in.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    const result = await pending;
    assert.deepEqual(result, { signedIn: false, reason: 'cancelled' });
    assert.equal(await api.storedCredential(), undefined);
    assert.equal(sandbox.requests.length, 0, 'the credential in the arguments was never sent');
  });

  it('refuses a credential the doctor rejects and stores nothing', async () => {
    assert.ok(api.testing, 'the test hooks exist when VS Code runs the extension under test');
    const result = await api.testing.signIn({
      kind: 'api-token',
      email: 'someone@else.example',
      token: sandbox.demo.apiToken,
    });
    assert.ok(!result.signedIn);
    assert.match(result.reason, /did not accept the credential/);
    assert.equal(await api.storedCredential(), undefined);
  });

  it('stores a credential the doctor accepts, and shows the status of HEAD', async () => {
    const result = await api.testing?.signIn({
      kind: 'api-token',
      email: sandbox.demo.email,
      token: sandbox.demo.apiToken,
    });
    assert.equal(result?.signedIn, true);
    assert.match((await api.storedCredential()) ?? '', /^API token for dev@acme\.example/);
    // The sandbox only knows its seeded commits, so this repository's HEAD is "not found": an error with what to check.
    const state = await stateWhere(
      api,
      (candidate) => candidate.kind === 'error' || candidate.kind === 'loaded',
      'loaded or error',
    );
    assert.equal(state.kind, 'error');
    const bar = api.statusBar();
    assert.equal(bar?.visible, true, 'the status bar item is shown');
    assert.equal(bar?.text, '$(warning) sonar');
    assert.equal(bar?.background, 'warning');
    // The repository exists on Bitbucket, the commit does not: told apart with one request to the repository.
    assert.match(bar?.tooltip ?? '', /Bitbucket's acme\/web-app has no commit [0-9a-f]{7}\./);
    assert.ok(sandbox.requests.every((request) => !JSON.stringify(request).includes(sandbox.demo.apiToken)));
  });

  it('shows a commit that is not pushed without asking Bitbucket', async () => {
    fs.writeFileSync(path.join(root, 'login.ts'), 'export {};\n');
    git(root, 'add', 'login.ts');
    git(root, 'commit', '-q', '-m', 'Validate login form input');
    const head = git(root, 'rev-parse', 'HEAD');
    const state = await stateWhere(api, (candidate) => candidate.kind === 'not-pushed', 'not-pushed');
    assert.ok(state.kind === 'not-pushed');
    assert.match(state.problem.message, /1 commit ahead of origin\/feature\/login/);
    assert.equal(api.statusBar()?.text, '$(circle-large-outline) Crosscheck');
    const run = await vscode.commands.executeCommand(COMMANDS.runCheck);
    assert.equal(run, undefined, 'run-check refuses an unpushed HEAD');
    assert.equal(sandbox.pipelines('acme/central-checks').length, 0);
    assert.deepEqual(
      sandbox.requests.filter((request) => request.path.includes(head)),
      [],
      'nothing asked about the unpushed commit',
    );
  });

  it('deletes every stored secret on sign-out', async () => {
    await vscode.commands.executeCommand(COMMANDS.signOut);
    assert.equal(await api.storedCredential(), undefined);
    git(root, 'update-ref', 'refs/remotes/origin/feature/login', 'HEAD');
    const state = await stateWhere(api, (candidate) => candidate.kind === 'signed-out', 'signed-out');
    assert.equal(state.kind, 'signed-out');
    assert.equal(api.statusBar()?.text, '$(warning) Crosscheck');
  });

  it('opens the PR status panel', async () => {
    await vscode.commands.executeCommand(COMMANDS.openPanel);
    const tabs = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs);
    const panelTab = () =>
      tabs().find((tab) => tab.input instanceof vscode.TabInputWebview && tab.label === 'PR Status');
    // The tab appears once the workbench has created the webview, a round trip after the command.
    for (let waited = 0; !panelTab() && waited < 10_000; waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(
      panelTab(),
      `tabs: ${tabs()
        .map((tab) => tab.label)
        .join(', ')}`,
    );
  });
});
