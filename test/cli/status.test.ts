// `crosscheck status set/get` end to end: the bundled CLI against the sandbox over real HTTP, requests checked against OpenAPI.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, seed } from '../../src/sandbox';
import { runCrosscheck, type CliResult } from '../support/cli';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';

const REPO = seed.webApp.fullName;
const PR = seed.webApp.pullRequest;
const COMMIT = PR.sourceCommit;

describe('crosscheck status (CLI against the sandbox)', function () {
  let sandbox: Sandbox;

  const suite = useSandbox();
  before(() => {
    sandbox = suite.sandbox;
  });

  const apiTokenEnv = () => apiTokenEnvironment(sandbox);
  const secretsOf = () => [
    sandbox.demo.apiToken,
    sandbox.demo.repoAccessToken,
    sandbox.demo.workspaceAccessToken,
    sandbox.demo.oauth.clientSecret,
    sandbox.demo.appPassword,
  ];
  const assertNoSecret = (result: CliResult) => {
    for (const secret of secretsOf()) {
      assert.ok(
        !result.stdout.includes(secret) && !result.stderr.includes(secret),
        `a secret leaked:\n${result.stdout}\n${result.stderr}`,
      );
    }
  };
  const set = (args: string[], env: Record<string, string | undefined> = apiTokenEnv()) =>
    runCrosscheck(
      ['status', 'set', '--repo', REPO, '--commit', COMMIT, '--url', 'https://ci.example.com/1', ...args],
      { env },
    );

  it('prints a mark that fits each state: never ✓ before FAILED or STOPPED', async () => {
    const marks = {
      pending: '… INPROGRESS',
      failed: '✗ FAILED',
      stopped: '■ STOPPED',
      passed: '✓ SUCCESSFUL',
    };
    for (const [state, printed] of Object.entries(marks)) {
      const result = await set(['--key', 'marks', '--state', state]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${printed} marks on ${REPO}@${COMMIT.slice(0, 12)}\n`);
    }
  });

  it('posts INPROGRESS then FAILED then SUCCESSFUL under one key, which overwrites', async () => {
    for (const state of ['pending', 'failed', 'passed']) {
      const result = await set([
        '--key',
        'cli-flow',
        '--state',
        state,
        '--name',
        'CLI flow',
        '--refname',
        PR.source,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assertNoSecret(result);
    }
    const statuses = sandbox.buildStatuses(REPO, COMMIT).filter((status) => status.key === 'cli-flow');
    assert.equal(statuses.length, 1);
    assert.equal(statuses[0]?.state, 'SUCCESSFUL');
    assert.equal(statuses[0]?.refname, PR.source);
  });

  it('sends an API token as HTTP Basic email:token', async () => {
    const before = sandbox.requests.length;
    const result = await set(['--key', 'basic', '--state', 'SUCCESSFUL']);
    assert.equal(result.code, 0, result.stderr);
    const request = sandbox.requests.slice(before).find((recorded) => recorded.method === 'POST');
    assert.ok(request, 'a POST was recorded');
    assert.match(JSON.stringify(request.headers), /Basic/);
  });

  it('sends an access token as Bearer, and an OAuth consumer through the client-credentials grant', async () => {
    const bearer = await set(['--key', 'bearer', '--state', 'SUCCESSFUL'], {
      BITBUCKET_API_URL: sandbox.bitbucketApiUrl,
      BITBUCKET_ACCESS_TOKEN: sandbox.demo.repoAccessToken,
    });
    assert.equal(bearer.code, 0, bearer.stderr);
    const oauth = await set(['--key', 'oauth', '--state', 'SUCCESSFUL'], {
      BITBUCKET_API_URL: sandbox.bitbucketApiUrl,
      BITBUCKET_OAUTH_TOKEN_URL: sandbox.oauthTokenUrl,
      BITBUCKET_OAUTH_CLIENT_ID: sandbox.demo.oauth.clientId,
      BITBUCKET_OAUTH_CLIENT_SECRET: sandbox.demo.oauth.clientSecret,
    });
    assert.equal(oauth.code, 0, oauth.stderr);
    assertNoSecret(oauth);
    assert.deepEqual(
      sandbox
        .buildStatuses(REPO, COMMIT)
        .filter((status) => ['bearer', 'oauth'].includes(status.key))
        .map((status) => status.state),
      ['SUCCESSFUL', 'SUCCESSFUL'],
    );
  });

  it("stops the seed's x-token-auth mistake before sending, with the fix", async () => {
    const before = sandbox.requests.length;
    const result = await set(['--key', 'k', '--state', 'passed'], {
      BITBUCKET_API_URL: sandbox.bitbucketApiUrl,
      BITBUCKET_USERNAME: 'x-token-auth',
      BITBUCKET_API_TOKEN: sandbox.demo.apiToken,
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /x-token-auth/);
    assert.match(result.stderr, /ATLASSIAN_ACCOUNT_EMAIL/);
    assert.equal(sandbox.requests.length, before, 'nothing was sent');
    assertNoSecret(result);
  });

  it('refuses an app password with the migration steps, sending nothing', async () => {
    const before = sandbox.requests.length;
    const result = await set(['--key', 'k', '--state', 'passed'], {
      BITBUCKET_API_URL: sandbox.bitbucketApiUrl,
      BITBUCKET_USERNAME: 'jdoe',
      BITBUCKET_APP_PASSWORD: sandbox.demo.appPassword,
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /App passwords were removed/);
    assert.match(result.stderr, /API token with scopes/);
    assert.equal(sandbox.requests.length, before);
    assertNoSecret(result);
  });

  it('says with --verbose that a token in the wrong variable was routed by its prefix', async () => {
    const result = await set(['--key', 'routed', '--state', 'passed', '--verbose'], {
      BITBUCKET_API_URL: sandbox.bitbucketApiUrl,
      BITBUCKET_API_TOKEN: sandbox.demo.repoAccessToken,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /BITBUCKET_API_TOKEN holds an access token/);
    assert.match(result.stderr, /→ POST .*statuses\/build/);
    assertNoSecret(result);
  });

  it('explains a 401 from Bitbucket for a wrong email', async () => {
    const result = await set(['--key', 'k', '--state', 'passed'], {
      ...apiTokenEnv(),
      ATLASSIAN_ACCOUNT_EMAIL: 'someone-else@acme.example',
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /did not accept the credential/);
    assert.match(result.stderr, /Token is invalid, expired, or not supported/);
    assert.match(result.stderr, /someone-else@acme\.example is the email/);
    assertNoSecret(result);
  });

  it('explains a missing scope from the 403 detail', async () => {
    const token = sandbox.addApiToken({ email: sandbox.demo.email, scopes: ['read:user:bitbucket'] });
    const result = await set(['--key', 'k', '--state', 'passed'], {
      ...apiTokenEnv(),
      BITBUCKET_API_TOKEN: token,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /lacks the scope read:repository:bitbucket/);
    assert.match(result.stderr, /create a new API token with scopes/);
    assert.ok(!result.stderr.includes(token));
  });

  it('explains a 404 for a repository that does not exist', async () => {
    const result = await runCrosscheck(
      [
        'status',
        'set',
        '--repo',
        'acme/nope',
        '--commit',
        COMMIT,
        '--key',
        'k',
        '--state',
        'passed',
        '--url',
        'https://x.example',
      ],
      { env: apiTokenEnv() },
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Not found: commit .* in acme\/nope/);
  });

  it('retries 429 (no Retry-After), 502 and a reset, and writes exactly one status', async () => {
    sandbox.injectFaults({ method: 'POST', pathPattern: /statuses\/build$/, faults: [429, 502, 'reset'] });
    const before = sandbox.requests.length;
    const result = await set(['--key', 'flaky', '--state', 'passed']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /rate limited \(429\).*retrying/);
    assert.match(result.stderr, /server answered 502/);
    assert.match(result.stderr, /connection was reset/);
    assert.equal(sandbox.buildStatuses(REPO, COMMIT).filter((status) => status.key === 'flaky').length, 1);
    assert.ok(sandbox.requests.length - before >= 3);
  });

  it('gives up after the retries with a diagnosis of the rate limit', async () => {
    sandbox.injectFaults({ method: 'POST', pathPattern: /statuses\/build$/, faults: [429, 429, 429] });
    const result = await set(['--key', 'limited', '--state', 'passed', '--retries', '2']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /hourly rate limit is spent for the API tokens of dev@acme\.example/);
    assert.match(result.stderr, /1,000 requests per hour/);
    assert.match(result.stderr, /access tokens, which each have their own allowance/);
  });

  describe('bad input: exit 2, a clear error, nothing sent', () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['a key over 40 characters', ['--key', 'k'.repeat(41), '--state', 'passed'], /41 characters/],
      ['an unknown state', ['--key', 'k', '--state', 'done'], /not a build state/],
      [
        'an abbreviated commit',
        ['--key', 'k', '--state', 'passed', '--commit', COMMIT.slice(0, 7)],
        /looks abbreviated/,
      ],
      [
        'a repository without workspace',
        ['--key', 'k', '--state', 'passed', '--repo', 'web-app'],
        /workspace\/repo/,
      ],
      ['a URL that is not http(s)', ['--key', 'k', '--state', 'passed', '--url', 'ftp://x'], /not an http/],
      ['an unknown option', ['--key', 'k', '--state', 'passed', '--colour', 'red'], /unknown option/],
      ['a missing key', ['--state', 'passed'], /--key is required/],
    ];
    for (const [label, args, message] of cases) {
      it(label, async () => {
        const before = sandbox.requests.length;
        const result = await set(args);
        assert.equal(result.code, 2, `${result.stdout}\n${result.stderr}`);
        assert.match(result.stderr, message);
        assert.equal(sandbox.requests.length, before, 'nothing was sent');
      });
    }

    it('reports every bad line of --from with its number', async () => {
      const before = sandbox.requests.length;
      const lines = [
        JSON.stringify({ key: 'a', state: 'passed' }),
        '{broken',
        JSON.stringify({ key: 'b', state: 'nope' }),
      ].join('\n');
      const result = await set(['--from', '-'], apiTokenEnv()).then(() =>
        runCrosscheck(
          ['status', 'set', '--repo', REPO, '--commit', COMMIT, '--url', 'https://x.example', '--from', '-'],
          { env: apiTokenEnv(), stdin: lines },
        ),
      );
      assert.equal(result.code, 2);
      assert.match(result.stderr, /line 2: invalid JSON/);
      assert.match(result.stderr, /line 3: state "nope"/);
      assert.equal(sandbox.requests.length, before);
    });
  });

  describe('--from limits', () => {
    const fromStdin = (stdin: string) =>
      runCrosscheck(
        ['status', 'set', '--repo', REPO, '--commit', COMMIT, '--url', 'https://x.example', '--from', '-'],
        { env: apiTokenEnv(), stdin },
      );
    const line = (index: number) => JSON.stringify({ key: `limit-${index}`, state: 'passed' });

    it('lists the first 20 bad lines and counts the rest', async () => {
      const before = sandbox.requests.length;
      const result = await fromStdin(Array.from({ length: 30 }, (_, index) => `{bad ${index}`).join('\n'));
      assert.equal(result.code, 2);
      assert.match(result.stderr, /30 lines of --from cannot be sent; nothing was sent/);
      assert.match(result.stderr, /line 20: invalid JSON/);
      assert.doesNotMatch(result.stderr, /line 21:/);
      assert.match(result.stderr, /… and 10 more/);
      assert.equal(sandbox.requests.length, before);
    });

    it('refuses an over-long line, more than 10,000 statuses, and input over 16 MiB, sending nothing', async () => {
      const before = sandbox.requests.length;
      const long = await fromStdin(
        [line(1), JSON.stringify({ key: 'x', state: 'passed', description: 'd'.repeat(20_000) })].join('\n'),
      );
      assert.equal(long.code, 2);
      assert.match(long.stderr, /line 2: 200\d\d characters, more than the 16384 a status line may have/);
      const many = await fromStdin(Array.from({ length: 10_001 }, (_, index) => line(index)).join('\n'));
      assert.equal(many.code, 2);
      assert.match(many.stderr, /line 10001 and after: more than 10000 statuses in one run/);
      const huge = await fromStdin(`${line(0)}\n${'#'.repeat(17 * 1024 * 1024)}`);
      assert.equal(huge.code, 2);
      assert.match(huge.stderr, /--from - is larger than 16 MiB; nothing was sent/);
      assert.equal(sandbox.requests.length, before);
    });

    it('reports every failed post, diagnosing each distinct error once and summarising past 20', async () => {
      const unknown = 'f'.repeat(40);
      const result = await runCrosscheck(
        [
          'status',
          'set',
          '--repo',
          REPO,
          '--commit',
          unknown,
          '--url',
          'https://x.example',
          '--from',
          '-',
          '--json',
        ],
        { env: apiTokenEnv(), stdin: Array.from({ length: 30 }, (_, index) => line(index)).join('\n') },
      );
      assert.equal(result.code, 1);
      assert.equal((result.stderr.match(/^error: /gm) ?? []).length, 1, 'one full diagnosis');
      assert.equal((result.stderr.match(/^✗ limit-/gm) ?? []).length, 20);
      assert.match(result.stderr, /… further failures are only counted \(--json lists each\)/);
      assert.match(result.stderr, /30 of 30 statuses could not be posted/);
      assert.equal((JSON.parse(result.stdout) as { failed: unknown[] }).failed.length, 30);
    });
  });

  it('posts many statuses from a JSON Lines file, in parallel, and reports each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crosscheck-'));
    const file = join(dir, 'statuses.jsonl');
    writeFileSync(
      file,
      Array.from({ length: 12 }, (_, index) =>
        JSON.stringify({
          key: `batch-${index}`,
          state: index % 2 ? 'failed' : 'passed',
          description: `check ${index}`,
        }),
      ).join('\n'),
    );
    const result = await set(['--from', file, '--concurrency', '4', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const output = JSON.parse(result.stdout) as { posted: unknown[]; failed: unknown[] };
    assert.equal(output.posted.length, 12);
    assert.equal(output.failed.length, 0);
    assert.equal(
      sandbox.buildStatuses(REPO, COMMIT).filter((status) => status.key.startsWith('batch-')).length,
      12,
    );
    assert.match(result.stderr, /12\/12 posted/);
  });

  it('shortens an over-long name and description with a notice, and still posts', async () => {
    const result = await set([
      '--key',
      'long',
      '--state',
      'passed',
      '--name',
      'N'.repeat(300),
      '--description',
      'D'.repeat(400),
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /name shortened to 255 characters/);
    assert.match(result.stderr, /description shortened to 255 characters/);
    const status = sandbox.buildStatuses(REPO, COMMIT).find((posted) => posted.key === 'long');
    assert.equal(status?.description?.length, 255);
    assert.ok(status?.description?.endsWith('…'));
  });

  it('prints what would be sent with --dry-run and sends nothing', async () => {
    const before = sandbox.requests.length;
    const result = await set(['--key', 'dry', '--state', 'passed', '--dry-run']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /POST .*\/repositories\/acme\/web-app\/commit\/[0-9a-f]{40}\/statuses\/build/,
    );
    assert.match(result.stdout, /"state": "SUCCESSFUL"/);
    assert.equal(sandbox.requests.length, before);
    assertNoSecret(result);
  });

  it('takes --repo, --commit and --refname from Bitbucket Pipelines variables, with explicit values winning', async () => {
    const env = {
      ...apiTokenEnv(),
      BITBUCKET_REPO_FULL_NAME: REPO,
      BITBUCKET_COMMIT: COMMIT,
      BITBUCKET_BRANCH: PR.source,
      BITBUCKET_BUILD_NUMBER: '42',
    };
    const result = await runCrosscheck(['status', 'set', '--key', 'pipelines-env', '--state', 'passed'], {
      env,
    });
    assert.equal(result.code, 0, result.stderr);
    const status = sandbox.buildStatuses(REPO, COMMIT).find((posted) => posted.key === 'pipelines-env');
    assert.equal(status?.refname, PR.source);
    assert.equal(status?.url, `https://bitbucket.org/${REPO}/pipelines/results/42`);
    const explicit = await runCrosscheck(
      ['status', 'set', '--key', 'pipelines-env', '--state', 'failed', '--refname', 'other'],
      { env },
    );
    assert.equal(explicit.code, 0, explicit.stderr);
    assert.equal(
      sandbox.buildStatuses(REPO, COMMIT).find((posted) => posted.key === 'pipelines-env')?.refname,
      'other',
    );
  });

  it('reads options and credentials from INPUT_* like a GitHub-style action, masking secrets and writing outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crosscheck-'));
    const outputFile = join(dir, 'output');
    writeFileSync(outputFile, '');
    const result = await runCrosscheck(['status', 'set'], {
      env: {
        BITBUCKET_API_URL: sandbox.bitbucketApiUrl,
        GITHUB_ACTIONS: 'true',
        GITHUB_OUTPUT: outputFile,
        INPUT_REPO: REPO,
        INPUT_COMMIT: COMMIT,
        INPUT_KEY: 'action-input',
        INPUT_STATE: 'failed',
        INPUT_URL: 'https://ci.example.com/2',
        INPUT_EMAIL: sandbox.demo.email,
        'INPUT_API-TOKEN': sandbox.demo.apiToken,
        'INPUT_DRY-RUN': 'false',
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(
      result.stdout.startsWith(`::add-mask::${sandbox.demo.apiToken}`),
      'the token is masked before anything else is printed',
    );
    assert.equal(
      sandbox.buildStatuses(REPO, COMMIT).find((posted) => posted.key === 'action-input')?.state,
      'FAILED',
    );
    assert.match(readFileSync(outputFile, 'utf8'), /^state<<ghadelimiter_.*\nFAILED\n/m);
  });

  it('shows every status on the commit and the merge-check verdict', async () => {
    sandbox.setBuildStatus(REPO, COMMIT, {
      key: 'other-ci',
      state: 'INPROGRESS',
      name: 'Other CI',
      url: 'https://ci.example.com/9',
    });
    const result = await runCrosscheck(['status', 'get', '--repo', REPO, '--commit', COMMIT], {
      env: apiTokenEnv(),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /INPROGRESS\s+other-ci Other CI/);
    assert.match(result.stdout, /merge check would block: .*Other CI \(INPROGRESS\)/);
    const json = await runCrosscheck(
      ['status', 'get', '--repo', REPO, '--commit', COMMIT, '--key', 'cli-flow', '--json'],
      { env: apiTokenEnv() },
    );
    assert.equal((JSON.parse(json.stdout) as { state: string }).state, 'SUCCESSFUL');
  });

  it('follows pagination when a commit has more statuses than one page', async () => {
    const commit = seed.webApp.branches.main;
    for (let index = 0; index < 130; index++)
      sandbox.setBuildStatus(REPO, commit, {
        key: `many-${index}`,
        state: 'SUCCESSFUL',
        url: 'https://ci.example.com',
      });
    const result = await runCrosscheck(['status', 'get', '--repo', REPO, '--commit', commit, '--json'], {
      env: apiTokenEnv(),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { statuses: unknown[] }).statuses.length, 130);
    assert.ok(
      sandbox.requests.some((request) => request.path.endsWith('/statuses') && request.query.page === '2'),
    );
  });
});
