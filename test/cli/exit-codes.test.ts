// One place maps errors onto exit codes: 2 usage/input, 1 refused or failed, 70 a bug, an ExitError its own code.
import * as assert from 'node:assert/strict';
import { CredentialError, CrosscheckError, InputError } from '../../src/core/errors';
import { processContext, type RunnerContext } from '../../src/runner/context';
import { EXIT_INTERNAL, ExitError } from '../../src/runner/exit-codes';
import { type CommandRegistration, runCli } from '../../src/runner/program';

/** Runs `crosscheck probe` whose body throws `error`, and returns the exit code and stderr. */
async function exitOf(error: unknown): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const context: RunnerContext = {
    ...processContext(),
    env: {},
    stdout: { write: () => true },
    stderr: { write: (text: string) => (stderr += text) },
  };
  const probe: CommandRegistration = (program, action) => {
    program.command('probe').action(
      action(async () => {
        throw error;
      }),
    );
  };
  const code = await runCli(['probe'], context, [probe]);
  return { code, stderr };
}

describe('exit codes', () => {
  it('exits 2 for bad usage or input, and for a credential that cannot work (nothing was sent)', async () => {
    const input = await exitOf(new InputError('--key is required.', 'Give the status key.'));
    assert.equal(input.code, 2);
    assert.match(input.stderr, /error: --key is required\./);
    assert.equal((await exitOf(new CredentialError('No credential.'))).code, 2);
    assert.equal(
      await runCli(['--no-such-flag'], {
        ...processContext(),
        env: {},
        stdout: { write: () => true },
        stderr: { write: () => true },
      }),
      2,
    );
  });

  it('exits 1 when the server refused or the request failed', async () => {
    const refused = await exitOf(new CrosscheckError('Bitbucket refused the status.'));
    assert.equal(refused.code, 1);
    assert.doesNotMatch(refused.stderr, /bug/);
  });

  it('exits 70 (EX_SOFTWARE) for an error Crosscheck does not raise on purpose, and asks for a report', async () => {
    const bug = await exitOf(new TypeError("Cannot read properties of undefined (reading 'name')"));
    assert.equal(bug.code, EXIT_INTERNAL);
    assert.equal(EXIT_INTERNAL, 70);
    assert.match(bug.stderr, /This is a bug in Crosscheck/);
  });

  it('exits 2 with the fix, not 70, when the environment refuses: a busy port, a missing path, no space', async () => {
    const busy = await exitOf(
      Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:7990'), {
        code: 'EADDRINUSE',
        syscall: 'listen',
        address: '127.0.0.1',
        port: 7990,
      }),
    );
    assert.equal(busy.code, 2);
    assert.match(busy.stderr, /Port 7990 on 127\.0\.0\.1 is already in use/);
    assert.match(busy.stderr, /fix: .*--port 0/);
    assert.doesNotMatch(busy.stderr, /bug/);
    for (const code of ['ENOENT', 'EACCES', 'ENOSPC', 'EMFILE', 'EROFS']) {
      const refused = await exitOf(
        Object.assign(new Error(`${code}: open '/x/y'`), { code, syscall: 'open', path: '/x/y' }),
      );
      assert.equal(refused.code, 2, code);
      assert.match(refused.stderr, /fix: /, code);
      assert.doesNotMatch(refused.stderr, /bug/, code);
    }
  });

  it('exits 2 when a command that needs a subcommand gets none (crosscheck status), with the help on stderr', async () => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['status'], {
      ...processContext(),
      env: {},
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    });
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /Usage: crosscheck status/);
  });

  it("exits with an ExitError's own code, printing nothing more", async () => {
    const exit = await exitOf(new ExitError(5));
    assert.equal(exit.code, 5);
    assert.equal(exit.stderr, '');
  });
});
