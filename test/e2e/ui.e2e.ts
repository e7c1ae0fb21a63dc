// End-to-end UI scenarios: the packaged extension in code-server, driven in Chromium, against the local sandbox.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { startSandbox, type PipelineRun, type RecordedRequest } from '../../src/sandbox';
import { seriousViolations } from './support/accessibility';
import type { Workbench } from './support/browser';
import { FixtureRepository } from './support/fixtureRepository';
import { scanFiles, scanPage, secretForms } from './support/secretScan';
import { FIXTURE, registerInSandbox, UiSession } from './support/uiSession';
import { waitUntil } from './support/wait';
import { repositoryRoot } from './support/vscodeServer';
import { commandPaletteTitles, type ExtensionManifest } from './support/vsix';

/** The extension folder to package: the repository (manifest + dist/extension.js) unless CROSSCHECK_E2E_EXTENSION says. */
const extensionFolder = path.resolve(process.env.CROSSCHECK_E2E_EXTENSION ?? repositoryRoot);

/** The status bar item's id (VS Code prefixes the extension id in the DOM). */
const STATUS_ITEM = 'crosscheck.status';

/** What the status bar item shows, in the extension's `$(icon) text` form. */
const LABEL = {
  signedOut: '$(warning) Crosscheck',
  restricted: '$(workspace-untrusted) Crosscheck',
  noStatus: `$(circle-large-outline) ${FIXTURE.checkKey}`,
  running: `$(sync~spin) ${FIXTURE.checkKey}`,
  successful: `$(check) ${FIXTURE.checkKey}`,
  failed: `$(error) ${FIXTURE.checkKey}`,
  stopped: `$(circle-slash) ${FIXTURE.checkKey}`,
} as const;

/** A status name that would run script if the panel rendered it as markup. */
const HOSTILE_NAME = '<img src=x onerror=window.__pwned=1>';

/** The most a status change on Bitbucket may take to show while a check runs or was just triggered (promised: 5 s). */
const LATENCY_LIMIT_MS = 10_000;

/** The palette title of one of the manifest's commands, e.g. 'Crosscheck: Sign In to Bitbucket'. */
function titleOf(manifest: ExtensionManifest, command: string): string {
  const contributed = manifest.contributes?.commands ?? [];
  const index = contributed.findIndex((candidate) => candidate.command === command);
  if (index < 0) throw new Error(`the manifest contributes no command ${command}`);
  const title = commandPaletteTitles(manifest)[index];
  if (title === undefined) throw new Error(`the manifest has no palette title for ${command}`);
  return title;
}

/** Requests that carried an Authorization header (the sandbox records it redacted, e.g. `Basic <email>:[REDACTED]`). */
function credentialed(requests: readonly RecordedRequest[]): string[] {
  return requests
    .filter((request) => request.headers.authorization !== undefined)
    .map((request) => `${request.method} ${request.path} (${request.headers.authorization})`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle];
  if (upper === undefined) throw new Error('The median of no values is undefined.');
  // With an even count of at least two, the value below the middle exists too.
  return sorted.length % 2 ? upper : (sorted[middle - 1]! + upper) / 2;
}

function variablesOf(run: PipelineRun): Record<string, string> {
  return Object.fromEntries(run.variables.map((variable) => [variable.key, variable.value]));
}

describe('Crosscheck in VS Code (code-server + Chromium)', function () {
  this.timeout(180_000);
  let session: UiSession | undefined;
  const current = (): UiSession => {
    if (!session) throw new Error('the UI session did not start (see the before hook)');
    return session;
  };
  const title = (command: string) => titleOf(current().manifest, command);
  const crosscheckCommands = async (workbench: Workbench) =>
    workbench.commandPaletteLabels(`${current().manifest.displayName ?? current().manifest.name}: `);

  /** Waits until the status bar says signed out, or shows a check (signed in); tells which. */
  async function signState(workbench: Workbench): Promise<'signed-in' | 'signed-out'> {
    let last = 'no Crosscheck item';
    return waitUntil(
      async () => {
        const shown = await workbench.findStatusBarItem(STATUS_ITEM);
        last = shown ? `'${shown.label}'` : 'no Crosscheck item';
        if (shown?.label === LABEL.signedOut) return 'signed-out' as const;
        if (shown?.label.endsWith(` ${FIXTURE.checkKey}`)) return 'signed-in' as const;
        return undefined;
      },
      () => `the status bar (showing ${last}) did not settle on signed in or signed out`,
    );
  }

  /** Sign In through the input boxes: the token kind, the email, then the token in a password box. */
  async function signInThroughInputBoxes(workbench: Workbench): Promise<void> {
    const { sandbox } = current();
    await workbench.runCommand(title('crosscheck.signIn'));
    await workbench.waitForQuickInputTitle('Sign In to Bitbucket');
    await workbench.typeIntoQuickInput('Atlassian API token');
    await workbench.waitForQuickInputTitle('Sign In to Bitbucket (1/2)');
    await workbench.typeIntoQuickInput(sandbox.demo.email);
    await workbench.waitForQuickInputTitle('Sign In to Bitbucket: API token (2/2)');
    const box = workbench.page.locator('.quick-input-widget:not(.quick-input-widget-closing) input');
    await waitUntil(
      async () => ((await box.getAttribute('type')) === 'password' ? true : undefined),
      'the token box is not a password box',
    );
    await workbench.typeIntoQuickInput(sandbox.demo.apiToken);
  }

  /** A trusted window that is signed in (through the input boxes if it was not). */
  async function signedInWindow(): Promise<Workbench> {
    const workbench = await current().openWindow();
    if ((await signState(workbench)) === 'signed-out') {
      await signInThroughInputBoxes(workbench);
      await waitUntil(async () => {
        const shown = await workbench.findStatusBarItem(STATUS_ITEM);
        const loaded = shown?.label.endsWith(` ${FIXTURE.checkKey}`) && !shown.ariaLabel?.includes('loading');
        return loaded || undefined;
      }, 'the status bar did not show the check after signing in');
    }
    return workbench;
  }

  before(async function () {
    session = await UiSession.start(extensionFolder);
  });

  beforeEach(async function () {
    const { sandbox, fixture } = current();
    // Every scenario starts on the pull request's branch, with no central run still about to post a status.
    fixture.checkout(FIXTURE.branch);
    await waitUntil(
      () => sandbox.pipelines(FIXTURE.central).every((run) => run.state === 'COMPLETED') || undefined,
      'a central run of the previous scenario did not complete',
    );
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session) {
      const name = this.currentTest.title.replace(/[^\w-]+/g, '-').slice(0, 60);
      const kept = await session.keepFailureArtifacts(name);
      console.log(`      failure artifacts: ${kept}`);
    }
  });

  after(async function () {
    await session?.close();
  });

  it('activates and lists its commands in the palette', async function () {
    const { manifest } = current();
    const workbench = await current().openWindow();
    console.log(`      workbench drawn in ${workbench.openedInMs} ms`);
    const category = manifest.displayName ?? manifest.name;
    const ownTitles = commandPaletteTitles(manifest).filter((candidate) =>
      candidate.startsWith(`${category}: `),
    );
    assert.ok(ownTitles.length > 0, `the manifest contributes no command titled '${category}: …'`);
    const listed = await crosscheckCommands(workbench);
    const shown = ownTitles.filter((candidate) => listed.includes(candidate));
    await workbench.screenshot('0-palette-lists-commands');
    assert.ok(
      shown.length > 0,
      `none of ${JSON.stringify(ownTitles)} in the palette, which lists ${JSON.stringify(listed)}`,
    );
    await workbench.dismissQuickInput();
  });

  it('1 signed out: says so, signs in through the input boxes, and the token is nowhere in the DOM, settings or logs', async function () {
    const { sandbox, userDataDir, server } = current();
    const workbench = await current().openWindow();
    if ((await signState(workbench)) === 'signed-in') {
      await workbench.runCommand(title('crosscheck.signOut'));
    }
    const since = sandbox.requests.length;
    const signedOut = await workbench.waitForStatusBarLabel(STATUS_ITEM, LABEL.signedOut);
    assert.match(signedOut.ariaLabel ?? '', /signed out/);
    assert.deepEqual(credentialed(sandbox.requests.slice(since)), [], 'nothing sent while signed out');

    await signInThroughInputBoxes(workbench);
    const signedIn = await workbench.waitForStatusBarLabel(STATUS_ITEM, LABEL.noStatus, 20_000);
    assert.match(signedIn.ariaLabel ?? '', new RegExp(`${FIXTURE.repo} · ${FIXTURE.branch}`));
    const sent = sandbox.requests.slice(since);
    assert.ok(
      sent.some((request) => request.path === '/2.0/user' && request.status === 200),
      'the credential was checked',
    );

    const forms = secretForms(sandbox.demo.apiToken, sandbox.demo.email);
    const page = await scanPage(workbench.page, forms);
    assert.deepEqual(page.documents, [], `the token is in the DOM of ${page.frames} frame(s)`);
    // VS Code keeps the last value in its (hidden) quick input box; anything else holding the token would be a leak.
    const exposed = page.inputs.filter(
      (input) => input.type !== 'password' || input.shown || !input.inQuickInput,
    );
    assert.deepEqual(exposed, [], 'the token is in an input other than the closed password box');
    if (page.inputs.length > 0) {
      console.log(`      note: VS Code's hidden quick input password box still holds the value typed last`);
    }

    // The scan must see the sign-in: wait until the output channel's log file has it (log files are written lazily).
    await waitUntil(
      () =>
        scanFiles([path.join(userDataDir, 'logs')], ['Sign-in check:']).findings.find((found) =>
          found.where.endsWith('Crosscheck.log'),
        ),
      'no Crosscheck log file recorded the sign-in check',
    );
    const files = scanFiles([userDataDir, server.logFile], forms);
    assert.ok(
      files.scanned.some((file) => file.endsWith(path.join('User', 'settings.json'))),
      'the user settings were scanned',
    );
    assert.deepEqual(files.findings, [], `the token is in files (${files.scanned.length} scanned)`);
    await workbench.screenshot('1-sign-in');
  });

  it('2 Run Central Check from the palette: triggers with the right variables, spinner → FAILED, a flip to SUCCESSFUL shows promptly', async function () {
    const { sandbox, fixture } = current();
    const workbench = await signedInWindow();
    const head = fixture.head();
    const runsBefore = sandbox.pipelines(FIXTURE.central).length;

    await workbench.runCommand(title('crosscheck.runCheck'));
    await workbench.waitForStatusBarLabel(STATUS_ITEM, LABEL.running, 15_000);
    const run = await waitUntil(
      () => sandbox.pipelines(FIXTURE.central)[runsBefore],
      'no pipeline run was triggered in the central repository',
    );
    assert.deepEqual(run.selector, { type: 'custom', pattern: FIXTURE.pipeline });
    assert.deepEqual(variablesOf(run), {
      TRIGGER_REPO: FIXTURE.repo,
      TRIGGER_COMMIT: head,
      TRIGGER_BRANCH: FIXTURE.branch,
      TRIGGER_PR_ID: String(FIXTURE.pullRequestId),
      TRIGGER_DESTINATION_BRANCH: FIXTURE.destination,
      // The extension marks the commit INPROGRESS under the check's key, so the gate need not mark it again.
      TRIGGER_PENDING_KEY: FIXTURE.checkKey,
    });
    assert.ok(run.variables.every((variable) => !variable.secured));

    // The sandbox's default central run posts FAILED.
    const failed = await workbench.waitForStatusBarLabel(STATUS_ITEM, LABEL.failed, 30_000);
    assert.ok(failed.classes.includes('error-kind'), `an error background: ${failed.classes.join(' ')}`);
    assert.equal(sandbox.pipelines(FIXTURE.central)[runsBefore]?.result, 'FAILED');

    // Right after a trigger, a status changed on Bitbucket shows within the promised latency. Each change comes at a
    // different moment of the polling cycle (the extension polls every 2.5 s then), not right after a poll.
    const latencies: number[] = [];
    const offsetsMs = [1200, 300, 2100, 900, 1800, 0, 1500];
    for (const [index, offset] of offsetsMs.entries()) {
      const state = index % 2 === 0 ? 'SUCCESSFUL' : 'FAILED';
      await workbench.page.waitForTimeout(offset);
      const changed = Date.now();
      sandbox.setBuildStatus(FIXTURE.repo, head, { key: FIXTURE.checkKey, state, name: 'SonarQube' });
      await workbench.waitForStatusBarLabel(
        STATUS_ITEM,
        state === 'SUCCESSFUL' ? LABEL.successful : LABEL.failed,
        LATENCY_LIMIT_MS,
      );
      latencies.push(Date.now() - changed);
    }
    console.log(
      `      status change → status bar: median ${median(latencies)} ms, max ${Math.max(...latencies)} ms (${latencies.join(', ')})`,
    );
    const passed = await workbench.findStatusBarItem(STATUS_ITEM);
    assert.ok(!passed?.classes.includes('error-kind'), 'no error background once SUCCESSFUL');
    await workbench.screenshot('2-run-central-check');
  });

  it('3 PR status panel: lists every status of the PR, shows a hostile name as text, Re-run triggers again', async function () {
    const { sandbox, fixture } = current();
    const head = fixture.head();
    sandbox.setBuildStatus(FIXTURE.repo, head, {
      key: FIXTURE.checkKey,
      state: 'SUCCESSFUL',
      name: 'SonarQube',
    });
    sandbox.setBuildStatus(FIXTURE.repo, head, {
      key: 'lint',
      state: 'SUCCESSFUL',
      name: 'ESLint',
      description: 'No problems',
    });
    sandbox.setBuildStatus(FIXTURE.repo, head, {
      key: 'probe',
      state: 'STOPPED',
      name: HOSTILE_NAME,
      description: '"><script>window.__pwned=2</script>',
    });
    const workbench = await signedInWindow();
    await workbench.runCommand(title('crosscheck.openPanel'));

    const expected = sandbox
      .buildStatuses(FIXTURE.repo, FIXTURE.branch)
      .map((status) => `${status.key}=${status.state}`)
      .sort();
    const panel = await workbench.findWebviewFrame('#crosscheck-root section.pull-request', 20_000);
    assert.equal(await panel.locator('section.pull-request').getAttribute('data-pull-request'), '7');
    const rows = panel.locator('#crosscheck-root li.status');
    const shown = await waitUntil(async () => {
      const found = await rows.evaluateAll((items: Array<{ getAttribute(name: string): string | null }>) =>
        items.map((item) => `${item.getAttribute('data-key')}=${item.getAttribute('data-state')}`).sort(),
      );
      return found.length === expected.length ? found : undefined;
    }, `the panel did not list ${expected.length} statuses`);
    assert.deepEqual(shown, expected);

    const hostile = panel.locator('#crosscheck-root li.status[data-key="probe"] .status-name');
    assert.equal(await hostile.textContent(), HOSTILE_NAME);
    assert.ok(await hostile.isVisible(), 'the hostile name is shown');
    assert.equal(
      await panel.locator('#crosscheck-root .status-list img').count(),
      0,
      'no img in the status list',
    );
    assert.equal(await panel.locator('#crosscheck-root img, #crosscheck-root script').count(), 0);
    for (const frame of workbench.page.frames()) {
      assert.equal(
        await frame.evaluate('typeof window.__pwned'),
        'undefined',
        `script ran in ${frame.url()}`,
      );
    }

    const runsBefore = sandbox.pipelines(FIXTURE.central).length;
    await panel.locator('button[data-command=rerun]').click();
    const rerun = await waitUntil(
      () => sandbox.pipelines(FIXTURE.central)[runsBefore],
      'Re-run triggered no pipeline run',
    );
    assert.equal(variablesOf(rerun).TRIGGER_COMMIT, head);
    assert.equal(variablesOf(rerun).TRIGGER_PR_ID, String(FIXTURE.pullRequestId));
    await panel
      .locator('section.run .run-link', { hasText: `#${rerun.buildNumber} ` })
      .waitFor({ state: 'visible', timeout: 15_000 });
    await workbench.screenshot('3-status-panel');
  });

  it('4 switching branch updates the status bar; Sign Out clears it and the secrets', async function () {
    const { sandbox, fixture } = current();
    sandbox.setBuildStatus(FIXTURE.repo, FIXTURE.branch, { key: FIXTURE.checkKey, state: 'SUCCESSFUL' });
    sandbox.setBuildStatus(FIXTURE.repo, FIXTURE.otherBranch, {
      key: FIXTURE.checkKey,
      state: 'STOPPED',
      description: 'Analysis cancelled',
    });
    const workbench = await signedInWindow();
    await workbench.waitForStatusBarLabel(STATUS_ITEM, LABEL.successful, 20_000);

    const switched = Date.now();
    fixture.checkout(FIXTURE.otherBranch);
    const other = await workbench.waitForStatusBarLabel(STATUS_ITEM, LABEL.stopped, 30_000);
    console.log(`      git checkout → status bar: ${Date.now() - switched} ms`);
    assert.match(other.ariaLabel ?? '', new RegExp(`${FIXTURE.otherBranch} · ${fixture.head().slice(0, 7)}`));
    fixture.checkout(FIXTURE.branch);
    await workbench.waitForStatusBarLabel(STATUS_ITEM, LABEL.successful, 30_000);

    // Nothing in flight from before: from here on, any request with the credential is one sent after Sign Out.
    await current().sandboxQuiet();
    const signedOutAt = sandbox.requests.length;
    await workbench.runCommand(title('crosscheck.signOut'));
    await workbench.waitForStatusBarLabel(STATUS_ITEM, LABEL.signedOut);
    await workbench.runCommand(title('crosscheck.refresh'));
    // A new window reads SecretStorage afresh: nothing is left to sign in with.
    const reopened = await current().openWindow();
    await reopened.waitForStatusBarLabel(STATUS_ITEM, LABEL.signedOut, 20_000);
    const commands = await crosscheckCommands(reopened);
    assert.ok(commands.includes(title('crosscheck.signIn')), JSON.stringify(commands));
    assert.ok(
      !commands.includes(title('crosscheck.signOut')),
      `still signed in: ${JSON.stringify(commands)}`,
    );
    await reopened.dismissQuickInput();
    assert.deepEqual(
      credentialed(sandbox.requests.slice(signedOutAt)),
      [],
      'credentials sent after Sign Out',
    );
    await reopened.screenshot('4-branch-switch-sign-out');
  });

  it('5 Restricted Mode: with a credential stored, nothing sends it, not even to a server the workspace names', async function () {
    const { sandbox, fixture } = current();
    await signedInWindow();
    const workspaceServer = await startSandbox();
    const workspaceSettings = path.join(fixture.root, '.vscode', 'settings.json');
    try {
      fs.mkdirSync(path.dirname(workspaceSettings), { recursive: true });
      fs.writeFileSync(
        workspaceSettings,
        JSON.stringify({ 'crosscheck.apiUrl': workspaceServer.bitbucketApiUrl }),
      );
      // Whatever the trusted window was still sending ends with it.
      await current().closeWindow();
      await current().sandboxQuiet();
      const since = sandbox.requests.length;
      const workbench = await current().openWindow({ restricted: true });
      const trust = await workbench.readStatusBarItem('status.workspaceTrust', 20_000);
      assert.match(trust.text, /Restricted Mode/);

      // Git is off in Restricted Mode; the extension reads .git/config to know this is a Bitbucket repository.
      await workbench.waitForStatusBarLabel(STATUS_ITEM, LABEL.restricted, 20_000);
      // The signed-in context key follows the SecretStorage read, which may finish after the first render.
      let commands: string[] = [];
      await waitUntil(
        async () => {
          commands = await crosscheckCommands(workbench);
          await workbench.dismissQuickInput();
          return commands.includes(title('crosscheck.signOut')) ? true : undefined;
        },
        () => `the stored credential shown (Sign Out offered): ${JSON.stringify(commands)}`,
      );
      assert.ok(
        !commands.includes(title('crosscheck.runCheck')),
        `Run Central Check offered: ${JSON.stringify(commands)}`,
      );
      // The extension refreshes once on activation; give it time to send anything it would.
      await workbench.page.waitForTimeout(5000);
      assert.deepEqual(
        credentialed(sandbox.requests.slice(since)),
        [],
        'credentials sent in Restricted Mode',
      );
      assert.deepEqual(workspaceServer.requests, [], 'the server named by the workspace was contacted');
      await workbench.screenshot('5-restricted-mode');
    } finally {
      fs.rmSync(path.dirname(workspaceSettings), { recursive: true, force: true });
      await workspaceServer.close();
    }
  });
  it('6 PR status panel by keyboard and screen reader: actions first, focus kept across polls, changes said once, no serious axe violations', async function () {
    const { sandbox, fixture } = current();
    const head = fixture.head();
    sandbox.setBuildStatus(FIXTURE.repo, head, {
      key: FIXTURE.checkKey,
      state: 'SUCCESSFUL',
      name: 'SonarQube',
    });
    sandbox.setBuildStatus(FIXTURE.repo, head, { key: 'lint', state: 'FAILED', name: 'ESLint' });
    for (let index = 0; index < 12; index++) {
      sandbox.setBuildStatus(FIXTURE.repo, head, {
        key: `unit-${index}`,
        state: 'SUCCESSFUL',
        name: `Unit tests ${index}`,
      });
    }
    const expected = sandbox.buildStatuses(FIXTURE.repo, FIXTURE.branch).length;
    const workbench = await signedInWindow();
    await workbench.runCommand(title('crosscheck.openPanel'));
    const panel = await workbench.findWebviewFrame('#crosscheck-root li.status', 20_000);
    await waitUntil(
      async () => ((await panel.locator('li.status').count()) === expected ? true : undefined),
      `the panel did not list ${expected} statuses`,
    );
    // Failed (and stopped, e.g. scenario 3's probe) first, then passed; the one-line summary names what blocks.
    assert.notEqual(await panel.locator('li.status').first().getAttribute('data-state'), 'SUCCESSFUL');
    assert.equal(
      await panel.locator('details[data-group="failed"] li.status[data-key="lint"]').count(),
      1,
      'ESLint is listed with what failed',
    );
    assert.match(
      (await panel.locator('.verdict-summary').textContent()) ?? '',
      /^\d+ of \d+ failed; the merge check would block: .*ESLint/,
    );
    assert.deepEqual(await seriousViolations(panel), [], 'axe-core in the webview');

    // Keyboard only: the webview has focus as VS Code gives it; Tab reaches the actions first.
    await panel.evaluate('window.focus()');
    const focusedCommand = () =>
      panel.evaluate<string | null>(
        `document.activeElement && document.activeElement.getAttribute('data-command')`,
      );
    await workbench.page.keyboard.press('Tab');
    assert.equal(await focusedCommand(), 'rerun', 'the first Tab stop is Re-run');
    await workbench.page.keyboard.press('Tab');
    assert.equal(await focusedCommand(), 'refresh');

    // A status changes on Bitbucket; Enter on Refresh brings it; focus stays, and only the change is said.
    sandbox.setBuildStatus(FIXTURE.repo, head, { key: 'lint', state: 'SUCCESSFUL', name: 'ESLint' });
    await workbench.page.keyboard.press('Enter');
    await panel
      .locator('#crosscheck-announcer', { hasText: 'ESLint: passed.' })
      .waitFor({ state: 'attached', timeout: 15_000 });
    assert.equal(await focusedCommand(), 'refresh', 'focus kept on Refresh after the update');
    assert.equal(await panel.locator('[aria-live]').count(), 1, 'one live region: the announcer');
    const name = await panel.locator('li.status[data-key="lint"] .status-name').getAttribute('aria-label');
    assert.equal(name, 'ESLint, passed', 'the state is in the row name');

    // Enter on Re-run: the run starts and the panel updates every 2.5 s; focus stays on the button through the polls.
    const runsBefore = sandbox.pipelines(FIXTURE.central).length;
    await workbench.page.keyboard.press('Shift+Tab');
    assert.equal(await focusedCommand(), 'rerun');
    await workbench.page.keyboard.press('Enter');
    await waitUntil(
      () => sandbox.pipelines(FIXTURE.central)[runsBefore],
      'Re-run by keyboard triggered no run',
    );
    await panel.locator('section.run').waitFor({ state: 'visible', timeout: 15_000 });
    await workbench.page.waitForTimeout(6_000);
    assert.equal(await focusedCommand(), 'rerun', 'focus kept on Re-run across polls');
    assert.equal(await panel.locator('button[data-command="rerun"]').getAttribute('aria-disabled'), 'true');
    assert.deepEqual(await seriousViolations(panel), [], 'axe-core with a run in progress');
    await workbench.screenshot('6-panel-keyboard');
  });

  it('7 multi-root: follows both Bitbucket repositories, the status bar names the shown one and sums up the other, the panel switches', async function () {
    const { sandbox, scratch } = current();
    const secondRoot = path.join(scratch, 'api-service');
    const second = FixtureRepository.create(secondRoot, {
      remoteUrl: 'https://bitbucket.org/acme/api-service.git',
      main: ['Initial commit'],
      branches: { 'feature/rate-limit': ['Add rate limiting'] },
      checkedOut: 'feature/rate-limit',
    });
    registerInSandbox(second, sandbox, 'acme/api-service');
    const secondHead = second.head();
    sandbox.setBuildStatus('acme/api-service', secondHead, {
      key: FIXTURE.checkKey,
      state: 'FAILED',
      name: 'SonarQube',
    });
    sandbox.setBuildStatus(FIXTURE.repo, current().fixture.head(), {
      key: FIXTURE.checkKey,
      state: 'SUCCESSFUL',
    });
    const workspaceFile = path.join(scratch, 'two.code-workspace');
    fs.writeFileSync(
      workspaceFile,
      JSON.stringify({ folders: [{ path: current().fixture.root }, { path: secondRoot }] }),
    );
    await signedInWindow();
    let workbench = await current().openWindow({ workspaceFile });
    // The web workbench sometimes opens a new .code-workspace with no folders (seen once in five runs, before the
    // extension is involved): the window is opened again once when its explorer says so.
    const noFolder = workbench.page
      .locator('.explorer-folders-view, .pane-body')
      .filter({ hasText: 'You have not yet added a folder to the workspace' });
    await workbench.page.waitForTimeout(3_000);
    if (await noFolder.count()) {
      console.log('      note: the workspace opened without its folders; opening it again');
      workbench = await current().openWindow({ workspaceFile });
    }
    const both = [
      `$(check) web-app: ${FIXTURE.checkKey} · $(error) 1 more failed`,
      `$(error) api-service: ${FIXTURE.checkKey}`,
    ];
    let last = 'nothing';
    const first = await waitUntil(
      async () => {
        const shown = await workbench.findStatusBarItem(STATUS_ITEM);
        last = shown ? `'${shown.label}'` : 'no Crosscheck item';
        return shown && both.includes(shown.label) ? shown : undefined;
      },
      () => `the status bar (showing ${last}) did not name a repository of the two`,
    );
    assert.match(first.ariaLabel ?? '', /Other repositories: acme\/(api-service failed|web-app passed)/);

    await workbench.runCommand(title('crosscheck.openPanel'));
    const panel = await workbench.findWebviewFrame('#crosscheck-repository', 20_000);
    assert.deepEqual((await panel.locator('#crosscheck-repository option').allTextContents()).sort(), [
      'acme/api-service',
      'acme/web-app',
    ]);
    const headingBefore = await panel.locator('h1.heading').textContent();
    await panel.locator('#crosscheck-repository').focus();
    const selected = await panel.locator('#crosscheck-repository').inputValue();
    await workbench.page.keyboard.press(selected === '0' ? 'ArrowDown' : 'ArrowUp');
    await waitUntil(
      async () => ((await panel.locator('h1.heading').textContent()) !== headingBefore ? true : undefined),
      'the panel did not switch repository',
    );
    const other = first.label.includes('web-app') ? both[1] : both[0];
    await workbench.waitForStatusBarLabel(STATUS_ITEM, other ?? '', 20_000);
    assert.deepEqual(await seriousViolations(panel), []);
    await workbench.screenshot('7-multi-root');
  });
});
