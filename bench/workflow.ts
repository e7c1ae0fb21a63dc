// Benchmarks `crosscheck workflow run` (a job of N action steps) against the same N steps as separate `action run`s.
// Run: npm run build && npx tsc -p tsconfig.json && node out/bench/workflow.js [runs] [steps]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report, timeCommand, type Timed } from './support';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const RUNS = Number(process.argv[2] ?? 7);
const STEPS = Number(process.argv[3] ?? 10);

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'crosscheck-bench-workflow-'));
  const clone = join(scratch, 'clone');
  const action = join(clone, 'action');
  mkdirSync(action, { recursive: true });
  writeFileSync(join(action, 'action.yml'), 'name: Trivial\nruns:\n  using: node20\n  main: main.js\n');
  writeFileSync(join(action, 'main.js'), "console.log('step');\n");
  mkdirSync(join(clone, '.github', 'workflows'), { recursive: true });
  const steps = Array.from({ length: STEPS }, () => '      - uses: ./action\n').join('');
  writeFileSync(
    join(clone, '.github', 'workflows', 'ci.yml'),
    `on: push\njobs:\n  job:\n    runs-on: x\n    steps:\n${steps}`,
  );
  writeFileSync(
    join(clone, '.github', 'workflows', 'one.yml'),
    `on: push\njobs:\n  job:\n    runs-on: x\n    steps:\n      - uses: ./action\n`,
  );
  execFileSync('git', ['init', '--quiet', clone]);
  const env = { PATH: process.env.PATH, HOME: scratch };
  const step = (run: number) => ({
    ...env,
    BITBUCKET_STEP_UUID: `{00000000-0000-4000-8000-${String(run).padStart(12, '0')}}`,
    BITBUCKET_CLONE_DIR: clone,
    BITBUCKET_EXIT_CODE: '0',
  });
  const cli = async (args: string[], cliEnv: Record<string, string | undefined>): Promise<Timed> => {
    const timed = await timeCommand(process.execPath, [CLI, ...args], cliEnv);
    if (timed.code !== 0) throw new Error(`crosscheck ${args.join(' ')} failed: ${timed.stderr}`);
    return timed;
  };
  const times = {
    node: [] as number[],
    one: [] as number[],
    oneJob: [] as number[],
    separate: [] as number[],
    job: [] as number[],
  };
  try {
    for (let run = 0; run < RUNS; run++) {
      let nodeTotal = 0;
      for (let index = 0; index < STEPS; index++)
        nodeTotal += (await timeCommand(process.execPath, [join(action, 'main.js')], env)).ms;
      times.node.push(nodeTotal);
      times.one.push((await cli(['action', 'run', action], step(1000 + run))).ms);
      times.oneJob.push(
        (
          await cli(
            ['workflow', 'run', join(clone, '.github', 'workflows', 'one.yml'), '--job', 'job'],
            step(4000 + run),
          )
        ).ms,
      );
      let separate = 0;
      for (let index = 0; index < STEPS; index++)
        separate += (await cli(['action', 'run', action], step(2000 + run))).ms;
      times.separate.push(separate);
      times.job.push(
        (
          await cli(
            ['workflow', 'run', join(clone, '.github', 'workflows', 'ci.yml'), '--job', 'job'],
            step(3000 + run),
          )
        ).ms,
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const m = {
    node: median(times.node),
    one: median(times.one),
    oneJob: median(times.oneJob),
    separate: median(times.separate),
    job: median(times.job),
  };
  const perStep = m.node / STEPS;
  const startUp = m.one - perStep;
  // workflow run's own start-up: GitHub's parser reads and checks the workflow before the first step.
  const jobStartUp = m.oneJob - perStep;
  report(`A job of ${STEPS} trivial action steps (${RUNS} runs each, medians)`, [
    [`node main.js x${STEPS} (the steps themselves)`, `${m.node.toFixed(1)} ms`],
    [
      'one action run (one start-up + one step)',
      `${m.one.toFixed(1)} ms  (start-up ≈ ${startUp.toFixed(1)} ms)`,
    ],
    [`${STEPS} separate action runs (baseline)`, `${m.separate.toFixed(1)} ms`],
    [
      `workflow run, one job of ${STEPS} steps`,
      `${m.job.toFixed(1)} ms  ${(m.job / m.separate).toFixed(2)}x the separate runs`,
    ],
    [
      'job vs one start-up + the steps',
      `${(m.job / (startUp + m.node)).toFixed(2)}x  (${m.job.toFixed(1)} vs ${(startUp + m.node).toFixed(1)} ms)`,
    ],
    [
      'a job of one step (workflow start-up + one step)',
      `${m.oneJob.toFixed(1)} ms  (start-up ≈ ${jobStartUp.toFixed(1)} ms)`,
    ],
    [
      'job vs one workflow start-up + the steps (goal ≤ 1x)',
      `${(m.job / (jobStartUp + m.node)).toFixed(2)}x  (${m.job.toFixed(1)} vs ${(jobStartUp + m.node).toFixed(1)} ms)`,
    ],
  ]);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
