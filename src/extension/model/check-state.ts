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
import { describeFailure, type MessageSettings } from './extension-messages';
import type { CommitContext, PushProblem, RepoContext } from './repository';
import { sameCommit, type TrackedRun } from './runs';

/** Everything fetched for one HEAD commit. */
export interface CheckSnapshot {
  /** HEAD: on a pushed branch, or detached (no branch, no pull request, no run). */
  context: CommitContext;
  checkKey: string;
  /** Every build status on HEAD. */
  statuses: CommitStatus[];
  /** The status under the configured check key, if posted. */
  check?: CommitStatus;
  /** Only fetched while the panel is open: the pull request the check runs for (the one chosen, else the newest). */
  pullRequest?: PullRequest;
  /** Every open pull request from the branch, newest first (a status on its head counts for each of them). */
  pullRequests?: PullRequest[];
  /** Every status on the pull request's tip commit (what a merge check counts); HEAD's when they are the same. */
  pullRequestStatuses?: CommitStatus[];
  run?: TrackedRun;
  pipeline?: Pipeline;
  /** Why the run could not be read, when it could not (e.g. no pipeline scope on the central repository). */
  runProblem?: string;
  /** The run cannot be read for good (404: deleted; 403: no read:pipeline): it stops being followed. */
  runUnreadable?: boolean;
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
  /** When Crosscheck tries again on its own (set once the next poll is scheduled). */
  retryAt?: number;
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

/**
 * Whether the check being followed is still running, which keeps polling fast: the status under the check key is
 * INPROGRESS, or a run started from here has not finished. Other keys' INPROGRESS statuses (a CI build, another
 * check) are shown as they are, at the idle pace: they are not this extension's to wait for.
 */
export function isRunning(snapshot: CheckSnapshot): boolean {
  return snapshot.check?.state === 'INPROGRESS' || (snapshot.run !== undefined && !snapshot.run.finished);
}

/**
 * Turns a failure into words for the views, speaking of the extension's settings and commands rather than the CLI's
 * environment variables; anything that is not a Crosscheck error is a bug and rethrown.
 */
export function stateErrorOf(error: unknown, settings: MessageSettings = {}): StateError {
  if (error instanceof ApiError || error instanceof NetworkError || error instanceof CrosscheckError) {
    const described = describeFailure(error, settings);
    return {
      message: described.message,
      hint: described.hint,
      detail: error instanceof ApiError ? error.diagnosis : undefined,
      rateLimited: error instanceof ApiError && error.status === 429,
      credential: (error instanceof ApiError && error.status === 401) || error instanceof CredentialError,
    };
  }
  throw error;
}

export interface LoadRequest {
  checkKey: string;
  /** The run started for this commit, if any; its pipeline is read while it is not finished. */
  run?: TrackedRun;
  /** The pull request the user picked for this branch, when it has several. */
  pullRequestId?: number;
  /** The panel is open: read the pull request and the statuses on its tip too. */
  withPullRequest: boolean;
  /** Read the pull request even if a recent answer is cached (user refresh). */
  fresh: boolean;
}

/** The pull request of a branch changes rarely: it is read again after this long, or when HEAD moves. */
export const PULL_REQUEST_TTL_MS = 10 * 60_000;

/** Fetches a snapshot with as few requests as possible: one when idle, two while a run is followed. */
export class SnapshotLoader {
  private pullRequests?: { key: string; at: number; value: PullRequest[] };

  constructor(private readonly now: () => number) {}

  async load(api: BitbucketApi, context: CommitContext, request: LoadRequest): Promise<CheckSnapshot> {
    const { repo, commit } = context;
    // The run first: a pipeline seen COMPLETED posted its status before, so the statuses read next include it.
    const run = request.run ? await this.readRun(api, request.run) : {};
    const statuses = await this.statusesOf(api, context);
    const snapshot: CheckSnapshot = {
      context,
      checkKey: request.checkKey,
      statuses,
      check: statuses.find((status) => status.key === request.checkKey),
      run: request.run,
      ...run,
      loadedAt: this.now(),
    };
    if (request.withPullRequest && context.branch !== undefined) {
      const pullRequests = await this.findPullRequests(api, context, context.branch, request.fresh);
      const pullRequest =
        pullRequests.find((candidate) => candidate.id === request.pullRequestId) ?? pullRequests[0];
      snapshot.pullRequests = pullRequests;
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

  /**
   * HEAD's statuses. Bitbucket answers 404 both for a repository it does not have (or the credential cannot see) and
   * for a commit it does not have; one request to the repository tells which, only when that happens.
   */
  private async statusesOf(api: BitbucketApi, context: CommitContext): Promise<CommitStatus[]> {
    try {
      return await api.listCommitStatuses(context.repo, context.commit);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      const name = `${context.repo.workspace}/${context.repo.slug}`;
      try {
        await api.getRepository(context.repo);
      } catch (lookup) {
        if (!(lookup instanceof ApiError) || lookup.status !== 404) throw lookup;
        throw new CrosscheckError(
          `Bitbucket has no repository ${name}, or your account cannot see it.`,
          `The remote ${context.remote} of ${context.root} names it: check the remote's URL (git remote -v), or sign in with an account that can see ${name} (Crosscheck: Sign In to Bitbucket).`,
        );
      }
      const short = context.commit.slice(0, 7);
      throw new CrosscheckError(
        `Bitbucket's ${name} has no commit ${short}.`,
        context.branch !== undefined
          ? `Push ${context.branch} (git push), or fetch if it was rewritten on Bitbucket; then Refresh.`
          : 'This commit was never pushed, or was rewritten since: check out a pushed branch or tag; then Refresh.',
      );
    }
  }

  private async readRun(
    api: BitbucketApi,
    run: TrackedRun,
  ): Promise<Pick<CheckSnapshot, 'pipeline' | 'runProblem' | 'runUnreadable'>> {
    if (run.finished) return {};
    try {
      const pipeline = await api.getPipeline(run.central, run.uuid);
      const state = describePipelineState(pipeline);
      if (state !== run.lastState) run.changedAt = this.now();
      run.lastState = state;
      return { pipeline };
    } catch (error) {
      // The statuses still tell the outcome; a run that cannot be read (e.g. no pipeline scope) is reported, not fatal.
      if (!(error instanceof ApiError) || error.status === 429) throw error;
      // 404: the run was deleted (or the central repository renamed); 403: the credential lacks read:pipeline. Neither
      // mends itself, so the run stops being followed. Anything else (5xx) is tried again at the next poll.
      return { runProblem: error.message, runUnreadable: error.status === 404 || error.status === 403 };
    }
  }

  private async findPullRequests(
    api: BitbucketApi,
    context: CommitContext,
    branch: string,
    fresh: boolean,
  ): Promise<PullRequest[]> {
    const key = `${context.repo.workspace}/${context.repo.slug}\u0000${branch}\u0000${context.commit}`;
    const cached = this.pullRequests;
    if (!fresh && cached && cached.key === key && this.now() - cached.at < PULL_REQUEST_TTL_MS)
      return cached.value;
    const value = await api.listOpenPullRequestsFrom(context.repo, branch);
    this.pullRequests = { key, at: this.now(), value };
    return value;
  }
}
