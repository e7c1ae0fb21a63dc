// The sandbox playing bitbucket-pipelines.yml for real: variables by place, artifacts, failing lines, after-script, stop, and git over HTTP with Bitbucket's credentials.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seed, type PipelineRun, type Sandbox } from '../../src/sandbox';
import { REPO_ROOT } from '../support/cli';
import { useSandbox } from '../support/sandbox-suite';
import { call, demoAuth, waitFor } from './http-client';

const CENTRAL = seed.centralChecks.fullName;
const CROSSCHECK = [process.execPath, join(REPO_ROOT, 'dist', 'cli.js')];

const YML = `
image: node:24
pipelines:
  custom:
    places:
      - variables:
          - name: DECLARED
          - name: BITBUCKET_COMMIT
      - step:
          name: one
          script:
            - echo "WS=$WS_ONLY SHARED=$SHARED ENVV=\${ENV_ONLY:-unset} DECLARED=\${DECLARED:-unset} UNDECLARED=\${UNDECLARED:-unset}"
            - echo "COMMIT=$BITBUCKET_COMMIT CLONE=$BITBUCKET_CLONE_DIR HOME_IS_STEP=$([ "$HOME" != "${process.env.HOME}" ] && echo yes)"
            - echo "the secret is $SECURED_ONE"
            - mkdir -p out && echo from-one > out/one.txt && echo scoped > out/scoped.txt
          artifacts:
            upload:
              - name: shared-one
                paths: ['out/one.txt']
              - name: scoped-one
                type: scoped
                paths: ['out/scoped.txt']
      - step:
          name: two
          environment: staging
          clone:
            enabled: false
          script:
            - echo "SHARED=$SHARED ENVV=\${ENV_ONLY:-unset} ENV=$BITBUCKET_DEPLOYMENT_ENVIRONMENT"
            - echo "artifact=$(cat out/one.txt) scoped=$(cat out/scoped.txt 2>/dev/null || echo absent)"
            - ls bitbucket-pipelines.yml 2>/dev/null || echo no-clone
      - step:
          name: three
          artifacts:
            download: false
          script:
            - echo "artifact=$(cat out/one.txt 2>/dev/null || echo absent)"
    failing:
      - step:
          name: fails
          script:
            - echo before
            - "false"
            - echo after
          after-script:
            - echo "after-script sees BITBUCKET_EXIT_CODE=$BITBUCKET_EXIT_CODE"
      - step:
          name: never
          script:
            - echo never
    escapes:
      - step:
          name: leaves a process behind
          script:
            - setsid sh -c 'echo $$ > "$ESCAPED_PID_FILE"; exec sleep 60' > /dev/null 2>&1 &
            - while [ ! -s "$ESCAPED_PID_FILE" ]; do sleep 0.1; done
    long:
      - step:
          name: sleeps
          script:
            - echo $$ > "$PID_FILE"
            - sleep 60
`;

function trigger(sb: Sandbox, pattern: string, variables: Array<{ key: string; value: string }> = []) {
  return call(sb, 'POST', `/2.0/repositories/${CENTRAL}/pipelines/`, {
    auth: demoAuth(sb),
    body: {
      target: {
        type: 'pipeline_ref_target',
        ref_type: 'branch',
        ref_name: 'main',
        selector: { type: 'custom', pattern },
      },
      variables,
    },
  });
}

async function completed(sb: Sandbox, uuid: string, timeoutMs = 60_000): Promise<PipelineRun> {
  return waitFor(() => {
    const run = sb.pipelines(CENTRAL).find((candidate) => candidate.uuid === uuid);
    return run?.state === 'COMPLETED' ? run : undefined;
  }, timeoutMs);
}

describe('sandbox pipeline runner (a bitbucket-pipelines.yml played on this host)', function () {
  this.timeout(90_000);
  const pids = mkdtempSync(join(tmpdir(), 'crosscheck-runner-test-'));
  after(() => rmSync(pids, { recursive: true, force: true }));
  const suite = useSandbox({
    centralPipeline: {
      yml: YML,
      crosscheck: CROSSCHECK,
      workspaceVariables: [
        { key: 'WS_ONLY', value: 'ws' },
        { key: 'SHARED', value: 'from-workspace' },
        { key: 'SECURED_ONE', value: 'hunter2-secret-value', secured: true },
      ],
      repositoryVariables: [
        { key: 'SHARED', value: 'from-repository' },
        { key: 'PID_FILE', value: join(pids, 'step.pid') },
        { key: 'ESCAPED_PID_FILE', value: join(pids, 'escaped.pid') },
      ],
      environments: {
        staging: [
          { key: 'ENV_ONLY', value: 'staging-only' },
          { key: 'SHARED', value: 'from-environment' },
        ],
      },
    },
  });

  it('gives each step the variables of its place, artifacts by name, and Bitbucket defaults nothing overrides', async () => {
    const sb = suite.sandbox;
    const created = await trigger(sb, 'places', [
      { key: 'DECLARED', value: 'declared' },
      { key: 'UNDECLARED', value: 'sneaked-in' },
      { key: 'BITBUCKET_COMMIT', value: 'forged' },
    ]);
    assert.equal(created.status, 201);
    const run = await completed(sb, created.json.uuid);
    const [one, two, three] = run.steps;
    assert.equal(run.result, 'SUCCESSFUL', JSON.stringify(run.steps, null, 1));
    assert.match(
      one?.log ?? '',
      /^WS=ws SHARED=from-repository ENVV=unset DECLARED=declared UNDECLARED=unset$/m,
    );
    assert.match(
      one?.log ?? '',
      new RegExp(`^COMMIT=${run.commit} CLONE=/\\S+/build HOME_IS_STEP=yes$`, 'm'),
    );
    assert.match(one?.log ?? '', /not declare are not passed to its steps: UNDECLARED/);
    assert.match(one?.log ?? '', /^the secret is \$SECURED_ONE$/m, 'secured values are masked');
    assert.match(two?.log ?? '', /^SHARED=from-environment ENVV=staging-only ENV=staging$/m);
    assert.match(two?.log ?? '', /^artifact=from-one scoped=absent$/m);
    assert.match(two?.log ?? '', /^no-clone$/m);
    assert.match(three?.log ?? '', /^artifact=absent$/m);
    // The same logs over HTTP.
    const steps = await call(
      sb,
      'GET',
      `/2.0/repositories/${CENTRAL}/pipelines/${encodeURIComponent(run.uuid)}/steps/`,
      {
        auth: demoAuth(sb),
      },
    );
    assert.deepEqual(
      steps.json.values.map((s: { name: string; state: { result: { name: string } } }) => [
        s.name,
        s.state.result.name,
      ]),
      [
        ['one', 'SUCCESSFUL'],
        ['two', 'SUCCESSFUL'],
        ['three', 'SUCCESSFUL'],
      ],
    );
    const log = await call(
      sb,
      'GET',
      `/2.0/repositories/${CENTRAL}/pipelines/${encodeURIComponent(run.uuid)}/steps/${encodeURIComponent(one?.uuid ?? '')}/log`,
      { auth: demoAuth(sb) },
    );
    assert.equal(log.text, one?.log);
    assert.ok(!JSON.stringify(sb.pipelines(CENTRAL)).includes('hunter2-secret-value'.repeat(1) + '\n'));
    assert.ok(!log.text.includes('hunter2-secret-value'));
  });

  it('stops a step at its first failing line, runs after-script with BITBUCKET_EXIT_CODE, and leaves later steps NOT_RUN', async () => {
    const sb = suite.sandbox;
    const created = await trigger(sb, 'failing');
    const run = await completed(sb, created.json.uuid);
    assert.equal(run.result, 'FAILED');
    const [fails, never] = run.steps;
    assert.equal(fails?.result, 'FAILED');
    assert.equal(never?.result, 'NOT_RUN');
    assert.match(fails?.log ?? '', /^before$/m);
    assert.match(fails?.log ?? '', /^\+ false$/m);
    assert.doesNotMatch(fails?.log ?? '', /echo after/);
    assert.match(fails?.log ?? '', /^after-script sees BITBUCKET_EXIT_CODE=1$/m);
  });

  it('stopPipeline ends the running step and every process it started', async () => {
    const sb = suite.sandbox;
    const created = await trigger(sb, 'long');
    const pidFile = join(pids, 'step.pid');
    // The file may be seen created but not yet written.
    const pid = await waitFor(() => {
      const text = existsSync(pidFile) ? readFileSync(pidFile, 'utf8') : '';
      return /^\d+\n$/.test(text) ? Number(text) : undefined;
    }, 20_000);
    const stopped = await call(
      sb,
      'POST',
      `/2.0/repositories/${CENTRAL}/pipelines/${encodeURIComponent(created.json.uuid)}/stopPipeline`,
      {
        auth: demoAuth(sb),
      },
    );
    assert.equal(stopped.status, 204);
    const run = await completed(sb, created.json.uuid);
    assert.equal(run.result, 'STOPPED');
    assert.equal(run.steps[0]?.result, 'STOPPED');
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 10_000);
  });

  it('ends a process the step started in a session of its own (setsid) when the step ends', async () => {
    const sb = suite.sandbox;
    const created = await trigger(sb, 'escapes');
    const run = await completed(sb, created.json.uuid);
    assert.equal(run.result, 'SUCCESSFUL', run.steps[0]?.log);
    const pid = Number(readFileSync(join(pids, 'escaped.pid'), 'utf8'));
    assert.ok(pid > 0);
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 10_000);
  });
});

describe('sandbox git over HTTP', () => {
  const suite = useSandbox();
  // Asynchronous: the sandbox answers from this very process.
  const git = (args: string[], cwd: string) =>
    new Promise<string>((resolve, reject) =>
      execFile(
        'git',
        args,
        {
          cwd,
          encoding: 'utf8',
          timeout: 30_000,
          env: { PATH: process.env.PATH, HOME: cwd, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
        },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
  const url = (user: string, token: string) => {
    const origin = new URL(suite.sandbox.gitUrl);
    return `${origin.protocol}//${encodeURIComponent(user)}:${encodeURIComponent(token)}@${origin.host}/acme/web-app.git`;
  };

  it('clones a seeded pull request commit with an API token (x-bitbucket-api-token-auth) or an access token (x-token-auth)', async () => {
    const sb = suite.sandbox;
    const folder = mkdtempSync(join(tmpdir(), 'crosscheck-git-clone-'));
    try {
      await git(
        [
          'clone',
          '--quiet',
          '--branch',
          'feature/login',
          url('x-bitbucket-api-token-auth', sb.demo.apiToken),
          'a',
        ],
        folder,
      );
      assert.equal(
        (await git(['rev-parse', 'HEAD'], join(folder, 'a'))).trim(),
        seed.webApp.pullRequest.sourceCommit,
      );
      assert.match(readFileSync(join(folder, 'a', 'HISTORY.md'), 'utf8'), /- Validate login form input/);
      await git(['clone', '--quiet', url('x-token-auth', sb.demo.repoAccessToken), 'b'], folder);
      assert.equal((await git(['rev-parse', 'HEAD'], join(folder, 'b'))).trim(), seed.webApp.branches.main);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses a clone without a valid credential, an access token of another repository, and any push', async () => {
    const sb = suite.sandbox;
    const folder = mkdtempSync(join(tmpdir(), 'crosscheck-git-refused-'));
    try {
      await assert.rejects(
        git(['clone', '--quiet', url('x-bitbucket-api-token-auth', 'wrong'), 'c'], folder),
        /Authentication failed|401/,
      );
      await assert.rejects(
        git(['clone', '--quiet', url('x-token-auth', sb.demo.centralAccessToken), 'd'], folder),
        /not found|404/i,
      );
      await git(['clone', '--quiet', url('x-bitbucket-api-token-auth', sb.demo.apiToken), 'e'], folder);
      await git(
        [
          '-c',
          'user.name=x',
          '-c',
          'user.email=x@example.com',
          'commit',
          '--quiet',
          '--allow-empty',
          '-m',
          'x',
        ],
        join(folder, 'e'),
      );
      await assert.rejects(
        git(['push', '--quiet', 'origin', 'HEAD:refs/heads/pushed'], join(folder, 'e')),
        /403|clones and fetches only/,
      );
      assert.equal(sb.pipelines(CENTRAL).length, 0);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
