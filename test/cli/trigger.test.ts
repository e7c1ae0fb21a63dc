// `crosscheck trigger` end to end: the bundled CLI starts the central custom pipeline in the sandbox over real HTTP.
import assert from 'node:assert/strict';
import { type Sandbox, seed } from '../../src/sandbox';
import { type CliResult, runCrosscheck } from '../support/cli';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';

const REPO = seed.webApp.fullName;
const PR = seed.webApp.pullRequest;
const CENTRAL = seed.centralChecks.fullName;

describe('crosscheck trigger (CLI against the sandbox)', function () {
  let sandbox: Sandbox;
  let seen = 0;

  const suite = useSandbox({ centralRunStepMs: 150 });
  before(() => {
    sandbox = suite.sandbox;
  });
  beforeEach(() => (seen = sandbox.requests.length));

  const credentials = () => apiTokenEnvironment(sandbox);
  /** What Bitbucket Pipelines sets in a pull-request pipeline of the individual repository. */
  const pullRequestPipeline = (commit: string) => ({
    BITBUCKET_REPO_FULL_NAME: REPO,
    BITBUCKET_COMMIT: commit,
    BITBUCKET_BRANCH: PR.source,
    BITBUCKET_PR_ID: String(PR.id),
    BITBUCKET_PR_DESTINATION_BRANCH: PR.destination,
    BITBUCKET_BUILD_NUMBER: '41',
  });
  const trigger = async (
    args: string[],
    env: Record<string, string | undefined> = {},
  ): Promise<CliResult> => {
    const result = await runCrosscheck(['trigger', '--central', CENTRAL, ...args], {
      env: { ...credentials(), ...env },
    });
    assert.ok(!`${result.stdout}${result.stderr}`.includes(sandbox.demo.apiToken), 'the token leaked');
    return result;
  };
  const variablesOf = (run: { variables: readonly { key: string; value: string }[] }) =>
    Object.fromEntries(run.variables.map((variable) => [variable.key, variable.value]));

  it('starts the custom pipeline on the central main branch with the TRIGGER_* variables and --var', async () => {
    const commit = seed.webApp.branches['feature/dark-mode'];
    const result = await trigger([
      '--pipeline',
      'sonar-pr-check',
      '--repo',
      REPO,
      '--commit',
      commit,
      '--branch',
      'feature/dark-mode',
      '--pr',
      '6',
      '--destination',
      'main',
      '--var',
      'SONAR_PROFILE=strict',
      '--var',
      'EMPTY=',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const run = sandbox.pipelines(CENTRAL).at(-1);
    assert.ok(run);
    assert.equal(run.refName, 'main');
    assert.deepEqual(run.selector, { type: 'custom', pattern: 'sonar-pr-check' });
    assert.deepEqual(variablesOf(run), {
      TRIGGER_REPO: REPO,
      TRIGGER_COMMIT: commit,
      TRIGGER_BRANCH: 'feature/dark-mode',
      TRIGGER_PR_ID: '6',
      TRIGGER_DESTINATION_BRANCH: 'main',
      SONAR_PROFILE: 'strict',
      EMPTY: '',
    });
    assert.match(result.stdout, new RegExp(`Started sonar-pr-check #${run.buildNumber} on ${CENTRAL}@main`));
    assert.match(result.stdout, /pipelines\/results\/\d+/);
    assert.deepEqual(sandbox.buildStatuses(REPO, commit), [], 'no status without --pending-key');
  });

  it('takes everything from the pull-request pipeline and marks the commit INPROGRESS with --pending-key', async () => {
    const commit = seed.webApp.branches['feature/signup'];
    const result = await trigger(
      ['--pipeline', 'sonar-pr-check', '--pending-key', 'sonar', '--pending-name', 'SonarQube'],
      pullRequestPipeline(commit),
    );
    assert.equal(result.code, 0, result.stderr);
    const run = sandbox.pipelines(CENTRAL).at(-1);
    assert.equal(variablesOf(run ?? { variables: [] }).TRIGGER_COMMIT, commit);
    assert.equal(variablesOf(run ?? { variables: [] }).TRIGGER_PR_ID, String(PR.id));
    const pending = sandbox.buildStatuses(REPO, commit).find((status) => status.key === 'sonar');
    assert.equal(pending?.state, 'INPROGRESS');
    assert.equal(pending?.name, 'SonarQube');
    assert.equal(pending?.refname, PR.source);
    assert.match(pending?.url ?? '', new RegExp(`${CENTRAL}/pipelines/results/${run?.buildNumber}$`));
    assert.match(result.stdout, /Marked acme\/web-app@\w{12} INPROGRESS as "sonar"/);
  });

  it('--wait follows the run to its result and exits by it', async () => {
    const commit = PR.sourceCommit;
    sandbox.setCentralOutcome('FAILED');
    const failed = await trigger(
      ['--pipeline', 'sonar-pr-check', '--pending-key', 'sonar', '--wait'],
      pullRequestPipeline(commit),
    );
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /#\d+ (PENDING|IN_PROGRESS)/);
    assert.match(failed.stderr, /#\d+ COMPLETED \(FAILED\)/);
    assert.match(failed.stdout, /✗ sonar-pr-check #\d+ FAILED/);
    assert.equal(
      sandbox.buildStatuses(REPO, commit).find((status) => status.key === 'sonar')?.state,
      'FAILED',
    );

    sandbox.setCentralOutcome('SUCCESSFUL');
    const passed = await trigger(
      ['--pipeline', 'sonar-pr-check', '--pending-key', 'sonar', '--wait'],
      pullRequestPipeline(commit),
    );
    assert.equal(passed.code, 0, passed.stderr);
    assert.match(passed.stdout, /✓ sonar-pr-check #\d+ SUCCESSFUL/);
    assert.equal(
      sandbox.buildStatuses(REPO, commit).find((status) => status.key === 'sonar')?.state,
      'SUCCESSFUL',
    );
  });

  it('says clearly when the central repository has no such custom pipeline, and marks nothing', async () => {
    const commit = seed.webApp.branches['feature/profile'];
    const result = await trigger(
      ['--pipeline', 'sonar-pr-chek', '--pending-key', 'sonar'],
      pullRequestPipeline(commit),
    );
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /acme\/central-checks has no custom pipeline "sonar-pr-chek" in the bitbucket-pipelines\.yml of its main branch/,
    );
    assert.match(result.stderr, /fix: Check the name under pipelines: custom:/);
    assert.deepEqual(sandbox.buildStatuses(REPO, commit), []);

    const branch = await trigger(
      ['--pipeline', 'sonar-pr-check', '--ref', 'release/9'],
      pullRequestPipeline(commit),
    );
    assert.equal(branch.code, 1);
    assert.match(branch.stderr, /acme\/central-checks has no branch release\/9/);
  });

  it('refuses bad input with exit 2 before sending anything', async () => {
    const env = pullRequestPipeline(PR.sourceCommit);
    const cases: Array<[string[], Record<string, string | undefined>, RegExp]> = [
      [['--pipeline', 'sonar-pr-check', '--var', '1BAD=x'], env, /--var "1BAD=x" is not KEY=VALUE/],
      [
        ['--pipeline', 'sonar-pr-check', '--var', 'TRIGGER_COMMIT=0000'],
        env,
        /Variable TRIGGER_COMMIT is set by Crosscheck itself/,
      ],
      [
        ['--pipeline', 'sonar-pr-check'],
        { ...env, BITBUCKET_COMMIT: PR.sourceCommit.slice(0, 12) },
        /looks abbreviated/,
      ],
      [['--pipeline', 'sonar-pr-check', '--pr', 'seven'], env, /--pr "seven" is not a pull request number/],
      [
        ['--pipeline', 'sonar-pr-check', '--pending-key', 'k'.repeat(41)],
        env,
        /Bitbucket Cloud accepts 1 to 40/,
      ],
      [[], env, /--pipeline is required/],
      [['--pipeline', 'sonar-pr-check'], { ...env, BITBUCKET_BRANCH: undefined }, /--branch is required/],
    ];
    for (const [args, caseEnv, message] of cases) {
      const result = await trigger(args, caseEnv);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    const missingCentral = await runCrosscheck(['trigger', '--pipeline', 'sonar-pr-check'], {
      env: { ...credentials(), ...env },
    });
    assert.equal(missingCentral.code, 2);
    assert.match(missingCentral.stderr, /--central is required/);
    assert.deepEqual(sandbox.requests.slice(seen), [], 'nothing was sent');
  });
});
