// Credentials in SecretStorage (in memory here), the connection built from them, and the sign-in check against the sandbox.
import * as assert from 'node:assert/strict';
import { CredentialError } from '../../src/core/errors';
import { ConnectionProvider } from '../../src/extension/model/connection';
import { CredentialStore, SECRET_KEYS } from '../../src/extension/model/credential-store';
import { isSignInInput, verifyCredential } from '../../src/extension/model/sign-in';
import { doctorReportLines } from '../../src/extension/view/messages';
import { seed, startSandbox, type Sandbox } from '../../src/sandbox';
import { MemorySecrets } from './support/memory-stores';
import { requestsSince, TRANSPORT } from './support/sandbox';
import { assertRequestsMatchOpenApi } from '../support/sandbox-suite';

describe('CredentialStore', () => {
  it('stores an API token with its email, an access token alone, and forgets everything on clear', async () => {
    const secrets = new MemorySecrets();
    const store = new CredentialStore(secrets);
    assert.equal(await store.read(), undefined);

    await store.save({ kind: 'api-token', email: 'dev@acme.example', token: 'ATATT-token', source: 'x' });
    assert.deepEqual([...secrets.values.keys()].sort(), [SECRET_KEYS.apiToken, SECRET_KEYS.email].sort());
    assert.deepEqual(await store.read(), {
      email: 'dev@acme.example',
      apiToken: 'ATATT-token',
      accessToken: undefined,
    });

    await store.save({ kind: 'access-token', token: 'ATCTT-token', source: 'x' });
    assert.deepEqual([...secrets.values.keys()], [SECRET_KEYS.accessToken]);

    secrets.values.set(SECRET_KEYS.email, 'left@over.example');
    await store.clear();
    assert.equal(secrets.values.size, 0);
    assert.equal(await store.read(), undefined);
  });
});

describe('ConnectionProvider', () => {
  let sandbox: Sandbox;
  beforeEach(async () => (sandbox = await startSandbox()));
  afterEach(async () => {
    await sandbox.close();
    assertRequestsMatchOpenApi(sandbox);
  });

  it('is undefined when signed out, connects with the stored credential, and rebuilds after invalidate', async () => {
    const secrets = new MemorySecrets();
    const store = new CredentialStore(secrets);
    const provider = new ConnectionProvider(store, {
      apiUrl: () => sandbox.bitbucketApiUrl,
      transport: TRANSPORT,
    });
    assert.equal(await provider.connection(), undefined);

    await store.save({
      kind: 'api-token',
      email: sandbox.demo.email,
      token: sandbox.demo.apiToken,
      source: 'x',
    });
    assert.equal(await provider.connection(), undefined, 'cached until invalidated');
    provider.invalidate();
    const connection = await provider.connection();
    assert.ok(connection);
    assert.equal(await provider.connection(), connection, 'reused');
    const user = await connection.api.getCurrentUser();
    assert.equal(user.display_name, seed.users.dev.displayName);
  });

  it('throws a CredentialError naming the stored value, before any request', async () => {
    const secrets = new MemorySecrets();
    await secrets.store(SECRET_KEYS.apiToken, sandbox.demo.apiToken);
    const provider = new ConnectionProvider(new CredentialStore(secrets), {
      apiUrl: () => sandbox.bitbucketApiUrl,
      transport: TRANSPORT,
    });
    await assert.rejects(provider.connection(), (error: unknown) => {
      assert.ok(error instanceof CredentialError);
      assert.match(
        error.message,
        /the stored API token holds an Atlassian API token, which needs the account email/,
      );
      return true;
    });
    assert.deepEqual(requestsSince(sandbox, 0), []);
  });

  it('follows a change of the API URL setting', async () => {
    const secrets = new MemorySecrets();
    const store = new CredentialStore(secrets);
    await store.save({ kind: 'access-token', token: sandbox.demo.repoAccessToken, source: 'x' });
    let apiUrl = 'https://api.bitbucket.org/2.0';
    const provider = new ConnectionProvider(store, { apiUrl: () => apiUrl, transport: TRANSPORT });
    const first = await provider.connection();
    apiUrl = sandbox.bitbucketApiUrl;
    const second = await provider.connection();
    assert.notEqual(first, second);
    assert.equal(
      (await second?.api.getRepository({ workspace: 'acme', slug: 'web-app' }))?.full_name,
      'acme/web-app',
    );
  });
});

describe('sign-in check against the sandbox', () => {
  let sandbox: Sandbox;
  const webApp = { workspace: 'acme', slug: 'web-app' };
  beforeEach(async () => (sandbox = await startSandbox()));
  afterEach(async () => {
    await sandbox.close();
    assertRequestsMatchOpenApi(sandbox);
  });

  const verify = (input: Parameters<typeof verifyCredential>[0], repo = webApp) =>
    verifyCredential(input, { apiUrl: sandbox.bitbucketApiUrl, transport: TRANSPORT, repo });

  it('accepts the demo API token and names the account', async () => {
    const verified = await verify({
      kind: 'api-token',
      email: sandbox.demo.email,
      token: sandbox.demo.apiToken,
    });
    assert.equal(verified.verdict.kind, 'accepted');
    assert.match(verified.verdict.kind === 'accepted' ? verified.verdict.summary : '', /Dana Developer/);
    assert.equal(verified.credential.kind, 'api-token');
  });

  it('rejects an API token with the wrong email, saying to check the email', async () => {
    const verified = await verify({
      kind: 'api-token',
      email: 'someone@else.example',
      token: sandbox.demo.apiToken,
    });
    assert.equal(verified.verdict.kind, 'rejected');
    if (verified.verdict.kind !== 'rejected') return;
    assert.equal(verified.verdict.identityOk, false);
    assert.match(verified.verdict.message, /did not accept the credential/);
    assert.match(
      verified.verdict.fix ?? '',
      /someone@else\.example is the email of the Atlassian account that created the token/,
    );
  });

  it('rejects a token without the pull request scope, naming the scope to add', async () => {
    const token = sandbox.addApiToken({
      email: sandbox.demo.email,
      scopes: ['read:repository:bitbucket', 'read:user:bitbucket'],
    });
    const verified = await verify({ kind: 'api-token', email: sandbox.demo.email, token });
    assert.equal(verified.verdict.kind, 'rejected');
    if (verified.verdict.kind !== 'rejected') return;
    assert.equal(verified.verdict.identityOk, true, 'the credential itself works');
    assert.match(verified.verdict.message, /read:pullrequest:bitbucket/);
    assert.match(
      verified.verdict.fix ?? '',
      /create a new API token with scopes including read:pullrequest:bitbucket/i,
    );
  });

  it('accepts a repository access token for its repository though it cannot read /user', async () => {
    const verified = await verify({ kind: 'access-token', token: sandbox.demo.repoAccessToken });
    assert.equal(verified.verdict.kind, 'accepted');
    assert.equal(verified.credential.kind, 'access-token');
    assert.equal(verified.report.checks.find((check) => check.name === 'identity')?.outcome, 'skipped');
  });

  it('uses an access token pasted into the API token box as an access token, and says so', async () => {
    const verified = await verify({
      kind: 'api-token',
      email: sandbox.demo.email,
      token: sandbox.demo.repoAccessToken,
    });
    assert.equal(verified.credential.kind, 'access-token');
    assert.equal(verified.verdict.kind, 'accepted');
    assert.match(
      verified.verdict.kind === 'accepted' ? verified.verdict.warnings.join(' ') : '',
      /the API token holds an access token/,
    );
  });

  it('refuses an app password before sending anything', async () => {
    await assert.rejects(
      verify({ kind: 'access-token', token: sandbox.demo.appPassword }),
      (error: unknown) => {
        assert.ok(error instanceof CredentialError);
        assert.match(error.message, /app password/);
        return true;
      },
    );
    assert.deepEqual(requestsSince(sandbox, 0), []);
  });

  it('never puts the token in the report it logs', async () => {
    const verified = await verify({
      kind: 'api-token',
      email: 'someone@else.example',
      token: sandbox.demo.apiToken,
    });
    const logged = doctorReportLines(verified.report, 'Sign-in check:').join('\n');
    assert.ok(!logged.includes(sandbox.demo.apiToken));
    assert.match(logged, /✗ identity/);
  });

  it('accepts only well-formed sign-in arguments', () => {
    assert.equal(isSignInInput({ kind: 'api-token', email: 'a@b.example', token: 'ATAT' }), true);
    assert.equal(isSignInInput({ kind: 'access-token', token: 'ATCT' }), true);
    for (const value of [
      undefined,
      null,
      'ATAT',
      { kind: 'api-token', token: 'ATAT' },
      { kind: 'oauth', token: 'x' },
      { kind: 'access-token' },
    ]) {
      assert.equal(isSignInInput(value), false, JSON.stringify(value));
    }
  });
});
