// Unit tests for the Bitbucket Pipelines → GitHub Actions environment mapping.
import * as assert from 'node:assert/strict';
import { buildActionEnvironment, type EnvironmentContext } from '../../src/runner/actions/action-environment';

function context(
  env: Record<string, string | undefined>,
  extra: Partial<EnvironmentContext> = {},
): EnvironmentContext {
  return {
    env,
    cwd: '/checkout',
    actionDirectory: '/actions/check',
    runnerTemp: '/run/temp',
    eventPath: '/run/event.json',
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
      after: 'f00',
      head_commit: { id: 'f00' },
      repository: { full_name: 'ws/repo', name: 'repo', owner: { login: 'ws' } },
    });
  });

  it('maps a tag pipeline to refs/tags/<tag>', () => {
    const { variables } = buildActionEnvironment(context({ BITBUCKET_TAG: 'v1.2.0' }));
    assert.equal(variables.GITHUB_REF, 'refs/tags/v1.2.0');
    assert.equal(variables.GITHUB_REF_TYPE, 'tag');
  });

  it('leaves out what Pipelines does not say, outside any pipeline', () => {
    const { variables, event } = buildActionEnvironment(context({}, { platform: 'win32', arch: 'arm64' }));
    for (const name of [
      'GITHUB_REF',
      'GITHUB_SHA',
      'GITHUB_REPOSITORY',
      'GITHUB_SERVER_URL',
      'GITHUB_RUN_ID',
    ]) {
      assert.equal(variables[name], undefined, name);
    }
    assert.equal(variables.RUNNER_OS, 'Windows');
    assert.equal(variables.RUNNER_ARCH, 'ARM64');
    assert.deepEqual(JSON.parse(JSON.stringify(event)), {});
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
