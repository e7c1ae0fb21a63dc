// `crosscheck doctor` against the sandbox: which credential, who it is, what it reaches, and the fix for what it cannot.
import assert from 'node:assert/strict';
import { seed } from '../../src/sandbox';
import { runCrosscheck } from '../support/cli';
import { useSandbox } from '../support/sandbox-suite';

describe('crosscheck doctor (CLI against the sandbox)', () => {
  const suite = useSandbox();
  const doctor = (env: Record<string, string>, ...args: string[]) =>
    runCrosscheck(['doctor', '--repo', seed.webApp.fullName, ...args], {
      env: { BITBUCKET_API_URL: suite.sandbox.bitbucketApiUrl, ...env },
    });

  it('reports an API token with every scope: who it is and that each probe works', async () => {
    const { demo } = suite.sandbox;
    const result = await doctor({ ATLASSIAN_ACCOUNT_EMAIL: demo.email, BITBUCKET_API_TOKEN: demo.apiToken });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Credential: API token for dev@acme\.example/);
    assert.match(result.stdout, /Token type: Atlassian API token \(ATAT…\)/);
    assert.match(result.stdout, /✓ identity: authenticated as /);
    assert.match(result.stdout, /✓ read acme\/web-app .*read:repository:bitbucket/);
    assert.match(result.stdout, /✓ pull requests/);
    assert.match(result.stderr, /Checking read access to acme\/web-app…/);
    assert.ok(!result.stdout.includes(demo.apiToken) && !result.stderr.includes(demo.apiToken));
  });

  it('says an access token cannot read /user, and checks what it can reach', async () => {
    const result = await doctor({ BITBUCKET_ACCESS_TOKEN: suite.sandbox.demo.repoAccessToken }, '--json');
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      checks: Array<{ name: string; outcome: string }>;
    };
    assert.equal(report.ok, true);
    assert.equal(report.checks.find((check) => check.name === 'identity')?.outcome, 'skipped');
    assert.ok(
      report.checks.some((check) => check.name.startsWith('read acme/web-app') && check.outcome === 'ok'),
    );
  });

  it('fails (exit 1) with the scope to add when the token lacks one', async () => {
    const token = suite.sandbox.addApiToken({
      email: suite.sandbox.demo.email,
      scopes: ['read:repository:bitbucket', 'read:user:bitbucket'],
    });
    const result = await doctor({
      ATLASSIAN_ACCOUNT_EMAIL: suite.sandbox.demo.email,
      BITBUCKET_API_TOKEN: token,
    });
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stdout, /✗ pull requests .*lacks the scope read:pullrequest:bitbucket/);
    assert.match(result.stdout, /fix: An API token's scopes cannot be changed: create a new API token/);
  });

  it('stops before any request when the credential cannot work (exit 2)', async () => {
    const before = suite.sandbox.requests.length;
    const result = await doctor({
      BITBUCKET_USERNAME: 'x-token-auth',
      BITBUCKET_API_TOKEN: suite.sandbox.demo.apiToken,
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /x-token-auth/);
    assert.equal(suite.sandbox.requests.length, before);
  });
});
