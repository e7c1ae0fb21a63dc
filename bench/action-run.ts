// Benchmarks `crosscheck action run` against running the action's script directly with `node main.js`.
// Run: npm run build && npx tsc -p tsconfig.json && node out/bench/action-run.js [runs]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report, timeCommand } from './support';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const RUNS = Number(process.argv[2] ?? 15);

async function main(): Promise<void> {
  const action = mkdtempSync(join(tmpdir(), 'crosscheck-bench-action-'));
  writeFileSync(
    join(action, 'action.yml'),
    'name: Trivial\ninputs:\n  who:\n    default: world\nruns:\n  using: node20\n  main: main.js\n',
  );
  writeFileSync(join(action, 'main.js'), "console.log(`hello ${process.env['INPUT_WHO'] ?? 'world'}`);\n");
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  const direct: number[] = [];
  const runner: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      direct.push((await timeCommand(process.execPath, [join(action, 'main.js')], env)).ms);
      const timed = await timeCommand(process.execPath, [CLI, 'action', 'run', action], env);
      if (timed.code !== 0) throw new Error(`action run failed: ${timed.stderr}`);
      runner.push(timed.ms);
    }
  } finally {
    rmSync(action, { recursive: true, force: true });
  }
  report(`Trivial action: "crosscheck action run" vs "node main.js" (${RUNS} runs each, medians)`, [
    ['node main.js', `${median(direct).toFixed(1)} ms`],
    ['crosscheck action run', `${median(runner).toFixed(1)} ms`],
    ['ratio (goal ≤ 1.5x)', `${(median(runner) / median(direct)).toFixed(2)}x`],
  ]);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
