// `crosscheck workflow run` end to end through the bundled CLI: vendored workflows in Bitbucket-style clones, contexts, refusals.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, seed } from '../../src/sandbox';
import { REPO_ROOT, runCrosscheck } from '../support/cli';
import { GitFixtureHost } from '../support/git-server';
import { isBitbucketApiRequest } from '../support/openapi';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';
import { downloadsRefused, prefilledToolCache } from '../support/tool-cache';
import { NODE24 } from '../actions/recording-log';
import { git, pipelinesClone } from './bitbucket-clone';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'workflows');
const CORPUS = join(REPO_ROOT, 'test', 'fixtures', 'conformance');
/** The real actions/setup-node (v6.5.0, vendored in the conformance corpus), served under the tags the workflows name. */
const SETUP_NODE = join(REPO_ROOT, 'test', 'fixtures', 'conformance', 'actions', 'setup-node');

/** A workspace holding one workflow (and a git clone, for actions/checkout). */
function workspaceWith(workflow: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'crosscheck-wf-ws-'));
  mkdirSync(join(directory, '.github', 'workflows'), { recursive: true });
  writeFileSync(join(directory, '.github', 'workflows', 'ci.yml'), workflow);
  git(directory, 'init', '--quiet', '--initial-branch=main');
  git(directory, 'add', '--all');
  git(directory, 'commit', '--quiet', '-m', 'ci');
  return directory;
}

const WORKFLOW = '.github/workflows/ci.yml';

describe('crosscheck workflow run (CLI)', function () {
  this.timeout(120_000);
  let host: GitFixtureHost;
  let toolCache: string;
  let actionsCache: string;
  let refused: Record<string, string>;
  before(async () => {
    host = new GitFixtureHost();
    host.commit('actions', 'setup-node', [SETUP_NODE]);
    host.tag('actions', 'setup-node', 'v2');
    host.tag('actions', 'setup-node', 'v4');
    toolCache = prefilledToolCache(['12.22.12', '14.21.3', '16.20.2', '18.20.8', '22.22.0']);
    actionsCache = mkdtempSync(join(tmpdir(), 'crosscheck-wf-actions-'));
    refused = await downloadsRefused();
  });
  after(() => host.dispose());

  // setup-node v6 is a node24 action and the tests run on Node.js 20, as a node:20 image would: CROSSCHECK_NODE.
  const actionEnv = () => ({
    ...refused,
    CROSSCHECK_NODE: NODE24,
    RUNNER_TOOL_CACHE: toolCache,
    CROSSCHECK_ACTIONS_URL: host.fileUrl,
    CROSSCHECK_ACTIONS_CACHE: actionsCache,
  });

  for (const kind of ['push', 'pull-request'] as const) {
    it(`runs GitHub's starter Node.js CI job (checkout, setup-node from the tool cache, npm ci, npm test) in a ${kind} clone`, async () => {
      const clone = pipelinesClone([join(FIXTURES, 'starter-node-ci')], kind);
      const result = await runCrosscheck(
        [
          'workflow',
          'run',
          '.github/workflows/node.js.yml',
          '--job',
          'build',
          '--matrix',
          'node-version=14.x',
        ],
        { cwd: clone.directory, env: { ...clone.env, ...actionEnv() } },
      );
      assert.equal(result.code, 0, result.stderr + result.stdout);
      const merged = kind === 'pull-request' ? ' merged with its destination' : '';
      assert.match(
        result.stderr,
        new RegExp(
          `the clone already is acme/web-app at ${clone.commit.slice(0, 12)}${merged}; nothing to fetch`,
        ),
      );
      // The real setup-node found 14.x in the tool cache (no download: every download host is refused) and its PATH
      // entry reached the later steps: npm test ran on the tool cache's Node.js.
      assert.match(
        result.stdout + result.stderr,
        new RegExp(`Found in cache @ ${join(toolCache, 'node', '14.21.3', process.arch)}\\n`),
      );
      assert.doesNotMatch(result.stdout + result.stderr, /Attempting to download/);
      assert.match(
        result.stdout,
        new RegExp(`tests pass on node v\\d+.*tool cache on PATH ${join(toolCache, 'node', '14.21.3')}`),
      );
      assert.match(result.stdout, /build \(node-version=14\.x\): success \(exit 0\)/);
      assert.match(result.stderr, /note: runs-on:/);
      // The step's job directory stays for `action post` (posts ran at the end: nothing queued).
      assert.equal(existsSync(join(clone.directory, '.git', 'crosscheck')), true);
    });
  }

  it('skips the starter Node.js CI job in a pull request into another branch than its on.pull_request.branches', async () => {
    const clone = pipelinesClone([join(FIXTURES, 'starter-node-ci')], 'pull-request');
    const result = await runCrosscheck(
      ['workflow', 'run', '.github/workflows/node.js.yml', '--job', 'build', '--matrix', 'node-version=14.x'],
      {
        cwd: clone.directory,
        env: { ...clone.env, ...actionEnv(), BITBUCKET_PR_DESTINATION_BRANCH: 'develop' },
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /skipped: the pull request's destination develop is not in on\.pull_request\.branches \(main\)/,
    );
    assert.doesNotMatch(result.stdout, /tests pass/);
  });

  it("runs sindresorhus/is-plain-obj's CI job and refuses a matrix combination that does not exist, listing those that do", async () => {
    const clone = pipelinesClone([join(FIXTURES, 'is-plain-obj')], 'push');
    const wrong = await runCrosscheck(
      ['workflow', 'run', '.github/workflows/main.yml', '--job', 'test', '--matrix', 'node-version=16'],
      {
        cwd: clone.directory,
        env: { ...clone.env, ...actionEnv() },
      },
    );
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--matrix node-version=22\n\s+--matrix node-version=18/);
    const listed = await runCrosscheck(
      ['workflow', 'matrix', '.github/workflows/main.yml', '--job', 'test'],
      { cwd: clone.directory },
    );
    assert.equal(listed.stdout, '--matrix node-version=22\n--matrix node-version=18\n');
    const result = await runCrosscheck(
      ['workflow', 'run', '.github/workflows/main.yml', '--job', 'test', '--matrix', 'node-version=18'],
      {
        cwd: clone.directory,
        env: { ...clone.env, ...actionEnv() },
      },
    );
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, new RegExp(`tool cache on PATH ${join(toolCache, 'node', '18.20.8')}`));
  });

  it("runs tj-actions/changed-files' own multi-job workflow in a PR clone: the job's outputs reach the job that needs them", async () => {
    // The workflow runs the action at the repository's root (`uses: ./`): the project is the action, as upstream.
    const clone = pipelinesClone(
      [join(FIXTURES, 'changed-files-multi-job'), join(CORPUS, 'tj-actions', 'changed-files')],
      'pull-request',
    );
    const outputs = join(clone.directory, '..', 'changed-files.env');
    const env = { ...clone.env, ...actionEnv() };
    const first = await runCrosscheck(
      [
        'workflow',
        'run',
        '.github/workflows/multi-job-example.yml',
        '--job',
        'changed-files',
        '--outputs-file',
        outputs,
      ],
      { cwd: clone.directory, env },
    );
    assert.equal(first.code, 0, first.stderr + first.stdout);
    assert.match(readFileSync(outputs, 'utf8'), /^export OUTPUT_ALL_CHANGED_FILES='login\.js'$/m);
    const second = await runCrosscheck(
      [
        'workflow',
        'run',
        '.github/workflows/multi-job-example.yml',
        '--job',
        'view-changed-files',
        '--needs',
        outputs,
      ],
      { cwd: clone.directory, env },
    );
    assert.equal(second.code, 0, second.stderr + second.stdout);
    assert.match(second.stdout, /^login\.js$/m);
    assert.match(second.stdout, /view-changed-files: success \(exit 0\)/);
  });

  it("passes a job's outputs to the job that needs them through --outputs-file and --needs; secrets masked, vars and inputs", async () => {
    const clone = pipelinesClone([join(FIXTURES, 'release-outputs')], 'push');
    const outputs = join(clone.directory, '..', 'version.env');
    const env = { ...clone.env, ...actionEnv() };
    const version = await runCrosscheck(
      [
        'workflow',
        'run',
        '.github/workflows/release.yml',
        '--job',
        'version',
        '--input',
        'channel=beta',
        '--outputs-file',
        outputs,
      ],
      { cwd: clone.directory, env },
    );
    assert.equal(version.code, 0, version.stderr + version.stdout);
    const written = readFileSync(outputs, 'utf8');
    assert.match(written, new RegExp(`^export OUTPUT_VERSION='1\\.2\\.3-${clone.commit.slice(0, 7)}'$`, 'm'));
    assert.match(written, /^export OUTPUT_CHANNEL='beta'$/m);
    // inputs.dry-run is a boolean (its default true): no tag; given false, the tag step runs.
    assert.doesNotMatch(version.stdout, /tagging v/);
    const real = await runCrosscheck(
      ['workflow', 'run', '.github/workflows/release.yml', '--job', 'version', '--input', 'dry-run=false'],
      { cwd: clone.directory, env },
    );
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /tagging v1\.2\.3-/);
    assert.match(version.stderr, /note: permissions:/);

    const missing = await runCrosscheck(
      ['workflow', 'run', '.github/workflows/release.yml', '--job', 'publish'],
      { cwd: clone.directory, env },
    );
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /needs 'version': pass --needs FILE/);

    const token = 'pub-token-0123456789';
    const publish = await runCrosscheck(
      [
        'workflow',
        'run',
        '.github/workflows/release.yml',
        '--job',
        'publish',
        '--needs',
        outputs,
        '--secret',
        'PUBLISH_TOKEN',
        '--var',
        'REGISTRY=npm.example.com',
      ],
      { cwd: clone.directory, env: { ...env, PUBLISH_TOKEN: token } },
    );
    assert.equal(publish.code, 0, publish.stderr + publish.stdout);
    assert.match(
      publish.stdout,
      new RegExp(`publishing web-app 1\\.2\\.3-${clone.commit.slice(0, 7)} on beta to npm\\.example\\.com`),
    );
    assert.match(publish.stdout, /token is \*\*\*/);
    assert.doesNotMatch(publish.stdout + publish.stderr, new RegExp(token));
    assert.match(publish.stderr, /note: environment:/);
  });

  it('gives env at workflow, job and step level, defaults.run, GITHUB_ENV between steps, status functions and continue-on-error', async () => {
    const workspace = workspaceWith(`
name: semantics
on: push
env: { LEVEL: workflow, WF: w }
defaults:
  run:
    shell: bash
jobs:
  check:
    runs-on: ubuntu-latest
    env: { LEVEL: job, JOB: j }
    outputs:
      answer: \${{ steps.first.outputs.answer }}
      leak: \${{ steps.first.outputs.masked }}
    defaults:
      run:
        working-directory: sub
    steps:
      - run: mkdir -p sub
        working-directory: .
      - id: first
        run: |
          echo "levels $WF $JOB $LEVEL $STEP cwd=$(basename "$PWD")"
          echo "FROM_ENV=exported" >> "$GITHUB_ENV"
          echo "answer=42" >> "$GITHUB_OUTPUT"
          echo "::add-mask::hush-value-123"
          echo "masked=hush-value-123" >> "$GITHUB_OUTPUT"
        env: { LEVEL: step, STEP: s }
      - run: echo "later $LEVEL $FROM_ENV \${{ env.FROM_ENV }} \${{ steps.first.outputs.answer }} \${{ github.event_name }} \${{ github.job }}"
      - id: broken
        run: exit 3
        continue-on-error: true
      - run: echo "after allowed failure \${{ steps.broken.outcome }}/\${{ steps.broken.conclusion }} \${{ job.status }}"
      - run: exit 4
      - run: echo must-not-run
      - if: failure()
        run: echo "on failure"
      - if: always()
        run: echo "always \${{ job.status }}"
      - if: \${{ success() }}
        run: echo success-only
`);
    const result = await runCrosscheck(['workflow', 'run', WORKFLOW, '--job', 'check', '--json'], {
      cwd: workspace,
    });
    assert.equal(result.code, 1, result.stderr);
    const log = result.stderr;
    assert.match(log, /levels w j step s cwd=sub/);
    assert.match(log, /later job exported exported 42 push check/);
    assert.match(log, /after allowed failure failure\/success success/);
    assert.doesNotMatch(log, /^(must-not-run|success-only)$/m);
    assert.match(log, /on failure/);
    assert.match(log, /always failure/);
    const json = JSON.parse(result.stdout) as {
      result: string;
      outputs: Record<string, string>;
      steps: Array<{ outcome: string; conclusion: string }>;
    };
    // A job output holding a value masked during the job is withheld, as GitHub does.
    assert.deepEqual(json.outputs, { answer: '42' });
    assert.match(log, /Skip output 'leak' since it may contain secret/);
    assert.doesNotMatch(result.stdout + log, /hush-value-123/);
    assert.equal(json.result, 'failure');
    assert.deepEqual(
      json.steps.map((step) => step.conclusion),
      [
        'success',
        'success',
        'success',
        'success',
        'success',
        'failure',
        'skipped',
        'success',
        'success',
        'skipped',
      ],
    );
  });

  it('stops a step at its timeout-minutes and fails it; a job whose if: is false is skipped; a job allowed to fail passes', async () => {
    const workspace = workspaceWith(`
on: push
jobs:
  slow:
    runs-on: ubuntu-latest
    steps:
      - run: setTimeout(() => {}, 30000)
        shell: node {0}
        timeout-minutes: 0.02
      - if: always()
        run: echo "after the timeout"
  allowed:
    runs-on: ubuntu-latest
    continue-on-error: true
    steps:
      - run: exit 5
  never:
    if: github.event_name == 'schedule'
    runs-on: ubuntu-latest
    steps:
      - run: echo must-not-run
`);
    const started = Date.now();
    const slow = await runCrosscheck(['workflow', 'run', WORKFLOW, '--job', 'slow'], { cwd: workspace });
    assert.equal(slow.code, 1);
    assert.ok(Date.now() - started < 25_000, 'the step was stopped well before its sleep ended');
    assert.match(slow.stderr, /ran longer than its timeout-minutes \(0\.02\)/);
    assert.match(slow.stdout, /after the timeout/);
    const outputs = join(workspace, 'never.env');
    const never = await runCrosscheck(
      ['workflow', 'run', WORKFLOW, '--job', 'never', '--outputs-file', outputs],
      { cwd: workspace },
    );
    assert.equal(never.code, 0, never.stderr);
    assert.match(never.stderr, /skipped: if github\.event_name == 'schedule' is false/);
    assert.match(readFileSync(outputs, 'utf8'), /"result":"skipped"/);
    const allowed = await runCrosscheck(['workflow', 'run', WORKFLOW, '--job', 'allowed'], {
      cwd: workspace,
    });
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stderr, /Job 'allowed' failed; continue-on-error is set, so the step passes/);
    assert.match(allowed.stdout, /allowed: failure \(exit 0\)/);
  });

  it('refuses before anything runs: schema errors with file:line:col, unknown contexts, container:, services:, Docker actions', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        `on: push\njobs:\n  a:\n    runs-on: x\n    stepz:\n      - run: touch ran\n`,
        /ci\.yml:5:5: Unexpected value 'stepz'/,
      ],
      [
        `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: touch ran\n      - run: echo \${{ foo.bar }}\n`,
        /ci\.yml:7:14: Unrecognized named-value: 'foo'/,
      ],
      [
        `on: push\njobs:\n  a:\n    runs-on: x\n    container: node:20\n    steps:\n      - run: touch ran\n`,
        /container: a Bitbucket step already is a container\. Put the image in the step's image:/,
      ],
      [
        `on: push\njobs:\n  a:\n    runs-on: x\n    services:\n      db:\n        image: postgres\n    steps:\n      - run: touch ran\n`,
        /services: service containers are Bitbucket's services:/,
      ],
      [
        `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: touch ran\n      - uses: docker://alpine:3\n`,
        /docker:\/\/alpine:3 is a Docker image\. Run it as the image: of a Bitbucket step/,
      ],
      [
        `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: touch ran\n      - uses: actions/checkout@v4\n        with:\n          repository: other/repo\n`,
        /repository 'other\/repo' is not the repository this clone is/,
      ],
    ];
    for (const [workflow, expected] of cases) {
      const workspace = workspaceWith(workflow);
      const result = await runCrosscheck(['workflow', 'run', WORKFLOW, '--job', 'a'], { cwd: workspace });
      assert.equal(result.code, 2, `${workflow}\n${result.stderr}`);
      assert.match(result.stderr, expected);
      assert.equal(existsSync(join(workspace, 'ran')), false, 'nothing ran');
    }
  });

  it('refuses a Docker container action by name, naming the step image', async () => {
    const workspace = workspaceWith(
      `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: touch ran\n      - uses: ./docker-action\n`,
    );
    mkdirSync(join(workspace, 'docker-action'));
    writeFileSync(
      join(workspace, 'docker-action', 'action.yml'),
      'name: d\nruns:\n  using: docker\n  image: Dockerfile\n',
    );
    const result = await runCrosscheck(['workflow', 'run', WORKFLOW, '--job', 'a'], { cwd: workspace });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /Docker container actions are not supported.*image:/s);
    assert.equal(existsSync(join(workspace, 'ran')), false);
  });

  describe('with --key', () => {
    const suite = useSandbox();
    let sandbox: Sandbox;
    before(() => (sandbox = suite.sandbox));

    it('posts one status for the whole job (INPROGRESS, then the result) and a Code Insights report', async () => {
      const clone = pipelinesClone([join(FIXTURES, 'starter-node-ci')], 'push');
      const before = sandbox.requests.length;
      const result = await runCrosscheck(
        [
          'workflow',
          'run',
          '.github/workflows/node.js.yml',
          '--job',
          'build',
          '--matrix',
          'node-version=16.x',
          '--key',
          'node-ci',
          '--repo',
          seed.webApp.fullName,
          '--commit',
          seed.webApp.pullRequest.sourceCommit,
          '--url',
          'https://ci.example.com/1',
        ],
        { cwd: clone.directory, env: { ...clone.env, ...actionEnv(), ...apiTokenEnvironment(sandbox) } },
      );
      assert.equal(result.code, 0, result.stderr);
      const sent = sandbox.requests.slice(before).filter((request) => isBitbucketApiRequest(request.path));
      const states = sent
        .filter((request) => request.path.endsWith('/statuses/build'))
        .map((request) => (request.body as { state: string }).state);
      assert.deepEqual(states, ['INPROGRESS', 'SUCCESSFUL']);
      assert.ok(
        sent.some((request) => request.method === 'PUT' && request.path.endsWith('/reports/node-ci')),
      );
    });
  });
});
