// `crosscheck sonar-gate` end to end: the bundled CLI against the sandbox's Bitbucket and SonarQube over real HTTP.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Sandbox, seed, type SubmitAnalysisOptions } from '../../src/sandbox';
import { type CliResult, runCrosscheck } from '../support/cli';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';

const REPO = seed.webApp.fullName;
const PR = seed.webApp.pullRequest;
const COMMIT = PR.sourceCommit;

describe('crosscheck sonar-gate (CLI against the sandbox)', function () {
  let sandbox: Sandbox;
  let seen = 0;

  const suite = useSandbox();
  before(() => {
    sandbox = suite.sandbox;
  });
  beforeEach(() => (seen = sandbox.requests.length));

  /** Submits an analysis and writes its report-task.txt where the scanner would; returns that folder. */
  const analysed = (
    options: Partial<SubmitAnalysisOptions> = {},
    location = '.scannerwork/report-task.txt',
  ) => {
    const { ceTaskId, reportTask } = sandbox.sonar.submitAnalysis({
      projectKey: 'web-app',
      pullRequest: String(PR.id),
      processingMs: 300,
      revision: COMMIT,
      ...options,
    });
    const folder = mkdtempSync(join(tmpdir(), 'crosscheck-gate-'));
    mkdirSync(dirname(join(folder, location)), { recursive: true });
    writeFileSync(join(folder, location), reportTask);
    return { folder, ceTaskId, reportTask };
  };
  const env = (extra: Record<string, string | undefined> = {}) => ({
    ...apiTokenEnvironment(sandbox),
    SONAR_TOKEN: sandbox.demo.sonarToken,
    SONAR_HOST_URL: sandbox.sonarUrl,
    TRIGGER_REPO: REPO,
    TRIGGER_COMMIT: COMMIT,
    TRIGGER_BRANCH: PR.source,
    TRIGGER_PR_ID: String(PR.id),
    ...extra,
  });
  const gate = async (
    cwd: string,
    args: string[] = [],
    extra: Record<string, string | undefined> = {},
  ): Promise<CliResult> => {
    const result = await runCrosscheck(['sonar-gate', ...args], { cwd, env: env(extra) });
    const secrets = [
      sandbox.demo.apiToken,
      sandbox.demo.sonarToken,
      Buffer.from(`${sandbox.demo.sonarToken}:`).toString('base64'),
    ];
    for (const secret of secrets)
      assert.ok(
        !`${result.stdout}${result.stderr}`.includes(secret),
        `a secret leaked:\n${result.stdout}\n${result.stderr}`,
      );
    return result;
  };
  /** A gate in the repository's own pipeline: no TRIGGER_* variables. */
  const OWN_PIPELINE = {
    TRIGGER_REPO: undefined,
    TRIGGER_COMMIT: undefined,
    TRIGGER_BRANCH: undefined,
    TRIGGER_PR_ID: undefined,
    BITBUCKET_REPO_FULL_NAME: REPO,
  };
  const status = (key: string) =>
    sandbox.buildStatuses(REPO, COMMIT).find((candidate) => candidate.key === key);
  const recorded = () => sandbox.requests.slice(seen);
  const sonarCalls = (endpoint: string) => recorded().filter((request) => request.path.endsWith(endpoint));
  const postedStates = (key: string) =>
    recorded()
      .filter(
        (request) =>
          request.method === 'POST' &&
          request.path.endsWith('/statuses/build') &&
          (request.body as { key?: string }).key === key,
      )
      .map((request) => (request.body as { state: string }).state);

  it('posts SUCCESSFUL for a passed gate, linking the dashboard, tied to the PR branch', async () => {
    const { folder } = analysed({ gate: { status: 'OK' } });
    const result = await gate(folder, ['--key', 'gate-ok']);
    assert.equal(result.code, 0, result.stderr);
    const posted = status('gate-ok');
    assert.equal(posted?.state, 'SUCCESSFUL');
    assert.equal(posted?.name, 'SonarQube');
    assert.equal(posted?.description, 'Quality gate passed');
    assert.equal(posted?.refname, PR.source);
    assert.equal(posted?.url, `${sandbox.sonarUrl}/dashboard?id=web-app&pullRequest=${PR.id}`);
    assert.deepEqual(postedStates('gate-ok'), ['INPROGRESS', 'SUCCESSFUL']);
    assert.match(result.stdout, /✓ SUCCESSFUL gate-ok on acme\/web-app@/);
  });

  it('posts FAILED naming the failed conditions, prints them all as a table, and exits 1 (0 with --no-fail)', async () => {
    const conditions = [
      { metricKey: 'new_coverage', comparator: 'LT' as const, errorThreshold: '80', actualValue: '62.5' },
      { metricKey: 'new_bugs', comparator: 'GT' as const, errorThreshold: '0', actualValue: '3' },
      {
        metricKey: 'new_duplicated_lines_density',
        comparator: 'GT' as const,
        errorThreshold: '3',
        actualValue: '0.8',
      },
    ];
    const failed = await gate(analysed({ gate: { status: 'ERROR', conditions } }).folder, [
      '--key',
      'gate-error',
    ]);
    assert.equal(failed.code, 1, failed.stderr);
    assert.equal(status('gate-error')?.state, 'FAILED');
    assert.equal(
      status('gate-error')?.description,
      'Quality gate failed: Coverage on New Code 62.5% < 80%; New Bugs 3 > 0',
    );
    assert.match(failed.stdout, /ERROR\s+Coverage on New Code\s+62\.5%\s+< 80%/);
    assert.match(failed.stdout, /OK\s+Duplicated Lines \(%\) on New Code\s+0\.8%\s+> 3%/);

    const tolerated = await gate(analysed({ gate: { status: 'ERROR', conditions } }).folder, [
      '--key',
      'gate-error',
      '--no-fail',
    ]);
    assert.equal(tolerated.code, 0, tolerated.stderr);
    assert.equal(status('gate-error')?.state, 'FAILED', 'the status still says FAILED');

    const asAction = await gate(analysed({ gate: { status: 'ERROR', conditions } }).folder, [], {
      INPUT_KEY: 'gate-error',
      'INPUT_NO-FAIL': 'true',
    });
    assert.equal(asAction.code, 0, 'the action input no-fail: true works too');
  });

  it('counts WARN as failed unless --on-warn successful', async () => {
    assert.equal((await gate(analysed({ gate: { status: 'WARN' } }).folder, ['--key', 'gate-warn'])).code, 1);
    assert.equal(status('gate-warn')?.state, 'FAILED');
    const lenient = await gate(analysed({ gate: { status: 'WARN' } }).folder, [
      '--key',
      'gate-warn',
      '--on-warn',
      'successful',
    ]);
    assert.equal(lenient.code, 0, lenient.stderr);
    assert.equal(status('gate-warn')?.state, 'SUCCESSFUL');
    assert.match(status('gate-warn')?.description ?? '', /passed with warnings: New Code Smells 4 > 5/);
  });

  it('says "no quality gate" for NONE, failing unless --on-none successful', async () => {
    assert.equal((await gate(analysed({ gate: { status: 'NONE' } }).folder, ['--key', 'gate-none'])).code, 1);
    assert.match(status('gate-none')?.description ?? '', /No quality gate is set for this project/);
    assert.equal(
      (
        await gate(analysed({ gate: { status: 'NONE' } }).folder, [
          '--key',
          'gate-none',
          '--on-none',
          'successful',
        ])
      ).code,
      0,
    );
    assert.equal(status('gate-none')?.state, 'SUCCESSFUL');
  });

  for (const outcome of ['FAILED', 'CANCELED'] as const) {
    it(`posts FAILED when SonarQube reports the analysis ${outcome}, never asking for a gate`, async () => {
      const { folder, ceTaskId } = analysed({ outcome });
      const result = await gate(folder, ['--key', `ce-${outcome.toLowerCase()}`]);
      assert.equal(result.code, 1);
      const posted = status(`ce-${outcome.toLowerCase()}`);
      assert.equal(posted?.state, 'FAILED');
      assert.match(
        posted?.description ?? '',
        outcome === 'FAILED' ? /failed to process the analysis/ : /canceled/,
      );
      assert.match(result.stdout, new RegExp(ceTaskId));
      assert.deepEqual(
        sonarCalls('/qualitygates/project_status'),
        [],
        'no gate request, so never analysisId=null',
      );
    });
  }

  it('gives up after --timeout seconds and posts FAILED saying so', async () => {
    const { folder } = analysed({ processingMs: 120_000 });
    const result = await gate(folder, ['--key', 'ce-timeout', '--timeout', '1']);
    assert.equal(result.code, 1);
    assert.match(status('ce-timeout')?.description ?? '', /still (PENDING|IN_PROGRESS) after 1 s/);
    assert.ok(sonarCalls('/ce/task').length <= 3, `${sonarCalls('/ce/task').length} polls in 1 s`);
  });

  it('posts FAILED with a diagnosis when SonarQube does not know the analysis (404)', async () => {
    const { folder, reportTask } = analysed();
    writeFileSync(
      join(folder, '.scannerwork/report-task.txt'),
      reportTask.replace(/ceTaskId=[\w-]+/, 'ceTaskId=AZstaleTaskFromElsewhere'),
    );
    const result = await gate(folder, ['--key', 'ce-unknown']);
    assert.equal(result.code, 1);
    assert.match(
      status('ce-unknown')?.description ?? '',
      /SonarQube has no analysis task AZstaleTaskFromElsewhere/,
    );
    assert.match(
      result.stderr,
      /why: 404 Not Found\. SonarQube said: "No activity found for task 'AZstaleTaskFromElsewhere'"/,
    );
    assert.match(result.stderr, /fix: Check that SONAR_HOST_URL is the server/);
  });

  it('stops before sending anything, exit 2, when report-task.txt is missing or malformed, or SONAR_TOKEN is unset', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'crosscheck-gate-'));
    const missing = await gate(empty);
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /No report-task\.txt found .*\.scannerwork\/report-task\.txt, target\/sonar\/report-task\.txt/,
    );
    assert.match(missing.stderr, /fix: Run the SonarQube scanner first/);

    const given = await gate(empty, ['--report-task', 'nowhere/report-task.txt']);
    assert.equal(given.code, 2);
    assert.match(given.stderr, /--report-task nowhere\/report-task\.txt does not exist/);

    writeFileSync(join(empty, 'broken.txt'), 'projectKey=web-app\nthis is not a report\n');
    const malformed = await gate(empty, ['--report-task', 'broken.txt']);
    assert.equal(malformed.code, 2);
    assert.match(
      malformed.stderr,
      /is not a usable report-task\.txt: line 2 is not key=value.*serverUrl, ceTaskId are missing/,
    );

    const { folder } = analysed();
    const tokenless = await gate(folder, [], { SONAR_TOKEN: undefined });
    assert.equal(tokenless.code, 2);
    assert.match(tokenless.stderr, /SONAR_TOKEN is not set/);
    assert.deepEqual(recorded(), [], 'nothing was sent');
  });

  it("finds the Maven scanner's report-task.txt and, in a repository's own pipeline, lets SONAR_HOST_URL override the report's serverUrl", async () => {
    const { folder, reportTask } = analysed({}, 'target/sonar/report-task.txt');
    writeFileSync(
      join(folder, 'target/sonar/report-task.txt'),
      reportTask.replace(/^serverUrl=.*$/m, 'serverUrl=http://127.0.0.1:9/sonar'),
    );
    const result = await gate(folder, ['--key', 'maven', '--pr', String(PR.id)], {
      ...OWN_PIPELINE,
      BITBUCKET_COMMIT: COMMIT,
      BITBUCKET_BRANCH: PR.source,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(status('maven')?.state, 'SUCCESSFUL');
  });

  describe('checking another repository (the central pipeline)', () => {
    it('requires SONAR_HOST_URL, exit 2 and nothing sent, with TRIGGER_* set or --central', async () => {
      const { folder } = analysed();
      const triggered = await gate(folder, ['--key', 'central'], { SONAR_HOST_URL: undefined });
      assert.equal(triggered.code, 2);
      assert.match(
        triggered.stderr,
        /SONAR_HOST_URL is not set, and this gate checks a commit of another repository \(TRIGGER_\* variables are set\)/,
      );
      assert.match(triggered.stderr, /fix: Set SONAR_HOST_URL to your SonarQube server/);
      const flagged = await gate(
        folder,
        ['--key', 'central', '--central', '--repo', REPO, '--commit', COMMIT],
        {
          ...OWN_PIPELINE,
          SONAR_HOST_URL: undefined,
        },
      );
      assert.equal(flagged.code, 2);
      assert.match(flagged.stderr, /another repository \(--central\)/);
      assert.deepEqual(recorded(), [], 'nothing was sent');
      assert.equal(status('central'), undefined);
    });

    it('refuses a report naming another server than SONAR_HOST_URL before the token goes anywhere', async () => {
      const { folder, reportTask } = analysed();
      // A server of the pull request's choosing, listening: it must get nothing.
      const hits: string[] = [];
      const { createServer } = await import('node:http');
      const server = createServer((req, res) => {
        hits.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
        res.end('{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      try {
        writeFileSync(
          join(folder, '.scannerwork/report-task.txt'),
          reportTask.replace(/^serverUrl=.*$/m, `serverUrl=http://127.0.0.1:${port}/sonar`),
        );
        const result = await gate(folder, ['--key', 'elsewhere']);
        assert.equal(result.code, 2);
        assert.match(
          result.stderr,
          new RegExp(`names the SonarQube server http://127\\.0\\.0\\.1:${port}/sonar, not SONAR_HOST_URL`),
        );
        assert.deepEqual(hits, []);
        assert.deepEqual(recorded(), [], 'nothing was sent');
        // The same server with a trailing slash is the same server.
        writeFileSync(
          join(folder, '.scannerwork/report-task.txt'),
          reportTask.replace(/^serverUrl=(.*)$/m, (_line, url: string) => `serverUrl=${url}/`),
        );
        const same = await gate(folder, ['--key', 'same-server']);
        assert.equal(same.code, 0, same.stderr);
      } finally {
        server.close();
      }
    });
  });

  it('falls back to the Bitbucket Pipelines variables without TRIGGER_* (a gate in the repository itself)', async () => {
    const main = seed.webApp.branches.main;
    const { folder } = analysed({ pullRequest: undefined, branch: 'main', revision: main });
    const result = await gate(folder, ['--key', 'own-pipeline'], {
      TRIGGER_REPO: undefined,
      TRIGGER_COMMIT: undefined,
      TRIGGER_BRANCH: undefined,
      TRIGGER_PR_ID: undefined,
      BITBUCKET_REPO_FULL_NAME: REPO,
      BITBUCKET_COMMIT: main,
      BITBUCKET_BRANCH: 'main',
      SONAR_HOST_URL: undefined,
    });
    assert.equal(result.code, 0, result.stderr);
    // Its own repository's tree: today's warning, not a refusal.
    assert.match(
      result.stderr,
      /SONAR_TOKEN goes to http:\/\/127\.0\.0\.1:\d+\/sonar, the server named in .*set SONAR_HOST_URL/,
    );
    assert.equal(
      sandbox.buildStatuses(REPO, main).find((candidate) => candidate.key === 'own-pipeline')?.state,
      'SUCCESSFUL',
    );
    assert.match(result.stdout, /branch main/);
  });

  it('writes a Code Insights report and posts issues as annotations, 100 per request', async () => {
    const result = await gate(analysed({ gate: { status: 'ERROR' }, issues: 150 }).folder, [
      '--key',
      'insights',
      '--annotations',
    ]);
    assert.equal(result.code, 1, result.stderr);
    const report = recorded().find(
      (request) => request.method === 'PUT' && request.path.endsWith('/reports/insights'),
    );
    assert.equal((report?.body as { result?: string }).result, 'FAILED');
    const batches = recorded().filter(
      (request) => request.method === 'POST' && request.path.endsWith('/reports/insights/annotations'),
    );
    assert.deepEqual(
      batches.map((batch) => (batch.body as unknown[]).length),
      [100, 50],
    );
    const first = (
      batches[0]?.body as Array<{ path?: string; line?: number; link?: string; severity?: string }>
    )[0];
    assert.ok(first);
    assert.match(first.path ?? '', /^src\//);
    assert.ok(first.line && first.line > 0);
    assert.match(first.link ?? '', /\/project\/issues\?id=web-app&pullRequest=7&open=/);
    assert.equal(first.severity, 'HIGH', 'the most severe (CRITICAL) issues come first');
    assert.match(result.stdout, /150 annotations posted/);
  });

  it('stops at Bitbucket’s 1,000 annotations per report and says how many issues there were', async () => {
    const result = await gate(analysed({ gate: { status: 'OK' }, issues: 1500 }).folder, [
      '--key',
      'many',
      '--annotations',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const batches = recorded().filter(
      (request) => request.method === 'POST' && request.path.endsWith('/reports/many/annotations'),
    );
    assert.equal(batches.length, 10);
    assert.ok(batches.every((batch) => (batch.body as unknown[]).length === 100));
    assert.deepEqual(
      sonarCalls('/issues/search').map((request) => [request.query.p, request.query.ps]),
      [
        ['1', '500'],
        ['2', '500'],
      ],
    );
    assert.match(result.stdout, /1000 annotations posted \(of 1500 open issues/);
  });

  describe('gate integrity: the analysis must be of this project, pull request and commit', () => {
    /** A report-task.txt the checked-out tree ships, naming another analysis that passed. */
    const preSeeded = (options: Partial<SubmitAnalysisOptions>) =>
      analysed({ gate: { status: 'OK' }, processingMs: 50, ...options }).folder;

    const refused = async (folder: string, key: string, reason: RegExp, args: string[] = []) => {
      const result = await gate(folder, ['--key', key, '--project-key', 'web-app', ...args], {
        TRIGGER_PR_ID: String(PR.id),
      });
      assert.equal(result.code, 1, result.stderr);
      assert.equal(status(key)?.state, 'FAILED');
      assert.match(status(key)?.description ?? '', reason);
      assert.match(result.stdout, /✗ FAILED .*Not this commit's analysis/);
      assert.deepEqual(sonarCalls('/qualitygates/project_status'), [], 'the other gate is never read');
      return result;
    };

    it("refuses another project's passing analysis", async () => {
      await refused(
        preSeeded({ projectKey: 'billing' }),
        'other-project',
        /^Not this commit's analysis: analysis task \w+ is of project "billing", not "web-app"/,
      );
    });

    it("refuses another pull request's analysis, and a branch analysis, of the same project", async () => {
      await refused(
        preSeeded({ pullRequest: '99' }),
        'other-pr',
        /is of pull request 99, not pull request 7/,
      );
      await refused(
        preSeeded({ pullRequest: undefined, branch: 'main' }),
        'branch-analysis',
        /is of branch main, not pull request 7/,
      );
    });

    it('refuses an analysis of another commit of the same pull request', async () => {
      await refused(
        preSeeded({ revision: seed.webApp.branches.main }),
        'other-commit',
        new RegExp(`is of commit ${seed.webApp.branches.main.slice(0, 12)}, not ${COMMIT.slice(0, 12)}`),
      );
    });

    it('passes when SonarQube confirms project, pull request and commit, and warns when it reports no revision', async () => {
      const confirmed = await gate(preSeeded({}), ['--key', 'confirmed', '--project-key', 'web-app'], {
        TRIGGER_PR_ID: String(PR.id),
      });
      assert.equal(confirmed.code, 0, confirmed.stderr);
      assert.match(
        confirmed.stderr,
        new RegExp(`The analysis is of project web-app, pull request 7, commit ${COMMIT.slice(0, 12)}\\.`),
      );
      assert.doesNotMatch(confirmed.stderr, /set SONAR_HOST_URL/);
      const unknown = await gate(preSeeded({ revision: undefined }), ['--key', 'no-revision'], {
        TRIGGER_PR_ID: String(PR.id),
      });
      assert.equal(unknown.code, 0, unknown.stderr);
      assert.match(unknown.stderr, /warning: The analysed commit was not compared .*reported no revision/);
    });

    it('refuses a report-task.txt too large to be one, before sending anything', async () => {
      const folder = mkdtempSync(join(tmpdir(), 'crosscheck-gate-'));
      writeFileSync(join(folder, 'huge.txt'), 'projectKey=web-app\n'.repeat(10_000));
      const result = await gate(folder, ['--report-task', 'huge.txt']);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /is 190000 bytes, not a report-task\.txt/);
      assert.deepEqual(recorded(), []);
    });
  });

  it('never prints the Sonar token, even with --verbose and a refused token', async () => {
    const { folder } = analysed();
    const refused = await runCrosscheck(['--verbose', 'sonar-gate', '--key', 'secret'], {
      cwd: folder,
      env: env({ SONAR_TOKEN: 'squ_refused0000000000000000000000000000000' }),
    });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /SonarQube did not accept SONAR_TOKEN/);
    for (const secret of [
      'squ_refused0000000000000000000000000000000',
      Buffer.from('squ_refused0000000000000000000000000000000:').toString('base64'),
      sandbox.demo.apiToken,
    ]) {
      assert.ok(!`${refused.stdout}${refused.stderr}`.includes(secret), 'a secret leaked');
    }
    assert.match(refused.stderr, /→ GET .*\/sonar\/api\/ce\/task/, '--verbose shows the requests');
    const ok = await gate(folder, ['--verbose', '--key', 'secret']);
    assert.equal(ok.code, 0, ok.stderr);
  });
});
