// The default pipeline-run handler: simulates the central checks by posting a SonarQube build status onto the triggering commit.
import type { PipelineRun, PipelineRunHandler } from './bitbucket-pipelines';

export type CentralOutcome = 'SUCCESSFUL' | 'FAILED';

/** The build status key, name and descriptions the simulated central checks post. */
export const CENTRAL_STATUS = {
  key: 'sonar',
  name: 'SonarQube',
  failedDescription: 'Coverage on New Code 62.5% < 80%',
  passedDescription: 'Quality gate passed',
} as const;

export interface CentralRunOptions {
  /** How long the run stays PENDING, then IN_PROGRESS (default 1000 ms each). */
  readonly stepMs: number;
  /** The outcome of the next run, read when the run reports. */
  readonly outcome: () => CentralOutcome;
  /** The sandbox's SonarQube base URL (…/sonar), for the status link. */
  readonly sonarUrl: () => string;
}

function variable(run: PipelineRun, key: string): string | undefined {
  const value = run.variables.find((v) => v.key === key)?.value;
  return value === '' ? undefined : value;
}

/**
 * PENDING for `stepMs`, IN_PROGRESS for `stepMs`, then posts build status `sonar` onto TRIGGER_COMMIT in
 * TRIGGER_REPO (`ws/slug`, or a slug of the run's workspace) with refname TRIGGER_BRANCH and completes with the
 * outcome. Without TRIGGER_REPO or TRIGGER_COMMIT the run completes ERROR; so does an unknown repository or commit.
 */
export function centralRunHandler(options: CentralRunOptions): PipelineRunHandler {
  return async (run, ctl) => {
    const step = ctl.addStep({ name: 'SonarQube quality gate (canned outcome)' });
    await ctl.sleep(options.stepMs);
    ctl.start();
    step.start();
    step.log(
      'The sandbox runs nothing here: it posts its canned outcome (crosscheck sandbox --canned-outcome).\n',
    );
    await ctl.sleep(options.stepMs);
    const repoVar = variable(run, 'TRIGGER_REPO');
    const commit = variable(run, 'TRIGGER_COMMIT');
    if (!repoVar || !commit) {
      step.log('TRIGGER_REPO or TRIGGER_COMMIT is missing.\n');
      step.complete('ERROR');
      ctl.complete('ERROR');
      return;
    }
    const repo = repoVar.includes('/') ? repoVar : `${run.repo.split('/')[0]}/${repoVar}`;
    const branch = variable(run, 'TRIGGER_BRANCH');
    const pullRequest = variable(run, 'TRIGGER_PR_ID');
    const dashboard = new URL(`${options.sonarUrl()}/dashboard`);
    dashboard.searchParams.set('id', repo.split('/')[1]!); // repo holds a '/' (made so above)
    if (pullRequest) dashboard.searchParams.set('pullRequest', pullRequest);
    else if (branch) dashboard.searchParams.set('branch', branch);
    const passed = options.outcome() === 'SUCCESSFUL';
    ctl.setBuildStatus(repo, commit, {
      key: CENTRAL_STATUS.key,
      state: passed ? 'SUCCESSFUL' : 'FAILED',
      name: CENTRAL_STATUS.name,
      description: passed ? CENTRAL_STATUS.passedDescription : CENTRAL_STATUS.failedDescription,
      url: dashboard.toString(),
      refname: branch,
    });
    step.log(
      `Posted ${passed ? 'SUCCESSFUL' : 'FAILED'} ${CENTRAL_STATUS.key} on ${repo}@${commit.slice(0, 12)}.\n`,
    );
    step.complete(passed ? 'SUCCESSFUL' : 'FAILED');
    ctl.complete(passed ? 'SUCCESSFUL' : 'FAILED');
  };
}
