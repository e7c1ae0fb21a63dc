// Credential routing: every way a user can set credentials, right or wrong, decided before anything is sent.
import assert from 'node:assert/strict';
import { CredentialError } from '../../src/core/errors';
import { resolveCredential, tokenTypeOf } from '../../src/core/credentials';

const API_TOKEN = 'ATATT3xFfGF0testtoken0000000000000000';
const ACCESS_TOKEN = 'ATCTT3xFfGF0testaccess000000000000000';
const APP_PASSWORD = 'ATBB1234567890abcdefghijklmnopqrstuv';

function refused(sources: Parameters<typeof resolveCredential>[0]): CredentialError {
  try {
    resolveCredential(sources);
  } catch (error) {
    assert.ok(error instanceof CredentialError, `expected a CredentialError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the credential to be refused');
}

describe('resolveCredential', () => {
  it('routes tokens by prefix', () => {
    assert.equal(tokenTypeOf(API_TOKEN), 'api-token');
    assert.equal(tokenTypeOf(ACCESS_TOKEN), 'access-token');
    assert.equal(tokenTypeOf(APP_PASSWORD), 'app-password');
    assert.equal(tokenTypeOf('something-else'), 'unknown');
  });

  it('uses an API token with the account email', () => {
    const { credential, notices } = resolveCredential({ email: ' dev@acme.example ', apiToken: API_TOKEN });
    assert.deepEqual(credential, {
      kind: 'api-token',
      email: 'dev@acme.example',
      token: API_TOKEN,
      source: 'BITBUCKET_API_TOKEN',
    });
    assert.deepEqual(notices, []);
  });

  it("refuses the seed's x-token-auth username with an API token and says to set the email", () => {
    const error = refused({ username: 'x-token-auth', apiToken: API_TOKEN });
    assert.match(error.message, /x-token-auth/);
    assert.match(error.message, /401/);
    assert.match(error.hint ?? '', /ATLASSIAN_ACCOUNT_EMAIL/);
    assert.ok(!error.message.includes(API_TOKEN) && !(error.hint ?? '').includes(API_TOKEN));
  });

  it('refuses an API token with a Bitbucket username instead of an email', () => {
    const error = refused({ username: 'jdoe', apiToken: API_TOKEN });
    assert.match(error.message, /not the Bitbucket username/);
  });

  it('refuses an API token without any email', () => {
    assert.match(refused({ apiToken: API_TOKEN }).message, /needs the account email/);
  });

  it('refuses an email variable that holds no email', () => {
    assert.match(refused({ email: 'x-token-auth', apiToken: API_TOKEN }).message, /is not an email address/);
  });

  it('never quotes a token put in the email variable, and says the two look swapped', () => {
    const error = refused({ email: API_TOKEN, apiToken: 'dev@acme.example' });
    assert.match(error.message, /looks like a token \(not shown\), not an email address/);
    assert.match(error.message, /look swapped/);
    assert.ok(!`${error.message} ${error.hint}`.includes(API_TOKEN.slice(4)), error.message);
  });

  it('never quotes a token-like user name, neither in errors nor in notices', () => {
    const secretish = 'q8Zr2LmX0pVt7Kc4Wn9sHy3B';
    const error = refused({ username: secretish, apiToken: API_TOKEN });
    assert.ok(!error.message.includes(secretish), error.message);
    const { notices } = resolveCredential({
      email: 'dev@acme.example',
      username: API_TOKEN,
      apiToken: API_TOKEN,
    });
    assert.ok(notices.length > 0 && !notices.join('\n').includes(API_TOKEN.slice(4)), notices.join('\n'));
    const plain = resolveCredential({ email: 'dev@acme.example', username: 'jdoe', apiToken: API_TOKEN });
    assert.match(plain.notices.join('\n'), /BITBUCKET_USERNAME="jdoe" is ignored/);
  });

  it('names the variable to use when the email is in BITBUCKET_USERNAME', () => {
    const error = refused({ username: 'dev@acme.example', apiToken: API_TOKEN });
    assert.match(error.hint ?? '', /ATLASSIAN_ACCOUNT_EMAIL=dev@acme\.example/);
  });

  it('refuses an app password alone, explaining the removal and how to create an API token', () => {
    const error = refused({ username: 'jdoe', appPassword: APP_PASSWORD });
    assert.match(error.message, /removed .* 2026-07-28/);
    assert.match(error.hint ?? '', /API token with scopes/);
  });

  it('refuses an app password put in the API token variable', () => {
    assert.match(refused({ email: 'dev@acme.example', apiToken: APP_PASSWORD }).message, /app password/);
  });

  it('ignores an app password with a notice when a working credential is also set', () => {
    const { credential, notices } = resolveCredential({
      accessToken: ACCESS_TOKEN,
      appPassword: APP_PASSWORD,
    });
    assert.equal(credential.kind, 'access-token');
    assert.ok(notices.some((notice) => /app password/.test(notice)));
  });

  it('uses an access token found in the API token variable as Bearer, and says so', () => {
    const { credential, notices } = resolveCredential({ apiToken: ACCESS_TOKEN });
    assert.equal(credential.kind, 'access-token');
    assert.match(notices.join('\n'), /BITBUCKET_API_TOKEN holds an access token/);
  });

  it('uses an API token found in the access token variable with the email', () => {
    const { credential, notices } = resolveCredential({ accessToken: API_TOKEN, email: 'dev@acme.example' });
    assert.equal(credential.kind, 'api-token');
    assert.match(notices.join('\n'), /BITBUCKET_ACCESS_TOKEN holds an API token/);
  });

  it('needs both halves of an OAuth consumer', () => {
    assert.match(refused({ oauthClientId: 'key' }).message, /BITBUCKET_OAUTH_CLIENT_SECRET/);
    const { credential } = resolveCredential({ oauthClientId: 'key', oauthClientSecret: 'secret-value' });
    assert.equal(credential.kind, 'oauth-client');
  });

  it('says what to set when nothing is set', () => {
    const error = refused({});
    assert.match(error.message, /No Bitbucket credential/);
    assert.match(error.hint ?? '', /BITBUCKET_API_TOKEN/);
  });

  it('refuses a token broken over lines', () => {
    assert.match(
      refused({ email: 'dev@acme.example', apiToken: 'ATATT3xFf\nGF0rest' }).message,
      /white space/,
    );
  });

  it('prefers the API token over other credentials, with a notice', () => {
    const { credential, notices } = resolveCredential({
      email: 'dev@acme.example',
      apiToken: API_TOKEN,
      accessToken: ACCESS_TOKEN,
    });
    assert.equal(credential.kind, 'api-token');
    assert.ok(notices.some((notice) => /other credentials set are ignored/.test(notice)));
  });

  it('names action inputs when credentials came from them', () => {
    const error = refused({ username: 'x-token-auth', apiToken: API_TOKEN, email: undefined });
    assert.match(error.message, /BITBUCKET_API_TOKEN/);
    const names = {
      email: 'input email',
      apiToken: 'input api-token',
      accessToken: 'input access-token',
      oauthClientId: 'a',
      oauthClientSecret: 'b',
      username: 'c',
      appPassword: 'd',
    };
    try {
      resolveCredential({ apiToken: API_TOKEN }, names);
      assert.fail('expected a refusal');
    } catch (error) {
      assert.match((error as Error).message, /input api-token/);
    }
  });
});
