// The overwrite rule: only a status's creator (or an admin) may overwrite it; refusals and `doctor --key` say who owns it.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_API_TOKEN_SCOPES, seed } from '../../src/sandbox';
import { runCrosscheck } from '../support/cli';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';

const REPO = seed.webApp.fullName;
const COMMIT = seed.webApp.pullRequest.sourceCommit;
const OTHER = 'ci-bot@acme.example';

const setArgs = (key: string) => [
  'status',
  'set',
  '--repo',
  REPO,
  '--commit',
  COMMIT,
  '--key',
  key,
  '--state',
  'passed',
  '--url',
  'https://ci.example.com/2',
];

describe('who owns a build status (CLI against the sandbox)', () => {
  const suite = useSandbox();
  const otherEnv = () => ({
    BITBUCKET_API_URL: suite.sandbox.bitbucketApiUrl,
    ATLASSIAN_ACCOUNT_EMAIL: OTHER,
    BITBUCKET_API_TOKEN: suite.sandbox.addApiToken({ email: OTHER, scopes: [...DEMO_API_TOKEN_SCOPES] }),
  });

  it('a refused overwrite names the rule, when the status was created, and the credential to use on both sides', async () => {
    const first = await runCrosscheck(setArgs('owned'), { env: apiTokenEnvironment(suite.sandbox) });
    assert.equal(first.code, 0, first.stderr);
    const second = await runCrosscheck(setArgs('owned'), { env: otherEnv() });
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, /only the account that created a status under this key may overwrite it/);
    assert.match(second.stderr, /403 Forbidden/);
    assert.match(
      second.stderr,
      /The status "owned" already on this commit was created by an account Bitbucket does not name in its API on \d{4}-/,
    );
    assert.match(second.stderr, /https:\/\/ci\.example\.com\/2/);
    assert.match(
      second.stderr,
      /same credential everywhere .* \(this run used API token for ci-bot@acme\.example/,
    );
    const status = suite.sandbox.buildStatuses(REPO, COMMIT).find((s) => s.key === 'owned');
    assert.equal(status?.state, 'SUCCESSFUL');
  });

  it('doctor --repo --commit --key shows the status, since when it exists and who may overwrite it', async () => {
    await runCrosscheck(setArgs('inspected'), { env: apiTokenEnvironment(suite.sandbox) });
    const result = await runCrosscheck(['doctor', '--repo', REPO, '--commit', COMMIT, '--key', 'inspected'], {
      env: otherEnv(),
    });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /✓ build status "inspected" on acme\/web-app@\w{12}: SUCCESSFUL, created by an account Bitbucket does not name in its API on .*Only that account \(or a repository admin\) can overwrite it/,
    );
  });

  it('doctor --key for a key nobody posted says the first poster will own it', async () => {
    const result = await runCrosscheck(
      ['doctor', '--repo', REPO, '--commit', COMMIT, '--key', 'nobody-yet'],
      {
        env: apiTokenEnvironment(suite.sandbox),
      },
    );
    assert.equal(result.code, 0, result.stdout);
    assert.match(result.stdout, /no status under this key yet: the first credential to post it will own it/);
  });

  it('doctor --key without a repository, or --commit without --key, is bad usage (exit 2)', async () => {
    const env = apiTokenEnvironment(suite.sandbox);
    const noRepo = await runCrosscheck(['doctor', '--key', 'sonar', '--commit', COMMIT], { env });
    assert.equal(noRepo.code, 2);
    assert.match(noRepo.stderr, /--key needs --repo/);
    const noKey = await runCrosscheck(['doctor', '--repo', REPO, '--commit', COMMIT], { env });
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /--commit needs --key/);
  });
});

describe('a status response that carries its author (loopback server)', () => {
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.setHeader('Content-Type', 'application/json');
        if (request.method === 'POST') {
          response
            .writeHead(403)
            .end(
              JSON.stringify({ type: 'error', error: { message: 'You may not change this build status.' } }),
            );
          return;
        }
        response.writeHead(200).end(
          JSON.stringify({
            type: 'build',
            key: 'sonar',
            state: 'FAILED',
            url: 'https://bitbucket.example/central/pipelines/7',
            created_on: '2026-11-30T10:00:00.000000+00:00',
            updated_on: '2026-11-30T10:05:00.000000+00:00',
            creator: { type: 'app_user', display_name: 'Central Checks', account_id: '5570:abc' },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/2.0`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('names the account that created it', async () => {
    const result = await runCrosscheck(setArgs('sonar'), {
      env: {
        BITBUCKET_API_URL: url,
        ATLASSIAN_ACCOUNT_EMAIL: 'dev@acme.example',
        BITBUCKET_API_TOKEN: 'ATATT3xFfGF0ownertest0000000000000',
      },
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /was created by Central Checks \(5570:abc\) on 2026-11-30T10:00:00\.000000\+00:00, last updated 2026-11-30T10:05/,
    );
  });
});
