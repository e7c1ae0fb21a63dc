// `npm run release:action -- DIR`: the release ref's files, run with INPUT_* against the sandbox from a copy with no node_modules.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { seed } from '../../src/sandbox';
import { REPO_ROOT } from '../support/cli';
import { useSandbox } from '../support/sandbox-suite';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'release-action.js');
const COMMIT = seed.webApp.pullRequest.sourceCommit;

/** Every folder from `dir` up to the root that holds a node_modules folder. */
function nodeModulesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let folder = dir; ; folder = path.dirname(folder)) {
    if (fs.existsSync(path.join(folder, 'node_modules'))) found.push(folder);
    if (path.dirname(folder) === folder) return found;
  }
}

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** Runs the released action as a runner would: `node <main>` with INPUT_*, GITHUB_ACTIONS and GITHUB_OUTPUT, nothing inherited. */
function runAction(
  release: string,
  inputs: Record<string, string>,
  stepEnv: Record<string, string>,
  outputFile: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...stepEnv,
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(release, 'dist', 'action.js')], {
      cwd: path.dirname(release),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** GITHUB_OUTPUT's `name<<delimiter` blocks (and plain `name=value` lines) as a record. */
function readOutputs(file: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!; // index < lines.length
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      // Both groups are required, so both are strings when the line matches.
      const end = lines.indexOf(heredoc[2]!, index + 1);
      outputs[heredoc[1]!] = lines.slice(index + 1, end).join('\n');
      index = end;
    } else if (line.includes('=')) {
      const [name = '', ...value] = line.split('=');
      outputs[name] = value.join('=');
    }
  }
  return outputs;
}

describe('the action release (npm run release:action -- DIR)', () => {
  const suite = useSandbox();
  let base: string;
  let release: string;

  before(function () {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscheck-action-release-'));
    release = path.join(base, 'crosscheck');
    const written = spawnSync(process.execPath, [SCRIPT, release], { encoding: 'utf8' });
    assert.equal(written.status, 0, written.stderr);
  });
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  it('holds action.yml, its documents and exactly the bundles action.js loads, with their maps', () => {
    assert.deepEqual(filesUnder(release), [
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'action.yml',
      'dist/action.js',
      'dist/action.js.map',
      'dist/actions.js',
      'dist/actions.js.map',
      // GitHub's expression evaluator: library code only, so no map.
      'dist/expressions.js',
      'dist/runtime.js',
      'dist/runtime.js.map',
      'dist/sandbox.js',
      'dist/sandbox.js.map',
      // The YAML parser the action engine and the sandbox share: library code only, so no map.
      'dist/yaml.js',
    ]);
    assert.equal(
      fs.readFileSync(path.join(release, 'action.yml'), 'utf8'),
      fs.readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8'),
    );
  });

  it('runs from a folder with no node_modules anywhere above it: status-set, then status-get with outputs', async () => {
    assert.deepEqual(nodeModulesAbove(release), [], 'the copy must not find packages above it');
    const { sandbox } = suite;
    const credentials = {
      email: sandbox.demo.email,
      'api-token': sandbox.demo.apiToken,
    };
    const target = { repo: seed.webApp.fullName, commit: COMMIT };
    // The sandbox's address comes as a workflow would give it: in the step's environment.
    const stepEnv = { BITBUCKET_API_URL: sandbox.bitbucketApiUrl };
    const setOutputs = path.join(base, 'set-outputs');
    const set = await runAction(
      release,
      {
        command: 'status-set',
        ...target,
        ...credentials,
        key: 'released-action',
        state: 'passed',
        url: 'https://ci.example.com/release',
      },
      stepEnv,
      setOutputs,
    );
    assert.equal(set.code, 0, `${set.stdout}\n${set.stderr}`);
    assert.deepEqual(readOutputs(setOutputs), { key: 'released-action', state: 'SUCCESSFUL' });
    assert.equal(
      sandbox.buildStatuses(target.repo, COMMIT).find((status) => status.key === 'released-action')?.state,
      'SUCCESSFUL',
    );
    const getOutputs = path.join(base, 'get-outputs');
    const get = await runAction(
      release,
      { command: 'status-get', ...target, ...credentials },
      stepEnv,
      getOutputs,
    );
    assert.equal(get.code, 0, `${get.stdout}\n${get.stderr}`);
    assert.equal(readOutputs(getOutputs)['merge-check'], 'pass');
    // The runner masks what `::add-mask::` names (the token, the Basic pair), as @actions/core's setSecret asks; no other line shows the token.
    const shown = [set.stdout, set.stderr, get.stdout, get.stderr]
      .flatMap((text) => text.split('\n'))
      .filter((line) => !line.startsWith('::add-mask::'));
    assert.equal(shown.filter((line) => line.includes(sandbox.demo.apiToken)).length, 0, shown.join('\n'));
  });

  it('refuses a folder holding anything but a previous release, and replaces a previous release', () => {
    const stray = path.join(base, 'stray');
    fs.mkdirSync(stray);
    fs.writeFileSync(path.join(stray, 'notes.txt'), 'mine');
    const refused = spawnSync(process.execPath, [SCRIPT, stray], { encoding: 'utf8' });
    assert.equal(refused.status, 1);
    assert.match(
      refused.stderr,
      /holds notes\.txt: give an empty folder or a checkout of a previous release/,
    );
    assert.equal(fs.readFileSync(path.join(stray, 'notes.txt'), 'utf8'), 'mine');

    fs.writeFileSync(path.join(release, 'dist', 'old-chunk.js'), '');
    const again = spawnSync(process.execPath, [SCRIPT, release], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    assert.equal(fs.existsSync(path.join(release, 'dist', 'old-chunk.js')), false);
  });
});
