// `crosscheck run` end to end: a real child command wrapped in build statuses on the sandbox, signals included.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { type Sandbox, seed } from '../../src/sandbox';
import { type CliResult, runCrosscheck } from '../support/cli';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';

const REPO = seed.webApp.fullName;
const COMMIT = seed.webApp.branches['feature/error-pages'];

describe('crosscheck run (CLI against the sandbox)', function () {
  let sandbox: Sandbox;
  let seen = 0;

  const suite = useSandbox();
  before(() => {
    sandbox = suite.sandbox;
  });
  beforeEach(() => (seen = sandbox.requests.length));

  const wrap = async (
    key: string,
    command: string[],
    onSpawn?: (child: ChildProcess) => void,
  ): Promise<CliResult> => {
    const result = await runCrosscheck(
      [
        'run',
        '--key',
        key,
        '--name',
        `Run ${key}`,
        '--url',
        'https://ci.example.com/7',
        '--repo',
        REPO,
        '--commit',
        COMMIT,
        '--refname',
        'feature/error-pages',
        '--',
        ...command,
      ],
      {
        env: {
          ...apiTokenEnvironment(sandbox),
        },
        onSpawn,
      },
    );
    assert.ok(!`${result.stdout}${result.stderr}`.includes(sandbox.demo.apiToken), 'the token leaked');
    return result;
  };
  const status = (key: string) =>
    sandbox.buildStatuses(REPO, COMMIT).find((candidate) => candidate.key === key);
  const postedStates = (key: string) =>
    sandbox.requests
      .slice(seen)
      .filter(
        (request) => request.method === 'POST' && (request.body as { key?: string } | undefined)?.key === key,
      )
      .map((request) => (request.body as { state: string }).state);

  it('posts INPROGRESS, runs the command with its output passed through, then SUCCESSFUL for exit 0', async () => {
    const result = await wrap('run-ok', [
      process.execPath,
      '-e',
      'console.log("hello from the child")',
      '--',
      '--flag-for-the-child',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /hello from the child/);
    assert.deepEqual(postedStates('run-ok'), ['INPROGRESS', 'SUCCESSFUL']);
    assert.equal(status('run-ok')?.name, 'Run run-ok');
    assert.equal(status('run-ok')?.refname, 'feature/error-pages');
    assert.match(status('run-ok')?.description ?? '', /^node succeeded after \d+\.\d s$/);
  });

  it("posts FAILED and exits with the command's own code", async () => {
    const result = await wrap('run-3', [process.execPath, '-e', 'process.exit(3)']);
    assert.equal(result.code, 3);
    assert.deepEqual(postedStates('run-3'), ['INPROGRESS', 'FAILED']);
    assert.match(status('run-3')?.description ?? '', /^node exited with code 3 after/);
  });

  it('passes SIGTERM on to the command, posts STOPPED and exits 128 + 15', async () => {
    const script =
      'process.on("SIGTERM", () => { console.log("child got SIGTERM"); process.exit(143); }); console.log("ready"); setInterval(() => {}, 1000);';
    const result = await wrap('run-stop', [process.execPath, '-e', script], (child) => {
      let output = '';
      let sent = false;
      child.stdout?.on('data', (chunk) => {
        output += chunk;
        // Once: a second SIGTERM after the command ended would stop crosscheck itself before it posts STOPPED.
        if (!sent && output.includes('ready')) {
          sent = true;
          child.kill('SIGTERM');
        }
      });
    });
    assert.equal(result.code, 143, result.stderr);
    assert.match(result.stdout, /child got SIGTERM/);
    assert.deepEqual(postedStates('run-stop'), ['INPROGRESS', 'STOPPED']);
    assert.match(status('run-stop')?.description ?? '', /^node stopped by SIGTERM after/);
  });

  it('posts STOPPED too when the command dies of the forwarded signal', async () => {
    const result = await wrap(
      'run-killed',
      [process.execPath, '-e', 'console.log("ready"); setInterval(() => {}, 1000);'],
      (child) => {
        child.stdout?.on(
          'data',
          (chunk: Buffer) => chunk.toString().includes('ready') && child.kill('SIGINT'),
        );
      },
    );
    assert.equal(result.code, 130);
    assert.equal(status('run-killed')?.state, 'STOPPED');
  });

  it('posts FAILED and exits 127 when the command cannot be started', async () => {
    const result = await wrap('run-missing', ['crosscheck-no-such-command']);
    assert.equal(result.code, 127);
    assert.equal(status('run-missing')?.state, 'FAILED');
    assert.match(
      status('run-missing')?.description ?? '',
      /Could not start crosscheck-no-such-command: crosscheck-no-such-command was not found/,
    );
  });

  it('refuses bad input with exit 2, running and sending nothing', async () => {
    const missingKey = await runCrosscheck(
      [
        'run',
        '--repo',
        REPO,
        '--commit',
        COMMIT,
        '--url',
        'https://ci.example.com/7',
        '--',
        process.execPath,
        '-e',
        'console.log("ran")',
      ],
      {
        env: {
          ...apiTokenEnvironment(sandbox),
        },
      },
    );
    assert.equal(missingKey.code, 2);
    assert.match(missingKey.stderr, /--key is required/);
    assert.doesNotMatch(missingKey.stdout, /ran/);
    const noCommand = await runCrosscheck(['run', '--key', 'k'], { env: {} });
    assert.equal(noCommand.code, 2);
    assert.deepEqual(sandbox.requests.slice(seen), []);
  });
});
