// Benchmarks `crosscheck status set`: one status against a raw node:http script doing the same POST
// (bench/raw-status-post.ts), and 60 statuses via --from against a curl loop.
// Run: npm run build && npx tsc -p tsconfig.json && node out/bench/status-set.js [runs]
import { join } from 'node:path';
import { seed, startSandbox } from '../src/sandbox';
import { median, report, timeCommand } from './support';
import { apiTokenEnvironment } from '../test/support/sandbox-suite';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const RAW_POST = join(__dirname, 'raw-status-post.js');
const NODE_FETCH_POST = join(__dirname, 'node-fetch-status-post.js');
const RUNS = Number(process.argv[2] ?? 21);
/** The Node.js both sides run on: BENCH_NODE (e.g. Node 24, what users run), else this one. */
const NODE = process.env.BENCH_NODE ?? process.execPath;
const STATUSES = 60;
const CONCURRENCY = 8;
const LATENCY_MS = 100;

async function main(): Promise<void> {
  const sandbox = await startSandbox();
  const commit = seed.webApp.pullRequest.sourceCommit;
  const env = {
    PATH: process.env.PATH,
    ...apiTokenEnvironment(sandbox),
  };
  const setArgs = [
    CLI,
    'status',
    'set',
    '--repo',
    seed.webApp.fullName,
    '--commit',
    commit,
    '--key',
    'bench',
    '--state',
    'passed',
    '--url',
    'https://ci.example.com/1',
  ];

  // 1. One status, start to exit: interleaved with the raw node:http POST so both see the same machine state.
  const rawArgs = [RAW_POST, seed.webApp.fullName, commit, 'bench', 'SUCCESSFUL', 'https://ci.example.com/1'];
  const fetchArgs = [NODE_FETCH_POST, ...rawArgs.slice(1)];
  const baseline: number[] = [];
  const library: number[] = [];
  const cli: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const raw = await timeCommand(NODE, rawArgs, env);
    if (raw.code !== 0) throw new Error(`the raw POST failed: ${raw.stderr}`);
    baseline.push(raw.ms);
    const fetched = await timeCommand(NODE, fetchArgs, env);
    if (fetched.code !== 0) throw new Error(`the node-fetch POST failed: ${fetched.stderr}`);
    library.push(fetched.ms);
    const timed = await timeCommand(NODE, setArgs, env);
    if (timed.code !== 0) throw new Error(`status set failed: ${timed.stderr}`);
    cli.push(timed.ms);
  }
  const version = (await timeCommand(NODE, ['--version'], env, '', true)).stdout.trim();
  report(
    `One "crosscheck status set" vs a raw node:http script doing the same POST (${RUNS} runs each, interleaved, medians, Node ${version})`,
    [
      ['raw node:http POST', `${median(baseline).toFixed(1)} ms`],
      [
        'the same POST with node-fetch alone (the floor)',
        `${median(library).toFixed(1)} ms  ${(median(library) / median(baseline)).toFixed(2)}x`,
      ],
      ['crosscheck status set', `${median(cli).toFixed(1)} ms`],
      ['ratio (goal ≤ 1.2x)', `${(median(cli) / median(baseline)).toFixed(2)}x`],
    ],
  );

  // 2. 60 statuses with 100 ms server latency: --from with 8 in flight vs one curl per status, in sequence.
  sandbox.setLatency(LATENCY_MS);
  const lines = Array.from({ length: STATUSES }, (_, index) =>
    JSON.stringify({ key: `bench-${index}`, state: 'SUCCESSFUL', url: 'https://ci.example.com/1' }),
  ).join('\n');
  const batchRuns = Math.max(3, Math.round(RUNS / 5));
  const batch: number[] = [];
  const curlLoop: number[] = [];
  const url = `${sandbox.bitbucketApiUrl}/repositories/${seed.webApp.fullName}/commit/${commit}/statuses/build`;
  const basic = `${sandbox.demo.email}:${sandbox.demo.apiToken}`;
  for (let run = 0; run < batchRuns; run++) {
    const timed = await timeCommand(
      process.execPath,
      [
        CLI,
        'status',
        'set',
        '--repo',
        seed.webApp.fullName,
        '--commit',
        commit,
        '--from',
        '-',
        '--concurrency',
        String(CONCURRENCY),
      ],
      env,
      lines,
    );
    if (timed.code !== 0) throw new Error(`status set --from failed: ${timed.stderr}`);
    batch.push(timed.ms);
    const started = process.hrtime.bigint();
    for (let index = 0; index < STATUSES; index++) {
      const body = JSON.stringify({
        key: `curl-${index}`,
        state: 'SUCCESSFUL',
        url: 'https://ci.example.com/1',
      });
      const curl = await timeCommand(
        'curl',
        ['-sf', '-o', '/dev/null', '-u', basic, '-H', 'Content-Type: application/json', '-d', body, url],
        env,
      );
      if (curl.code !== 0) throw new Error(`curl failed: ${curl.stderr}`);
    }
    curlLoop.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const ideal = Math.ceil(STATUSES / CONCURRENCY) * LATENCY_MS + median(cli);
  report(`${STATUSES} statuses at ${LATENCY_MS} ms latency (${batchRuns} runs each, medians)`, [
    ['sequential curl loop', `${median(curlLoop).toFixed(0)} ms`],
    [`crosscheck --from, ${CONCURRENCY} in flight`, `${median(batch).toFixed(0)} ms`],
    ['speed-up over curl (goal ≥ 6x)', `${(median(curlLoop) / median(batch)).toFixed(2)}x`],
    [`ideal ⌈${STATUSES}/${CONCURRENCY}⌉×${LATENCY_MS} ms + start-up`, `${ideal.toFixed(0)} ms`],
    ['vs ideal (goal ≤ 1.3x)', `${(median(batch) / ideal).toFixed(2)}x`],
  ]);
  await sandbox.close();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
