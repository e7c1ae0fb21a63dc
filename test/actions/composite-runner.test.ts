// Composite actions and `${{ }}` end to end: a remote composite calling a remote JavaScript action, over real git.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ActionDefinitionError } from '../../src/runner/action-engine/action-definition';
import { runAction, runQueuedPosts, type ActionRunOptions } from '../../src/runner/action-engine';
import { locateJob } from '../../src/runner/action-engine/job-state';
import { RemoteActions } from '../../src/runner/action-engine/remote-actions';
import { GitFixtureHost } from '../support/git-server';
import { FIXTURES, RecordingLog, minimalEnv } from './recording-log';

const REMOTE = path.join(FIXTURES, 'remote');

describe('composite actions and expressions', () => {
  let host: GitFixtureHost;
  let scratch: string;
  let postLog: string;

  before(() => {
    host = new GitFixtureHost();
    const version = mkdtempSync(path.join(tmpdir(), 'crosscheck-version-'));
    writeFileSync(path.join(version, 'version.txt'), 'v1\n');
    host.commit('acme', 'greeter', [path.join(REMOTE, 'greeter'), version]);
    host.tag('acme', 'greeter', 'v1');
    host.commit('acme', 'gate', [path.join(REMOTE, 'gate')]);
    host.tag('acme', 'gate', 'v1');
    rmSync(version, { recursive: true, force: true });
  });
  after(() => host.dispose());
  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'crosscheck-composite-'));
    postLog = path.join(scratch, 'post.log');
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  function run(actionPath: string, options: Partial<ActionRunOptions> = {}) {
    const log = new RecordingLog();
    const done = runAction({
      actionPath,
      remoteActions: new RemoteActions({
        actionsUrl: host.fileUrl,
        cacheDirectory: path.join(scratch, 'cache'),
        env: minimalEnv({ HOME: scratch }),
        progress: () => undefined,
      }),
      inputs: {},
      env: minimalEnv({ GREETER_POST_LOG: postLog, GITHUB_WORKSPACE: scratch }),
      cwd: scratch,
      log,
      ...options,
    });
    return done.then((result) => ({ result, log }));
  }

  it('runs a remote composite that calls a remote JavaScript action, maps outputs, and runs its post last', async () => {
    const { result, log } = await run('acme/gate@v1', { inputs: { project: 'web' } });
    assert.equal(result.result, 'success', log.text());
    assert.equal(result.exitCode, 0);
    assert.equal(result.action.using, 'composite');
    assert.deepEqual(result.outputs, {
      greeting: 'hello web from v1',
      verdict: 'pass',
      tolerated: 'failure/success',
    });
    const lines = log.lines();
    for (const expected of [
      'hello web from v1',
      'greeting: hello web from v1',
      'in action dir: yes',
      'pipefail: on',
      'always ran, job status success, env web/web',
    ]) {
      assert.ok(lines.includes(expected), `${expected}\n${lines.join('\n')}`);
    }
    assert.ok(!lines.some((line) => line.includes('failure handler')));
    const phases = result.phases.map((phase) => `${phase.phase}:${phase.script}:${phase.status}`);
    assert.deepEqual(phases, [
      'main:main.js:success',
      'main:Tolerated failure:failure',
      'main:Check web:success',
      'main:Run echo "verdict=pass" >> "$GITHUB_OUTPUT":success',
      "main:Run require('fs').appendFileSync(process.env.GITHUB_OUTPUT, 'verdict=fail\\n');:skipped",
      'main:Run echo "always ran, job status ${{ job.status }}, env $GATE_PROJECT/${{ env.GATE_PROJECT }}":success',
      'post:post.js:success',
    ]);
    assert.equal(readFileSync(postLog, 'utf8'), 'post greeted=web\n');
    assert.ok(
      log.annotations.some(
        (annotation) =>
          annotation.level === 'warning' &&
          /failed with exit code 3 \(runs\.steps\[\d\], id flaky\); continue-on-error/.test(
            annotation.message,
          ),
      ),
    );
  });

  it('fails with the failing step named and its exit code, runs failure() and always() steps, and still maps outputs', async () => {
    const { result, log } = await run('acme/gate@v1', { inputs: { project: 'api', 'fail-with': '7' } });
    assert.equal(result.result, 'failure');
    assert.equal(result.exitCode, 7);
    assert.equal(result.outputs.verdict, 'fail');
    assert.ok(log.lines().includes('failure handler ran for api'));
    assert.ok(log.lines().includes('always ran, job status failure, env api/api'));
    const verdict = result.phases.find((phase) => phase.script.startsWith('Run echo "verdict=pass"'));
    assert.equal(verdict?.status, 'skipped');
    assert.ok(
      log.annotations.some(
        (annotation) =>
          annotation.level === 'error' &&
          /Quality gate: step 'Check api' failed with exit code 7 \(runs\.steps\[2\], id check\)/.test(
            annotation.message,
          ),
      ),
      JSON.stringify(log.annotations),
    );
    // post-if: ${{ !cancelled() }} still runs the nested action's post after a failure.
    assert.equal(readFileSync(postLog, 'utf8'), 'post greeted=api\n');
  });

  it("queues the nested action's post in the job, for `action post` (with its ${{ }} post-if)", async () => {
    const job = await locateJob({ CROSSCHECK_JOB_DIR: path.join(scratch, 'job') }, scratch);
    assert.ok(job);
    const { result } = await run('acme/gate@v1', { inputs: { project: 'queued' }, job });
    assert.equal(result.result, 'success');
    const queued = result.phases.find((phase) => phase.phase === 'post');
    assert.equal(queued?.status, 'queued');
    assert.equal(queued?.action, 'Greeter');
    assert.throws(() => readFileSync(postLog, 'utf8'), /ENOENT/, 'the post has not run yet');
    const posts = await runQueuedPosts({
      env: minimalEnv({ GREETER_POST_LOG: postLog, HOME: scratch }),
      cwd: scratch,
      log: new RecordingLog(),
      job,
      status: 'failure',
    });
    assert.equal(posts.exitCode, 0);
    assert.equal(
      readFileSync(postLog, 'utf8'),
      'post greeted=queued\n',
      '!cancelled() holds for a failed job',
    );
  });

  it('evaluates `${{ }}` input defaults of a JavaScript action: github.token, runner.debug, github.repository', async () => {
    const env = minimalEnv({ GITHUB_TOKEN: 'ghs_job_token', BITBUCKET_REPO_FULL_NAME: 'acme/web-app' });
    const { result } = await run('acme/greeter@v1', { env, debug: true, secrets: ['ghs_job_token'] });
    assert.equal(result.outputs['token-is-job-token'], 'true');
    assert.equal(result.outputs.debug, 'true');
    assert.equal(result.outputs.repository, 'acme/web-app');
    assert.equal(result.outputs['action-repository'], 'acme/greeter');
    const quiet = await run('acme/greeter@v1', { env: minimalEnv() });
    assert.equal(quiet.result.outputs.debug, 'false');
    assert.equal(quiet.result.outputs['token-is-job-token'], 'false');
  });

  describe('local composite actions', () => {
    function composite(folder: string, steps: string, extra = ''): string {
      const directory = path.join(scratch, folder);
      mkdirSync(directory, { recursive: true });
      writeFileSync(
        path.join(directory, 'action.yml'),
        `name: ${folder}\n${extra}runs:\n  using: composite\n  steps:\n${steps}`,
      );
      return directory;
    }

    it('resolves ./path against the workspace, passes step env down, and takes a string from an expression', async () => {
      composite(
        'inner',
        '    - shell: sh\n      run: echo "inner sees $FROM_OUTER and ${{ inputs.word }}"\n',
        "inputs:\n  word:\n    default: ${{ format('{0}-{1}', 'a', 'b') }}\n",
      );
      const outer = composite(
        'outer',
        "    - uses: ./inner\n      env:\n        FROM_OUTER: ${{ github.action_path != '' }}\n",
      );
      const { result, log } = await run(outer);
      assert.equal(result.result, 'success', log.text());
      assert.deepEqual(log.lines(), ['inner sees true and a-b']);
    });

    it('refuses, before running anything (exit 2), an expression it cannot evaluate, naming file, key and expression', async () => {
      const broken = composite(
        'broken',
        '    - shell: sh\n      run: echo one\n    - shell: sh\n      run: echo ${{ secrets.TOKEN }}\n',
      );
      const log = new RecordingLog();
      await assert.rejects(run(broken, { log }), (error: Error) => {
        assert.ok(error instanceof ActionDefinitionError);
        assert.match(
          error.message,
          /broken\/action\.yml: runs\.steps\[1\]\.run: cannot evaluate '\$\{\{ secrets\.TOKEN \}\}': Unrecognized named-value: 'secrets'/,
        );
        return true;
      });
      const unclosed = composite('unclosed', '    - shell: sh\n      run: echo ${{ inputs.x \n');
      await assert.rejects(run(unclosed), /runs\.steps\[0\]\.run: .*not closed/);
    });

    it("refuses nesting deeper than GitHub's 9 levels, docker:// steps and unknown shells", async () => {
      const loop = composite('loop', '    - uses: ./loop\n');
      await assert.rejects(run(loop), /composite action depth exceeded max depth 9/);
      const docker = composite('docker-step', '    - uses: docker://alpine:3\n');
      await assert.rejects(run(docker), /Docker image actions are not supported/);
      const shell = composite('odd-shell', '    - shell: fish\n      run: echo hi\n');
      await assert.rejects(run(shell), /shell 'fish' is not a shell GitHub knows/);
    });
  });
});
