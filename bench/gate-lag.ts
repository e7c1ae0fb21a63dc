// Benchmarks `crosscheck sonar-gate`: lag from the CE task's completion to the status, and Sonar calls, vs a 5 s poller.
// Run: npm run build && npx tsc -p tsconfig.json && node out/bench/gate-lag.js [runs]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RecordedRequest, type Sandbox, seed, startSandbox } from '../src/sandbox';
import { median, report, timeCommand } from './support';
import { apiTokenEnvironment } from '../test/support/sandbox-suite';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const RUNS = Number(process.argv[2] ?? 7);
const PROCESSING_MS = 8000;
/** The SonarSource quality gate action asks at once, then every 5 s. */
const BASELINE_INTERVAL_MS = 5000;
/** The gate step starts up to this long after the scanner submitted, the same for both pollers in a run. */
const MAX_START_DELAY_MS = 1000;
const REPO = seed.webApp.fullName;
const COMMIT = seed.webApp.pullRequest.sourceCommit;

interface Measured {
  lagMs: number;
  sonarCalls: number;
}

async function main(): Promise<void> {
  const sandbox = await startSandbox();
  const workspace = mkdtempSync(join(tmpdir(), 'crosscheck-gate-lag-'));
  const ours: Measured[] = [];
  const baseline: Measured[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const delayMs = Math.random() * MAX_START_DELAY_MS;
      // Both pollers follow their own analysis, submitted at the same moment, so they see the same server.
      const [mine, theirs] = await Promise.all([
        measureCrosscheck(sandbox, workspace, run, delayMs),
        measureFixedPoller(sandbox, run, delayMs),
      ]);
      ours.push(mine);
      baseline.push(theirs);
      process.stderr.write(
        `run ${run + 1}/${RUNS}: start +${delayMs.toFixed(0)} ms; crosscheck lag ${mine.lagMs} ms, ${mine.sonarCalls} Sonar calls; ` +
          `5 s poller lag ${theirs.lagMs} ms, ${theirs.sonarCalls} calls\n`,
      );
    }
  } finally {
    await sandbox.close();
    rmSync(workspace, { recursive: true, force: true });
  }
  const lag = median(ours.map((m) => m.lagMs));
  const baseLag = median(baseline.map((m) => m.lagMs));
  const calls = median(ours.map((m) => m.sonarCalls));
  report(`Gate lag for an analysis taking ${PROCESSING_MS / 1000} s on the server (${RUNS} runs, medians)`, [
    [
      'crosscheck sonar-gate: lag (goal ≤ 1000 ms)',
      `${lag} ms (max ${Math.max(...ours.map((m) => m.lagMs))} ms)`,
    ],
    [
      'crosscheck sonar-gate: Sonar calls (goal ≤ 12)',
      `${calls} (max ${Math.max(...ours.map((m) => m.sonarCalls))})`,
    ],
    ['fixed 5 s poller: lag', `${baseLag} ms (mean ${Math.round(mean(baseline.map((m) => m.lagMs)))} ms)`],
    ['fixed 5 s poller: Sonar calls', `${median(baseline.map((m) => m.sonarCalls))}`],
    ['lag ratio 5 s poller / crosscheck', `${(baseLag / Math.max(1, lag)).toFixed(1)}x`],
  ]);
}

/** Runs the bundled CLI as the central step would, and measures from the task's completion to its verdict. */
async function measureCrosscheck(
  sandbox: Sandbox,
  workspace: string,
  run: number,
  delayMs: number,
): Promise<Measured> {
  const { ceTaskId, reportTask } = sandbox.sonar.submitAnalysis({
    projectKey: `lag-${run}`,
    pullRequest: '7',
    processingMs: PROCESSING_MS,
    revision: COMMIT,
  });
  const folder = join(workspace, `run-${run}`);
  mkdirSync(join(folder, '.scannerwork'), { recursive: true });
  writeFileSync(join(folder, '.scannerwork', 'report-task.txt'), reportTask);
  await sleep(delayMs);
  const key = `lag-${run}`;
  const timed = await timeCommand(
    process.execPath,
    [CLI, 'sonar-gate', '--report-task', join(folder, '.scannerwork', 'report-task.txt'), '--key', key],
    {
      PATH: process.env.PATH,
      ...apiTokenEnvironment(sandbox),
      SONAR_TOKEN: sandbox.demo.sonarToken,
      TRIGGER_REPO: REPO,
      TRIGGER_COMMIT: COMMIT,
      TRIGGER_BRANCH: seed.webApp.pullRequest.source,
      TRIGGER_PR_ID: '7',
      SONAR_HOST_URL: sandbox.sonarUrl,
    },
  );
  if (timed.code !== 0) throw new Error(`sonar-gate failed: ${timed.stderr}`);
  return measure(sandbox, ceTaskId, key);
}

/** The SonarSource action's loop (ask, then every 5 s; then the gate), followed by the same status POST. */
async function measureFixedPoller(sandbox: Sandbox, run: number, delayMs: number): Promise<Measured> {
  const { ceTaskId } = sandbox.sonar.submitAnalysis({
    projectKey: `baseline-${run}`,
    pullRequest: '7',
    processingMs: PROCESSING_MS,
  });
  await sleep(delayMs);
  const sonarAuth = `Basic ${Buffer.from(`${sandbox.demo.sonarToken}:`).toString('base64')}`;
  let task = await getJson<{ task: { status: string; analysisId?: string } }>(
    `${sandbox.sonarUrl}/api/ce/task?id=${ceTaskId}`,
    sonarAuth,
  );
  while (task.task.status === 'PENDING' || task.task.status === 'IN_PROGRESS') {
    await sleep(BASELINE_INTERVAL_MS);
    task = await getJson(`${sandbox.sonarUrl}/api/ce/task?id=${ceTaskId}`, sonarAuth);
  }
  const gate = await getJson<{ projectStatus: { status: string } }>(
    `${sandbox.sonarUrl}/api/qualitygates/project_status?analysisId=${task.task.analysisId}`,
    sonarAuth,
  );
  const key = `baseline-${run}`;
  const response = await fetch(
    `${sandbox.bitbucketApiUrl}/repositories/${REPO}/commit/${COMMIT}/statuses/build`,
    {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${sandbox.demo.email}:${sandbox.demo.apiToken}`).toString('base64')}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        key,
        state: gate.projectStatus.status === 'OK' ? 'SUCCESSFUL' : 'FAILED',
        url: `${sandbox.sonarUrl}/dashboard?id=baseline-${run}`,
      }),
    },
  );
  if (!response.ok) throw new Error(`baseline status POST answered ${response.status}`);
  return measure(sandbox, ceTaskId, key);
}

/** Lag: the final status POST's arrival minus the task's completion; calls: every Sonar request about this task. */
function measure(sandbox: Sandbox, ceTaskId: string, key: string): Measured {
  const completedAt = sandbox.sonar.completedAt(ceTaskId);
  const verdict = sandbox.requests.find(
    (request) =>
      request.method === 'POST' && request.path.endsWith('/statuses/build') && isVerdict(request, key),
  );
  if (completedAt === undefined || !verdict) throw new Error(`no verdict for ${key}`);
  const taskCalls = sandbox.sonar.ceTaskCalls(ceTaskId);
  const gateCalls = sandbox.requests.filter(
    (request) =>
      request.path.endsWith('/api/qualitygates/project_status') &&
      request.at >= completedAt &&
      request.at <= verdict.at,
  ).length;
  return { lagMs: verdict.at - completedAt, sonarCalls: taskCalls + Math.min(1, gateCalls) };
}

function isVerdict(request: RecordedRequest, key: string): boolean {
  const body = request.body as { key?: string; state?: string } | undefined;
  return body?.key === key && body.state !== 'INPROGRESS';
}

async function getJson<T>(url: string, authorization: string): Promise<T> {
  const response = await fetch(url, { headers: { Authorization: authorization } });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return (await response.json()) as T;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
