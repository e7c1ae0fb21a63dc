// Sandbox auth rules over real HTTP: API tokens only as Basic email:token, access tokens only as Bearer and within their repo, scopes, OAuth.
import assert from 'node:assert/strict';
import {
  BITBUCKET_AUTH_MESSAGES,
  REPOSITORY_NOT_FOUND,
  seed,
  startSandbox,
  type Sandbox,
} from '../../src/sandbox';
import { basic, bearer, call, demoAuth } from './http-client';

const TOKEN_INVALID = {
  type: 'error',
  error: { message: 'Token is invalid, expired, or not supported for this endpoint.' },
};

describe('sandbox auth', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  describe('API tokens', () => {
    it('accept HTTP Basic with the account email', async () => {
      const r = await call(sb, 'GET', '/2.0/user', { auth: demoAuth(sb) });
      assert.equal(r.status, 200);
      assert.equal(r.json.type, 'user');
      assert.equal(r.json.nickname, seed.users.dev.nickname);
      assert.match(r.json.uuid, /^\{[0-9a-f-]{36}\}$/);
    });

    it('refuse Basic with username x-token-auth, with the exact body', async () => {
      const r = await call(sb, 'GET', '/2.0/repositories/acme/web-app', {
        auth: basic('x-token-auth', sb.demo.apiToken),
      });
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, TOKEN_INVALID);
    });

    it('refuse Bearer', async () => {
      const r = await call(sb, 'GET', '/2.0/repositories/acme/web-app', { auth: bearer(sb.demo.apiToken) });
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, TOKEN_INVALID);
    });

    it('refuse another email', async () => {
      const r = await call(sb, 'GET', '/2.0/repositories/acme/web-app', {
        auth: basic('someone@acme.example', sb.demo.apiToken),
      });
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, TOKEN_INVALID);
    });

    it('a new token works for its own email only', async () => {
      const token = sb.addApiToken({ email: 'ci@acme.example', scopes: ['read:repository:bitbucket'] });
      assert.match(token, /^ATATT3xFfGF0/);
      assert.equal(
        (await call(sb, 'GET', '/2.0/repositories/acme/web-app', { auth: basic('ci@acme.example', token) }))
          .status,
        200,
      );
      assert.equal(
        (await call(sb, 'GET', '/2.0/repositories/acme/web-app', { auth: basic(sb.demo.email, token) }))
          .status,
        401,
      );
    });

    it('do not work without scopes', async () => {
      const token = sb.addApiToken({ email: sb.demo.email, scopes: [] });
      const r = await call(sb, 'GET', '/2.0/repositories/acme/web-app', {
        auth: basic(sb.demo.email, token),
      });
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, TOKEN_INVALID);
    });
  });

  it('refuses app passwords, which were removed', async () => {
    assert.match(sb.demo.appPassword, /^ATBB/);
    const r = await call(sb, 'GET', '/2.0/repositories/acme/web-app', {
      auth: basic('dana', sb.demo.appPassword),
    });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.message, BITBUCKET_AUTH_MESSAGES.appPasswordRemoved);
  });

  it('answers 401 without credentials', async () => {
    const r = await call(
      sb,
      'GET',
      `/2.0/repositories/acme/web-app/commit/${seed.webApp.branches.main}/statuses`,
    );
    assert.equal(r.status, 401);
    assert.equal(r.json.type, 'error');
  });

  describe('access tokens', () => {
    it('work as Bearer on their repository', async () => {
      const r = await call(sb, 'GET', '/2.0/repositories/acme/web-app', {
        auth: bearer(sb.demo.repoAccessToken),
      });
      assert.equal(r.status, 200);
      assert.equal(r.json.full_name, 'acme/web-app');
      assert.equal(r.json.mainbranch.name, 'main');
    });

    it('are refused as Basic x-token-auth', async () => {
      const r = await call(sb, 'GET', '/2.0/repositories/acme/web-app', {
        auth: basic('x-token-auth', sb.demo.repoAccessToken),
      });
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, TOKEN_INVALID);
    });

    it('cannot see another repository (404, as if it did not exist)', async () => {
      const r = await call(sb, 'GET', '/2.0/repositories/acme/api-service', {
        auth: bearer(sb.demo.repoAccessToken),
      });
      assert.equal(r.status, 404);
      assert.deepEqual(r.json, { type: 'error', error: { message: REPOSITORY_NOT_FOUND } });
    });

    it('of a workspace see every repository of it, not other workspaces', async () => {
      const auth = bearer(sb.demo.workspaceAccessToken);
      assert.equal((await call(sb, 'GET', '/2.0/repositories/acme/api-service', { auth })).status, 200);
      const other = sb.addAccessToken({ workspace: 'other', scopes: ['repository'] });
      assert.equal(
        (await call(sb, 'GET', '/2.0/repositories/acme/api-service', { auth: bearer(other) })).status,
        404,
      );
    });

    it('are refused on /user with "not accessible by this authentication mechanism"', async () => {
      const r = await call(sb, 'GET', '/2.0/user', { auth: bearer(sb.demo.repoAccessToken) });
      assert.equal(r.status, 403);
      assert.deepEqual(r.json, {
        type: 'error',
        error: { message: 'This API is not accessible by this authentication mechanism' },
      });
    });
  });

  describe('scopes', () => {
    it('a missing granular scope answers 403 with required and granted', async () => {
      const token = sb.addApiToken({ email: sb.demo.email, scopes: ['read:repository:bitbucket'] });
      const r = await call(sb, 'GET', '/2.0/repositories/acme/web-app/pullrequests', {
        auth: basic(sb.demo.email, token),
      });
      assert.equal(r.status, 403);
      assert.deepEqual(r.json, {
        type: 'error',
        error: {
          message: 'Your credentials lack one or more required privilege scopes.',
          detail: { required: ['read:pullrequest:bitbucket'], granted: ['read:repository:bitbucket'] },
        },
      });
    });

    it('triggering a pipeline needs read and write pipeline scopes', async () => {
      const token = sb.addApiToken({ email: sb.demo.email, scopes: ['read:pipeline:bitbucket'] });
      const r = await call(sb, 'POST', '/2.0/repositories/acme/central-checks/pipelines/', {
        auth: basic(sb.demo.email, token),
        body: { target: { type: 'pipeline_ref_target', ref_type: 'branch', ref_name: 'main' } },
      });
      assert.equal(r.status, 403);
      assert.deepEqual(r.json.error.detail.required, ['read:pipeline:bitbucket', 'write:pipeline:bitbucket']);
      assert.equal(sb.pipelines(seed.centralChecks.fullName).length, 0);
    });

    it('access tokens use legacy names, with their implications', async () => {
      const repoOnly = bearer(
        sb.addAccessToken({ workspace: 'acme', repo: 'web-app', scopes: ['repository'] }),
      );
      const r = await call(sb, 'GET', '/2.0/repositories/acme/web-app/pullrequests/7', { auth: repoOnly });
      assert.equal(r.status, 403);
      assert.deepEqual(r.json.error.detail, { required: ['pullrequest'], granted: ['repository'] });
      // `pullrequest` implies `repository`.
      const prOnly = bearer(
        sb.addAccessToken({ workspace: 'acme', repo: 'web-app', scopes: ['pullrequest'] }),
      );
      assert.equal((await call(sb, 'GET', '/2.0/repositories/acme/web-app', { auth: prOnly })).status, 200);
    });

    it('statuses need only the repository read scope, even to post', async () => {
      const token = sb.addApiToken({ email: sb.demo.email, scopes: ['read:repository:bitbucket'] });
      const r = await call(
        sb,
        'POST',
        `/2.0/repositories/acme/web-app/commit/${seed.webApp.branches.main}/statuses/build`,
        {
          auth: basic(sb.demo.email, token),
          body: { key: 'lint', state: 'SUCCESSFUL', url: 'https://ci.example/1' },
        },
      );
      assert.equal(r.status, 201);
    });
  });

  describe('OAuth client credentials', () => {
    it('grant a bearer token that then authenticates', async () => {
      const { clientId, clientSecret } = sb.demo.oauth;
      const r = await call(sb, 'POST', '/site/oauth2/access_token', {
        auth: basic(clientId, clientSecret),
        form: { grant_type: 'client_credentials' },
      });
      assert.equal(r.status, 200);
      assert.equal(r.json.token_type, 'bearer');
      assert.equal(r.json.expires_in, 7200);
      assert.equal(typeof r.json.refresh_token, 'string');
      assert.deepEqual(r.json.scopes.split(' ').sort(), [
        'account',
        'pipeline',
        'pipeline:write',
        'pullrequest',
        'repository',
      ]);
      const user = await call(sb, 'GET', '/2.0/user', { auth: bearer(r.json.access_token) });
      assert.equal(user.status, 200);
      assert.equal(user.json.nickname, seed.users.dev.nickname);
    });

    it('a new consumer gets only its scopes; refresh tokens work once', async () => {
      const { clientId, clientSecret } = sb.addOAuthConsumer({ scopes: ['repository'] });
      const grant = await call(sb, 'POST', sb.oauthTokenUrl, {
        auth: basic(clientId, clientSecret),
        form: { grant_type: 'client_credentials' },
      });
      const auth = bearer(grant.json.access_token);
      assert.equal((await call(sb, 'GET', '/2.0/repositories/acme/web-app', { auth })).status, 200);
      assert.equal((await call(sb, 'GET', '/2.0/user', { auth })).status, 403);
      const form = { grant_type: 'refresh_token', refresh_token: grant.json.refresh_token as string };
      const refreshed = await call(sb, 'POST', sb.oauthTokenUrl, {
        auth: basic(clientId, clientSecret),
        form,
      });
      assert.equal(refreshed.status, 200);
      assert.notEqual(refreshed.json.access_token, grant.json.access_token);
      const again = await call(sb, 'POST', sb.oauthTokenUrl, { auth: basic(clientId, clientSecret), form });
      assert.equal(again.status, 400);
      assert.equal(again.json.error, 'invalid_grant');
    });

    it('refuse a wrong secret and unknown grant types', async () => {
      const bad = await call(sb, 'POST', sb.oauthTokenUrl, {
        auth: basic(sb.demo.oauth.clientId, 'wrong'),
        form: { grant_type: 'client_credentials' },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error, 'invalid_client');
      const grant = await call(sb, 'POST', sb.oauthTokenUrl, {
        auth: basic(sb.demo.oauth.clientId, sb.demo.oauth.clientSecret),
        form: { grant_type: 'password' },
      });
      assert.equal(grant.status, 400);
      assert.equal(grant.json.error, 'unsupported_grant_type');
    });
  });

  it('answers 404 with Bitbucket’s body for an unknown repository', async () => {
    const r = await call(sb, 'GET', '/2.0/repositories/acme/nope', { auth: demoAuth(sb) });
    assert.equal(r.status, 404);
    assert.deepEqual(r.json, { type: 'error', error: { message: REPOSITORY_NOT_FOUND } });
  });
});
