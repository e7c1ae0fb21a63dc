// Simulates the central check for 60 repositories against Bitbucket's hourly limit: checks completed per hour and lost.
// Run: npm run build && npx tsc -p tsconfig.json && node out/bench/central-capacity.js [real ms per push, default 40]
//
// Each scenario is one simulated hour on a fresh sandbox that enforces the limit per credential (1,000 requests per
// hour). The hour is compressed into MS_PER_PUSH real milliseconds per push (arrivals, central run times and the
// CLI's retry delays alike, so the load on this machine is the same for every N), while the sandbox's window stays a
// real hour: every request of the simulated hour counts against the
// same hour's budget however fast this machine keeps up, so the figures do not depend on its load.
// N pull-request pushes arrive at random times over 60 repositories; each runs the whole flow in this process, with
// the real CLI code over real HTTP: `crosscheck trigger` (individual repository) → central run → scanner →
// `crosscheck sonar-gate --report --annotations` (250 open issues). Then every pushed commit is read back.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processContext } from '../src/runner/context';
import { runCli } from '../src/runner/program';
import { sonarGateCommand } from '../src/runner/commands/sonar-gate';
import { triggerCommand } from '../src/runner/commands/trigger';
import { type PipelineRun, startSandbox } from '../src/sandbox';

/** Real milliseconds of the simulated hour per push: about twice what one check costs this process in CPU. */
const MS_PER_PUSH = Number(process.argv[2] ?? 40);
const REAL_HOUR_MS = 3_600_000;
const REPOSITORIES = 60;
const PUSHES_PER_HOUR = [50, 100, 200, 400];
const HOURLY_LIMIT = 1000;
const ISSUES = 250;
const WORKSPACE = 'acme';
const CENTRAL = `${WORKSPACE}/central-checks`;

type Setup = 'before' | 'api-token' | 'access-tokens';
const SETUPS: Record<Setup, string> = {
  before: 'one API token, before #14 (GET main branch, second INPROGRESS)',
  'api-token': 'one workspace API token (bot account)',
  'access-tokens': 'per-repository access tokens (+ one for central)',
};

/** What each setup's individual repositories add to `crosscheck trigger --central … --pipeline …`. */
const TRIGGER_OPTIONS: Record<Setup, string[]> = {
  before: ['--pending-key', 'sonar'],
  'api-token': ['--pending-key', 'sonar', '--ref', 'main'],
  // A repository access token cannot start a pipeline in another repository: the central repository's token starts
  // it, and the gate (with the repository's own token) marks the commit INPROGRESS.
  'access-tokens': ['--ref', 'main'],
};

interface Push {
  repo: string;
  commit: string;
  at: number;
  triggerCode?: number;
  gateCode?: number;
}

interface Outcome {
  setup: Setup;
  pushes: number;
  completed: number;
  inProgress: number;
  noStatus: number;
  /** sonar-gate steps that exited non-zero (with --no-fail: a request failed; a verdict not posted is printed). */
  gatesFailed: number;
  /** trigger steps that exited non-zero (the pull request's pipeline fails and says why). */
  triggersFailed: number;
  requests: number;
  accepted: number;
  rateLimited: number;
  realMs: number;
}

async function main(): Promise<void> {
  const outcomes: Outcome[] = [];
  for (const setup of Object.keys(SETUPS) as Setup[]) {
    for (const pushes of PUSHES_PER_HOUR) {
      const outcome = await simulate(setup, pushes);
      outcomes.push(outcome);
      process.stderr.write(
        `${setup} N=${pushes}: ${outcome.completed} completed, ${outcome.rateLimited} 429s, ${(outcome.realMs / 1000).toFixed(1)} s\n`,
      );
    }
  }
  printTable(outcomes);
}

/** One simulated hour of `pushes` pushes with one credential setup, drained until every run has finished. */
async function simulate(setup: Setup, pushes: number): Promise<Outcome> {
  const started = Date.now();
  const hourMs = pushes * MS_PER_PUSH;
  /** Simulated minutes, in real milliseconds. */
  const minutes = (count: number) => (count * 60_000 * hourMs) / REAL_HOUR_MS;
  const sandbox = await startSandbox({
    rateLimit: { hourMs: REAL_HOUR_MS, perUser: HOURLY_LIMIT, perAccessToken: HOURLY_LIMIT },
  });
  const scratch = mkdtempSync(join(tmpdir(), 'crosscheck-capacity-'));
  const random = seededRandom(pushes * 7 + setup.length);
  const repos = Array.from(
    { length: REPOSITORIES },
    (_, index) => `${WORKSPACE}/repo-${String(index + 1).padStart(2, '0')}`,
  );
  const tokens = new Map<string, string>();
  for (const repo of repos) {
    sandbox.addRepository(repo);
    sandbox.addCommit(repo, hexOf(`${repo}@main`), { branch: 'main' });
    tokens.set(
      repo,
      sandbox.addAccessToken({ workspace: WORKSPACE, repo: repo.split('/')[1], scopes: ['repository'] }),
    );
  }
  const centralToken = sandbox.addAccessToken({
    workspace: WORKSPACE,
    repo: 'central-checks',
    scopes: ['pipeline:write'],
  });
  const apiToken = {
    BITBUCKET_API_URL: sandbox.bitbucketApiUrl,
    ATLASSIAN_ACCOUNT_EMAIL: sandbox.demo.email,
    BITBUCKET_API_TOKEN: sandbox.demo.apiToken,
  };
  const accessToken = (token: string) => ({
    BITBUCKET_API_URL: sandbox.bitbucketApiUrl,
    BITBUCKET_ACCESS_TOKEN: token,
  });
  const transport = { CROSSCHECK_RETRY_DELAY_MS: String(Math.max(1, (1000 * hourMs) / REAL_HOUR_MS)) };
  const quiet = { write: () => true };
  const cli = (argv: string[], env: Record<string, string>, cwd: string) =>
    runCli(argv, { ...processContext(), env: { ...transport, ...env }, cwd, stdout: quiet, stderr: quiet }, [
      triggerCommand,
      sonarGateCommand,
    ]);

  const byCommit = new Map<string, Push>();
  const runs: Array<Promise<void>> = [];
  sandbox.onPipelineRun((run, ctl) => {
    const finished = centralRun(run, ctl).catch((error: unknown) => {
      process.stderr.write(
        `central run #${run.buildNumber} broke: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
      ctl.complete('ERROR');
    });
    runs.push(finished);
    return finished;
  });

  /** The central pipeline's step: the scanner submits the analysis, then sonar-gate reports it. */
  async function centralRun(
    run: PipelineRun,
    ctl: { start(): void; complete(result: 'SUCCESSFUL' | 'FAILED'): void; sleep(ms: number): Promise<void> },
  ) {
    const variables = Object.fromEntries(run.variables.map((variable) => [variable.key, variable.value]));
    const variable = (key: string): string => {
      const value = variables[key];
      if (value === undefined) throw new Error(`The trigger passed no ${key}.`);
      return value;
    };
    // Before #14 the trigger passed no TRIGGER_PENDING_KEY, so the gate marked the commit INPROGRESS again.
    if (setup === 'before') delete variables.TRIGGER_PENDING_KEY;
    await ctl.sleep(minutes(0.5));
    ctl.start();
    const passed = random() < 0.7;
    const { reportTask } = sandbox.sonar.submitAnalysis({
      // The trigger passes TRIGGER_REPO as workspace/repo.
      projectKey: variable('TRIGGER_REPO').split('/')[1]!,
      pullRequest: variables.TRIGGER_PR_ID,
      revision: variables.TRIGGER_COMMIT,
      processingMs: minutes(2),
      gate: { status: passed ? 'OK' : 'ERROR' },
      issues: ISSUES,
    });
    const folder = join(scratch, `run-${run.buildNumber}`);
    mkdirSync(join(folder, '.scannerwork'), { recursive: true });
    writeFileSync(join(folder, '.scannerwork', 'report-task.txt'), reportTask);
    const credential =
      setup === 'access-tokens' ? accessToken(tokens.get(variable('TRIGGER_REPO')) as string) : apiToken;
    const code = await cli(
      ['sonar-gate', '--report', '--annotations', '--no-fail'],
      {
        ...credential,
        ...variables,
        SONAR_TOKEN: sandbox.demo.sonarToken,
        SONAR_HOST_URL: sandbox.sonarUrl,
        BITBUCKET_REPO_FULL_NAME: CENTRAL,
      },
      folder,
    );
    const commit = variables.TRIGGER_COMMIT;
    const push = commit === undefined ? undefined : byCommit.get(commit);
    if (push) push.gateCode = code;
    ctl.complete(code === 0 ? 'SUCCESSFUL' : 'FAILED');
  }

  const schedule: Push[] = Array.from({ length: pushes }, (_, index) => {
    const repo = repos[Math.floor(random() * repos.length)]!; // random() < 1: the index is in range
    const commit = hexOf(`${repo}#${index}`);
    return { repo, commit, at: random() * hourMs };
  }).sort((a, b) => a.at - b.at);
  const triggers: Array<Promise<void>> = [];
  const clockStart = Date.now();
  for (const [index, push] of schedule.entries()) {
    const wait = push.at - (Date.now() - clockStart);
    if (wait > 0) await sleep(wait);
    const branch = `feature/push-${index}`;
    sandbox.addCommit(push.repo, push.commit, { branch, parents: [hexOf(`${push.repo}@main`)] });
    byCommit.set(push.commit, push);
    const pullRequestPipeline = {
      BITBUCKET_REPO_FULL_NAME: push.repo,
      BITBUCKET_WORKSPACE: WORKSPACE,
      BITBUCKET_COMMIT: push.commit,
      BITBUCKET_BRANCH: branch,
      BITBUCKET_PR_ID: String(index + 1),
      BITBUCKET_PR_DESTINATION_BRANCH: 'main',
    };
    const argv = ['trigger', '--central', CENTRAL, '--pipeline', 'sonar-pr-check', ...TRIGGER_OPTIONS[setup]];
    const credential = setup === 'access-tokens' ? accessToken(centralToken) : apiToken;
    triggers.push(
      cli(argv, { ...credential, ...pullRequestPipeline }, scratch).then((code) => {
        push.triggerCode = code;
      }),
    );
  }
  await Promise.all(triggers);
  // A trigger that gave up (e.g. timed out on a loaded machine) may still have started its run: wait for every run.
  while (sandbox.pipelines(CENTRAL).some((run) => run.state !== 'COMPLETED')) {
    await Promise.all(runs);
    await sleep(50);
  }

  let completed = 0;
  let inProgress = 0;
  let noStatus = 0;
  for (const push of schedule) {
    const state = sandbox
      .buildStatuses(push.repo, push.commit)
      .find((status) => status.key === 'sonar')?.state;
    if (state === 'SUCCESSFUL' || state === 'FAILED') completed++;
    else if (state === 'INPROGRESS') inProgress++;
    else noStatus++;
  }
  const bitbucket = sandbox.requests.filter((request) => request.path.startsWith('/2.0/'));
  const outcome: Outcome = {
    setup,
    pushes,
    completed,
    inProgress,
    noStatus,
    gatesFailed: schedule.filter((push) => push.gateCode !== undefined && push.gateCode !== 0).length,
    triggersFailed: schedule.filter((push) => push.triggerCode !== 0).length,
    requests: bitbucket.length,
    accepted: bitbucket.filter((request) => request.status > 0 && request.status < 400).length,
    rateLimited: bitbucket.filter((request) => request.status === 429).length,
    realMs: Date.now() - started,
  };
  await sandbox.close();
  rmSync(scratch, { recursive: true, force: true });
  return outcome;
}

function printTable(outcomes: Outcome[]): void {
  const header = [
    'credentials',
    'N/h',
    'completed',
    'req/check',
    '429s',
    'INPROGRESS left',
    'no status',
    'gate steps failed',
    'triggers failed',
  ];
  const rows = outcomes.map((o) => [
    SETUPS[o.setup],
    String(o.pushes),
    `${o.completed} (${Math.round((100 * o.completed) / o.pushes)}%)`,
    o.completed ? (o.accepted / o.completed).toFixed(1) : '-',
    String(o.rateLimited),
    String(o.inProgress),
    String(o.noStatus),
    String(o.gatesFailed),
    String(o.triggersFailed),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  process.stdout.write(
    `\nCentral check, ${REPOSITORIES} repositories, one simulated hour = N × ${MS_PER_PUSH} ms, ${HOURLY_LIMIT} requests/hour per credential, ` +
      `sonar-gate --report --annotations with ${ISSUES} issues\n`,
  );
  process.stdout.write(`${line(header)}\n${line(widths.map((width) => '-'.repeat(width)))}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
  process.stdout.write(
    'req/check: Bitbucket requests answered 2xx per completed check (all credentials together).\n',
  );
  // A check lasts a few simulated minutes only while this process keeps up; when it falls behind, more checks are in
  // flight when a budget runs out, more of it goes to checks that cannot finish, and the at-limit rows read lower.
  const behind = outcomes.filter((o) => o.realMs > o.pushes * MS_PER_PUSH + 5000);
  if (behind.length)
    process.stdout.write(
      `Fell behind the compressed clock (the hour took over 5 s longer): ${behind
        .map((o) => `${o.setup} N=${o.pushes} ${(o.realMs / 1000).toFixed(0)} s`)
        .join(', ')}; rows at the limit are pessimistic there.\n`,
    );
  const ratios = PUSHES_PER_HOUR.map((pushes) => {
    const before = outcomes.find((o) => o.setup === 'before' && o.pushes === pushes) as Outcome;
    const after = outcomes.find((o) => o.setup === 'api-token' && o.pushes === pushes) as Outcome;
    return `N=${pushes}: ${(after.completed / Math.max(1, before.completed)).toFixed(2)}x`;
  });
  process.stdout.write(
    `Checks completed with one API token, after / before #14 (baseline in the same run): ${ratios.join(', ')}\n`,
  );
}

/** A deterministic generator (mulberry32), so every run simulates the same pushes. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable 40-hex commit hash for a label. */
function hexOf(label: string): string {
  return createHash('sha1').update(label).digest('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
