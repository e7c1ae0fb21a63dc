// Unit tests for the Bitbucket Pipelines → GitHub Actions environment mapping.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildActionEnvironment,
  readOriginHead,
  type EnvironmentContext,
} from '../../src/runner/action-engine/action-environment';

function context(
  env: Record<string, string | undefined>,
  extra: Partial<EnvironmentContext> = {},
): EnvironmentContext {
  return {
    env,
    hidden: ['BITBUCKET_API_TOKEN'],
    cwd: '/checkout',
    actionDirectory: '/actions/check',
    actionId: '__check',
    runnerTemp: '/run/temp',
    toolCache: '/home/me/.cache/crosscheck/tool-cache',
    eventPath: '/run/event.json',
    hostname: 'laptop',
    debug: false,
    platform: 'linux',
    arch: 'x64',
    ...extra,
  };
}

describe('buildActionEnvironment', () => {
  it('maps a branch pipeline to a push on refs/heads/<branch>', () => {
    const { variables, event } = buildActionEnvironment(
      context({
        BITBUCKET_BRANCH: 'main',
        BITBUCKET_COMMIT: 'f00',
        BITBUCKET_REPO_FULL_NAME: 'ws/repo',
        HOME: '/root',
      }),
    );
    assert.equal(variables.GITHUB_EVENT_NAME, 'push');
    assert.equal(variables.GITHUB_REF, 'refs/heads/main');
    assert.equal(variables.GITHUB_REF_NAME, 'main');
    assert.equal(variables.GITHUB_REF_TYPE, 'branch');
    assert.equal(variables.GITHUB_REPOSITORY_OWNER, 'ws');
    assert.equal(variables.GITHUB_WORKSPACE, '/checkout');
    assert.equal(variables.GITHUB_HEAD_REF, undefined);
    assert.equal(variables.HOME, '/root', 'the environment passes through');
    assert.deepEqual(event, {
      ref: 'refs/heads/main',
      before: '0000000000000000000000000000000000000000',
      after: 'f00',
      created: false,
      deleted: false,
      forced: false,
      base_ref: null,
      head_commit: { id: 'f00' },
      repository: { full_name: 'ws/repo', name: 'repo', owner: { login: 'ws' } },
    });
  });

  it('maps a tag pipeline to refs/tags/<tag>', () => {
    const { variables } = buildActionEnvironment(context({ BITBUCKET_TAG: 'v1.2.0' }));
    assert.equal(variables.GITHUB_REF, 'refs/tags/v1.2.0');
    assert.equal(variables.GITHUB_REF_TYPE, 'tag');
  });

  it('leaves out what Pipelines does not say, outside any pipeline, and fills what GitHub always sets', () => {
    const { variables, event } = buildActionEnvironment(context({}, { platform: 'win32', arch: 'arm64' }));
    for (const name of ['GITHUB_REF', 'GITHUB_SHA', 'GITHUB_REPOSITORY', 'GITHUB_HEAD_REF']) {
      assert.equal(variables[name], undefined, name);
    }
    assert.equal(variables.RUNNER_OS, 'Windows');
    assert.equal(variables.RUNNER_ARCH, 'ARM64');
    assert.equal(variables.RUNNER_NAME, 'laptop');
    assert.equal(variables.GITHUB_RUN_ID, '1');
    assert.equal(variables.GITHUB_ACTOR, 'crosscheck');
    assert.deepEqual(JSON.parse(JSON.stringify(event)), {});
  });

  it('points toolkit libraries at github.com unless the environment names a server, as act does', () => {
    const github = buildActionEnvironment(context({ BITBUCKET_REPO_FULL_NAME: 'ws/repo' })).variables;
    assert.equal(github.GITHUB_SERVER_URL, 'https://github.com');
    assert.equal(github.GITHUB_API_URL, 'https://api.github.com');
    assert.equal(github.GITHUB_GRAPHQL_URL, 'https://api.github.com/graphql');
    const enterprise = buildActionEnvironment(
      context({ GITHUB_SERVER_URL: 'https://ghe.example.com/' }),
    ).variables;
    assert.equal(enterprise.GITHUB_SERVER_URL, 'https://ghe.example.com/');
    assert.equal(enterprise.GITHUB_API_URL, 'https://ghe.example.com/api/v3');
    assert.equal(enterprise.GITHUB_GRAPHQL_URL, 'https://ghe.example.com/api/graphql');
  });

  it('sets the runner and job variables GitHub sets, from the step where Pipelines says', () => {
    const { variables } = buildActionEnvironment(
      context({
        BITBUCKET_BUILD_NUMBER: '12',
        BITBUCKET_STEP_TRIGGERER_UUID: '{b1e5-77}',
        HOME: '/home/me',
      }),
    );
    assert.deepEqual(
      Object.fromEntries(
        [
          'GITHUB_ACTION',
          'GITHUB_ACTOR',
          'GITHUB_JOB',
          'GITHUB_WORKFLOW',
          'GITHUB_RUN_ID',
          'GITHUB_RUN_NUMBER',
          'GITHUB_RUN_ATTEMPT',
          'RUNNER_NAME',
          'RUNNER_ENVIRONMENT',
          'RUNNER_TEMP',
          'RUNNER_TOOL_CACHE',
        ].map((name) => [name, variables[name]]),
      ),
      {
        GITHUB_ACTION: '__check',
        GITHUB_ACTOR: 'b1e5-77',
        GITHUB_JOB: 'pipelines-step',
        GITHUB_WORKFLOW: 'bitbucket-pipelines.yml',
        GITHUB_RUN_ID: '12',
        GITHUB_RUN_NUMBER: '12',
        GITHUB_RUN_ATTEMPT: '1',
        RUNNER_NAME: 'Bitbucket Pipelines',
        RUNNER_ENVIRONMENT: 'self-hosted',
        RUNNER_TEMP: '/run/temp',
        RUNNER_TOOL_CACHE: '/home/me/.cache/crosscheck/tool-cache',
      },
    );
  });

  it("keeps Crosscheck's credentials and another step's per-step variables away from the action", () => {
    const { variables } = buildActionEnvironment(
      context({
        BITBUCKET_API_TOKEN: 'ATATsecret',
        INPUT_TOKEN: 'from an outer action',
        STATE_PID: '9',
        GITHUB_OUTPUT: '/elsewhere/output',
        SOMETHING_ELSE: 'kept',
      }),
    );
    for (const name of ['BITBUCKET_API_TOKEN', 'INPUT_TOKEN', 'STATE_PID', 'GITHUB_OUTPUT']) {
      assert.ok(!(name in variables), name);
    }
    assert.equal(variables.SOMETHING_ELSE, 'kept');
  });

  it('maps a PR pipeline to a pull_request event with head, base and the default branch', () => {
    const { event } = buildActionEnvironment(
      context(
        {
          BITBUCKET_REPO_FULL_NAME: 'team/service',
          BITBUCKET_COMMIT: 'abc123',
          BITBUCKET_BRANCH: 'feature/login',
          BITBUCKET_PR_ID: '42',
          BITBUCKET_PR_DESTINATION_BRANCH: 'release',
          BITBUCKET_PR_DESTINATION_COMMIT: 'def456',
        },
        { defaultBranch: 'main' },
      ),
    );
    const repo = {
      full_name: 'team/service',
      name: 'service',
      owner: { login: 'team' },
      default_branch: 'main',
    };
    assert.deepEqual(event, {
      action: 'synchronize',
      number: 42,
      pull_request: {
        number: 42,
        head: { ref: 'feature/login', sha: 'abc123', repo },
        base: { ref: 'release', sha: 'def456', repo },
      },
      repository: repo,
    });
    const withoutOriginHead = buildActionEnvironment(
      context({ BITBUCKET_PR_ID: '1', BITBUCKET_PR_DESTINATION_BRANCH: 'develop' }),
    ).event as { repository: { default_branch: string } };
    assert.equal(withoutOriginHead.repository.default_branch, 'develop');
  });

  it('never replaces what the environment already defines, e.g. under a real GitHub runner', () => {
    const { variables, event } = buildActionEnvironment(
      context({
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'octo/repo',
        GITHUB_EVENT_PATH: '/github/workflow/event.json',
        GITHUB_WORKSPACE: '/github/workspace',
        RUNNER_TEMP: '/github/runner_temp',
        CI: '1',
        BITBUCKET_REPO_FULL_NAME: 'ws/other',
      }),
    );
    assert.equal(variables.GITHUB_REPOSITORY, 'octo/repo');
    assert.equal(variables.GITHUB_EVENT_PATH, '/github/workflow/event.json');
    assert.equal(variables.GITHUB_WORKSPACE, '/github/workspace');
    assert.equal(variables.RUNNER_TEMP, '/github/runner_temp');
    assert.equal(variables.CI, '1');
    assert.equal(event, undefined, 'no payload is written over the existing one');
  });

  it('owns GITHUB_ACTION_PATH and RUNNER_DEBUG', () => {
    const quiet = buildActionEnvironment(
      context({ GITHUB_ACTION_PATH: '/elsewhere', RUNNER_DEBUG: '1' }),
    ).variables;
    assert.equal(quiet.GITHUB_ACTION_PATH, '/actions/check');
    assert.equal(quiet.RUNNER_DEBUG, undefined);
    const debugging = buildActionEnvironment(context({}, { debug: true })).variables;
    assert.equal(debugging.RUNNER_DEBUG, '1');
  });

  it('drops undefined entries of the given environment', () => {
    const { variables } = buildActionEnvironment(context({ EMPTY: undefined, SET: '' }));
    assert.ok(!('EMPTY' in variables));
    assert.equal(variables.SET, '');
  });
});

describe('readOriginHead', () => {
  it("reads the default branch from git's origin/HEAD, and nothing when git does not know it", async () => {
    const clone = await fs.mkdtemp(path.join(os.tmpdir(), 'crosscheck-clone-'));
    try {
      assert.equal(await readOriginHead(clone), undefined);
      await fs.mkdir(path.join(clone, '.git', 'refs', 'remotes', 'origin'), { recursive: true });
      await fs.writeFile(
        path.join(clone, '.git', 'refs', 'remotes', 'origin', 'HEAD'),
        'ref: refs/remotes/origin/trunk\n',
      );
      assert.equal(await readOriginHead(clone), 'trunk');
    } finally {
      await fs.rm(clone, { recursive: true, force: true });
    }
  });
});
