// Benchmarks the editor's findings and run log: requests per simulated hour of the findings loader (idle, and with a
// check run), requests to follow a live 4-minute run in the log tab, and the time to place 1,000 findings through a
// real `git diff` against the time of that `git diff` alone, measured in the same run.
// Run: npx tsc -p tsconfig.json && node out/bench/findings.js
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectBitbucket } from '../src/core/bitbucket/connection';
import { diffWorkingTree } from '../src/extension/host/git-diff';
import { findingsOf, placeFindings } from '../src/extension/model/findings';
import { FindingsLoader } from '../src/extension/model/findings-loader';
import { RunLog } from '../src/extension/model/run-log';
import { type Sandbox, seed, startSandbox } from '../src/sandbox';
import { FakeClock } from '../test/extension/support/fake-clock';
import { demoSources, TRANSPORT } from '../test/extension/support/sandbox';
import { median, report } from './support';

const MINUTE = 60_000;
const repo = { workspace: seed.workspace, slug: seed.webApp.slug };
const commit = seed.webApp.pullRequest.sourceCommit;
const central = { workspace: seed.workspace, slug: seed.centralChecks.slug };

function connect(sandbox: Sandbox) {
  return connectBitbucket({
    credentials: demoSources(sandbox),
    apiUrl: sandbox.bitbucketApiUrl,
    transport: TRANSPORT,
  }).api;
}

async function postGate(sandbox: Sandbox, annotations: number): Promise<void> {
  const api = connect(sandbox);
  await api.putReport(repo, commit, 'sonar', {
    title: 'SonarQube',
    details: 'Gate failed',
    report_type: 'BUG',
    result: 'FAILED',
  });
  await api.postAnnotations(
    repo,
    commit,
    'sonar',
    Array.from({ length: annotations }, (_, index) => ({
      external_id: `i-${index}`,
      annotation_type: 'CODE_SMELL' as const,
      summary: `Finding ${index}`,
      path: 'src/app.ts',
      line: index + 1,
    })),
  );
}

/** Requests the findings loader sends in one simulated hour, polled every 90 s (the idle refresh) by the refresher. */
async function findingsHour(withCheck: boolean): Promise<number> {
  const sandbox = await startSandbox();
  try {
    await postGate(sandbox, 150);
    const clock = new FakeClock();
    const loader = new FindingsLoader({ now: () => clock.now() });
    const api = connect(sandbox);
    let statuses = 'sonar:FAILED:1';
    const since = sandbox.requests.length;
    for (let at = 0; at < 60 * MINUTE; at += 90_000) {
      // A check run at minute 30 (INPROGRESS is not part of the key: it brings no report); at minute 33 the status is
      // FAILED again and the report written anew.
      if (withCheck && at === 33 * MINUTE) {
        await postGate(sandbox, 150);
        statuses = 'sonar:FAILED:3';
      }
      await loader.load(api, { repo, commit, statusesKey: statuses }, { user: false, enabled: () => true });
      await clock.advance(90_000);
    }
    // The bench's own writes (PUT, POST) are not the loader's.
    return sandbox.requests.slice(since).filter((request) => request.method === 'GET').length;
  } finally {
    await sandbox.close();
  }
}

/** Requests to follow a 4-minute run whose step writes a line a second, polled every 3 s. */
async function followRun(): Promise<{ requests: number; polls: number }> {
  const sandbox = await startSandbox();
  try {
    let step: { log(text: string): void; complete(result: 'SUCCESSFUL'): void; start(): void } | undefined;
    sandbox.onPipelineRun((_run, ctl) => {
      ctl.start();
      step = ctl.addStep({ name: 'Gate' });
      return new Promise<void>((done) => ctl.signal.addEventListener('abort', () => done()));
    });
    const api = connect(sandbox);
    const run = await api.triggerPipeline(central, {
      branch: 'main',
      pattern: 'sonar-pr-check',
      variables: [],
    });
    while (!step) await new Promise((resolve) => setTimeout(resolve, 5));
    step.start();
    const log = new RunLog({ central, uuid: run.uuid, pipeline: 'sonar-pr-check' });
    let requests = 0;
    let polls = 0;
    for (let second = 0; second < 240 || !log.finished; second += 3) {
      for (let line = 0; line < 3 && second < 240; line++) step.log(`line ${second + line}\n`);
      if (second >= 240) step.complete('SUCCESSFUL');
      requests += (await log.poll(api)).requests;
      polls++;
      if (polls > 200) break;
    }
    return { requests, polls };
  } finally {
    await sandbox.close();
  }
}

/** Milliseconds to place 1,000 findings (git diff included) and of the git diff alone, medians of 7. */
async function placement(): Promise<{ place: number; diff: number }> {
  const root = mkdtempSync(join(tmpdir(), 'crosscheck-bench-findings-'));
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'b@example.com');
    git('config', 'user.name', 'Bench');
    for (let file = 0; file < 50; file++)
      writeFileSync(
        join(root, `f${file}.ts`),
        Array.from({ length: 400 }, (_, l) => `const v${l} = ${l};`).join('\n'),
      );
    git('add', '-A');
    git('commit', '-q', '-m', 'analysed');
    const analysed = git('rev-parse', 'HEAD').trim();
    for (let file = 0; file < 50; file += 2)
      writeFileSync(
        join(root, `f${file}.ts`),
        ['// added', ...Array.from({ length: 400 }, (_, l) => `const v${l} = ${l % 7 ? l : 'x'};`)].join(
          '\n',
        ),
      );
    const report = findingsOf(
      { uuid: '{r}', title: 'SonarQube' },
      Array.from({ length: 1000 }, (_, index) => ({
        summary: `f ${index}`,
        path: `f${index % 50}.ts`,
        line: (index % 400) + 1,
      })),
    );
    const places: number[] = [];
    const diffs: number[] = [];
    for (let round = 0; round < 7; round++) {
      let started = performance.now();
      await diffWorkingTree(root, analysed);
      diffs.push(performance.now() - started);
      started = performance.now();
      const diff = await diffWorkingTree(root, analysed);
      if (!('changes' in diff)) throw new Error('git diff failed');
      placeFindings([report], diff.changes, () => true);
      places.push(performance.now() - started);
    }
    return { place: median(places), diff: median(diffs) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const idle = await findingsHour(false);
  const withCheck = await findingsHour(true);
  const follow = await followRun();
  const timing = await placement();
  report('Findings: requests per simulated hour (reports list and annotation pages, 150 findings)', [
    ['idle (statuses unchanged)', String(idle)],
    ['one check run in the hour', String(withCheck)],
  ]);
  report('Run log: following a live 4-minute run (a line a second, polled every 3 s)', [
    ['polls', String(follow.polls)],
    ['requests', String(follow.requests)],
  ]);
  report('Placing 1,000 findings through git diff (50 files, 25 changed), medians of 7', [
    ['git diff alone', `${timing.diff.toFixed(1)} ms`],
    ['git diff + placement', `${timing.place.toFixed(1)} ms`],
    ['ratio', `${(timing.place / timing.diff).toFixed(2)}×`],
  ]);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
