// A Node.js started ahead of its phase runs the script as `node script` would, or steps aside when it cannot.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runScript, startupEnvironment, WarmNode } from '../../src/runner/action-engine/script-process';

const PROBE = `
const report = {
  argv: process.argv.slice(1),
  main: require.main === module,
  execArgv: process.execArgv,
  cwd: process.cwd(),
  env: Object.keys(process.env).sort(),
  value: process.env.PHASE_VALUE,
  options: process.env.NODE_OPTIONS ?? null,
};
console.log(JSON.stringify(report));
`;

describe('WarmNode', () => {
  let scratch: string;
  let script: string;
  beforeEach(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'crosscheck-warm-'));
    script = path.join(scratch, 'probe.js');
    await fs.writeFile(script, PROBE);
  });
  afterEach(() => fs.rm(scratch, { recursive: true, force: true }));

  async function run(env: Record<string, string>, warm?: WarmNode) {
    const lines: string[] = [];
    const exit = await runScript({
      node: process.execPath,
      script,
      cwd: scratch,
      env,
      onLine: (line) => lines.push(line),
      ...(warm && { warm }),
    });
    assert.equal(exit.exitCode, 0, lines.join('\n'));
    return JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  }

  it('gives the script the same process a fresh start gives it: argv, require.main, execArgv, cwd, env only', async () => {
    const boot = { PATH: process.env.PATH ?? '', BOOT_ONLY: 'from the caller' };
    const env = { PATH: process.env.PATH ?? '', PHASE_VALUE: 'phase' };
    const warm = WarmNode.start(process.execPath, boot, os.tmpdir());
    assert.ok(warm, 'the shim is beside script-process');
    const fromWarm = await run(env, warm);
    const fresh = await run(env);
    assert.deepEqual(fromWarm, fresh);
    assert.deepEqual(fromWarm.argv, [script]);
    assert.equal(fromWarm.main, true);
    assert.equal(fromWarm.value, 'phase');
    assert.ok(!(fromWarm.env as string[]).includes('BOOT_ONLY'), 'nothing of the boot environment is left');
  });

  it('steps aside for a fresh process when a variable Node.js reads at start-up differs', async () => {
    const warm = WarmNode.start(process.execPath, { PATH: process.env.PATH ?? '' }, os.tmpdir());
    const report = await run(
      { PATH: process.env.PATH ?? '', NODE_OPTIONS: '--max-old-space-size=200' },
      warm,
    );
    assert.equal(report.options, '--max-old-space-size=200');
    assert.equal(
      warm?.take({ node: process.execPath, script, cwd: scratch, env: {}, onLine: () => undefined }),
      undefined,
      'used up',
    );
  });

  it('starts one ahead of everything with the start-up variables alone: no credential, nothing else', () => {
    assert.deepEqual(
      startupEnvironment({
        PATH: '/bin',
        HOME: '/home/me',
        NODE_OPTIONS: '--enable-source-maps',
        TZ: 'UTC',
        BITBUCKET_API_TOKEN: 'ATATT-secret',
        SONAR_TOKEN: 'squ_secret',
        GITHUB_TOKEN: 'ghs_secret',
        UNSET: undefined,
      }),
      { PATH: '/bin', HOME: '/home/me', NODE_OPTIONS: '--enable-source-maps', TZ: 'UTC' },
    );
  });

  it('stops an unused one', async () => {
    const warm = WarmNode.start(process.execPath, { PATH: process.env.PATH ?? '' }, os.tmpdir());
    const child = (warm as unknown as { child: import('node:child_process').ChildProcess }).child;
    const closed = new Promise((resolve) => child.once('close', resolve));
    warm?.dispose();
    await closed;
    assert.notEqual(child.signalCode ?? child.exitCode, null);
  });
});
