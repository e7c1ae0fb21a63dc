// Benchmarks the npm package against the one commit 27945cc made (before it was publishable), both built in this run:
// tarball size and files, installed size and packages, offline install time, and `crosscheck --version` start-up.
// Run: npm run build && npx tsc -p tsconfig.json && node out/bench/package.js [runs] [baseline commit]
import { execFileSync, execSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report, timeCommand } from './support';

const ROOT = join(__dirname, '..', '..');
const RUNS = Number(process.argv[2] ?? 5);
const BASELINE = process.argv[3] ?? '27945cc';
/** The host's environment (its CA certificates, proxy) without the npm_* variables of an outer `npm run bench`. */
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

interface Packed {
  label: string;
  tarball: string;
  bytes: number;
  files: number;
}

interface Measured extends Packed {
  installedBytes: number;
  packages: number;
  installMs: number;
  versionMs: number;
}

/** `npm pack` in `folder` (already built), into `into`. */
function pack(label: string, folder: string, into: string): Packed {
  const output = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', into], {
    cwd: folder,
    env,
    encoding: 'utf8',
  });
  const [packed] = JSON.parse(output) as { filename: string; size: number; entryCount: number }[];
  if (!packed) throw new Error(`npm pack printed no package for ${folder}: ${output}`);
  return { label, tarball: join(into, packed.filename), bytes: packed.size, files: packed.entryCount };
}

/** The commit's tree, built with this checkout's node_modules (the same packages, as the lock files agree). */
function buildBaseline(work: string): string {
  const folder = join(work, 'baseline');
  fs.mkdirSync(folder);
  execSync(`git -C "${ROOT}" archive --format=tar ${BASELINE} | tar -x -C "${folder}"`, { env });
  fs.symlinkSync(join(ROOT, 'node_modules'), join(folder, 'node_modules'), 'dir');
  execFileSync(process.execPath, ['esbuild.js'], { cwd: folder, env, stdio: 'ignore' });
  return folder;
}

function sizeOf(path: string): number {
  const stat = fs.lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return fs.readdirSync(path).reduce((total, name) => total + sizeOf(join(path, name)), 0);
}

/** Packages under a node_modules folder, nested ones included. */
function packagesIn(nodeModules: string): number {
  if (!fs.existsSync(nodeModules)) return 0;
  let count = 0;
  for (const name of fs.readdirSync(nodeModules).filter((entry) => !entry.startsWith('.'))) {
    const folders = name.startsWith('@')
      ? fs.readdirSync(join(nodeModules, name)).map((entry) => join(nodeModules, name, entry))
      : [join(nodeModules, name)];
    for (const folder of folders) {
      if (fs.existsSync(join(folder, 'package.json'))) count += 1;
      count += packagesIn(join(folder, 'node_modules'));
    }
  }
  return count;
}

/** npm install --global, with this machine's global config (npm would look for it under --prefix otherwise). */
function installArgs(prefix: string, cache: string, tarball: string, offline: boolean): string[] {
  const globalConfig = execFileSync('npm', ['config', 'get', 'globalconfig'], {
    env,
    encoding: 'utf8',
  }).trim();
  return [
    'install',
    '--global',
    ...(offline ? ['--offline'] : []),
    '--no-audit',
    '--no-fund',
    '--globalconfig',
    globalConfig,
    '--prefix',
    prefix,
    '--cache',
    cache,
    tarball,
  ];
}

/**
 * Installs each tarball RUNS times into fresh prefixes, offline, from a cache an online install filled with its
 * dependencies, and times `crosscheck --version` from each; the packages take turns, so both see the same load.
 */
async function measure(packages: Packed[], work: string): Promise<Measured[]> {
  // One lane per package: its cache, its latest prefix and its timings.
  const lanes = packages.map((packed) => ({
    packed,
    cache: join(work, `cache-${packed.label}`),
    prefix: join(work, `primer-${packed.label}`),
    installs: [] as number[],
    starts: [] as number[],
  }));
  for (const lane of lanes) {
    execFileSync('npm', installArgs(lane.prefix, lane.cache, lane.packed.tarball, false), {
      env,
      stdio: 'ignore',
    });
  }
  for (let run = 0; run < RUNS; run++) {
    for (const lane of lanes) {
      lane.prefix = join(work, `prefix-${lane.packed.label}-${run}`);
      const timed = await timeCommand(
        'npm',
        installArgs(lane.prefix, lane.cache, lane.packed.tarball, true),
        env,
      );
      if (timed.code !== 0)
        throw new Error(`offline install of ${lane.packed.tarball} failed: ${timed.stderr}`);
      lane.installs.push(timed.ms);
    }
    for (let start = 0; start < 5; start++) {
      for (const lane of lanes) {
        const started = await timeCommand(join(lane.prefix, 'bin', 'crosscheck'), ['--version'], env);
        if (started.code !== 0) throw new Error(`crosscheck --version failed: ${started.stderr}`);
        lane.starts.push(started.ms);
      }
    }
  }
  return lanes.map((lane) => {
    const installed = join(lane.prefix, 'lib', 'node_modules');
    return {
      ...lane.packed,
      installedBytes: sizeOf(installed),
      // Everything but crosscheck itself.
      packages: packagesIn(installed) - 1,
      installMs: median(lane.installs),
      versionMs: median(lane.starts),
    };
  });
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ratio = (now: number, before: number) => `${(now / before).toFixed(2)}x`;

async function main(): Promise<void> {
  const work = fs.mkdtempSync(join(tmpdir(), 'crosscheck-bench-package-'));
  try {
    const [baseline, current] = await measure(
      [pack('baseline', buildBaseline(work), work), pack('current', ROOT, work)],
      work,
    );
    if (!baseline || !current) throw new Error('measure returns one result per package');
    const row = (
      label: string,
      show: (m: Measured) => string,
      value: (m: Measured) => number,
    ): [string, string] => [
      label,
      `${show(current).padStart(10)}  vs ${show(baseline).padStart(10)}  = ${ratio(value(current), value(baseline))}`,
    ];
    report(
      `npm package: this checkout vs ${BASELINE} (${RUNS} offline installs, ${RUNS * 5} starts each; medians)`,
      [
        row(
          'tarball size (goal ≤ 300 KB)',
          (m) => kb(m.bytes),
          (m) => m.bytes,
        ),
        row(
          'files in the tarball',
          (m) => String(m.files),
          (m) => m.files,
        ),
        row(
          'installed size',
          (m) => kb(m.installedBytes),
          (m) => m.installedBytes,
        ),
        row(
          'dependencies installed',
          (m) => String(m.packages),
          (m) => m.packages,
        ),
        row(
          'offline install time',
          (m) => `${m.installMs.toFixed(0)} ms`,
          (m) => m.installMs,
        ),
        row(
          'crosscheck --version',
          (m) => `${m.versionMs.toFixed(1)} ms`,
          (m) => m.versionMs,
        ),
      ],
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
