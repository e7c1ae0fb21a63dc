// Sandbox commits made outside it over real HTTP: addCommit and POST /_sandbox/commit, moving branches, pointing a pull request at a commit.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { seed, startSandbox, type Sandbox } from '../../src/sandbox';
import { call, demoAuth } from './http-client';

const REPO = '/2.0/repositories/acme/web-app';
const PR = `${REPO}/pullrequests/${seed.webApp.pullRequest.id}`;

/** A hash the seed does not hold, as a developer's own git repository would have. */
function foreignHash(label: string): string {
  return createHash('sha1').update(`outside the sandbox: ${label}`).digest('hex');
}

describe('sandbox commits registered from outside', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  it('answers for a registered commit, with its parent, and takes statuses on it', async () => {
    const base = foreignHash('base');
    const tip = foreignHash('tip');
    assert.equal((await call(sb, 'GET', `${REPO}/commit/${tip}`, { auth: demoAuth(sb) })).status, 404);
    sb.addCommit(seed.webApp.fullName, base);
    sb.addCommit(seed.webApp.fullName, tip.toUpperCase(), {
      parents: [base.slice(0, 12)],
      message: 'Add login form',
    });

    const commit = await call(sb, 'GET', `${REPO}/commit/${tip}`, { auth: demoAuth(sb) });
    assert.equal(commit.status, 200);
    assert.equal(commit.json.hash, tip);
    assert.equal(commit.json.message, 'Add login form\n');
    assert.deepEqual(
      commit.json.parents.map((parent: { hash: string }) => parent.hash),
      [base],
    );
    assert.equal(commit.json.author.raw, `Dana Developer <${sb.demo.email}>`);

    const posted = await call(sb, 'POST', `${REPO}/commit/${tip}/statuses/build`, {
      auth: demoAuth(sb),
      body: { key: 'sonar', state: 'INPROGRESS', url: 'https://ci.example/1' },
    });
    assert.equal(posted.status, 201);
    assert.deepEqual(
      sb.buildStatuses(seed.webApp.fullName, tip.slice(0, 7)).map((status) => status.state),
      ['INPROGRESS'],
    );
  });

  it('creates an empty repository that then takes commits, branches and statuses', async () => {
    const path = '/2.0/repositories/acme/repo-07';
    assert.equal((await call(sb, 'GET', path, { auth: demoAuth(sb) })).status, 404);
    sb.addRepository('acme/repo-07');
    const repository = await call(sb, 'GET', path, { auth: demoAuth(sb) });
    assert.equal(repository.status, 200);
    assert.equal(repository.json.full_name, 'acme/repo-07');
    assert.equal(repository.json.mainbranch.name, 'main');
    const tip = foreignHash('repo-07');
    sb.addCommit('acme/repo-07', tip, { branch: 'main' });
    const posted = await call(sb, 'POST', `${path}/commit/${tip}/statuses/build`, {
      auth: demoAuth(sb),
      body: { key: 'sonar', state: 'SUCCESSFUL', url: 'https://ci.example/1' },
    });
    assert.equal(posted.status, 201);
    assert.equal(sb.buildStatuses('acme/repo-07', 'main')[0]?.state, 'SUCCESSFUL');
  });

  it('moves a branch to the commit, and the open pull request of that branch follows', async () => {
    const tip = foreignHash('feature/login');
    sb.addCommit(seed.webApp.fullName, tip, { branch: 'feature/login' });
    sb.setBuildStatus(seed.webApp.fullName, tip, { key: 'sonar', state: 'FAILED' });

    const branch = await call(sb, 'GET', `${REPO}/refs/branches/feature/login`, { auth: demoAuth(sb) });
    assert.equal(branch.json.target.hash, tip);
    const pr = await call(sb, 'GET', PR, { auth: demoAuth(sb) });
    assert.equal(pr.json.source.commit.hash, tip.slice(0, 12));
    const statuses = await call(sb, 'GET', `${PR}/statuses`, { auth: demoAuth(sb) });
    assert.deepEqual(
      statuses.json.values.map((status: { key: string; state: string }) => [status.key, status.state]),
      [['sonar', 'FAILED']],
    );
    // The seeded commit the branch pointed at before is still there.
    const old = await call(sb, 'GET', `${REPO}/commit/${seed.webApp.pullRequest.sourceCommit}`, {
      auth: demoAuth(sb),
    });
    assert.equal(old.status, 200);
  });

  it('creates a branch that did not exist', async () => {
    const tip = foreignHash('feature/new');
    assert.equal(
      (await call(sb, 'GET', `${REPO}/refs/branches/feature/new`, { auth: demoAuth(sb) })).status,
      404,
    );
    sb.addCommit(seed.webApp.fullName, tip, { branch: 'feature/new', parents: [seed.webApp.branches.main] });
    const branch = await call(sb, 'GET', `${REPO}/refs/branches/feature/new`, { auth: demoAuth(sb) });
    assert.equal(branch.status, 200);
    assert.equal(branch.json.target.parents[0].hash, seed.webApp.branches.main);
  });

  it('points an open pull request at a known commit', async () => {
    const tip = foreignHash('elsewhere');
    sb.addCommit(seed.webApp.fullName, tip);
    sb.setPullRequestSource(seed.webApp.fullName, seed.webApp.pullRequest.id, tip.slice(0, 10));
    const pr = await call(sb, 'GET', PR, { auth: demoAuth(sb) });
    assert.equal(pr.json.source.branch.name, 'feature/login');
    assert.equal(pr.json.source.commit.hash, tip.slice(0, 12));
    assert.equal(sb.buildStatuses(seed.webApp.fullName, 'feature/login').length, 0);
  });

  it('refuses what it cannot register, changing nothing', () => {
    const tip = foreignHash('refused');
    assert.throws(() => sb.addCommit(seed.webApp.fullName, tip.slice(0, 12)), /not a full \(40 hex digit\)/);
    assert.throws(() => sb.addCommit('acme/nope', tip), /unknown repository acme\/nope/);
    assert.throws(
      () => sb.addCommit(seed.webApp.fullName, tip, { branch: 'feature/login', parents: [foreignHash('x')] }),
      /unknown parent commit/,
    );
    assert.throws(() => sb.buildStatuses(seed.webApp.fullName, tip), /unknown commit/);
    assert.equal(
      sb.buildStatuses(seed.webApp.fullName, 'feature/login').length,
      0,
      'feature/login did not move',
    );
    assert.throws(() => sb.setPullRequestSource(seed.webApp.fullName, 7, tip), /unknown commit/);
    assert.throws(
      () => sb.setPullRequestSource(seed.webApp.fullName, 99, seed.webApp.branches.main),
      /no pull request #99/,
    );
    assert.throws(
      () => sb.setPullRequestSource(seed.webApp.fullName, 3, seed.webApp.branches.main),
      /#3 in acme\/web-app is DECLINED, not OPEN/,
    );
  });

  it('registers commits and points pull requests through the control endpoints', async () => {
    const base = foreignHash('control base');
    const tip = foreignHash('control tip');
    const first = await call(sb, 'POST', '/_sandbox/commit', { body: { repo: 'acme/web-app', hash: base } });
    assert.equal(first.status, 200);
    const second = await call(sb, 'POST', '/_sandbox/commit', {
      body: { repo: 'acme/web-app', hash: tip, branch: 'feature/control', parents: [base] },
    });
    assert.equal(second.status, 200);
    const branch = await call(sb, 'GET', `${REPO}/refs/branches/feature/control`, { auth: demoAuth(sb) });
    assert.equal(branch.json.target.hash, tip);

    const pointed = await call(sb, 'POST', '/_sandbox/pull-request-source', {
      body: { repo: 'acme/web-app', id: 7, commit: base },
    });
    assert.equal(pointed.status, 200);
    assert.equal(
      (await call(sb, 'GET', PR, { auth: demoAuth(sb) })).json.source.commit.hash,
      base.slice(0, 12),
    );

    const malformed = await call(sb, 'POST', '/_sandbox/commit', {
      body: { repo: 'acme/web-app', parents: 'x' },
    });
    assert.equal(malformed.status, 400);
    assert.match(malformed.json.error, /Send \{repo, hash, branch\?, parents\?: string\[\], message\?\}/);
    const unknownParent = await call(sb, 'POST', '/_sandbox/commit', {
      body: { repo: 'acme/web-app', hash: foreignHash('orphan'), parents: [foreignHash('missing')] },
    });
    assert.equal(unknownParent.status, 400);
    assert.match(unknownParent.json.error, /unknown parent commit/);
    const badPr = await call(sb, 'POST', '/_sandbox/pull-request-source', {
      body: { repo: 'acme/web-app', id: '7', commit: base },
    });
    assert.equal(badPr.status, 400);
    const declined = await call(sb, 'POST', '/_sandbox/pull-request-source', {
      body: { repo: 'acme/web-app', id: 3, commit: base },
    });
    assert.equal(declined.status, 400);
    assert.match(declined.json.error, /DECLINED/);
    assert.equal(sb.requests.length, 2, 'control calls are not recorded; the two API calls are');
  });
});
