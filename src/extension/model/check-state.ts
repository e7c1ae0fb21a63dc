// The one state every view renders: what is known about the current repository's HEAD, its pull request and central run.
import {
  type BitbucketApi,
  type CommitStatus,
  type Pipeline,
  type PullRequest,
  ApiError,
  CredentialError,
  CrosscheckError,
  NetworkError,
  describePipelineState,
} from '../../core';
import type { PushedContext, PushProblem, RepoContext } from './repository';
import { sameCommit, type TrackedRun } from './runs';

/** Everything fetched for one HEAD commit. */
export interface CheckSnapshot {
  context: PushedContext;
  checkKey: string;
  /** Every build status on HEAD. */
  statuses: CommitStatus[];
  /** The status under the configured check key, if posted. */
  check?: CommitStatus;
  /** Only fetched while the panel is open. */
  pullRequest?: PullRequest;
  /** Every status on the pull request's tip commit (what a merge check counts); HEAD's when they are the same. */
  pullRequestStatuses?: CommitStatus[];
  run?: TrackedRun;
  pipeline?: Pipeline;
  /** Why the run could not be read, when it could not (e.g. no pipeline scope on the central repository). */
  runProblem?: string;
  loadedAt: number;
}

export interface StateError {
  message: string;
  hint?: string;
  /** Server-side detail for the log. */
  detail?: string;
  rateLimited: boolean;
  /** The stored credential is unusable: signing in again fixes it. */
  credential: boolean;
}

export type CheckState =
  | { kind: 'no-repository' }
  | { kind: 'restricted'; context?: RepoContext }
  | { kind: 'signed-out'; context: RepoContext }
  | { kind: 'not-pushed'; context: RepoContext; problem: PushProblem }
  | { kind: 'loading'; context: RepoContext; checkKey: string }
  | { kind: 'loaded'; snapshot: CheckSnapshot }
  | { kind: 'error'; context: RepoContext; checkKey: string; error: StateError; previous?: CheckSnapshot };

/** The repository context of any state that has one. */
export function contextOf(state: CheckState): RepoContext | undefined {
  switch (state.kind) {
    case 'no-repository':
      return undefined;
    case 'loaded':
      return state.snapshot.context;
    default:
      return state.context;
  }
}

/** The freshest snapshot a state carries (an error keeps the last good one). */
export function snapshotOf(state: CheckState): CheckSnapshot | undefined {
  if (state.kind === 'loaded') return state.snapshot;
  if (state.kind === 'error') return state.previous;
  return undefined;
}

/** Whether something on HEAD is still running, which keeps polling fast. */
export function isRunning(snapshot: CheckSnapshot): boolean {
  return (
    snapshot.statuses.some((status) => status.state === 'INPROGRESS') ||
    (snapshot.run !== undefined && !snapshot.run.finished)
  );
}

/** Turns a failure into words for the views; anything that is not a Crosscheck error is a bug and rethrown. */
export function stateErrorOf(error: unknown): StateError {
  if (error instanceof ApiError) {
    return {
      message: error.message,
      hint: error.hint,
      detail: error.diagnosis,
      rateLimited: error.status === 429,
      credential: error.status === 401,
    };
  }
  if (error instanceof NetworkError)
    return { message: error.message, hint: error.hint, rateLimited: false, credential: false };
  if (error instanceof CrosscheckError) {
    return {
      message: error.message,
      hint: error.hint,
      rateLimited: false,
      credential: error instanceof CredentialError,
    };
  }
  throw error;
}

export interface LoadRequest {
  checkKey: string;
  /** The run started for this commit, if any; its pipeline is read while it is not finished. */
  run?: TrackedRun;
  /** The panel is open: read the pull request and the statuses on its tip too. */
  withPullRequest: boolean;
  /** Read the pull request even if a recent answer is cached (user refresh). */
  fresh: boolean;
}

/** The pull request of a branch changes rarely: it is read again after this long, or when HEAD moves. */
export const PULL_REQUEST_TTL_MS = 10 * 60_000;

/** Fetches a snapshot with as few requests as possible: one when idle, two while a run is followed. */
export class SnapshotLoader {
  private pullRequest?: { key: string; at: number; value: PullRequest | undefined };

  constructor(private readonly now: () => number) {}

  async load(api: BitbucketApi, context: PushedContext, request: LoadRequest): Promise<CheckSnapshot> {
    const { repo, commit } = context;
    // The run first: a pipeline seen COMPLETED posted its status before, so the statuses read next include it.
    const run = request.run ? await this.readRun(api, request.run) : {};
    const statuses = await api.listCommitStatuses(repo, commit);
    const snapshot: CheckSnapshot = {
      context,
      checkKey: request.checkKey,
      statuses,
      check: statuses.find((status) => status.key === request.checkKey),
      run: request.run,
      ...run,
      loadedAt: this.now(),
    };
    if (request.withPullRequest) {
      const pullRequest = await this.findPullRequest(api, context, request.fresh);
      snapshot.pullRequest = pullRequest;
      const tip = pullRequest?.source.commit?.hash;
      if (pullRequest && tip && !sameCommit(tip, commit)) {
        snapshot.pullRequestStatuses = await api.listCommitStatuses(repo, tip);
      } else if (pullRequest) {
        snapshot.pullRequestStatuses = statuses;
      }
    }
    return snapshot;
  }

  private async readRun(
    api: BitbucketApi,
    run: TrackedRun,
  ): Promise<Pick<CheckSnapshot, 'pipeline' | 'runProblem'>> {
    if (run.finished) return {};
    try {
      const pipeline = await api.getPipeline(run.central, run.uuid);
      run.lastState = describePipelineState(pipeline);
      return { pipeline };
    } catch (error) {
      // The statuses still tell the outcome; a run that cannot be read (e.g. no pipeline scope) is reported, not fatal.
      if (!(error instanceof ApiError) || error.status === 429) throw error;
      return { runProblem: error.message };
    }
  }

  private async findPullRequest(
    api: BitbucketApi,
    context: PushedContext,
    fresh: boolean,
  ): Promise<PullRequest | undefined> {
    const key = `${context.repo.workspace}/${context.repo.slug}\u0000${context.branch}\u0000${context.commit}`;
    const cached = this.pullRequest;
    if (!fresh && cached && cached.key === key && this.now() - cached.at < PULL_REQUEST_TTL_MS)
      return cached.value;
    const value = await api.findOpenPullRequest(context.repo, context.branch);
    this.pullRequest = { key, at: this.now(), value };
    return value;
  }
}
