// Input that tries to escape its place: dot-segment repositories, prototype keys, control characters, odd URLs, numbers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seed } from '../../src/sandbox';
import { REPO_ROOT, runCrosscheck, type CliResult } from '../support/cli';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';

const REPO = seed.webApp.fullName;
const COMMIT = seed.webApp.pullRequest.sourceCommit;
const ESC = '\u001b';

describe('hostile input (CLI against the sandbox)', () => {
  const suite = useSandbox();
  const env = (extra: Record<string, string> = {}) => ({ ...apiTokenEnvironment(suite.sandbox), ...extra });

  /** Runs the CLI and checks it stopped with exit 2 before sending anything. */
  async function refusedBeforeSending(
    args: string[],
    extra: Record<string, string> = {},
  ): Promise<CliResult> {
    const before = suite.sandbox.requests.length;
    const result = await runCrosscheck(args, { env: env(extra) });
    assert.equal(result.code, 2, `${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
    assert.equal(suite.sandbox.requests.length, before, 'nothing was sent');
    return result;
  }
  const set = (...args: string[]) => [
    'status',
    'set',
    '--commit',
    COMMIT,
    '--url',
    'https://ci.example.com/1',
    ...args,
  ];

  for (const repo of ['acme/..', '../web-app', 'acme/.', './.', '../..', 'acme/...']) {
    it(`refuses the repository "${repo}" (exit 2, nothing sent)`, async () => {
      const result = await refusedBeforeSending(set('--key', 'hostile', '--repo', repo, '--state', 'passed'));
      assert.match(result.stderr, /--repo/);
    });
  }

  for (const state of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    it(`refuses --state ${state} (no prototype key is a state)`, async () => {
      const result = await refusedBeforeSending(set('--key', 'hostile', '--repo', REPO, '--state', state));
      assert.match(result.stderr, /is not a build state/);
    });
  }

  for (const value of ['1e1', '0x8', '8.0', '+8', '08e0', 'Infinity']) {
    it(`refuses --concurrency ${value}`, async () => {
      const result = await refusedBeforeSending(
        set('--key', 'hostile', '--repo', REPO, '--state', 'passed', '--concurrency', value),
      );
      assert.match(result.stderr, /--concurrency .* is not a whole number/);
    });
  }

  const badApiUrls: Array<[string, RegExp]> = [
    ['javascript:alert(1)', /not an http\(s\) URL/],
    ['file:///etc/passwd', /not an http\(s\) URL/],
    ['ftp://api.example.com/2.0', /not an http\(s\) URL/],
    ['not a url', /is not a URL/],
    ['http://api.example.com/2.0', /plain http to another machine/],
    ['https://api.example.com/2.0?x=1', /query or fragment/],
    ['https://api.example.com/2.0#frag', /query or fragment/],
  ];
  for (const [url, message] of badApiUrls) {
    it(`refuses BITBUCKET_API_URL=${url} with a clear error`, async () => {
      const result = await refusedBeforeSending(
        set('--key', 'hostile', '--repo', REPO, '--state', 'passed'),
        {
          BITBUCKET_API_URL: url,
        },
      );
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /bug in Crosscheck/);
    });
  }

  it('refuses a key with control characters', async () => {
    const result = await refusedBeforeSending(
      set('--repo', REPO, '--state', 'passed', '--key', `k${ESC}[2J`),
    );
    assert.match(result.stderr, /control characters/);
    assert.ok(!result.stderr.includes(ESC));
  });

  it('posting a name with escape sequences warns and sends it without them', async () => {
    const name = `Sonar ${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\ ${ESC}[31mred\u009b2J`;
    const result = await runCrosscheck(
      set('--repo', REPO, '--state', 'passed', '--key', 'ctl-name', '--name', name),
      { env: env() },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /warning: .*name .* holds control characters .* removed/);
    assert.ok(!/[\u001b\u009b]/.test(result.stdout + result.stderr), 'nothing raw printed');
    const posted = suite.sandbox.buildStatuses(REPO, COMMIT).find((status) => status.key === 'ctl-name');
    assert.ok(posted && !/[\u001b\u009b]/.test(posted.name ?? ''), posted?.name);
  });

  it('status get escapes control characters a status from someone else holds (human and --json output)', async () => {
    suite.sandbox.setBuildStatus(REPO, COMMIT, {
      key: 'ctl-get',
      state: 'FAILED',
      name: `${ESC}]0;pwned${ESC}\\title`,
      description: `bad ${ESC}[2J\u009b31m\u202edesc`,
    });
    for (const extra of [[], ['--json']]) {
      const result = await runCrosscheck(['status', 'get', '--repo', REPO, '--commit', COMMIT, ...extra], {
        env: env(),
      });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(!/[\u001b\u009b\u202e]/.test(result.stdout + result.stderr), JSON.stringify(result.stdout));
      assert.match(result.stdout, extra.length ? /\\u001b\]0;pwned/ : /\\x1b\]0;pwned/);
    }
  });

  it('refuses a report-task.txt whose dashboardUrl is not http(s)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crosscheck-dashboard-'));
    const file = join(dir, 'report-task.txt');
    writeFileSync(
      file,
      'projectKey=web-app\nserverUrl=http://127.0.0.1:9\nceTaskId=AX1\ndashboardUrl=javascript:alert(1)\n',
    );
    const result = await refusedBeforeSending(
      ['sonar-gate', '--report-task', file, '--repo', REPO, '--commit', COMMIT],
      { SONAR_TOKEN: 'squ_test_token_value' },
    );
    assert.match(result.stderr, /dashboardUrl .* is not an http\(s\) URL/);
  });

  it('refuses a Sonar base URL with a query or fragment (from report-task.txt or SONAR_HOST_URL)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crosscheck-server-url-'));
    const file = join(dir, 'report-task.txt');
    writeFileSync(file, 'projectKey=web-app\nserverUrl=https://sonar.example.com/?x=1\nceTaskId=AX1\n');
    const fromFile = await refusedBeforeSending(
      ['sonar-gate', '--report-task', file, '--repo', REPO, '--commit', COMMIT],
      { SONAR_TOKEN: 'squ_test_token_value' },
    );
    assert.match(fromFile.stderr, /serverUrl in .* has a query or fragment/);
    writeFileSync(file, 'projectKey=web-app\nserverUrl=https://sonar.example.com\nceTaskId=AX1\n');
    const fromEnv = await refusedBeforeSending(
      ['sonar-gate', '--report-task', file, '--repo', REPO, '--commit', COMMIT],
      { SONAR_TOKEN: 'squ_test_token_value', SONAR_HOST_URL: 'https://sonar.example.com/#frag' },
    );
    assert.match(fromEnv.stderr, /SONAR_HOST_URL .* has a query or fragment/);
  });

  for (const command of ['constructor', '__proto__', 'toString']) {
    it(`the action refuses INPUT_COMMAND=${command} as an unknown command`, async () => {
      const result = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'action.js')], {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, INPUT_COMMAND: command },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        child.stdout.on('data', (chunk) => (stdout += chunk));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout }));
      });
      assert.equal(result.code, 2, result.stdout);
      assert.match(result.stdout, new RegExp(`::error::Unknown command input "${command}"`));
    });
  }
});
