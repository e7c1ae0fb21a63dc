// The central Sonar check for one commit: wait for the analysis, read its gate, post the verdict (and Code Insights).
import type { BitbucketApi } from '../bitbucket/api';
import { ANNOTATIONS_PER_REPORT } from '../bitbucket/api';
import type { BuildStatusInput, CommitStatus } from '../bitbucket/types';
import { CrosscheckError } from '../errors';
import { MAX_DESCRIPTION_LENGTH, type RepositoryRef, shorten } from '../validation';
import { type ExpectedAnalysis, revisionCheck, taskMismatch } from './analysis-origin';
import type { IssueScope, SonarApi } from './api';
import { type CeTaskOutcome, waitForCeTask } from './ce-task-poller';
import { type GatePolicies, type GateVerdict, gateVerdict } from './gate';
import { gateReport, issuesToAnnotations } from './insights';
import type { ReportTask } from './report-task';
import type { CeTaskStatus } from './types';

export interface GateCheckRequest {
  /** Where the analysis was reported; only its task id is used, once SonarQube confirms it is `expected`'s. */
  task: ReportTask;
  /** The project and pull request or branch the analysis must be of (the commit is `commit`). */
  expected: Omit<ExpectedAnalysis, 'commit'>;
  /** The commit the status goes on, in the individual repository. */
  repo: RepositoryRef;
  commit: string;
  /** The pull request's source branch, tying the status to the PR. */
  refname?: string;
  key: string;
  name: string;
  /** Link from the status: the analysis' dashboard. */
  url: string;
  policies: GatePolicies;
  timeoutMs: number;
  /** Also write a Code Insights report (id = key) with the gate and its conditions. */
  report?: boolean;
  /** Also post the open issues of the analysed pull request or branch as annotations of that report. */
  annotations?: boolean;
  /**
   * Mark the commit INPROGRESS before the wait (default true). False when the trigger already marked it under this
   * key: one request less, but a credential problem then shows only after the wait.
   */
  markPending?: boolean;
}

/** The verdict was reached but Bitbucket did not take it (e.g. the hourly budget is spent): it is carried, not lost. */
export class VerdictNotPostedError extends CrosscheckError {
  constructor(
    readonly state: BuildStatusInput['state'],
    readonly description: string,
    readonly failure: CrosscheckError,
  ) {
    super(
      `The verdict ${state} ("${description}") could not be posted: ${failure.message}`,
      'Run this step again once Bitbucket takes requests again (re-run the central pipeline, or trigger the check again); the commit keeps its previous status until then.',
      { cause: failure },
    );
  }
}

export type GateCheckEvent =
  | { type: 'waiting'; taskId: string }
  | { type: 'task'; status: CeTaskStatus; waitedMs: number }
  | { type: 'posted'; status: BuildStatusInput }
  /** The analysis was confirmed as this commit's; `unchecked` says what could not be compared. */
  | { type: 'origin'; confirmed: string; unchecked?: string };

/** What was written to Code Insights: the report, and how many of the open issues became annotations. */
export interface InsightsWritten {
  reportId: string;
  annotations?: { posted: number; total: number };
}

export type GateCheckResult =
  | {
      kind: 'verdict';
      verdict: GateVerdict;
      outcome: Extract<CeTaskOutcome, { kind: 'success' }>;
      status: CommitStatus;
      insights?: InsightsWritten;
      insightsError?: CrosscheckError;
    }
  /** The analysis failed, was canceled, took too long, or its gate could not be read: FAILED was posted. */
  | {
      kind: 'no-verdict';
      reason: string;
      outcome: CeTaskOutcome;
      status: CommitStatus;
      error?: CrosscheckError;
      /** True when the analysis was not of this project, pull request, branch or commit. */
      foreign?: boolean;
    };

export interface GateCheckDependencies {
  bitbucket: BitbucketApi;
  sonar: SonarApi;
  /** The SonarQube server's base URL, for links to issues. */
  hostUrl: string;
  onEvent?: (event: GateCheckEvent) => void;
}

/**
 * Marks the commit INPROGRESS unless told it already is (marking also proves the Bitbucket credential before the
 * wait), waits for the CE task, and posts SUCCESSFUL or FAILED. Never asks for a gate without an analysis id.
 * Bitbucket failures throw; a verdict Bitbucket did not take throws VerdictNotPostedError, which carries it.
 */
export async function runGateCheck(
  deps: GateCheckDependencies,
  request: GateCheckRequest,
): Promise<GateCheckResult> {
  const emit = deps.onEvent ?? (() => undefined);
  const post = async (state: BuildStatusInput['state'], description: string): Promise<CommitStatus> => {
    const status: BuildStatusInput = {
      key: request.key,
      state,
      name: request.name,
      url: request.url,
      description: shorten(description, MAX_DESCRIPTION_LENGTH).text,
      ...(request.refname ? { refname: request.refname } : {}),
    };
    const posted = await deps.bitbucket.setBuildStatus(request.repo, request.commit, status);
    emit({ type: 'posted', status });
    return posted;
  };

  if (request.markPending !== false) await post('INPROGRESS', 'Waiting for the SonarQube analysis');
  emit({ type: 'waiting', taskId: request.task.ceTaskId });
  const outcome = await waitForCeTask(deps.sonar, request.task.ceTaskId, {
    timeoutMs: request.timeoutMs,
    onProgress: (status, waitedMs) => emit({ type: 'task', status, waitedMs }),
  });
  if (outcome.kind !== 'success') {
    const reason =
      outcome.kind === 'error'
        ? `Could not follow the SonarQube analysis: ${outcome.error.message}`
        : outcome.message;
    const status = await post('FAILED', reason);
    return {
      kind: 'no-verdict',
      reason,
      outcome,
      status,
      error: outcome.kind === 'error' ? outcome.error : undefined,
    };
  }

  const expected: ExpectedAnalysis = { ...request.expected, commit: request.commit };
  const origin = await checkOrigin(deps.sonar, outcome, expected);
  if (origin.mismatch) {
    const reason = `Not this commit's analysis: ${origin.mismatch}`;
    const status = await post('FAILED', reason);
    return { kind: 'no-verdict', reason, outcome, status, foreign: true };
  }
  emit({ type: 'origin', confirmed: origin.confirmed, unchecked: origin.unchecked });

  let verdict: GateVerdict;
  try {
    verdict = gateVerdict(await deps.sonar.getProjectStatus(outcome.analysisId), request.policies);
  } catch (error) {
    if (!(error instanceof CrosscheckError)) throw error;
    const reason = `Could not read the quality gate: ${error.message}`;
    const status = await post('FAILED', reason);
    return { kind: 'no-verdict', reason, outcome, status, error };
  }
  const status = await post(verdict.state, verdict.description).catch((error: unknown) => {
    throw error instanceof CrosscheckError
      ? new VerdictNotPostedError(verdict.state, verdict.description, error)
      : error;
  });

  let insights: InsightsWritten | undefined;
  let insightsError: CrosscheckError | undefined;
  if (request.report || request.annotations) {
    try {
      insights = await writeInsights(deps, request, verdict, {
        projectKey: expected.projectKey,
        pullRequest: outcome.task.pullRequest,
        branch: outcome.task.branch,
      });
    } catch (error) {
      if (!(error instanceof CrosscheckError)) throw error;
      insightsError = error;
    }
  }
  return { kind: 'verdict', verdict, outcome, status, insights, insightsError };
}

/**
 * Whether the task is of the expected project and pull request or branch, and (where SonarQube lists it) of the
 * commit. A revision SonarQube cannot tell is noted as unchecked, not failed: the task checks still hold.
 */
async function checkOrigin(
  sonar: SonarApi,
  outcome: Extract<CeTaskOutcome, { kind: 'success' }>,
  expected: ExpectedAnalysis,
): Promise<{ mismatch?: string; confirmed: string; unchecked?: string }> {
  const scope = expected.pullRequest
    ? `pull request ${expected.pullRequest}`
    : expected.branch
      ? `branch ${expected.branch}`
      : 'its branch';
  const confirmed = `project ${expected.projectKey}, ${scope}`;
  const wrongTask = taskMismatch(outcome.task, expected);
  if (wrongTask) return { mismatch: wrongTask, confirmed };
  let revision: { mismatch?: string; unchecked?: string };
  try {
    const analysis = await sonar.findAnalysis(
      { projectKey: expected.projectKey, pullRequest: outcome.task.pullRequest, branch: outcome.task.branch },
      outcome.analysisId,
    );
    revision = revisionCheck(analysis, expected);
  } catch (error) {
    if (!(error instanceof CrosscheckError)) throw error;
    revision = { unchecked: `the analysed revision could not be read (${error.message})` };
  }
  if (revision.mismatch) return { mismatch: revision.mismatch, confirmed };
  return revision.unchecked
    ? { confirmed, unchecked: revision.unchecked }
    : { confirmed: `${confirmed}, commit ${expected.commit.slice(0, 12)}` };
}

async function writeInsights(
  deps: GateCheckDependencies,
  request: GateCheckRequest,
  verdict: GateVerdict,
  scope: IssueScope,
): Promise<InsightsWritten> {
  const reportId = request.key;
  await deps.bitbucket.putReport(
    request.repo,
    request.commit,
    reportId,
    gateReport(verdict, { title: request.name, link: request.url, projectKey: scope.projectKey }),
  );
  if (!request.annotations) return { reportId };
  const { issues, total } = await deps.sonar.listOpenIssues(scope, ANNOTATIONS_PER_REPORT);
  const annotations = issuesToAnnotations(issues, scope.projectKey, (issue) =>
    issueLink(deps.hostUrl, scope, issue.key),
  );
  const posted = annotations.length
    ? await deps.bitbucket.postAnnotations(request.repo, request.commit, reportId, annotations)
    : 0;
  return { reportId, annotations: { posted, total } };
}

function issueLink(hostUrl: string, scope: IssueScope, issueKey: string): string {
  const url = new URL(`${hostUrl.replace(/\/+$/, '')}/project/issues`);
  url.searchParams.set('id', scope.projectKey);
  if (scope.pullRequest) url.searchParams.set('pullRequest', scope.pullRequest);
  else if (scope.branch) url.searchParams.set('branch', scope.branch);
  url.searchParams.set('open', issueKey);
  return url.toString();
}
