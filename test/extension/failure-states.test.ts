// Issue 20 against the sandbox over real HTTP: fast polling only for the followed check, runs that cannot be read or
// stopped moving, stale data, rate limits and proxies in the extension's words, repository vs commit not found,
// detached HEAD, several repositories of one window.
import * as assert from 'node:assert/strict';
import type { BitbucketApi } from '../../src/core/bitbucket/api';
import { startCheck } from '../../src/extension/model/central-trigger';
import type { CheckState } from '../../src/extension/model/check-state';
import { FollowedRepositories } from '../../src/extension/model/followed-repositories';
import { DEFAULT_POLLING } from '../../src/extension/model/polling';
import { type FinishedRun, Refresher, type RefresherDependencies } from '../../src/extension/model/refresher';
import type { RepoContext } from '../../src/extension/model/repository';
import { RUN_STALE_MS, RunTracker } from '../../src/extension/model/runs';
import { panelModel } from '../../src/extension/view/panel-model';
import { statusBarView } from '../../src/extension/view/status-bar-view';
import { seed, startSandbox, type Sandbox } from '../../src/sandbox';
import { assertRequestsMatchOpenApi } from '../support/sandbox-suite';
import { aRun } from './support/builders';
import { FakeClock } from './support/fake-clock';
import { MemoryMemento } from './support/memory-stores';
import { connectTo, loginBranch, rateLimitBranch, requestsSince } from './support/sandbox';

const HEAD = seed.webApp.pullRequest.sourceCommit;
const WEB = 'https://bitbucket.org';

describe('Failure states and several repositories (issue 20)', () => {
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

  function refresher(overrides: Partial<RefresherDependencies> = {}) {
    const clock = new FakeClock();
    const runs = new RunTracker(new MemoryMemento());
    const subject = new Refresher({
      locate: () => loginBranch(),
      isTrusted: () => true,
      connect: async () => api,
      checkKey: () => 'sonar',
      runs,
      clock,
      ...overrides,
    });
    disposables.push(subject);
    const finished: FinishedRun[] = [];
    subject.onDidFinishRun((run) => finished.push(run));
    return { subject, clock, runs, finished };
  }

  it("polls at the idle pace while only another key's status is INPROGRESS, fast while the check's own is", async () => {
    const { subject, clock } = refresher();
    sandbox.setBuildStatus(seed.webApp.fullName, HEAD, { key: 'ci-build', state: 'INPROGRESS' });
    sandbox.setBuildStatus(seed.webApp.fullName, HEAD, { key: 'sonar', state: 'SUCCESSFUL' });
    await subject.refresh();
    assert.deepEqual(clock.pending(), [DEFAULT_POLLING.idleMs]);
    sandbox.setBuildStatus(seed.webApp.fullName, HEAD, { key: 'sonar', state: 'INPROGRESS' });
    await subject.refresh();
    assert.deepEqual(clock.pending(), [DEFAULT_POLLING.fastMs]);
  });

  it('stops following a run that cannot be read (404), says why, and offers Run again: across reloads too', async () => {
    const memento = new MemoryMemento();
    const { subject, clock, finished } = refresher({ runs: new RunTracker(memento) });
    const run = aRun({
      commit: HEAD,
      uuid: '{00000000-0000-0000-0000-00000000dead}',
      startedAt: clock.now(),
    });
    await subject.follow(run);
    const state = subject.state;
    assert.ok(state.kind === 'loaded');
    assert.ok(state.snapshot.run?.finished?.stopped, 'no longer followed');
    assert.match(
      state.snapshot.run.finished.summary,
      /^Crosscheck stopped following sonar-pr-check #12: it cannot be read/,
    );
    assert.equal(finished.length, 1, 'told once');
    const model = panelModel(state, clock.now(), WEB);
    assert.deepEqual(model.rerun, { enabled: true, label: 'Re-run central check' });
    assert.match(model.run?.note ?? '', /stopped following/);
    // Idle pace again, not fast.
    assert.deepEqual(clock.pending(), [DEFAULT_POLLING.idleMs]);
    // A new window reads the same workspace state: the run is still not followed, and its pipeline is not read again.
    const reloaded = refresher({ runs: new RunTracker(memento) });
    const before = sandbox.requests.length;
    await reloaded.subject.refresh();
    assert.ok(requestsSince(sandbox, before).every((line) => !line.includes('/pipelines/')));
    assert.equal(panelModel(reloaded.subject.state, clock.now(), WEB).rerun.enabled, true);
  });

  it(`stops following a run whose state has not changed for ${RUN_STALE_MS / 60_000} minutes`, async () => {
    sandbox.onPipelineRun(() => undefined);
    const { subject, clock, finished } = refresher();
    const started = await startCheck(
      api,
      loginBranch(),
      {
        central: { workspace: seed.workspace, slug: seed.centralChecks.slug },
        pipeline: 'sonar-pr-check',
        checkKey: 'sonar',
      },
      { now: clock.now() },
    );
    await subject.follow(started.run);
    assert.equal(subject.state.kind === 'loaded' && subject.state.snapshot.run?.finished, undefined);
    await clock.advance(RUN_STALE_MS + 60_000, () => subject.settled());
    const state = subject.state;
    assert.ok(state.kind === 'loaded');
    assert.match(state.snapshot.run?.finished?.summary ?? '', /has not changed for 60 minutes/);
    assert.equal(finished.length, 1);
  });

  it('keeps the last data marked stale, with when it was fetched and when Crosscheck tries again; never an older run', async () => {
    const { subject, clock, runs } = refresher();
    sandbox.setBuildStatus(seed.webApp.fullName, HEAD, { key: 'sonar', state: 'SUCCESSFUL' });
    await runs.add(
      aRun({ commit: HEAD, uuid: '{old}', finished: { at: 0, summary: 'old run', state: 'SUCCESSFUL' } }),
    );
    await subject.refresh();
    // A newer run was started, then Bitbucket cannot be reached.
    await runs.add(aRun({ commit: HEAD, uuid: '{new}', buildNumber: 13 }));
    sandbox.injectFaults({ pathPattern: /./, faults: [503, 503, 503, 503, 503, 503] });
    await subject.refresh();
    const state = subject.state;
    assert.ok(state.kind === 'error');
    assert.equal(state.previous?.run?.uuid, '{new}', 'the run now followed, not the one shown before');
    assert.ok(state.error.retryAt !== undefined && state.error.retryAt > clock.now());
    const model = panelModel(state, clock.now(), WEB);
    assert.equal(model.stale, true);
    assert.match(
      model.updated ?? '',
      /^Last fetched just now \(.* UTC\); could not be refreshed since, so it may be out of date$/,
    );
    assert.match(
      model.notice?.hint ?? '',
      /Crosscheck tries again at \d\d:\d\d UTC \(in \d+ min\); Refresh tries now\./,
    );
    assert.match(model.run?.label ?? '', /#13/);
  });

  it('says when a rate limit is retried, not how to split a pipeline', async () => {
    const { subject, clock } = refresher();
    await subject.refresh();
    sandbox.injectFaults({ pathPattern: /statuses/, faults: [429] });
    await subject.refresh();
    const state = subject.state;
    assert.ok(state.kind === 'error' && state.error.rateLimited);
    const text = `${state.error.message} ${state.error.hint ?? ''}`;
    assert.doesNotMatch(text, /crosscheck trigger|--ref|bot account/);
    assert.match(state.error.hint ?? '', /polls again on its own/);
    // The idle pace or the rate-limit backoff, whichever is longer.
    assert.equal(
      state.error.retryAt,
      clock.now() + Math.max(DEFAULT_POLLING.idleMs, DEFAULT_POLLING.rateLimitBaseMs),
    );
    const model = panelModel(state, clock.now(), WEB);
    assert.match(model.notice?.hint ?? '', /tries again at .* \(in 2 min\)/);
  });

  it('names the http.proxy setting when it is the proxy in effect, and no environment variable otherwise', async () => {
    const unreachable = connectTo(sandbox).api;
    await sandbox.close();
    const settings = { proxy: { source: 'setting' as const, host: 'proxy.example:3128' } };
    const viaSetting = refresher({ connect: async () => unreachable, messageSettings: () => settings });
    await viaSetting.subject.refresh();
    const state = viaSetting.subject.state;
    assert.ok(state.kind === 'error');
    assert.match(state.error.hint ?? '', /http\.proxy setting \(proxy\.example:3128\)/);
    assert.doesNotMatch(state.error.hint ?? '', /HTTPS_PROXY|NO_PROXY/);
    const none = refresher({
      connect: async () => unreachable,
      messageSettings: () => ({ proxy: { source: 'none' } }),
    });
    await none.subject.refresh();
    assert.ok(none.subject.state.kind === 'error');
    assert.doesNotMatch(none.subject.state.error.hint ?? '', /HTTPS_PROXY|NO_PROXY/);
    sandbox = await startSandbox();
  });

  it('tells a repository that does not exist from a commit Bitbucket lacks, with one request to the repository', async () => {
    const missingRepo = refresher({
      locate: () => loginBranch({ repo: { workspace: seed.workspace, slug: 'no-such-repo' } }),
    });
    let before = sandbox.requests.length;
    await missingRepo.subject.refresh();
    let state: CheckState = missingRepo.subject.state;
    assert.ok(state.kind === 'error');
    assert.match(
      state.error.message,
      /^Bitbucket has no repository acme\/no-such-repo, or your account cannot see it\.$/,
    );
    assert.match(state.error.hint ?? '', /remote origin of \/work\/web-app names it: .*git remote -v/);
    assert.doesNotMatch(state.error.hint ?? '', /hash/);
    assert.deepEqual(requestsSince(sandbox, before), [
      `GET /2.0/repositories/acme/no-such-repo/commit/${HEAD}/statuses`,
      'GET /2.0/repositories/acme/no-such-repo',
    ]);

    const missingCommit = refresher({ locate: () => loginBranch({ commit: 'f'.repeat(40) }) });
    before = sandbox.requests.length;
    await missingCommit.subject.refresh();
    state = missingCommit.subject.state;
    assert.ok(state.kind === 'error');
    assert.equal(state.error.message, "Bitbucket's acme/web-app has no commit fffffff.");
    assert.match(state.error.hint ?? '', /Push feature\/login/);
    assert.equal(requestsSince(sandbox, before).length, 2);
  });

  it("shows a detached HEAD's statuses, with no pull request, Run disabled and no Push", async () => {
    sandbox.setBuildStatus(seed.webApp.fullName, HEAD, { key: 'sonar', state: 'FAILED', name: 'SonarQube' });
    const { subject } = refresher({ locate: () => loginBranch({ branch: undefined, upstream: undefined }) });
    subject.setPanelOpen(true);
    await subject.refresh();
    const state = subject.state;
    assert.ok(state.kind === 'loaded');
    assert.equal(state.snapshot.check?.state, 'FAILED');
    assert.equal(state.snapshot.pullRequest, undefined);
    assert.ok(sandbox.requests.every((request) => !request.path.includes('/pullrequests')));
    assert.equal(statusBarView(state, Date.now()).text, '$(error) sonar');
    const model = panelModel(state, Date.now(), WEB);
    assert.equal(model.rerun.enabled, false);
    assert.match(model.rerun.reason ?? '', /detached/);
    assert.match(model.pullRequestNote ?? '', /^HEAD is detached at/);
  });

  describe('several repositories in one window', () => {
    function fleet(
      contexts: () => RepoContext[],
      active: () => string | undefined = () => undefined,
      realTime = false,
    ) {
      const clock = new FakeClock();
      const runs = new RunTracker(new MemoryMemento());
      const followed = new FollowedRepositories({
        contexts,
        activeRoot: active,
        createRefresher: (locate) =>
          new Refresher({
            locate,
            isTrusted: () => true,
            connect: async () => api,
            checkKey: () => 'sonar',
            runs,
            ...(realTime ? { policy: { ...DEFAULT_POLLING, fastMs: 20, runningMs: 20 } } : { clock }),
          }),
      });
      disposables.push(followed);
      return { followed, clock, runs };
    }
    const web = loginBranch();
    const apiService = rateLimitBranch();

    it('follows every repository, names the shown one in the status bar and sums up the others', async () => {
      sandbox.setBuildStatus(seed.apiService.fullName, apiService.commit, {
        key: 'sonar',
        state: 'FAILED',
      });
      sandbox.setBuildStatus(seed.webApp.fullName, HEAD, { key: 'sonar', state: 'SUCCESSFUL' });
      const { followed, clock } = fleet(() => [web, apiService]);
      await followed.sync();
      assert.deepEqual(
        followed.list().map((repository) => [repository.name, repository.state.kind]),
        [
          ['acme/web-app', 'loaded'],
          ['acme/api-service', 'loaded'],
        ],
      );
      const others = followed.list().filter((repository) => repository.root !== web.root);
      const view = statusBarView(followed.state, Date.now(), others);
      assert.equal(view.text, '$(check) web-app: sonar · $(error) 1 more failed');
      assert.match(
        view.tooltip.lines.at(-1) ?? '',
        /^Other repositories: acme\/api-service failed \(sonar\)\.$/,
      );
      // The repository not shown polls idle N times less often; the shown one at the idle pace.
      assert.deepEqual(
        clock.pending().sort((a, b) => a - b),
        [DEFAULT_POLLING.idleMs, 2 * DEFAULT_POLLING.idleMs],
      );
    });

    it('shows the repository picked in the panel until the active editor moves to another', async () => {
      let active: string | undefined = web.root;
      const { followed } = fleet(
        () => [web, apiService],
        () => active,
      );
      await followed.sync();
      assert.equal(followed.selectedContext()?.root, web.root);
      await followed.select(apiService.root);
      assert.equal(followed.selectedContext()?.root, apiService.root);
      await followed.sync();
      assert.equal(
        followed.selectedContext()?.root,
        apiService.root,
        'the pick stays while the editor stays',
      );
      active = apiService.root;
      await followed.sync();
      active = web.root;
      await followed.sync();
      assert.equal(followed.selectedContext()?.root, web.root, 'the editor moved: its repository is shown');
    });

    it('notifies a run finishing in a repository that is not shown', async () => {
      const { followed } = fleet(
        () => [web, apiService],
        () => web.root,
        true,
      );
      await followed.sync();
      const started = await startCheck(
        api,
        apiService,
        {
          central: { workspace: seed.workspace, slug: seed.centralChecks.slug },
          pipeline: 'sonar-pr-check',
          checkKey: 'sonar',
        },
        { now: Date.now() },
      );
      const done = new Promise<FinishedRun>((resolve) => followed.onDidFinishRun(resolve));
      await followed.follow(started.run);
      const finished = await done;
      assert.equal(finished.run.repo.slug, 'api-service');
      assert.equal(followed.selectedContext()?.root, web.root, 'the shown repository did not change');
    });
  });
});
