// Requests per check and Bitbucket's hourly budget, end to end: the bundled CLI against the sandbox over real HTTP.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PipelineRun, type Sandbox, seed } from '../../src/sandbox';
import { type CliResult, runCrosscheck } from '../support/cli';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';

const REPO = seed.webApp.fullName;
const PR = seed.webApp.pullRequest;
const CENTRAL = seed.centralChecks.fullName;

interface Counts {
  bitbucket: number;
  rateLimited: number;
  sonar: number;
}

describe('requests per check and the hourly budget (CLI against the sandbox)', function () {
  let sandbox: Sandbox;
  let seen = 0;
  const suite = useSandbox();
  before(() => {
    sandbox = suite.sandbox;
    // The central runs are played by the tests themselves.
    sandbox.onPipelineRun(async () => undefined);
  });
  beforeEach(() => (seen = sandbox.requests.length));
  afterEach(() => sandbox.setRateLimit(undefined));

  const bitbucketRequests = () =>
    sandbox.requests.slice(seen).filter((request) => request.path.startsWith('/2.0/'));
  const cli = async (args: string[], env: Record<string, string | undefined>, cwd?: string) => {
    const result = await runCrosscheck(args, { env, cwd });
    for (const secret of [sandbox.demo.apiToken, sandbox.demo.sonarToken])
      assert.ok(!`${result.stdout}${result.stderr}`.includes(secret), 'a secret leaked');
    return result;
  };
  const json = (result: CliResult) =>
    JSON.parse(result.stdout) as { requests: Counts } & Record<string, unknown>;
  /** What Bitbucket sets in a pull-request pipeline of the individual repository. */
  const pullRequestPipeline = (commit: string) => ({
    ...apiTokenEnvironment(sandbox),
    BITBUCKET_REPO_FULL_NAME: REPO,
    BITBUCKET_COMMIT: commit,
    BITBUCKET_BRANCH: PR.source,
    BITBUCKET_PR_ID: String(PR.id),
    BITBUCKET_PR_DESTINATION_BRANCH: PR.destination,
  });
  const trigger = (commit: string, args: string[] = [], env: Record<string, string> = {}) =>
    cli(
      [
        'trigger',
        '--json',
        '--central',
        CENTRAL,
        '--pipeline',
        'sonar-pr-check',
        '--pending-key',
        'sonar',
        ...args,
      ],
      { ...pullRequestPipeline(commit), ...env },
    );
  /** The central step: the scanner's report-task.txt, then sonar-gate with the run's variables. */
  const gate = (
    run: PipelineRun,
    args: string[],
    options: { issues?: number; env?: Record<string, string> } = {},
  ) => {
    const variables = Object.fromEntries(run.variables.map((variable) => [variable.key, variable.value]));
    const { reportTask } = sandbox.sonar.submitAnalysis({
      projectKey: 'web-app',
      pullRequest: variables.TRIGGER_PR_ID,
      // The scanner analyses the commit the gate reports on.
      revision: args.includes('--commit') ? args[args.indexOf('--commit') + 1] : variables.TRIGGER_COMMIT,
      processingMs: 50,
      issues: options.issues ?? 0,
    });
    const folder = mkdtempSync(join(tmpdir(), 'crosscheck-budget-'));
    mkdirSync(join(folder, '.scannerwork'));
    writeFileSync(join(folder, '.scannerwork', 'report-task.txt'), reportTask);
    return cli(
      ['sonar-gate', '--json', ...args],
      {
        ...apiTokenEnvironment(sandbox),
        SONAR_TOKEN: sandbox.demo.sonarToken,
        SONAR_HOST_URL: sandbox.sonarUrl,
        BITBUCKET_REPO_FULL_NAME: CENTRAL,
        ...variables,
        ...options.env,
      },
      folder,
    );
  };
  const latestRun = () => sandbox.pipelines(CENTRAL).at(-1) as PipelineRun;
  const statusOf = (commit: string) =>
    sandbox.buildStatuses(REPO, commit).find((status) => status.key === 'sonar');

  it('one check with --report --annotations and 250 issues costs 7 Bitbucket requests, and --json says so', async () => {
    const commit = PR.sourceCommit;
    const started = await trigger(commit, ['--ref', 'main']);
    assert.equal(started.code, 0, started.stderr);
    assert.deepEqual(
      bitbucketRequests().map(
        (request) => `${request.method} ${request.path.replace(/^.*\/(pipelines|statuses)/, '…/$1')}`,
      ),
      ['POST …/pipelines/', 'POST …/statuses/build'],
    );
    assert.deepEqual(json(started).requests, { bitbucket: 2, rateLimited: 0, sonar: 0 });
    const run = latestRun();
    assert.equal(run.variables.find((variable) => variable.key === 'TRIGGER_PENDING_KEY')?.value, 'sonar');

    seen = sandbox.requests.length;
    const gated = await gate(run, ['--report', '--annotations', '--no-fail'], { issues: 250 });
    assert.equal(gated.code, 0, gated.stderr);
    const sent = bitbucketRequests();
    // The verdict, the report, and 250 annotations in 3 POSTs: no second INPROGRESS.
    assert.equal(sent.length, 5, sent.map((request) => `${request.method} ${request.path}`).join('\n'));
    assert.deepEqual(
      sent
        .filter((request) => request.path.endsWith('/statuses/build'))
        .map((request) => (request.body as { state: string }).state),
      ['SUCCESSFUL'],
    );
    const counts = json(gated).requests;
    assert.equal(counts.bitbucket, 5);
    assert.equal(counts.rateLimited, 0);
    assert.equal(
      counts.sonar,
      sandbox.requests.slice(seen).filter((request) => request.path.startsWith('/sonar/')).length,
    );
    assert.ok(counts.sonar >= 3, 'the CE task, the gate and the issues');
  });

  it('without --ref one GET learns the central main branch; CROSSCHECK_CENTRAL_BRANCH saves it too', async () => {
    const commit = seed.webApp.branches['feature/dark-mode'];
    const asked = await trigger(commit, ['--verbose']);
    assert.equal(asked.code, 0, asked.stderr);
    assert.equal(json(asked).requests.bitbucket, 3);
    assert.equal(bitbucketRequests()[0]?.method, 'GET');
    assert.match(asked.stderr, /requests: 3 to Bitbucket, 0 to SonarQube/);

    seen = sandbox.requests.length;
    const told = await trigger(commit, [], { CROSSCHECK_CENTRAL_BRANCH: 'main' });
    assert.equal(told.code, 0, told.stderr);
    assert.equal(json(told).requests.bitbucket, 2);
    assert.equal(json(told).ref, 'main');
  });

  it('sonar-gate marks INPROGRESS itself when the trigger marked another key or commit, and not with --no-pending', async () => {
    const commit = PR.sourceCommit;
    await trigger(commit, ['--ref', 'main']);
    const run = latestRun();
    const states = () =>
      bitbucketRequests()
        .filter((request) => request.path.endsWith('/statuses/build'))
        .map(
          (request) =>
            `${(request.body as { key: string }).key}:${(request.body as { state: string }).state}`,
        );

    seen = sandbox.requests.length;
    assert.equal((await gate(run, ['--key', 'other', '--no-fail'])).code, 0);
    assert.deepEqual(states(), ['other:INPROGRESS', 'other:SUCCESSFUL']);

    seen = sandbox.requests.length;
    const elsewhere = seed.webApp.branches['feature/dark-mode'];
    assert.equal((await gate(run, ['--commit', elsewhere, '--no-fail'])).code, 0);
    assert.deepEqual(states(), ['sonar:INPROGRESS', 'sonar:SUCCESSFUL']);

    seen = sandbox.requests.length;
    assert.equal((await gate(run, ['--key', 'other', '--no-pending', '--no-fail', '--verbose'])).code, 0);
    assert.deepEqual(states(), ['other:SUCCESSFUL']);
  });

  it('warns once when Bitbucket says an access token is near its limit', async () => {
    sandbox.setRateLimit({ perAccessToken: 10 });
    const token = sandbox.addAccessToken({ workspace: 'acme', repo: 'web-app', scopes: ['repository'] });
    const lines = Array.from({ length: 9 }, (_, index) =>
      JSON.stringify({
        repo: REPO,
        commit: PR.sourceCommit,
        key: `near-${index}`,
        state: 'SUCCESSFUL',
        url: 'https://ci.example/1',
      }),
    ).join('\n');
    const result = await runCrosscheck(['status', 'set', '--from', '-', '--concurrency', '1', '--json'], {
      env: { BITBUCKET_API_URL: sandbox.bitbucketApiUrl, BITBUCKET_ACCESS_TOKEN: token },
      stdin: lines,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!`${result.stdout}${result.stderr}`.includes(token), 'the token leaked');
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning:'));
    assert.equal(warnings.length, 1, result.stderr);
    assert.match(
      warnings[0] ?? '',
      /access token \(BITBUCKET_ACCESS_TOKEN\).*less than a fifth of 10 requests per hour \(resource api\)/,
    );
    assert.deepEqual(json(result).requests, { bitbucket: 9, rateLimited: 0, sonar: 0 });
  });

  it('at the limit: the verdict is not dropped; sonar-gate exits 1 saying whose budget is spent, and a re-run posts it', async () => {
    const commit = seed.webApp.branches['feature/empty'];
    // The sandbox's hour moves only when the test says so: a loaded machine cannot let it pass mid-check.
    let now = 0;
    sandbox.setRateLimit({ perUser: 3, hourMs: 2500 }, () => now);
    const started = await trigger(commit, ['--ref', 'main', '--branch', 'feature/empty']);
    assert.equal(started.code, 0, started.stderr);
    assert.equal(statusOf(commit)?.state, 'INPROGRESS');
    const run = latestRun();
    // Someone else spends the last request of the account's hour.
    const other = await cli(
      ['status', 'get', '--repo', REPO, '--commit', commit, '--key', 'sonar'],
      apiTokenEnvironment(sandbox),
    );
    assert.equal(other.code, 0, other.stderr);

    const limited = await gate(run, ['--retries', '2'], { env: { CROSSCHECK_RETRY_DELAY_MS: '5' } });
    assert.equal(limited.code, 1);
    assert.match(limited.stderr, /hourly rate limit is spent for the API tokens of dev@acme\.example/);
    assert.match(limited.stderr, /rolling hour/);
    assert.match(limited.stderr, /The verdict is not lost: Run this step again/);
    const body = json(limited) as { requests: Counts; posted: boolean; state: string };
    assert.equal(body.posted, false);
    assert.equal(body.state, 'SUCCESSFUL');
    assert.deepEqual(body.requests, { bitbucket: 3, rateLimited: 3, sonar: body.requests.sonar });
    assert.equal(statusOf(commit)?.state, 'INPROGRESS', 'the commit still waits, it is not marked passed');

    now += 2501;
    const rerun = await gate(run, ['--no-fail']);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal(statusOf(commit)?.state, 'SUCCESSFUL');
  });

  it('at the limit: trigger exits 1 with the diagnosis and starts nothing; run again once the budget returns', async () => {
    const commit = seed.webApp.branches['feature/empty'];
    let now = 0;
    sandbox.setRateLimit({ perUser: 2, hourMs: 1500 }, () => now);
    assert.equal((await trigger(commit, ['--ref', 'main', '--branch', 'feature/empty'])).code, 0);
    const runs = sandbox.pipelines(CENTRAL).length;
    const limited = await trigger(commit, ['--ref', 'main', '--branch', 'feature/empty', '--retries', '1'], {
      CROSSCHECK_RETRY_DELAY_MS: '5',
    });
    assert.equal(limited.code, 1);
    assert.match(limited.stderr, /hourly rate limit is spent for the API tokens of dev@acme\.example/);
    assert.equal(sandbox.pipelines(CENTRAL).length, runs, 'no run started');
    const failure = json(limited) as unknown as { error: { status: number; hint: string }; requests: Counts };
    assert.equal(failure.error.status, 429);
    assert.deepEqual(failure.requests, { bitbucket: 2, rateLimited: 2, sonar: 0 });

    now += 1501;
    const again = await trigger(commit, ['--ref', 'main', '--branch', 'feature/empty']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(sandbox.pipelines(CENTRAL).length, runs + 1);
  });
});
