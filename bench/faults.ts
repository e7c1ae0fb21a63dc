// Fault bench: 2,000 statuses through `status set --from` while the sandbox answers 429 bursts, resets and 5xx.
// Counts lost (neither on the commit nor reported failed), duplicated and failed-and-reported statuses, and compares
// the time with the same push on a healthy sandbox, measured in the same run.
// Run: npm run build && npx tsc -p tsconfig.json && node out/bench/faults.js [statuses] [runs]
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type Fault, type Sandbox, seed, startSandbox } from '../src/sandbox';
import { median, report, timeCommand } from './support';
import { apiTokenEnvironment } from '../test/support/sandbox-suite';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const STATUSES = Number(process.argv[2] ?? 2000);
const RUNS = Number(process.argv[3] ?? 3);
const CONCURRENCY = 8;
const REPO = seed.webApp.fullName;

interface Outcome {
  ms: number;
  posted: number;
  failedReported: number;
  lost: number;
  duplicated: number;
  wrongState: number;
  faults: number;
  requests: number;
}

/** A deterministic pseudo-random sequence, so every run meets the same faults. */
function random(seedValue: number): () => number {
  let state = seedValue;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/**
 * One fault rule for the run: bursts of 429 (Bitbucket sends no Retry-After), resets, 500, 502, 503 and 504, spaced
 * out by healthy answers (`pass`); about a third of the requests meet a fault. Long 429 bursts exhaust some
 * statuses' retries on purpose, so failures must be reported.
 */
function faultPlan(count: number): Fault[] {
  const next = random(12);
  const faults: Fault[] = [];
  const single: Fault[] = ['reset', 500, 502, 503, 504];
  while (faults.length < count) {
    const roll = next();
    if (roll < 0.04) faults.push(...Array<Fault>(10 + Math.floor(next() * 40)).fill(429));
    else if (roll < 0.3)
      faults.push(single[Math.floor(next() * single.length)]!); // next() < 1: in range
    else faults.push(...Array<Fault>(1 + Math.floor(next() * 3)).fill('pass'));
  }
  return faults.slice(0, count);
}

/**
 * Pushes the statuses onto a commit of their own (so one push's unspent faults never reach another) and counts what
 * became of each.
 */
async function push(sandbox: Sandbox, prefix: string, faults: boolean): Promise<Outcome> {
  const commit = createHash('sha1').update(prefix).digest('hex');
  sandbox.addCommit(REPO, commit, { branch: `bench/${prefix}` });
  const statusPath = new RegExp(`/2\\.0/repositories/${REPO}/commit/${commit}/statuses/build$`);
  const lines = Array.from({ length: STATUSES }, (_, index) =>
    JSON.stringify({
      key: `${prefix}-${index}`,
      state: index % 3 ? 'SUCCESSFUL' : 'FAILED',
      url: 'https://ci.example.com/1',
    }),
  );
  const seen = sandbox.requests.length;
  if (faults)
    sandbox.injectFaults({ method: 'POST', pathPattern: statusPath, faults: faultPlan(STATUSES * 2) });
  const timed = await timeCommand(
    process.execPath,
    [
      CLI,
      '--json',
      'status',
      'set',
      '--repo',
      REPO,
      '--commit',
      commit,
      '--from',
      '-',
      '--concurrency',
      String(CONCURRENCY),
    ],
    { PATH: process.env.PATH, ...apiTokenEnvironment(sandbox), CROSSCHECK_RETRY_DELAY_MS: '5' },
    lines.join('\n'),
    true,
  );
  const result = JSON.parse(timed.stdout) as {
    posted: Array<{ key: string }>;
    failed: Array<{ key: string }>;
  };
  const onCommit = sandbox
    .buildStatuses(REPO, commit)
    .filter((status) => status.key.startsWith(`${prefix}-`));
  const byKey = new Map<string, number>();
  for (const status of onCommit) byKey.set(status.key, (byKey.get(status.key) ?? 0) + 1);
  const reportedFailed = new Set(result.failed.map((failure) => failure.key));
  const expectedState = new Map(
    lines.map((line) => JSON.parse(line) as { key: string; state: string }).map((s) => [s.key, s.state]),
  );
  const requests = sandbox.requests.slice(seen).filter((request) => statusPath.test(request.path));
  return {
    ms: timed.ms,
    posted: result.posted.length,
    failedReported: result.failed.length,
    lost: [...expectedState.keys()].filter((key) => !byKey.has(key) && !reportedFailed.has(key)).length,
    duplicated: [...byKey.values()].filter((count) => count > 1).length,
    wrongState: onCommit.filter((status) => status.state !== expectedState.get(status.key)).length,
    faults: requests.filter((request) => request.fault !== undefined).length,
    requests: requests.length,
  };
}

async function main(): Promise<void> {
  const sandbox = await startSandbox();
  const healthy: Outcome[] = [];
  const faulty: Outcome[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      healthy.push(await push(sandbox, `healthy-${run}`, false));
      const last = await push(sandbox, `faulty-${run}`, true);
      faulty.push(last);
      process.stderr.write(
        `run ${run + 1}: ${last.requests} requests, ${last.faults} faults; posted ${last.posted}, failed and reported ${last.failedReported}, lost ${last.lost}, duplicated ${last.duplicated}\n`,
      );
    }
  } finally {
    await sandbox.close();
  }
  const sum = (pick: (outcome: Outcome) => number) =>
    faulty.reduce((total, outcome) => total + pick(outcome), 0);
  report(`${STATUSES} statuses through 429 bursts, resets and 5xx (${RUNS} runs, ${CONCURRENCY} in flight)`, [
    ['requests per run (median)', `${median(faulty.map((o) => o.requests))}`],
    ['faults met per run (median)', `${median(faulty.map((o) => o.faults))}`],
    ['posted per run (median)', `${median(faulty.map((o) => o.posted))}`],
    ['failed and reported, all runs', `${sum((o) => o.failedReported)}`],
    ['lost, all runs (goal 0)', `${sum((o) => o.lost)}`],
    ['duplicated, all runs (goal 0)', `${sum((o) => o.duplicated)}`],
    ['posted with a wrong state, all runs (goal 0)', `${sum((o) => o.wrongState)}`],
    ['healthy push (baseline, median)', `${median(healthy.map((o) => o.ms)).toFixed(0)} ms`],
    ['push through faults (median)', `${median(faulty.map((o) => o.ms)).toFixed(0)} ms`],
    [
      'ratio to the healthy push',
      `${(median(faulty.map((o) => o.ms)) / median(healthy.map((o) => o.ms))).toFixed(2)}x`,
    ],
  ]);
  if (sum((o) => o.lost) > 0 || sum((o) => o.duplicated) > 0 || sum((o) => o.wrongState) > 0)
    process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
