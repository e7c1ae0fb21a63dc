// Sandbox pull requests over real HTTP: default OPEN filter, state and q filters, paging, one pull request and its shape.
import assert from 'node:assert/strict';
import { seed, startSandbox, type Sandbox } from '../../src/sandbox';
import { call, demoAuth } from './http-client';

const PRS = '/2.0/repositories/acme/web-app/pullrequests';

describe('sandbox pull requests', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox();
  });
  after(() => sb.close());

  it('lists only open pull requests by default, paged', async () => {
    const first = await call(sb, 'GET', PRS, { auth: demoAuth(sb) });
    assert.equal(first.status, 200);
    assert.equal(first.json.size, seed.webApp.openPullRequestCount);
    assert.ok(first.json.size > 10, 'enough open pull requests to page');
    assert.equal(first.json.values.length, 10);
    assert.ok(first.json.values.every((pr: { state: string }) => pr.state === 'OPEN'));
    const second = await call(sb, 'GET', first.json.next, { auth: demoAuth(sb) });
    assert.equal(second.json.values.length, seed.webApp.openPullRequestCount - 10);
    assert.equal(second.json.next, undefined);
  });

  it('filters with repeated state parameters', async () => {
    const r = await call(sb, 'GET', `${PRS}?state=MERGED&state=DECLINED&pagelen=50`, { auth: demoAuth(sb) });
    assert.ok(r.json.values.length > 0);
    assert.ok(
      r.json.values.every((pr: { state: string }) => pr.state === 'MERGED' || pr.state === 'DECLINED'),
    );
    assert.equal(r.json.size + seed.webApp.openPullRequestCount, seed.webApp.pullRequestCount);
  });

  it('finds the open pull request of a branch with q', async () => {
    const q = 'source.branch.name = "feature/login" AND state = "OPEN"';
    const r = await call(sb, 'GET', `${PRS}?q=${encodeURIComponent(q)}&sort=-updated_on&pagelen=1`, {
      auth: demoAuth(sb),
    });
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.json.values.map((pr: { id: number }) => pr.id),
      [seed.webApp.pullRequest.id],
    );
    const none = await call(
      sb,
      'GET',
      `${PRS}?q=${encodeURIComponent('source.branch.name = "feature/empty"')}`,
      { auth: demoAuth(sb) },
    );
    assert.equal(none.json.size, 0);
    const bad = await call(sb, 'GET', `${PRS}?q=${encodeURIComponent('source.branch.name ==')}`, {
      auth: demoAuth(sb),
    });
    assert.equal(bad.status, 400);
  });

  it('returns one pull request with Bitbucket’s shape (12-character commit hashes)', async () => {
    const r = await call(sb, 'GET', `${PRS}/7`, { auth: demoAuth(sb) });
    assert.equal(r.status, 200);
    const pr = r.json;
    assert.equal(pr.type, 'pullrequest');
    assert.equal(pr.title, 'Add login form');
    assert.equal(pr.state, 'OPEN');
    assert.equal(pr.source.branch.name, 'feature/login');
    assert.equal(pr.source.commit.hash, seed.webApp.pullRequest.sourceCommit.slice(0, 12));
    assert.equal(pr.source.repository.full_name, 'acme/web-app');
    assert.equal(pr.destination.branch.name, 'main');
    assert.equal(pr.destination.commit.hash, seed.webApp.branches.main.slice(0, 12));
    assert.equal(pr.links.html.href, `${sb.url}/acme/web-app/pull-requests/7`);
    assert.equal(pr.author.nickname, seed.users.dev.nickname);
    // The abbreviated hash resolves on the commit endpoint.
    const commit = await call(sb, 'GET', `/2.0/repositories/acme/web-app/commit/${pr.source.commit.hash}`, {
      auth: demoAuth(sb),
    });
    assert.equal(commit.json.hash, seed.webApp.pullRequest.sourceCommit);
    assert.equal((await call(sb, 'GET', `${PRS}/999`, { auth: demoAuth(sb) })).status, 404);
  });

  it('serves the repository, branches and commit history', async () => {
    const branch = await call(sb, 'GET', '/2.0/repositories/acme/web-app/refs/branches/feature/login', {
      auth: demoAuth(sb),
    });
    assert.equal(branch.json.target.hash, seed.webApp.branches['feature/login']);
    const commits = await call(sb, 'GET', '/2.0/repositories/acme/web-app/commits', { auth: demoAuth(sb) });
    assert.equal(commits.json.values[0].hash, seed.webApp.branches.main);
    assert.equal(commits.json.values.length, 3);
  });
});
