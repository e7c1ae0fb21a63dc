// Benchmarks `crosscheck action run` / `action post` against running the action's scripts directly with node: the
// headline is a hello-world action (main only), `action run` against `node main.js`, both measured in this run.
// Run: npm run build && npx tsc -p tsconfig.json && node out/bench/action-run.js [runs]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report, timeCommand, type Timed } from './support';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const RUNS = Number(process.argv[2] ?? 15);

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
  const times: Record<'hello' | 'helloRun' | 'main' | 'mainPost' | 'oneOff' | 'inStep' | 'post', number[]> = {
    hello: [],
    helloRun: [],
    main: [],
    mainPost: [],
    oneOff: [],
    inStep: [],
    post: [],
  };
  const node = (script: string) => timeCommand(process.execPath, [join(action, script)], env);
  const cli = async (args: string[], cliEnv: Record<string, string | undefined>): Promise<Timed> => {
    const timed = await timeCommand(process.execPath, [CLI, ...args], cliEnv);
    if (timed.code !== 0) throw new Error(`crosscheck ${args.join(' ')} failed: ${timed.stderr}`);
    return timed;
  };
  try {
    for (let run = 0; run < RUNS; run++) {
      times.hello.push((await timeCommand(process.execPath, [join(hello, 'main.js')], env)).ms);
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
  report(`Hello-world action: crosscheck action run vs node main.js (${RUNS} runs each, medians)`, [
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
