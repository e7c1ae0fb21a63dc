// The refresher against the sandbox over real HTTP: every state it publishes, the status bar for each, cost per hour, followed runs.
import * as assert from 'node:assert/strict';
import type { BitbucketApi } from '../../src/core/bitbucket/api';
import { CredentialError } from '../../src/core/errors';
import type { CheckState } from '../../src/extension/model/check-state';
import { startCheck } from '../../src/extension/model/central-trigger';
import { DEFAULT_POLLING } from '../../src/extension/model/polling';
import { type FinishedRun, Refresher, type RefresherDependencies } from '../../src/extension/model/refresher';
import type { RepoContext } from '../../src/extension/model/repository';
import { RunTracker } from '../../src/extension/model/runs';
import { statusBarView } from '../../src/extension/view/status-bar-view';
import { CENTRAL_STATUS, seed, startSandbox, type Sandbox } from '../../src/sandbox';
import { FakeClock } from './support/fake-clock';
import { MemoryMemento } from './support/memory-stores';
import { connectTo, loginBranch, requestsSince } from './support/sandbox';
import { assertRequestsMatchOpenApi } from '../support/sandbox-suite';

const HOUR = 3_600_000;

describe('Refresher against the sandbox', () => {
  let sandbox: Sandbox;
  let api: BitbucketApi;
  const disposables: Array<{ dispose(): void }> = [];

  beforeEach(async () => {
    sandbox = await startSandbox({ centralRunStepMs: 30 });
    api = connectTo(sandbox).api;
  });

  afterEach(async () => {
    for (const disposable of disposables.splice(0)) disposable.dispose();
    await sandbox.close();
    assertRequestsMatchOpenApi(sandbox);
  });

  function refresher(overrides: Partial<RefresherDependencies> = {}): {
    refresher: Refresher;
    states: CheckState[];
    clock: FakeClock;
  } {
    const clock = new FakeClock();
    const created = new Refresher({
      locate: () => loginBranch(),
      isTrusted: () => true,
      connect: async () => api,
      checkKey: () => 'sonar',
      runs: new RunTracker(new MemoryMemento()),
      clock,
      ...overrides,
    });
    disposables.push(created);
    const states: CheckState[] = [];
    created.onDidChangeState((state) => states.push(state));
    return { refresher: created, states, clock };
  }

  function statusBarText(state: CheckState): string {
    return statusBarView(state, Date.now()).text;
  }

  it('publishes no-repository without a request, and the status bar hides', async () => {
    const { refresher: subject } = refresher({ locate: () => undefined });
    await subject.refresh();
    assert.equal(subject.state.kind, 'no-repository');
    assert.equal(statusBarView(subject.state, Date.now()).visible, false);
    assert.deepEqual(requestsSince(sandbox, 0), []);
  });

  it('sends nothing in Restricted Mode, even when signed in', async () => {
    const { refresher: subject } = refresher({ isTrusted: () => false });
    await subject.refresh();
    assert.equal(subject.state.kind, 'restricted');
    assert.equal(statusBarText(subject.state), '$(workspace-untrusted) Crosscheck');
    assert.deepEqual(requestsSince(sandbox, 0), []);
  });

  it('shows signed-out with a warning that signs in on click', async () => {
    const { refresher: subject } = refresher({ connect: async () => undefined });
    await subject.refresh();
    const view = statusBarView(subject.state, Date.now());
    assert.equal(subject.state.kind, 'signed-out');
    assert.equal(view.text, '$(warning) Crosscheck');
    assert.equal(view.command, 'crosscheck.signIn');
    assert.match(view.tooltip.lines.join(' '), /Sign in to see the checks of acme\/web-app on Bitbucket/);
  });

  it('sends nothing for a HEAD that is not pushed, and says so', async () => {
    const { refresher: subject } = refresher({ locate: () => loginBranch({ ahead: 1 }) });
    await subject.refresh();
    assert.equal(subject.state.kind, 'not-pushed');
    assert.match(statusBarView(subject.state, Date.now()).tooltip.lines.join(' '), /1 commit ahead/);
    assert.deepEqual(requestsSince(sandbox, 0), []);
  });

  it('reports a stored credential that cannot work as an error that signs in on click', async () => {
    const { refresher: subject } = refresher({
      connect: async () => {
        throw new CredentialError('the stored API token holds an app password.', 'Sign in again.');
      },
    });
    await subject.refresh();
    assert.equal(subject.state.kind, 'error');
    assert.equal(statusBarView(subject.state, Date.now()).command, 'crosscheck.signIn');
  });

  it('shows each state of the check key on HEAD with one request per refresh', async () => {
    const { refresher: subject, states } = refresher();
    const head = seed.webApp.pullRequest.sourceCommit;
    await subject.refresh();
    assert.deepEqual(
      states.map((state) => state.kind),
      ['loading', 'loaded'],
    );
    assert.equal(statusBarText(subject.state), '$(circle-large-outline) sonar');
    const expected: Array<[string, string, string | undefined]> = [
      ['INPROGRESS', '$(sync~spin) sonar', undefined],
      ['SUCCESSFUL', '$(check) sonar', undefined],
      ['FAILED', '$(error) sonar', 'error'],
      ['STOPPED', '$(circle-slash) sonar', undefined],
    ];
    for (const [state, text, background] of expected) {
      sandbox.setBuildStatus(seed.webApp.fullName, head, {
        key: 'sonar',
        state,
        name: 'SonarQube',
        description: `it is ${state}`,
      });
      const before = sandbox.requests.length;
      await subject.refresh();
      const view = statusBarView(subject.state, Date.now());
      assert.equal(view.text, text);
      assert.equal(view.background, background);
      assert.equal(view.tooltip.title, `SonarQube: ${state}`);
      assert.ok(view.tooltip.lines.includes(`it is ${state}`));
      assert.deepEqual(requestsSince(sandbox, before), [
        `GET /2.0/repositories/acme/web-app/commit/${head}/statuses`,
      ]);
    }
    // Same HEAD, so no second "loading" while refreshing.
    assert.equal(states.filter((state) => state.kind === 'loading').length, 1);
  });

  it('keeps the last snapshot on a 429 and shows a warning with what to do', async () => {
    const { refresher: subject } = refresher();
    const head = seed.webApp.pullRequest.sourceCommit;
    sandbox.setBuildStatus(seed.webApp.fullName, head, { key: 'sonar', state: 'SUCCESSFUL' });
    await subject.refresh();
    sandbox.injectFaults({ pathPattern: /statuses/, faults: [429] });
    await subject.refresh();
    const state = subject.state;
    assert.equal(state.kind, 'error');
    assert.ok(
      state.kind === 'error' && state.error.rateLimited && state.previous?.check?.state === 'SUCCESSFUL',
    );
    const view = statusBarView(state, Date.now());
    assert.equal(view.text, '$(warning) sonar');
    assert.equal(view.background, 'warning');
    assert.match(view.tooltip.lines.join(' '), /rate limit/);
    assert.match(view.tooltip.lines.join(' '), /Last known: SUCCESSFUL/);
  });

  it('shows a rejected credential (401) as an error that signs in on click, and stops polling', async () => {
    api = connectTo(sandbox, { email: sandbox.demo.email, apiToken: `ATATT${'x'.repeat(60)}` }).api;
    const { refresher: subject, clock } = refresher();
    await subject.refresh();
    assert.equal(subject.state.kind, 'error');
    assert.equal(statusBarView(subject.state, Date.now()).command, 'crosscheck.signIn');
    const before = sandbox.requests.length;
    await clock.advance(HOUR, () => subject.settled());
    assert.equal(sandbox.requests.length, before);
  });

  it('sends at most 60 requests an hour focused and idle, none unfocused', async () => {
    const { refresher: subject, clock } = refresher();
    await subject.refresh();
    const start = sandbox.requests.length;
    await clock.advance(HOUR, () => subject.settled());
    const focused = sandbox.requests.length - start;
    assert.ok(focused > 0 && focused <= 60, `${focused} requests in a focused idle hour`);

    subject.setFocused(false);
    const unfocusedStart = sandbox.requests.length;
    await clock.advance(HOUR, () => subject.settled());
    assert.equal(sandbox.requests.length - unfocusedStart, 0);

    subject.setFocused(true);
    await subject.settled();
    assert.equal(sandbox.requests.length - unfocusedStart, 1, 'one refresh on focus');
  });

  it('refreshes when git moves HEAD, and not for other git events', async () => {
    let context: RepoContext = loginBranch();
    const { refresher: subject } = refresher({ locate: () => context });
    await subject.refresh();
    const before = sandbox.requests.length;
    await subject.contextChanged();
    assert.equal(sandbox.requests.length, before);
    context = loginBranch({ branch: 'main', commit: seed.webApp.branches.main, upstream: 'origin/main' });
    await subject.contextChanged();
    assert.deepEqual(requestsSince(sandbox, before), [
      `GET /2.0/repositories/acme/web-app/commit/${seed.webApp.branches.main}/statuses`,
    ]);
    const state = subject.state;
    assert.ok(state.kind === 'loaded' && state.snapshot.context.branch === 'main');
  });

  it('reads the pull request only while the panel is open, and then every ten minutes', async () => {
    const { refresher: subject, clock } = refresher();
    await subject.refresh();
    assert.equal(subject.state.kind === 'loaded' && subject.state.snapshot.pullRequest, undefined);
    const before = sandbox.requests.length;
    subject.setPanelOpen(true);
    await subject.settled();
    const state = subject.state;
    assert.ok(state.kind === 'loaded');
    assert.equal(state.snapshot.pullRequest?.id, seed.webApp.pullRequest.id);
    assert.deepEqual(state.snapshot.pullRequestStatuses, state.snapshot.statuses);
    assert.equal(requestsSince(sandbox, before).filter((line) => line.includes('/pullrequests')).length, 1);

    await clock.advance(5 * 60_000, () => subject.settled());
    assert.equal(requestsSince(sandbox, before).filter((line) => line.includes('/pullrequests')).length, 1);
    await clock.advance(6 * 60_000, () => subject.settled());
    assert.equal(requestsSince(sandbox, before).filter((line) => line.includes('/pullrequests')).length, 2);
  });

  it('follows a run it started until the central pipeline posts the result, then tells once', async function () {
    const { refresher: subject } = refresher({
      clock: undefined,
      policy: { ...DEFAULT_POLLING, fastMs: 20, runningMs: 20 },
    });
    const finished: FinishedRun[] = [];
    subject.onDidFinishRun((run) => finished.push(run));
    await subject.refresh();
    const started = await startCheck(
      api,
      loginBranch(),
      {
        central: { workspace: seed.workspace, slug: seed.centralChecks.slug },
        pipeline: 'sonar-pr-check',
        checkKey: 'sonar',
      },
      { now: Date.now() },
    );
    await subject.follow(started.run);
    assert.equal(statusBarText(subject.state), '$(sync~spin) sonar');

    const done = await new Promise<FinishedRun>((resolve) => subject.onDidFinishRun(resolve));
    await subject.settled();
    assert.equal(done.run.finished?.state, 'FAILED');
    assert.match(
      done.summary,
      new RegExp(`${CENTRAL_STATUS.name} failed on ${seed.webApp.pullRequest.sourceCommit.slice(0, 7)}`),
    );
    assert.equal(statusBarText(subject.state), '$(error) sonar');
    // Still on screen (the panel shows the run) but no longer read.
    const before = sandbox.requests.length;
    await subject.refresh();
    assert.ok(requestsSince(sandbox, before).every((line) => !line.includes('/pipelines/')));
    assert.equal(finished.length, 1);
  });
});
