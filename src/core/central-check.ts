// Starts the central repo's custom pipeline for one commit of an individual repo, and follows the run to its result.
import type { BitbucketApi } from './bitbucket/api';
import type { CommitStatus, Pipeline, PipelineVariable } from './bitbucket/types';
import { ApiError, CrosscheckError, InputError } from './errors';
import { formatRepository, type RepositoryRef } from './validation';

/** The commit to check, in the individual repo. */
export interface CheckTarget {
  repo: RepositoryRef;
  commit: string;
  branch: string;
  pullRequestId?: number;
  destinationBranch?: string;
}

export interface CentralCheckRequest {
  central: RepositoryRef;
  /** The custom pipeline's name (`pipelines: custom: <name>`). */
  pipeline: string;
  /** Branch of the central repo to run; when not given, one GET asks for its main branch. */
  ref?: string;
  target: CheckTarget;
  /** Further variables, passed as given (a value may be marked secured). */
  variables?: PipelineVariable[];
  /** When set, the target commit is marked INPROGRESS under this key, linking to the central run. */
  pendingKey?: string;
  pendingName?: string;
  /** How the user picks the central branch (e.g. `--ref`), named in the explanation of a refused trigger. */
  refOption?: string;
}

export interface CentralCheckStarted {
  pipeline: Pipeline;
  /** Link to the run in Bitbucket's UI. */
  runUrl: string;
  ref: string;
  pending?: CommitStatus;
  /** Why the commit could not be marked INPROGRESS, although the run started. */
  pendingError?: CrosscheckError;
}

/**
 * The variables the central pipeline reads: which repo, commit, branch and pull request to check, and the key the
 * commit was marked INPROGRESS under (TRIGGER_PENDING_KEY), so the gate need not mark it again.
 */
export function triggerVariables(
  target: CheckTarget,
  extra: PipelineVariable[] = [],
  pendingKey?: string,
): PipelineVariable[] {
  const variables: PipelineVariable[] = [
    { key: 'TRIGGER_REPO', value: formatRepository(target.repo) },
    { key: 'TRIGGER_COMMIT', value: target.commit },
    { key: 'TRIGGER_BRANCH', value: target.branch },
  ];
  if (target.pullRequestId !== undefined)
    variables.push({ key: 'TRIGGER_PR_ID', value: String(target.pullRequestId) });
  if (target.destinationBranch)
    variables.push({ key: 'TRIGGER_DESTINATION_BRANCH', value: target.destinationBranch });
  if (pendingKey) variables.push({ key: 'TRIGGER_PENDING_KEY', value: pendingKey });
  for (const variable of extra) {
    if (variables.some((known) => known.key === variable.key)) {
      throw new InputError(
        `Variable ${variable.key} is set by Crosscheck itself.`,
        'Give the value through the matching option instead, or pick another name.',
      );
    }
    variables.push(variable);
  }
  return variables;
}

/** Link to a pipeline run in Bitbucket's web UI. */
export function pipelineRunUrl(
  repo: RepositoryRef,
  pipeline: Pipeline,
  webUrl = 'https://bitbucket.org',
): string {
  return (
    pipeline.links?.html?.href ??
    `${webUrl}/${formatRepository(repo)}/pipelines/results/${pipeline.build_number}`
  );
}

/** Triggers the central custom pipeline, then (optionally) marks the target commit INPROGRESS. */
export async function startCentralCheck(
  api: BitbucketApi,
  request: CentralCheckRequest,
): Promise<CentralCheckStarted> {
  // Without a branch, one GET learns the central repository's main branch (not cached: a CI step starts afresh).
  const ref = request.ref ?? (await api.getRepository(request.central)).mainbranch?.name ?? 'main';
  const pipeline = await api
    .triggerPipeline(request.central, {
      branch: ref,
      pattern: request.pipeline,
      variables: triggerVariables(request.target, request.variables, request.pendingKey),
    })
    .catch((error: unknown) => {
      throw explainTriggerFailure(error, request);
    });
  const runUrl = pipelineRunUrl(request.central, pipeline);
  let pending: CommitStatus | undefined;
  let pendingError: CrosscheckError | undefined;
  if (request.pendingKey) {
    // The run has started and will post its verdict: a failed INPROGRESS mark is reported, not thrown, so that
    // running the trigger again does not start a second run.
    pending = await api
      .setBuildStatus(request.target.repo, request.target.commit, {
        key: request.pendingKey,
        state: 'INPROGRESS',
        name: request.pendingName ?? request.pendingKey,
        description: `Central check ${request.pipeline} #${pipeline.build_number} running`,
        url: runUrl,
        refname: request.target.branch,
      })
      .catch((error: unknown) => {
        if (!(error instanceof CrosscheckError)) throw error;
        pendingError = error;
        return undefined;
      });
  }
  return { pipeline, runUrl, ref, pending, pendingError };
}

/** Bitbucket answers 400 with a data key when the central repository cannot run that custom pipeline; say which. */
function explainTriggerFailure(error: unknown, request: CentralCheckRequest): unknown {
  if (!(error instanceof ApiError) || error.status !== 400) return error;
  const body = error.body as { error?: { data?: { key?: string } } } | undefined;
  const central = formatRepository(request.central);
  const on = request.ref ? `branch ${request.ref}` : 'its main branch';
  const orRef = request.refOption ? `, or give ${request.refOption} the branch that has it` : '';
  const explain = (message: string, hint: string) =>
    new ApiError(message, error.status, error.request, error.diagnosis, error.body, hint, { cause: error });
  switch (body?.error?.data?.key) {
    case 'result-service.pipeline.selector-not-found':
      return explain(
        `${central} has no custom pipeline "${request.pipeline}" in the bitbucket-pipelines.yml of ${on}.`,
        `Check the name under pipelines: custom: in ${central} (names are case-sensitive)${orRef}.`,
      );
    case 'result-service.pipeline.yml-not-found':
      return explain(
        `${central} has no bitbucket-pipelines.yml on ${on}.`,
        `Add the central pipeline file to ${central}${orRef}.`,
      );
    case 'result-service.pipeline.ref-not-found':
      return explain(
        request.ref ? `${central} has no branch ${request.ref}.` : `${central} has no main branch to run.`,
        request.refOption
          ? `Give ${request.refOption} an existing branch of the central repository, or leave it out to use the main branch.`
          : `Give ${central} a main branch that has the central bitbucket-pipelines.yml.`,
      );
    default:
      return error;
  }
}

/** A pipeline's state as people read it: `PENDING`, `IN_PROGRESS (RUNNING)`, `COMPLETED (FAILED)`. */
export function describePipelineState(pipeline: Pipeline): string {
  const state = pipeline.state;
  if (!state) return 'state unknown';
  const detail = state.result?.name ?? state.stage?.name;
  return detail ? `${state.name} (${detail})` : state.name;
}

export type RunProgress = (pipeline: Pipeline) => void;

/** Polls a pipeline run until COMPLETED (or `signal` aborts); intervals grow from 2 s to 10 s. */
export async function followPipeline(
  api: BitbucketApi,
  repo: RepositoryRef,
  uuid: string,
  options: {
    onProgress?: RunProgress;
    sleep?: (ms: number) => Promise<void>;
    signal?: AbortSignal;
    timeoutMs?: number;
    now?: () => number;
  } = {},
): Promise<Pipeline> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + (options.timeoutMs ?? 3_600_000);
  let interval = 2000;
  let last = '';
  for (;;) {
    const pipeline = await api.getPipeline(repo, uuid);
    const state = describePipelineState(pipeline);
    if (state !== last) {
      options.onProgress?.(pipeline);
      last = state;
    }
    if (pipeline.state?.name === 'COMPLETED') return pipeline;
    if (options.signal?.aborted || now() + interval > deadline) return pipeline;
    await sleep(interval);
    interval = Math.min(10_000, Math.round(interval * 1.5));
  }
}
