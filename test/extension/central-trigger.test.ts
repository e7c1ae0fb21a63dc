// Starting the central check from the editor: settings checked before anything is sent, then trigger and INPROGRESS mark.
import * as assert from 'node:assert/strict';
import { InputError } from '../../src/core/errors';
import { startCheck, validateCheckSettings } from '../../src/extension/model/central-trigger';
import { ActionableError } from '../../src/extension/model/errors';
import { seed, startSandbox, type Sandbox } from '../../src/sandbox';
import { connectTo, loginBranch, requestsSince } from './support/sandbox';
import { assertRequestsMatchOpenApi } from '../support/sandbox-suite';

describe('validateCheckSettings', () => {
  const valid = {
    centralRepository: 'acme/central-checks',
    centralPipeline: 'sonar-pr-check',
    checkKey: 'sonar',
  };

  it('accepts and normalises valid settings', () => {
    assert.deepEqual(
      validateCheckSettings({
        ...valid,
        centralRepository: ' acme/central-checks ',
        centralPipeline: ' sonar-pr-check ',
      }),
      {
        central: { workspace: 'acme', slug: 'central-checks' },
        pipeline: 'sonar-pr-check',
        checkKey: 'sonar',
      },
    );
  });

  it('names the missing central repository setting and offers to open it', () => {
    assert.throws(
      () => validateCheckSettings({ ...valid, centralRepository: '' }),
      (thrown: unknown) => {
        assert.ok(thrown instanceof ActionableError);
        assert.match(thrown.message, /crosscheck\.centralRepository is not set/);
        assert.match(thrown.hint ?? '', /workspace\/repo/);
        assert.deepEqual(thrown.actions, [
          {
            title: 'Open Settings',
            command: 'workbench.action.openSettings',
            args: ['crosscheck.centralRepository'],
          },
        ]);
        return true;
      },
    );
  });

  it('refuses a malformed repository, an empty pipeline and a key over 40 characters, naming the setting', () => {
    assert.throws(
      () => validateCheckSettings({ ...valid, centralRepository: 'central-checks' }),
      (error: unknown) => {
        return (
          error instanceof InputError &&
          /crosscheck\.centralRepository "central-checks" is not of the form workspace\/repo/.test(
            error.message,
          )
        );
      },
    );
    assert.throws(
      () => validateCheckSettings({ ...valid, centralPipeline: ' ' }),
      /crosscheck\.centralPipeline is not set/,
    );
    assert.throws(
      () => validateCheckSettings({ ...valid, checkKey: 'k'.repeat(41) }),
      /crosscheck\.checkKey .* 41 characters/,
    );
    assert.throws(
      () => validateCheckSettings({ ...valid, centralBranch: 'main branch' }),
      /crosscheck\.centralBranch "main branch" is not a branch name/,
    );
  });

  it('keeps the central branch when set', () => {
    assert.equal(validateCheckSettings({ ...valid, centralBranch: ' release ' }).branch, 'release');
    assert.equal(validateCheckSettings({ ...valid, centralBranch: '' }).branch, undefined);
  });
});

describe('startCheck against the sandbox', () => {
  let sandbox: Sandbox;

  beforeEach(async () => {
    sandbox = await startSandbox({ centralRunStepMs: 10_000 });
  });

  afterEach(async () => {
    await sandbox.close();
    assertRequestsMatchOpenApi(sandbox);
  });

  const settings = {
    central: { workspace: 'acme', slug: 'central-checks' },
    pipeline: 'sonar-pr-check',
    checkKey: 'sonar',
  };

  it('triggers the custom pipeline with the TRIGGER_* variables of HEAD and its pull request, and marks HEAD INPROGRESS', async () => {
    const api = connectTo(sandbox).api;
    const head = seed.webApp.pullRequest.sourceCommit;
    const started = await startCheck(api, loginBranch(), settings, { now: 1234, statusName: 'SonarQube' });

    const runs = sandbox.pipelines(seed.centralChecks.fullName);
    assert.equal(runs.length, 1);
    const [run] = runs;
    assert.ok(run);
    const variables = Object.fromEntries(run.variables.map((variable) => [variable.key, variable.value]));
    assert.deepEqual(variables, {
      TRIGGER_REPO: 'acme/web-app',
      TRIGGER_COMMIT: head,
      TRIGGER_BRANCH: 'feature/login',
      TRIGGER_PR_ID: '7',
      TRIGGER_DESTINATION_BRANCH: 'main',
      TRIGGER_PENDING_KEY: 'sonar',
    });
    const [status] = sandbox.buildStatuses(seed.webApp.fullName, head);
    assert.ok(status);
    assert.equal(status.key, 'sonar');
    assert.equal(status.state, 'INPROGRESS');
    assert.equal(status.name, 'SonarQube');
    assert.equal(status.refname, 'feature/login');
    assert.equal(started.pullRequest?.id, 7);
    assert.equal(started.run.uuid, runs[0]?.uuid);
    assert.equal(started.run.commit, head);
    assert.equal(started.run.startedAt, 1234);
    assert.equal(status.url, started.run.runUrl);
  });

  it('runs for a branch without a pull request, without the pull request variables', async () => {
    const api = connectTo(sandbox).api;
    const context = loginBranch({
      branch: 'feature/empty',
      commit: seed.webApp.branches['feature/empty'],
      upstream: 'origin/feature/empty',
    });
    const started = await startCheck(api, context, settings, { now: 0 });
    assert.equal(started.pullRequest, undefined);
    const keys = sandbox.pipelines(seed.centralChecks.fullName)[0]?.variables.map((variable) => variable.key);
    assert.deepEqual(keys, ['TRIGGER_REPO', 'TRIGGER_COMMIT', 'TRIGGER_BRANCH', 'TRIGGER_PENDING_KEY']);
  });

  it('asks for the central main branch only when no branch is set', async () => {
    const api = connectTo(sandbox).api;
    const central = 'GET /2.0/repositories/acme/central-checks';
    await startCheck(api, loginBranch(), settings, { now: 0 });
    assert.ok(requestsSince(sandbox, 0).includes(central));
    const seen = sandbox.requests.length;
    await startCheck(api, loginBranch(), { ...settings, branch: 'main' }, { now: 0 });
    const told = requestsSince(sandbox, seen);
    assert.ok(!told.includes(central), told.join('\n'));
    assert.equal(sandbox.pipelines(seed.centralChecks.fullName).at(-1)?.refName, 'main');
  });

  it('refuses an abbreviated HEAD before sending anything', async () => {
    const api = connectTo(sandbox).api;
    await assert.rejects(
      startCheck(api, loginBranch({ commit: 'abc1234' }), settings, { now: 0 }),
      /not a full commit hash/,
    );
    assert.deepEqual(requestsSince(sandbox, 0), []);
  });

  it('says the central repository has no such custom pipeline, as the CLI does, and marks nothing', async () => {
    const api = connectTo(sandbox).api;
    const head = seed.webApp.pullRequest.sourceCommit;
    await assert.rejects(
      startCheck(api, loginBranch(), { ...settings, pipeline: 'sonar-pr-chek' }, { now: 0 }),
      (error: Error & { hint?: string }) => {
        assert.match(
          error.message,
          /acme\/central-checks has no custom pipeline "sonar-pr-chek" in the bitbucket-pipelines\.yml of its main branch/,
        );
        assert.equal(
          error.hint,
          'Check the name under pipelines: custom: in acme/central-checks (names are case-sensitive), or give crosscheck.centralBranch the branch that has it.',
        );
        return true;
      },
    );
    assert.deepEqual(sandbox.buildStatuses(seed.webApp.fullName, head), []);
  });

  it('says which scope is missing when the token cannot start pipelines', async () => {
    const token = sandbox.addApiToken({
      email: sandbox.demo.email,
      scopes: ['read:repository:bitbucket', 'read:pullrequest:bitbucket', 'read:pipeline:bitbucket'],
    });
    const api = connectTo(sandbox, { email: sandbox.demo.email, apiToken: token }).api;
    await assert.rejects(
      startCheck(api, loginBranch(), settings, { now: 0 }),
      (error: Error & { hint?: string }) => {
        assert.match(error.message, /write:pipeline:bitbucket/);
        assert.match(error.hint ?? '', /create a new API token/i);
        return true;
      },
    );
    assert.equal(sandbox.pipelines(seed.centralChecks.fullName).length, 0);
  });
});
