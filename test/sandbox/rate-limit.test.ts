// The sandbox's hourly limit per credential, as Atlassian documents it: who shares a budget, the rolling window, headers.
import assert from 'node:assert/strict';
import { RATE_LIMIT_MESSAGE, type Sandbox, startSandbox } from '../../src/sandbox';
import { basic, bearer, call, demoAuth } from './http-client';

const REPO_PATH = '/2.0/repositories/acme/web-app';

describe('sandbox hourly rate limit', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  const spend = async (auth: string, count: number) => {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) statuses.push((await call(sb, 'GET', REPO_PATH, { auth })).status);
    return statuses;
  };

  it('is off unless asked for', async () => {
    assert.deepEqual(new Set(await spend(demoAuth(sb), 12)), new Set([200]));
  });

  it('answers 429 text/plain without Retry-After once an account has spent its hour, and sends no headers to API tokens', async () => {
    sb.setRateLimit({ perUser: 3 });
    const ok = await call(sb, 'GET', REPO_PATH, { auth: demoAuth(sb) });
    assert.equal(ok.headers.get('x-ratelimit-limit'), null, 'API tokens get no X-RateLimit-* headers');
    assert.deepEqual(await spend(demoAuth(sb), 3), [200, 200, 429]);
    const refused = await call(sb, 'GET', `${REPO_PATH}/pullrequests`, { auth: demoAuth(sb) });
    assert.equal(refused.status, 429);
    assert.equal(refused.text, RATE_LIMIT_MESSAGE);
    assert.match(refused.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(refused.headers.get('retry-after'), null);
  });

  it('counts every API token of one account together, and only /2.0/repositories/*', async () => {
    sb.setRateLimit({ perUser: 2 });
    const second = sb.addApiToken({
      email: sb.demo.email,
      scopes: ['read:repository:bitbucket', 'read:user:bitbucket'],
    });
    assert.equal((await call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb) })).status, 200);
    assert.deepEqual(await spend(demoAuth(sb), 1), [200]);
    assert.deepEqual(await spend(basic(sb.demo.email, second), 2), [200, 429]);
    const other = sb.addApiToken({ email: 'bot@acme.example', scopes: ['read:repository:bitbucket'] });
    assert.deepEqual(await spend(basic('bot@acme.example', other), 1), [200], 'another account has its own');
  });

  it('gives each access token its own allowance, with X-RateLimit-Limit, -Resource and -NearLimit', async () => {
    sb.setRateLimit({ perUser: 1, perAccessToken: 5 });
    const token = bearer(sb.addAccessToken({ workspace: 'acme', repo: 'web-app', scopes: ['repository'] }));
    const near: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call(sb, 'GET', REPO_PATH, { auth: token });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-ratelimit-limit'), '5');
      assert.equal(r.headers.get('x-ratelimit-resource'), 'api');
      near.push(r.headers.get('x-ratelimit-nearlimit') ?? '');
    }
    // Near once less than a fifth of the hour's budget (here: under 1 of 5) is left.
    assert.deepEqual(near, ['false', 'false', 'false', 'false', 'true']);
    const refused = await call(sb, 'GET', REPO_PATH, { auth: token });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('x-ratelimit-nearlimit'), 'true');
    const other = bearer(sb.addAccessToken({ workspace: 'acme', repo: 'web-app', scopes: ['repository'] }));
    assert.equal((await call(sb, 'GET', REPO_PATH, { auth: other })).status, 200);
  });

  it('rolls: requests older than the (compressed) hour free the budget, refused ones never count', async () => {
    let now = 0;
    sb.setRateLimit({ perUser: 2, hourMs: 400 }, () => now);
    assert.deepEqual(await spend(demoAuth(sb), 4), [200, 200, 429, 429]);
    now = 399;
    assert.deepEqual(await spend(demoAuth(sb), 1), [429]);
    now = 401;
    assert.deepEqual(await spend(demoAuth(sb), 3), [200, 200, 429]);
  });
});
