// The CLI loads only what the command needs: `status set` against a plain-http stand-in loads neither the sandbox,
// the action engine nor the expression evaluator, and no TLS, zlib or child_process.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registrationsFor } from '../../src/runner/program';
import { seed } from '../../src/sandbox';
import { runCrosscheck } from '../support/cli';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';

/** A preload that writes every module the process loads (builtins and files) to $LOADED_FILE at exit. */
const RECORDER = `
const Module = require('node:module');
const fs = require('node:fs');
const loaded = new Set();
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const result = load.apply(this, arguments);
  try { loaded.add(Module.isBuiltin(request) ? request.replace(/^node:/, '') : Module._resolveFilename(request, parent, isMain)); } catch {}
  return result;
};
process.on('exit', () => fs.writeFileSync(process.env.LOADED_FILE, [...loaded].join('\\n')));
`;

describe('what a command loads', function () {
  this.timeout(30_000);
  const suite = useSandbox();
  let folder: string;
  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'crosscheck-startup-'));
    writeFileSync(join(folder, 'recorder.js'), RECORDER);
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('status set: the CLI, its runtime and the HTTP chunk only; no sandbox, actions or expressions bundle; no https, tls, zlib, child_process', async () => {
    const loadedFile = join(folder, 'status-set.txt');
    const result = await runCrosscheck(
      [
        'status',
        'set',
        '--repo',
        seed.webApp.fullName,
        '--commit',
        seed.webApp.pullRequest.sourceCommit,
        '--key',
        'startup',
        '--state',
        'passed',
        '--url',
        'https://ci.example.com/1',
      ],
      {
        env: {
          ...apiTokenEnvironment(suite.sandbox),
          NODE_OPTIONS: `--require ${join(folder, 'recorder.js')}`,
          LOADED_FILE: loadedFile,
        },
      },
    );
    assert.equal(result.code, 0, result.stderr);
    const loaded = readFileSync(loadedFile, 'utf8').split('\n');
    const bundles = loaded
      .filter((entry) => /[\\/]dist[\\/]/.test(entry))
      .map((entry) => entry.replace(/.*[\\/]/, ''));
    // fetch.js: the HTTP stack, a chunk of its own that only commands sending a request load.
    assert.deepEqual(bundles.sort(), ['cli.js', 'fetch.js', 'runtime.js']);
    const heavy = loaded.filter((entry) =>
      ['https', 'tls', 'zlib', 'child_process', 'crypto'].includes(entry),
    );
    assert.deepEqual(heavy, [], 'builtins a plain-http status set does not need');
  });

  it('action run of a local action: no HTTP chunk, no expressions bundle (none in its action.yml), no crypto, https or zlib', async () => {
    const action = join(folder, 'action');
    mkdirSync(action);
    writeFileSync(join(action, 'action.yml'), 'name: Local\nruns:\n  using: node20\n  main: main.js\n');
    writeFileSync(join(action, 'main.js'), "console.log('ran');\n");
    const loadedFile = join(folder, 'action-run.txt');
    const result = await runCrosscheck(['action', 'run', action], {
      env: { NODE_OPTIONS: `--require ${join(folder, 'recorder.js')}`, LOADED_FILE: loadedFile },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /ran/);
    const loaded = readFileSync(loadedFile, 'utf8').split('\n');
    const bundles = loaded
      .filter((entry) => /[\\/]dist[\\/]/.test(entry))
      .map((entry) => entry.replace(/.*[\\/]/, ''));
    assert.deepEqual(bundles.sort(), ['actions.js', 'cli.js', 'runtime.js', 'yaml.js']);
    const heavy = loaded.filter((entry) => ['https', 'tls', 'zlib', 'crypto'].includes(entry));
    assert.deepEqual(heavy, [], 'builtins a local action run does not need');
  });

  it('registers only the command a line runs: none besides status and doctor, its own for the others, all for help or a typo', () => {
    const built: string[] = [];
    const named = Object.fromEntries(
      ['trigger', 'action', 'workflow'].map((name) => [name, () => void built.push(name)]),
    );
    const names = (argv: string[]) =>
      registrationsFor(argv, named).map((register) =>
        Object.keys(named).find((key) => named[key] === register),
      );
    assert.deepEqual(names(['status', 'set', '--key', 'action']), []);
    assert.deepEqual(names(['--json', 'doctor']), []);
    assert.deepEqual(names(['--retries', '3', 'action', 'run', '.']), ['action']);
    assert.deepEqual(names(['--request-timeout', 'workflow', 'trigger']), ['trigger']);
    assert.deepEqual(names(['--help']), ['trigger', 'action', 'workflow']);
    assert.deepEqual(names(['acton', 'run']), ['trigger', 'action', 'workflow']);
    assert.deepEqual(names(['constructor']), ['trigger', 'action', 'workflow']);
    assert.deepEqual(built, [], 'choosing registers nothing');
  });
});
