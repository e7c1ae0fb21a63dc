// Benchmarks `crosscheck action run owner/repo@ref`: cold (git fetch over loopback HTTP) and warm (cache) against
// `node main.js`, plus what `${{ }}` costs (GitHub's evaluator is a chunk loaded only by actions that hold one).
// Run: npm run build && npx tsc -p tsconfig.json && node out/bench/remote-action.js [runs]
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitFixtureHost, startGitHttpServer } from '../test/support/git-server';
import { median, report, timeCommand } from './support';

const DIST = join(__dirname, '..', '..', 'dist');
const CLI = join(DIST, 'cli.js');
const RUNS = Number(process.argv[2] ?? 10);

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'crosscheck-bench-remote-'));
  const host = new GitFixtureHost();
  const action = join(scratch, 'action');
  const withExpression = join(scratch, 'expression');
  for (const [folder, input] of [
    [action, 'default: world'],
    [withExpression, "default: ${{ runner.os == 'Linux' && 'world' || 'there' }}"],
  ] as const) {
    mkdirSync(folder);
    writeFileSync(
      join(folder, 'action.yml'),
      `name: Small\ninputs:\n  who:\n    ${input}\nruns:\n  using: node20\n  main: main.js\n`,
    );
    writeFileSync(join(folder, 'main.js'), "console.log(`hello ${process.env['INPUT_WHO'] ?? 'world'}`);\n");
  }
  const commit = host.commit('acme', 'small', [action]);
  host.tag('acme', 'small', 'v1');
  const server = await startGitHttpServer(host.root);
  const env = (cache: string) => ({
    PATH: process.env.PATH,
    HOME: scratch,
    CROSSCHECK_ACTIONS_URL: server.url,
    CROSSCHECK_ACTIONS_CACHE: cache,
  });
  const warmCache = join(scratch, 'warm');
  const timings: Record<'direct' | 'cold' | 'warmTag' | 'warmSha' | 'local' | 'localExpression', number[]> = {
    direct: [],
    cold: [],
    warmTag: [],
    warmSha: [],
    local: [],
    localExpression: [],
  };
  const time = async (key: keyof typeof timings, args: string[], cache = warmCache) => {
    const timed = await timeCommand(process.execPath, args, env(cache));
    if (timed.code !== 0) throw new Error(`${args.join(' ')} failed: ${timed.stderr}`);
    timings[key].push(timed.ms);
  };
  try {
    await time('warmTag', [CLI, 'action', 'run', 'acme/small@v1']);
    for (let run = 0; run < RUNS; run++) {
      await time('direct', [join(action, 'main.js')]);
      const cold = join(scratch, `cold-${run}`);
      await time('cold', [CLI, 'action', 'run', 'acme/small@v1'], cold);
      rmSync(cold, { recursive: true, force: true });
      await time('warmTag', [CLI, 'action', 'run', 'acme/small@v1']);
      await time('warmSha', [CLI, 'action', 'run', `acme/small@${commit}`]);
      await time('local', [CLI, 'action', 'run', action]);
      await time('localExpression', [CLI, 'action', 'run', withExpression]);
    }
  } finally {
    await server.close();
    host.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
  const base = median(timings.direct);
  const row = (label: string, key: keyof typeof timings, against = base): [string, string] => [
    label,
    `${median(timings[key]).toFixed(1)} ms  (${(median(timings[key]) / against).toFixed(2)}x)`,
  ];
  report(
    `Remote action over loopback git HTTP vs "node main.js" (${RUNS} runs each, medians, ratio to node main.js)`,
    [
      ['node main.js', `${base.toFixed(1)} ms  (1.00x)`],
      row('cold: ls-remote + shallow fetch + run', 'cold'),
      row('warm tag: ls-remote + cached commit', 'warmTag'),
      row('warm SHA pin: no network', 'warmSha'),
      row('local folder (no ${{ }})', 'local'),
    ],
  );
  report('${{ }} cost: the same local action with an expression default (ratio to the one without)', [
    row('with ${{ }} default', 'localExpression', median(timings.local)),
    [
      'dist/expressions.js (GitHub evaluator chunk)',
      `${(statSync(join(DIST, 'expressions.js')).size / 1024).toFixed(1)} KiB`,
    ],
  ]);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
