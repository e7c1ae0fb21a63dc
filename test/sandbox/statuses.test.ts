// Sandbox build statuses over real HTTP: create/overwrite semantics, validation, pagination links, PR statuses, creator rule.
import assert from 'node:assert/strict';
import { seed, startSandbox, type Sandbox } from '../../src/sandbox';
import { bearer, call, demoAuth } from './http-client';

const COMMIT = seed.webApp.pullRequest.sourceCommit;
const BASE = `/2.0/repositories/acme/web-app/commit/${COMMIT}`;

describe('sandbox build statuses', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  const post = (body: unknown, auth = demoAuth(sb), commit = COMMIT) =>
    call(sb, 'POST', `/2.0/repositories/acme/web-app/commit/${commit}/statuses/build`, { auth, body });

  it('creates a commitstatus (201) that GET by key returns', async () => {
    const created = await post({
      key: 'crosscheck-sonar',
      state: 'INPROGRESS',
      name: 'SonarQube',
      description: 'Analysing',
      url: 'https://sonar.example/dashboard?id=web-app',
      refname: 'feature/login',
    });
    assert.equal(created.status, 201);
    assert.equal(created.json.type, 'build');
    assert.match(created.json.uuid, /^\{[0-9a-f-]{36}\}$/);
    assert.equal(created.json.links.self.href, `${sb.url}${BASE}/statuses/build/crosscheck-sonar`);
    assert.equal(created.json.links.commit.href, `${sb.url}${BASE}`);
    const fetched = await call(sb, 'GET', `${BASE}/statuses/build/crosscheck-sonar`, { auth: demoAuth(sb) });
    assert.equal(fetched.status, 200);
    assert.deepEqual(fetched.json, created.json);
    assert.equal(sb.buildStatuses('acme/web-app', COMMIT)[0]?.state, 'INPROGRESS');
  });

  it('overwrites the same key (200): keeps uuid and created_on, bumps updated_on', async () => {
    const first = await post({ key: 'k', state: 'INPROGRESS', url: 'https://ci.example/1' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await post({
      key: 'k',
      state: 'FAILED',
      url: 'https://ci.example/2',
      description: 'Gate failed',
    });
    assert.equal(second.status, 200);
    assert.equal(second.json.uuid, first.json.uuid);
    assert.equal(second.json.created_on, first.json.created_on);
    assert.ok(
      second.json.updated_on > first.json.updated_on,
      `${second.json.updated_on} > ${first.json.updated_on}`,
    );
    assert.equal(second.json.state, 'FAILED');
    assert.deepEqual(
      sb.buildStatuses('acme/web-app', COMMIT).map((s) => [s.key, s.state]),
      [['k', 'FAILED']],
    );
  });

  it('validates key length, state and url with error.fields', async () => {
    const long = await post({ key: 'k'.repeat(41), state: 'SUCCESSFUL', url: 'https://ci.example/1' });
    assert.equal(long.status, 400);
    assert.equal(long.json.type, 'error');
    assert.ok(Array.isArray(long.json.error.fields.key) && typeof long.json.error.fields.key[0] === 'string');
    assert.deepEqual(Object.keys(long.json.error.fields), ['key']);
    assert.equal(
      (await post({ key: 'k'.repeat(40), state: 'SUCCESSFUL', url: 'https://ci.example/1' })).status,
      201,
    );

    const state = await post({ key: 'x', state: 'PASSED', url: 'https://ci.example/1' });
    assert.equal(state.status, 400);
    assert.deepEqual(Object.keys(state.json.error.fields), ['state']);

    const noUrl = await post({ key: 'x', state: 'FAILED' });
    assert.deepEqual(Object.keys(noUrl.json.error.fields), ['url']);
    const relative = await post({ key: 'x', state: 'FAILED', url: '/builds/1' });
    assert.equal(relative.status, 400);
    assert.deepEqual(Object.keys(relative.json.error.fields), ['url']);
    // URI templates are allowed.
    assert.equal(
      (await post({ key: 'x', state: 'FAILED', url: 'https://ci.example/{repository.full_name}' })).status,
      201,
    );
  });

  it('accepts an abbreviated hash and stores the status on the full commit', async () => {
    assert.equal(
      (
        await post(
          { key: 'short', state: 'SUCCESSFUL', url: 'https://ci.example/1' },
          demoAuth(sb),
          COMMIT.slice(0, 12),
        )
      ).status,
      201,
    );
    assert.equal(sb.buildStatuses('acme/web-app', COMMIT)[0]?.key, 'short');
  });

  it('answers 404 for an unknown commit', async () => {
    const r = await post(
      { key: 'x', state: 'FAILED', url: 'https://ci.example/1' },
      demoAuth(sb),
      'f'.repeat(40),
    );
    assert.equal(r.status, 404);
    assert.equal(r.json.type, 'error');
    assert.equal((await call(sb, 'GET', `${BASE}/statuses/build/none`, { auth: demoAuth(sb) })).status, 404);
  });

  it('pages the list with absolute next links', async () => {
    for (let i = 0; i < 12; i++)
      sb.setBuildStatus('acme/web-app', COMMIT, { key: `s${i}`, state: 'SUCCESSFUL' });
    const keys: string[] = [];
    let url: string | undefined = `${BASE}/statuses?pagelen=5`;
    let pages = 0;
    while (url) {
      const page = await call(sb, 'GET', url, { auth: demoAuth(sb) });
      assert.equal(page.status, 200);
      assert.equal(page.json.size, 12);
      assert.equal(page.json.pagelen, 5);
      keys.push(...page.json.values.map((s: { key: string }) => s.key));
      url = page.json.next;
      if (url) assert.ok(url.startsWith(`${sb.url}${BASE}/statuses?`) && /[?&]page=\d/.test(url), url);
      pages++;
    }
    assert.equal(pages, 3);
    assert.deepEqual(
      keys,
      Array.from({ length: 12 }, (_, i) => `s${i}`),
    );
    const defaults = await call(sb, 'GET', `${BASE}/statuses`, { auth: demoAuth(sb) });
    assert.equal(defaults.json.pagelen, 10);
    assert.equal(defaults.json.values.length, 10);
    const past = await call(sb, 'GET', `${BASE}/statuses?page=9`, { auth: demoAuth(sb) });
    assert.equal(past.status, 404);
  });

  it('lists on a pull request the statuses of its source commit tied to its branch', async () => {
    sb.setBuildStatus('acme/web-app', COMMIT, { key: 'tied', state: 'FAILED', refname: 'feature/login' });
    sb.setBuildStatus('acme/web-app', COMMIT, { key: 'untied', state: 'SUCCESSFUL' });
    sb.setBuildStatus('acme/web-app', COMMIT, {
      key: 'elsewhere',
      state: 'SUCCESSFUL',
      refname: 'feature/other',
    });
    const r = await call(sb, 'GET', '/2.0/repositories/acme/web-app/pullrequests/7/statuses', {
      auth: demoAuth(sb),
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.values.map((s: { key: string }) => s.key).sort(), ['tied', 'untied']);
    const refFiltered = await call(sb, 'GET', `${BASE}/statuses?refname=feature/other`, {
      auth: demoAuth(sb),
    });
    assert.deepEqual(refFiltered.json.values.map((s: { key: string }) => s.key).sort(), [
      'elsewhere',
      'untied',
    ]);
  });

  it('lets only the creator or an admin overwrite a status', async () => {
    sb.setBuildStatus('acme/web-app', COMMIT, { key: 'other-tool', state: 'SUCCESSFUL' });
    const byToken = await post(
      { key: 'other-tool', state: 'FAILED', url: 'https://ci.example/1' },
      bearer(sb.demo.repoAccessToken),
    );
    assert.equal(byToken.status, 403);
    assert.equal(sb.buildStatuses('acme/web-app', COMMIT)[0]?.state, 'SUCCESSFUL');
    const byAdmin = await post({ key: 'other-tool', state: 'FAILED', url: 'https://ci.example/1' });
    assert.equal(byAdmin.status, 200);
    // The access token may overwrite its own status.
    assert.equal(
      (
        await post(
          { key: 'mine', state: 'INPROGRESS', url: 'https://ci.example/1' },
          bearer(sb.demo.repoAccessToken),
        )
      ).status,
      201,
    );
    assert.equal(
      (
        await post(
          { key: 'mine', state: 'SUCCESSFUL', url: 'https://ci.example/1' },
          bearer(sb.demo.repoAccessToken),
        )
      ).status,
      200,
    );
  });

  it('updates an existing status with PUT, never its key', async () => {
    await post({ key: 'put-me', state: 'INPROGRESS', url: 'https://ci.example/1' });
    const updated = await call(sb, 'PUT', `${BASE}/statuses/build/put-me`, {
      auth: demoAuth(sb),
      body: { state: 'SUCCESSFUL', url: 'https://ci.example/2' },
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.json.state, 'SUCCESSFUL');
    const renamed = await call(sb, 'PUT', `${BASE}/statuses/build/put-me`, {
      auth: demoAuth(sb),
      body: { key: 'other', state: 'SUCCESSFUL', url: 'https://ci.example/2' },
    });
    assert.equal(renamed.status, 400);
    assert.ok(renamed.json.error.fields.key);
    assert.equal(
      (
        await call(sb, 'PUT', `${BASE}/statuses/build/missing`, {
          auth: demoAuth(sb),
          body: { state: 'FAILED', url: 'https://x.example' },
        })
      ).status,
      404,
    );
  });
});
