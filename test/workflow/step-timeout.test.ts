// Hostile: a step past its timeout-minutes ends with everything it started, even a grandchild that ignores SIGINT and SIGTERM.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCrosscheck } from '../support/cli';
import { git } from './bitbucket-clone';

/** Whether process `pid` still runs (a zombie waiting for its parent counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return process.platform !== 'linux';
  }
}

describe('workflow run: timeout-minutes stops the whole step', function () {
  this.timeout(60_000);
  const workspace = mkdtempSync(join(tmpdir(), 'crosscheck-wf-timeout-'));
  const pidFile = join(workspace, 'grandchild.pid');
  after(() => {
    // Whatever happens, the test leaves nothing running.
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
    rmSync(workspace, { recursive: true, force: true });
  });

  it('kills a background grandchild that ignores SIGINT and SIGTERM when the step times out, and the job goes on', async () => {
    mkdirSync(join(workspace, '.github', 'workflows'), { recursive: true });
    writeFileSync(
      join(workspace, '.github', 'workflows', 'ci.yml'),
      `on: push
jobs:
  hostile:
    runs-on: ubuntu-latest
    steps:
      - name: leaves a grandchild behind
        timeout-minutes: 0.03
        run: |
          (trap '' INT TERM HUP; exec sleep 300) &
          echo $! > grandchild.pid
          wait
      - if: always()
        run: echo "after the timeout"
`,
    );
    git(workspace, 'init', '--quiet', '--initial-branch=main');
    git(workspace, 'add', '--all');
    git(workspace, 'commit', '--quiet', '-m', 'ci');
    const started = Date.now();
    const result = await runCrosscheck(['workflow', 'run', '.github/workflows/ci.yml', '--job', 'hostile'], {
      cwd: workspace,
    });
    const took = Date.now() - started;
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /leaves a grandchild behind: the step ran longer than its timeout-minutes \(0\.03\)/,
    );
    assert.match(result.stdout, /after the timeout/);
    // GitHub escalates SIGINT → SIGTERM (7.5 s) → SIGKILL (10 s); the grandchild ignores the first two.
    assert.ok(took < 40_000, `the job ended ${took} ms after it started, not when the sleep would have`);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(pid > 0);
    assert.equal(alive(pid), false, `the grandchild ${pid} outlived its step`);
  });
});
