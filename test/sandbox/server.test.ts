// Sandbox server behaviour over real HTTP: injected faults (429 without Retry-After, 5xx, reset, hang), latency, recording without secrets, control endpoints.
import assert from 'node:assert/strict';
import { RATE_LIMIT_MESSAGE, seed, startSandbox, type Sandbox } from '../../src/sandbox';
import { basic, call, demoAuth } from './http-client';

describe('sandbox server', () => {
  let sb: Sandbox;
  let lines: string[];
  beforeEach(async () => {
    lines = [];
    sb = await startSandbox({ log: (line) => lines.push(line) });
  });
  afterEach(() => sb.close());

  describe('faults', () => {
    it('answers 429 as text/plain without Retry-After, then recovers', async () => {
      sb.injectFaults({ pathPattern: /\/user$/, faults: [429] });
      const limited = await call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb) });
      assert.equal(limited.status, 429);
      assert.match(limited.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(limited.text, RATE_LIMIT_MESSAGE);
      assert.equal(limited.headers.get('retry-after'), null);
      assert.equal((await call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb) })).status, 200);
    });

    it("lets 'pass' answer normally between faults of one rule", async () => {
      sb.injectFaults({ pathPattern: /\/user$/, faults: [429, 'pass', 503] });
      const statuses: number[] = [];
      for (let index = 0; index < 4; index++)
        statuses.push((await call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb) })).status);
      assert.deepEqual(statuses, [429, 200, 503, 200]);
      assert.deepEqual(
        sb.requests.map((request) => request.fault),
        [429, undefined, 503, undefined],
      );
    });

    it('sends Retry-After when asked, and consumes faults in order', async () => {
      sb.injectFaults({ pathPattern: /\/user$/, faults: [429, 503, 500], retryAfter: '3' });
      const first = await call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb) });
      assert.equal(first.headers.get('retry-after'), '3');
      const second = await call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb) });
      assert.equal(second.status, 503);
      const third = await call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb) });
      assert.equal(third.status, 500);
      assert.equal(third.json.type, 'error');
      assert.equal((await call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb) })).status, 200);
      assert.deepEqual(
        sb.requests.map((r) => r.status),
        [429, 503, 500, 200],
      );
    });

    it('matches the method when given', async () => {
      sb.injectFaults({ method: 'POST', pathPattern: /statuses\/build$/, faults: [502] });
      const commit = seed.webApp.branches.main;
      assert.equal(
        (
          await call(sb, 'GET', `/2.0/repositories/acme/web-app/commit/${commit}/statuses`, {
            auth: demoAuth(sb),
          })
        ).status,
        200,
      );
      const post = await call(sb, 'POST', `/2.0/repositories/acme/web-app/commit/${commit}/statuses/build`, {
        auth: demoAuth(sb),
        body: { key: 'k', state: 'FAILED', url: 'https://ci.example/1' },
      });
      assert.equal(post.status, 502);
      assert.deepEqual(sb.buildStatuses('acme/web-app', commit), []);
    });

    it('resets the connection without an answer', async () => {
      sb.injectFaults({ pathPattern: /\/user$/, faults: ['reset'] });
      await assert.rejects(call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb) }));
      assert.equal(sb.requests[0]?.fault, 'reset');
      assert.equal(sb.requests[0]?.status, 0);
      assert.equal((await call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb) })).status, 200);
    });

    it('leaves a hanging request unanswered until the client gives up', async () => {
      sb.injectFaults({ pathPattern: /\/user$/, faults: ['hang'] });
      await assert.rejects(
        call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb), signal: AbortSignal.timeout(500) }),
        /abort|timeout/i,
      );
      // On a loaded machine the abort can come before the sandbox has seen the request: wait for it, boundedly.
      for (const until = Date.now() + 2000; sb.requests.length === 0 && Date.now() < until;)
        await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(sb.requests[0]?.fault, 'hang');
    });

    it('can be injected through POST /_sandbox/faults', async () => {
      const r = await call(sb, 'POST', '/_sandbox/faults', {
        body: { pathPattern: '/user$', faults: [504] },
      });
      assert.equal(r.status, 200);
      assert.equal((await call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb) })).status, 504);
      assert.equal(
        (await call(sb, 'POST', '/_sandbox/faults', { body: { pathPattern: '/user$', faults: [418] } }))
          .status,
        400,
      );
    });
  });

  it('adds latency to every answer', async () => {
    sb.setLatency(120);
    const started = Date.now();
    assert.equal((await call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb) })).status, 200);
    assert.ok(Date.now() - started >= 110, 'latency applied');
  });

  it('records requests with auth reduced to scheme and principal, and logs no secret', async () => {
    await call(sb, 'GET', '/2.0/user?fields=uuid', { auth: demoAuth(sb) });
    await call(sb, 'POST', sb.oauthTokenUrl, {
      auth: basic(sb.demo.oauth.clientId, sb.demo.oauth.clientSecret),
      form: { grant_type: 'client_credentials', client_secret: sb.demo.oauth.clientSecret },
    });
    await call(sb, 'GET', '/sonar/api/system/status', { auth: basic(sb.demo.sonarToken, '') });
    const [user, token, sonar] = sb.requests;
    assert.ok(user);
    assert.equal(user.method, 'GET');
    assert.equal(user.path, '/2.0/user');
    assert.deepEqual(user.query, { fields: 'uuid' });
    assert.equal(user.headers.authorization, `Basic ${sb.demo.email}:[REDACTED]`);
    assert.equal(user.status, 200);
    assert.ok(token);
    assert.deepEqual(token.body, { grant_type: 'client_credentials', client_secret: '[REDACTED]' });
    assert.ok(sonar);
    assert.equal(sonar.headers.authorization, 'Basic [REDACTED]:');
    const everything = JSON.stringify(sb.requests) + lines.join('\n');
    for (const secret of [sb.demo.apiToken, sb.demo.oauth.clientSecret, sb.demo.sonarToken])
      assert.ok(!everything.includes(secret));
    assert.ok(lines.includes('GET /2.0/user 200'), lines.join('\n'));
    const viaHttp = await call(sb, 'GET', '/_sandbox/requests');
    assert.equal(viaHttp.json.length, 3, 'control requests are not recorded');
  });

  it('answers unknown paths with a 404 that names them', async () => {
    const bitbucket = await call(sb, 'GET', '/2.0/repositories/acme/web-app/downloads', {
      auth: demoAuth(sb),
    });
    assert.equal(bitbucket.status, 404);
    assert.match(bitbucket.json.error.message, /GET \/2\.0\/repositories\/acme\/web-app\/downloads/);
    const sonar = await call(sb, 'GET', '/sonar/api/projects/search');
    assert.equal(sonar.status, 404);
    assert.match(sonar.json.errors[0].msg, /\/api\/projects\/search/);
  });

  it('sets build statuses and dumps state through the control endpoints', async () => {
    const commit = seed.webApp.pullRequest.sourceCommit;
    const set = await call(sb, 'POST', '/_sandbox/build-status', {
      body: { repo: 'acme/web-app', commit, key: 'other', state: 'INPROGRESS', refname: 'feature/login' },
    });
    assert.equal(set.status, 200);
    const statuses = await call(sb, 'GET', '/2.0/repositories/acme/web-app/pullrequests/7/statuses', {
      auth: demoAuth(sb),
    });
    assert.deepEqual(
      statuses.json.values.map((s: { key: string }) => s.key),
      ['other'],
    );
    const unknown = await call(sb, 'POST', '/_sandbox/build-status', {
      body: { repo: 'acme/nope', commit, key: 'k', state: 'FAILED' },
    });
    assert.equal(unknown.status, 400);
    const state = await call(sb, 'GET', '/_sandbox/state');
    assert.equal(state.json.statuses[0].key, 'other');
    assert.equal(state.json.centralOutcome, 'FAILED');
  });
});
