// The sandbox's banner works when pasted: its demo credentials print in clear and its lines run as written.
import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reporter } from '../../src/runner/reporter';
import { CLI_PATH, REPO_ROOT } from '../support/cli';

/** Starts `crosscheck sandbox --port 0` and resolves with its banner once the last line of it is printed. */
function startBanner(): Promise<{ child: ChildProcess; banner: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, 'sandbox', '--port', '0'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (/^Other demo credentials:.*$/m.test(stdout)) resolve({ child, banner: stdout });
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`sandbox exited ${code} before its banner: ${stderr}`)));
  });
}

describe('crosscheck sandbox banner', function () {
  this.timeout(60_000);
  let child: ChildProcess | undefined;
  let banner = '';
  let home = '';

  before(async () => {
    ({ child, banner } = await startBanner());
    home = mkdtempSync(join(tmpdir(), 'crosscheck-banner-'));
  });

  after(() => {
    child?.kill('SIGTERM');
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('prints the demo credentials in clear, not masked', () => {
    assert.doesNotMatch(banner, /\*\*\*/);
    assert.match(banner, /^export BITBUCKET_API_TOKEN=ATATT\S{16,}$/m);
    assert.match(banner, /^export SONAR_TOKEN=squ_[0-9a-f]{40}$/m);
    assert.match(banner, /access token for acme\/web-app ATCTT\S{16,},/);
  });

  it('runs as pasted: its export lines then its crosscheck lines, in a shell, exit 0', () => {
    const lines = banner.split('\n').filter((line) => /^(export |crosscheck )/.test(line));
    assert.ok(lines.filter((line) => line.startsWith('crosscheck ')).length >= 2, banner);
    const script = join(home, 'banner.sh');
    // `crosscheck` is this build, as `npm install --global` of the tarball would put it on PATH.
    writeFileSync(
      script,
      [
        'set -eu',
        `crosscheck() { ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI_PATH)} "$@"; }`,
        ...lines,
      ].join('\n'),
    );
    const run = spawnSync('bash', [script], {
      cwd: home,
      env: { PATH: process.env.PATH, HOME: home },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /SUCCESSFUL\s+sonar/);
  });
});

describe('Reporter.revealPublic', () => {
  const publicToken = 'ATATT3xFfGF0SandboxDemoPublicValue0123456789=ABCDEF01';
  const otherToken = 'ATATT3xFfGF0SomeoneElsesRealToken9876543210=12345678';

  function printed(text: string, registered?: string): string {
    let stdout = '';
    const reporter = new Reporter(
      {
        env: {},
        cwd: REPO_ROOT,
        stdout: { write: (chunk: string) => (stdout += chunk) },
        stderr: { write: () => undefined },
        onSignal: () => () => undefined,
      },
      {},
    );
    reporter.revealPublic([publicToken]);
    reporter.secret(registered);
    reporter.line(text);
    return stdout;
  }

  it('prints only the declared public values in clear; other tokens and registered secrets stay masked', () => {
    assert.equal(printed(`a ${publicToken} b ${otherToken}`), `a ${publicToken} b ***\n`);
    assert.equal(printed('secret: hunter2-hunter2', 'hunter2-hunter2'), 'secret: ***\n');
  });
});
