// Starts the central repo's custom pipeline for one commit of an individual repo, and follows the run to its result.
import type { BitbucketApi } from './bitbucket/api';
import type { CommitStatus, Pipeline, PipelineVariable } from './bitbucket/types';
import { CrosscheckError, InputError } from './errors';
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
  const pipeline = await api.triggerPipeline(request.central, {
    branch: ref,
    pattern: request.pipeline,
    variables: triggerVariables(request.target, request.variables, request.pendingKey),
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
    const state = `${pipeline.state?.name}/${pipeline.state?.result?.name ?? pipeline.state?.stage?.name ?? ''}`;
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
