// The drawn bitbucket-pipelines.yml of each vendored workflow, pushed to the sandbox's git host and run end to end by its pipeline runner: push, pull request, custom.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox } from '../../src/sandbox';
import type { VariableSetting } from '../../src/sandbox/pipeline-runner';
import { CLI_PATH, REPO_ROOT, runCrosscheck } from '../support/cli';
import { GitFixtureHost } from '../support/git-server';
import { sandboxGit } from '../support/sandbox-git';
import { useSandbox } from '../support/sandbox-suite';
import { call, demoAuth, waitFor } from '../sandbox/http-client';
import { NODE24 } from '../actions/recording-log';
import { downloadsRefused, prefilledToolCache } from '../support/tool-cache';
import { writeNodeProject } from './bitbucket-clone';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'workflows');
/** The real actions/setup-node (v6.5.0, vendored in the conformance corpus), served under the tags the workflows name. */
const SETUP_NODE = join(REPO_ROOT, 'test', 'fixtures', 'conformance', 'actions', 'setup-node');
const CHANGED_FILES = join(REPO_ROOT, 'test', 'fixtures', 'conformance', 'tj-actions', 'changed-files');
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

interface StepSeen {
  name: string;
  result: string;
  log: string;
}
/** The parts of the pipelines API's JSON these tests read. */
interface PipelineJson {
  uuid: string;
  state: { name: string; result?: { name: string } };
  target: Record<string, unknown>;
  trigger: { name: string };
}
interface StepJson {
  uuid: string;
  name: string;
  state: { result?: { name: string } };
}
interface RunSeen {
  uuid: string;
  result: string;
  target: Record<string, unknown>;
  trigger: string;
  steps: StepSeen[];
}

describe('drawn bitbucket-pipelines.yml, pushed to the sandbox and run by its pipeline runner', function () {
  this.timeout(120_000);
  const fixtureActions = new GitFixtureHost();
  const toolCache = prefilledToolCache(['12.22.12', '14.21.3', '16.20.2', '18.20.8', '22.14.0']);
  const work = mkdtempSync(join(tmpdir(), 'crosscheck-pushed-'));
  // What every step of these repositories gets as repository variables: where setup-node and its tool cache are, the
  // Node.js 24 its node24 runtime runs on (the tests run on Node.js 20, as a node:20 image would), and proxies that
  // refuse every download. Each step caches the actions it fetches in its own home, as a Bitbucket step's container.
  const shared: VariableSetting[] = [
    { key: 'RUNNER_TOOL_CACHE', value: toolCache },
    { key: 'CROSSCHECK_ACTIONS_URL', value: fixtureActions.fileUrl },
    { key: 'CROSSCHECK_NODE', value: NODE24 },
  ];
  // Registered before the sandbox's own hook, so the variables are complete when it starts.
  before(async () => {
    fixtureActions.commit('actions', 'setup-node', [SETUP_NODE]);
    fixtureActions.tag('actions', 'setup-node', 'v2');
    fixtureActions.tag('actions', 'setup-node', 'v4');
    for (const [key, value] of Object.entries(await downloadsRefused())) shared.push({ key, value });
  });
  const releaseVariables: VariableSetting[] = [
    { key: 'PUBLISH_TOKEN', value: 'secured-publish-token', secured: true },
    { key: 'REGISTRY', value: 'npm.example.com' },
  ];
  before(() => releaseVariables.push(...shared));
  const suite = useSandbox({
    repositoryPipelines: {
      // The image has Crosscheck at the pinned version: this build, so each step's install line finds it and skips npm.
      crosscheck: [process.execPath, CLI_PATH],
      stepTimeoutMs: 100_000,
      repositoryVariables: {
        'acme/starter-node-ci': shared,
        'acme/is-plain-obj': shared,
        'acme/release-outputs': releaseVariables,
        'acme/changed-files-multi-job': shared,
      },
    },
  });
  after(() => {
    fixtureActions.dispose();
    for (const dir of [toolCache, work]) rmSync(dir, { recursive: true, force: true });
  });

  const git = (sb: Sandbox, cwd: string, ...args: string[]) => sandboxGit(cwd, demoAuth(sb), ...args);

  /** A repository in the sandbox holding the fixture's workflow, a small Node project and the drawn pipelines file. */
  async function pushProject(
    sb: Sandbox,
    name: string,
    workflow: string,
    extra: string[] = [],
  ): Promise<string> {
    sb.addRepository(`acme/${name}`);
    const tree = join(work, name);
    for (const source of [join(FIXTURES, name), ...extra]) cpSync(source, tree, { recursive: true });
    writeNodeProject(tree);
    const drawn = await runCrosscheck(['workflow', 'pipelines', `.github/workflows/${workflow}`], {
      cwd: tree,
    });
    assert.equal(drawn.code, 0, drawn.stderr);
    assert.match(
      drawn.stdout,
      new RegExp(`npm install --global --offline tools/crosscheck-${VERSION}\\.tgz`),
    );
    writeFileSync(join(tree, 'bitbucket-pipelines.yml'), drawn.stdout);
    await git(sb, tree, 'init', '--quiet', '--initial-branch=main');
    await git(sb, tree, 'add', '--all');
    await git(sb, tree, 'commit', '--quiet', '-m', `${name} with its drawn pipelines`);
    await git(sb, tree, 'remote', 'add', 'origin', `${sb.gitUrl}/acme/${name}.git`);
    await git(sb, tree, 'push', '--quiet', 'origin', 'main');
    return tree;
  }

  /** A feature branch from main, then main moves on (so the pull request's clone has something to merge). */
  async function branchAndMoveMain(sb: Sandbox, tree: string): Promise<void> {
    await git(sb, tree, 'checkout', '--quiet', '-b', 'feature/login');
    writeFileSync(
      join(tree, 'test.js'),
      "console.log(`tests pass on node ${process.version}; destination merged: ${require('fs').existsSync('CHANGES.md')}`);\n",
    );
    await git(sb, tree, 'commit', '--quiet', '-am', 'login');
    await git(sb, tree, 'checkout', '--quiet', 'main');
    writeFileSync(join(tree, 'CHANGES.md'), 'main moved on\n');
    await git(sb, tree, 'add', '--all');
    await git(sb, tree, 'commit', '--quiet', '-m', 'changes');
    await git(sb, tree, 'push', '--quiet', 'origin', 'main', 'feature/login');
  }

  /** The runs of a repository once `count` of them completed, read back through the pipelines API (steps, logs). */
  async function completedRuns(sb: Sandbox, repo: string, count: number): Promise<RunSeen[]> {
    const base = `/2.0/repositories/${repo}/pipelines`;
    const auth = demoAuth(sb);
    const listed = await waitFor(async () => {
      const page = (await call(sb, 'GET', `${base}/?pagelen=50`, { auth })).json as {
        values?: PipelineJson[];
      };
      const values = page.values ?? [];
      return values.length >= count && values.every((value) => value.state.name === 'COMPLETED')
        ? values
        : undefined;
    }, 110_000);
    const runs: RunSeen[] = [];
    for (const value of listed) {
      const uuid = encodeURIComponent(value.uuid);
      const steps = (await call(sb, 'GET', `${base}/${uuid}/steps/`, { auth })).json as {
        values: StepJson[];
      };
      const seen: StepSeen[] = [];
      for (const step of steps.values) {
        const log = await call(sb, 'GET', `${base}/${uuid}/steps/${encodeURIComponent(step.uuid)}/log`, {
          auth,
        });
        seen.push({ name: step.name, result: step.state.result?.name ?? '', log: log.text });
      }
      runs.push({
        uuid: value.uuid,
        result: value.state.result?.name ?? '',
        target: value.target,
        trigger: value.trigger.name,
        steps: seen,
      });
    }
    return runs;
  }

  const describeSteps = (found: RunSeen): string =>
    found.steps.map((step) => `--- ${step.name}: ${step.result}\n${step.log}`).join('\n');

  it("GitHub's starter Node.js CI: a push to main runs the matrix as parallel steps; a pull request runs them in a merged clone", async () => {
    const sb = suite.sandbox;
    const repo = 'acme/starter-node-ci';
    const tree = await pushProject(sb, 'starter-node-ci', 'node.js.yml');
    const [push] = await completedRuns(sb, repo, 1);
    assert.equal(push!.result, 'SUCCESSFUL', describeSteps(push!));
    assert.equal(push!.trigger, 'PUSH');
    assert.deepEqual(push!.target.selector, { type: 'branches', pattern: 'main' });
    assert.deepEqual(
      push!.steps.map((step) => [step.name, step.result]),
      ['12.x', '14.x', '16.x'].map((v) => [`build (node-version=${v})`, 'SUCCESSFUL']),
    );
    for (const [index, version] of ['12.22.12', '14.21.3', '16.20.2'].entries()) {
      assert.match(
        push!.steps[index]!.log,
        new RegExp(`tool cache on PATH \\S*/node/${version.replace(/\./g, '\\.')}/`),
      );
      assert.match(
        push!.steps[index]!.log,
        /actions\/checkout: the clone already is acme\/starter-node-ci at [0-9a-f]{12}; nothing to fetch/,
      );
    }

    // feature/login matches no branches: pattern and there is no default: the push alone runs nothing; the pull
    // request runs pull-requests: '**'.
    await branchAndMoveMain(sb, tree);
    const id = sb.openPullRequest(repo, { source: 'feature/login', destination: 'main' });
    const runs = await completedRuns(sb, repo, 3);
    const pr = runs.find((found) => found.target.type === 'pipeline_pullrequest_target');
    assert.ok(pr, JSON.stringify(runs.map((found) => found.target)));
    assert.equal(runs.filter((found) => found.target.ref_name === 'feature/login').length, 0);
    assert.equal(pr.result, 'SUCCESSFUL', describeSteps(pr));
    assert.equal((pr.target.pullrequest as { id: number }).id, id);
    assert.equal(pr.target.destination, 'main');
    assert.deepEqual(pr.target.selector, { type: 'pull-requests', pattern: '**' });
    assert.equal(pr.steps.length, 3);
    for (const step of pr.steps) {
      assert.equal(step.result, 'SUCCESSFUL');
      assert.match(step.log, /\+ git merge [0-9a-f]{12}/);
      assert.match(step.log, /tests pass on node v[\d.]+; destination merged: true/);
      assert.match(
        step.log,
        /the clone already is acme\/starter-node-ci at [0-9a-f]{12} merged with its destination; nothing to fetch/,
      );
    }
  });

  it('is-plain-obj: push and pull request (both unfiltered) run the Node.js 22 and 18 steps side by side', async () => {
    const sb = suite.sandbox;
    const repo = 'acme/is-plain-obj';
    const tree = await pushProject(sb, 'is-plain-obj', 'main.yml');
    const [push] = await completedRuns(sb, repo, 1);
    assert.equal(push!.result, 'SUCCESSFUL', describeSteps(push!));
    assert.deepEqual(push!.target.selector, { type: 'default' });
    assert.deepEqual(
      push!.steps.map((step) => step.name),
      ['Node.js 22 (node-version=22)', 'Node.js 18 (node-version=18)'],
    );
    assert.match(push!.steps[0]!.log, /tool cache on PATH \S*\/node\/22\.14\.0\//);
    assert.match(push!.steps[1]!.log, /tool cache on PATH \S*\/node\/18\.20\.8\//);

    await branchAndMoveMain(sb, tree);
    sb.openPullRequest(repo, { source: 'feature/login', destination: 'main' });
    // main's push, feature/login's push (default: every branch) and the pull request.
    const runs = await completedRuns(sb, repo, 4);
    const pr = runs.find((found) => found.target.type === 'pipeline_pullrequest_target');
    assert.ok(pr);
    assert.equal(pr.result, 'SUCCESSFUL', describeSteps(pr));
    for (const step of pr.steps) assert.match(step.log, /destination merged: true/);
    const feature = runs.find((found) => found.target.ref_name === 'feature/login');
    assert.equal(feature?.result, 'SUCCESSFUL', feature && describeSteps(feature));
    assert.match(feature.steps[0]!.log, /destination merged: false/);
  });

  it('release-outputs: the version step hands its outputs to publish as an artifact; the custom pipeline takes its inputs as variables', async () => {
    const sb = suite.sandbox;
    const repo = 'acme/release-outputs';
    await pushProject(sb, 'release-outputs', 'release.yml');
    const [push] = await completedRuns(sb, repo, 1);
    assert.equal(push!.result, 'SUCCESSFUL', describeSteps(push!));
    assert.deepEqual(
      push!.steps.map((step) => step.name),
      ['version', 'publish'],
    );
    assert.match(
      push!.steps[0]!.log,
      /Artifact "artifacts of step [^"]+": 1 file\(s\) matching \.crosscheck\/outputs\/version\.env/,
    );
    assert.match(
      push!.steps[1]!.log,
      /publishing web-app 1\.2\.3-[0-9a-f]{7} on stable to npm\.example\.com/,
    );
    assert.match(push!.steps[1]!.log, /token is \*\*\*/);
    assert.doesNotMatch(push!.steps[1]!.log, /secured-publish-token/);

    const triggered = await call(sb, 'POST', `/2.0/repositories/${repo}/pipelines/`, {
      auth: demoAuth(sb),
      body: {
        target: {
          type: 'pipeline_ref_target',
          ref_type: 'branch',
          ref_name: 'main',
          selector: { type: 'custom', pattern: 'release' },
        },
        variables: [{ key: 'WORKFLOW_INPUT_CHANNEL', value: 'beta' }],
      },
    });
    assert.equal(triggered.status, 201, triggered.text);
    const uuid = (triggered.json as { uuid: string }).uuid;
    const custom = (await completedRuns(sb, repo, 2)).find((found) => found.uuid === uuid);
    assert.equal(custom?.result, 'SUCCESSFUL', custom && describeSteps(custom));
    assert.equal(custom.trigger, 'MANUAL');
    assert.match(custom.steps[1]!.log, /publishing web-app 1\.2\.3-[0-9a-f]{7} on beta to npm\.example\.com/);
    // dry-run defaults to true: the tag step is skipped.
    assert.match(custom.steps[0]!.log, /Tag the release — skipped/);
  });

  it("tj-actions/changed-files' multi-job workflow: changed-files hands all_changed_files to the job that needs it; the REST API job fails on a push, as on GitHub, and continues", async () => {
    const sb = suite.sandbox;
    const repo = 'acme/changed-files-multi-job';
    // The workflow runs the action at the repository's root (`uses: ./`), as in its own repository.
    const tree = await pushProject(sb, 'changed-files-multi-job', 'multi-job-example.yml', [CHANGED_FILES]);
    await completedRuns(sb, repo, 1);
    writeFileSync(join(tree, 'feature.js'), 'module.exports = {};\n');
    await git(sb, tree, 'add', '--all');
    await git(sb, tree, 'commit', '--quiet', '-m', 'feature');
    await git(sb, tree, 'push', '--quiet', 'origin', 'main');
    const runs = await completedRuns(sb, repo, 2);
    const push = runs.find((found) => found.steps.some((step) => /feature\.js/.test(step.log)));
    assert.ok(push, runs.map(describeSteps).join('\n'));
    assert.equal(push.result, 'SUCCESSFUL', describeSteps(push));
    const step = (name: string) => push.steps.find((found) => found.name === name);
    assert.deepEqual(push.steps.map((found) => found.name).sort(), [
      'Get changed files',
      'Get changed files using REST API',
      'View all changed files',
      'View all changed files using REST API',
    ]);
    // A push in Pipelines gives no `before`: the last commit's files, handed on through the outputs artifact.
    assert.match(step('View all changed files')!.log, /^feature\.js$/m);
    assert.match(step('View all changed files')!.log, /view-changed-files: success/);
    // Its REST API mode takes pull requests only: on a push it fails, as on GitHub, and continue-on-error holds.
    const rest = step('Get changed files using REST API')!.log;
    assert.match(rest, /error: Only pull_request\* events are supported when using GitHub's REST API\./);
    assert.match(rest, /failed; continue-on-error is set/);
    assert.match(rest, /changed-files-rest-api: success/);
  });
});
