// A workflow job's action steps run on Node.js processes started ahead, while the step before runs: they boot unseen, and boot without the job's credentials.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCrosscheck } from '../support/cli';
import { git } from './bitbucket-clone';

/** Prints how long its process had been alive when the script began, and whether a value is in its start-up environment. */
const PROBE = `
const fs = require('node:fs');
const aliveMs = Math.round(process.uptime() * 1000);
// /proc/self/environ is the environment the process was started with, whatever process.env holds now.
const environ = fs.existsSync('/proc/self/environ') ? fs.readFileSync('/proc/self/environ', 'utf8') : '';
const token = fs.readFileSync('token.txt', 'utf8');
console.log('probe ' + process.env.INPUT_STEP + ': alive ' + aliveMs + ' ms; token at start-up: ' + environ.includes(token));
const holdMs = Number(process.env['INPUT_HOLD-MS'] || 0);
setTimeout(() => undefined, holdMs);
`;

describe('crosscheck workflow run: warm action steps', function () {
  this.timeout(120_000);

  it("starts each action step's Node.js while the step before runs, with no credential in its start-up environment", async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'crosscheck-wf-warm-'));
    mkdirSync(join(workspace, 'probe'));
    writeFileSync(
      join(workspace, 'probe', 'action.yml'),
      'name: Probe\ninputs:\n  step: {}\n  hold-ms: {default: "0"}\nruns:\n  using: node20\n  main: main.js\n',
    );
    writeFileSync(join(workspace, 'probe', 'main.js'), PROBE);
    mkdirSync(join(workspace, '.github', 'workflows'), { recursive: true });
    writeFileSync(
      join(workspace, '.github', 'workflows', 'ci.yml'),
      [
        'on: push',
        'jobs:',
        '  probe:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: ./probe',
        '        with: {step: one, hold-ms: "1500"}',
        '      - run: echo between',
        '      - uses: ./probe',
        '        with: {step: two}',
        '',
      ].join('\n'),
    );
    git(workspace, 'init', '--quiet', '--initial-branch=main');
    const token = 'ATATT3xWarmStepsProbeToken0123456789';
    // The probe learns the value to look for from a file, so no variable of the step carries it.
    writeFileSync(join(workspace, 'token.txt'), token);
    const result = await runCrosscheck(['workflow', 'run', '.github/workflows/ci.yml', '--job', 'probe'], {
      cwd: workspace,
      env: {
        ATLASSIAN_ACCOUNT_EMAIL: 'dev@acme.example',
        BITBUCKET_API_TOKEN: token,
      },
    });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const two = /probe two: alive (\d+) ms; token at start-up: (true|false)/.exec(result.stdout);
    assert.ok(two, result.stdout);
    // Step two's process was started while step one held for 1.5 s: a process started when step two began would
    // have been alive only for its own boot.
    assert.ok(Number(two[1]) >= 1200, `step two's Node.js was alive ${two[1]} ms when its script began`);
    assert.equal(two[2], 'false', 'the API token was in the start-up environment of a warm Node.js');
    assert.match(result.stdout, /probe one: alive \d+ ms; token at start-up: false/);
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(token));
  });
});
