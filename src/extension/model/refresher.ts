// Keeps the check state of the current repository up to date and publishes it; the views only render what it publishes.
import type { BitbucketApi } from '../../core';
import { Disposable } from '../common/lifecycle';
import { Signal } from '../common/signal';
import {
  type CheckSnapshot,
  type CheckState,
  contextOf,
  isRunning,
  SnapshotLoader,
  snapshotOf,
  type StateError,
  stateErrorOf,
} from './check-state';
import { type Clock, type PollingPolicy, type PollOutcome, PollScheduler, SYSTEM_CLOCK } from './polling';
import type { MessageSettings } from './extension-messages';
import { contextKey, type RepoContext, viewedHead } from './repository';
import type { RequestBudget } from './request-budget';
import { RUN_STALE_MS, type RunTracker, runProgress, stopFollowing, type TrackedRun } from './runs';

export interface RefresherDependencies {
  /** The repository to show, read from git at each refresh (no request). */
  locate(): RepoContext | undefined;
  /** False in Restricted Mode: then nothing is sent with the user's credential on the workspace's behalf. */
  isTrusted(): boolean;
  /** The Bitbucket API with the stored credential; undefined when signed out; throws when the stored one cannot work. */
  connect(): Promise<BitbucketApi | undefined>;
  /** `crosscheck.checkKey` for that repository. */
  checkKey(context: RepoContext): string;
  runs: RunTracker;
  clock?: Clock;
  policy?: PollingPolicy;
  focused?: boolean;
  /** The requests this window sent (fed by the connection's events): automatic polls stay within its share. */
  budget?: RequestBudget;
  /** The settings messages name (the proxy in effect), read when a failure is described. */
  messageSettings?: () => MessageSettings;
}

/** A followed run finished (for the notification). */
export interface FinishedRun {
  run: TrackedRun;
  summary: string;
}

export class Refresher extends Disposable {
  private current: CheckState = { kind: 'no-repository' };
  private readonly changed = this._register(new Signal<CheckState>());
  private readonly finished = this._register(new Signal<FinishedRun>());
  private readonly scheduler: PollScheduler;
  private readonly loader: SnapshotLoader;
  private lastKey = '';
  private panelOpen = false;
  private fresh = false;
  /** The pull request picked for a branch with several, by repository, branch and commit. */
  private readonly chosenPullRequests = new Map<string, number>();

  /** Fires with every new state. */
  readonly onDidChangeState = this.changed.event;
  /** Fires when a run started from this workspace finished. */
  readonly onDidFinishRun = this.finished.event;

  constructor(private readonly deps: RefresherDependencies) {
    super();
    const clock = deps.clock ?? SYSTEM_CLOCK;
    this.loader = new SnapshotLoader(() => clock.now());
    this.scheduler = this._register(
      new PollScheduler(() => this.load(), clock, deps.policy, {
        focused: deps.focused,
        budget: deps.budget,
        onScheduled: (at) => this.noteRetry(at),
      }),
    );
  }

  get state(): CheckState {
    return this.current;
  }

  /** Fetches now, reading the pull request again too (user action, sign-in, settings change). */
  refresh(): Promise<void> {
    this.fresh = true;
    return this.scheduler.refreshNow();
  }

  /** Git or the active editor changed: refreshes only when the repository, branch, HEAD or push state did. */
  contextChanged(): Promise<void> {
    if (contextKey(this.deps.locate()) === this.lastKey) return Promise.resolve();
    return this.scheduler.refreshNow();
  }

  setFocused(focused: boolean): void {
    this.scheduler.setFocused(focused);
  }

  /** The panel needs the pull request and the statuses on its tip; closing it saves those requests. */
  setPanelOpen(open: boolean): void {
    if (this.panelOpen === open) return;
    this.panelOpen = open;
    if (open) void this.scheduler.refreshNow();
  }

  /** Polls a repository the user is not looking at less often when idle (multi-root: `factor` times the idle delay). */
  setIdleFactor(factor: number): void {
    this.scheduler.setIdleFactor(factor);
  }

  /** The pull request the check runs for on the current branch, when the user picked one of several. */
  chosenPullRequest(): number | undefined {
    return this.chosenPullRequests.get(choiceKey(this.deps.locate()));
  }

  /** The user picked the pull request the check runs for (a branch with several open ones). */
  choosePullRequest(id: number): Promise<void> {
    this.chosenPullRequests.set(choiceKey(this.deps.locate()), id);
    return this.scheduler.refreshNow();
  }

  /** Starts following a run just triggered: fast polling until it finishes. */
  async follow(run: TrackedRun): Promise<void> {
    await this.deps.runs.add(run);
    this.scheduler.noteTriggered();
    await this.scheduler.settled();
  }

  /** Resolves when no refresh is running. */
  settled(): Promise<void> {
    return this.scheduler.settled();
  }

  private publish(state: CheckState): void {
    if (this.isDisposed) return;
    this.current = state;
    this.changed.fire(state);
  }

  private async load(): Promise<PollOutcome> {
    const context = this.deps.locate();
    this.lastKey = contextKey(context);
    const fresh = this.fresh;
    this.fresh = false;
    if (!context) return this.inactive({ kind: 'no-repository' });
    if (!this.deps.isTrusted()) return this.inactive({ kind: 'restricted', context });
    const head = viewedHead(context);
    if ('problem' in head) return this.inactive({ kind: 'not-pushed', context, problem: head.problem });
    const checkKey = this.deps.checkKey(context);

    let api: BitbucketApi | undefined;
    try {
      api = await this.deps.connect();
    } catch (error) {
      return this.inactive({ kind: 'error', context, checkKey, error: this.stateError(error) });
    }
    if (!api) return this.inactive({ kind: 'signed-out', context });

    const previous = this.previousFor(this.lastKey, checkKey);
    if (!previous) this.publish({ kind: 'loading', context, checkKey });
    let snapshot: CheckSnapshot;
    const run = head.context.branch ? this.deps.runs.forCommit(context.repo, head.context.commit) : undefined;
    try {
      snapshot = await this.loader.load(api, head.context, {
        checkKey,
        run,
        withPullRequest: this.panelOpen,
        fresh,
        pullRequestId: this.chosenPullRequest(),
      });
    } catch (error) {
      const stateError = this.stateError(error);
      // The last good snapshot stays on screen, marked stale, but never with a run older than the one now followed
      // (a Re-run that started while the server could not be read).
      const kept =
        previous && previous.run?.uuid !== run?.uuid ? { ...previous, run, pipeline: undefined } : previous;
      this.publish({ kind: 'error', context, checkKey, error: stateError, previous: kept });
      return stateError.credential
        ? { kind: 'inactive' }
        : { kind: 'failed', rateLimited: stateError.rateLimited };
    }
    await this.noteRunProgress(snapshot);
    this.publish({ kind: 'loaded', snapshot });
    return { kind: isRunning(snapshot) ? 'running' : 'idle' };
  }

  private stateError(error: unknown): StateError {
    return stateErrorOf(error, this.deps.messageSettings?.() ?? {});
  }

  /** Once the next poll after a failure is scheduled, the views can say when Crosscheck tries again. */
  private noteRetry(at: number | undefined): void {
    const state = this.current;
    if (state.kind !== 'error' || state.error.credential || state.error.retryAt === at) return;
    this.publish({ ...state, error: { ...state.error, retryAt: at } });
  }

  private inactive(state: CheckState): PollOutcome {
    this.publish(state);
    return { kind: 'inactive' };
  }

  /** The last snapshot, if it was for the same repository, HEAD and key (kept on screen while reloading). */
  private previousFor(key: string, checkKey: string): CheckSnapshot | undefined {
    const snapshot = snapshotOf(this.current);
    const context = contextOf(this.current);
    return snapshot && contextKey(context) === key && snapshot.checkKey === checkKey ? snapshot : undefined;
  }

  /**
   * Notes what a followed run did: finished (its status left INPROGRESS, or the pipeline completed), or no longer
   * followed because it cannot be read or has not moved for RUN_STALE_MS; then Re-run is offered again.
   */
  private async noteRunProgress(snapshot: CheckSnapshot): Promise<void> {
    const run = snapshot.run;
    if (!run || run.finished) return;
    const check = snapshot.statuses.find((status) => status.key === run.key);
    const progress = runProgress(run, check, snapshot.pipeline);
    const still = snapshot.loadedAt - (run.changedAt ?? run.startedAt);
    if (progress.kind === 'finished') {
      run.finished = { at: snapshot.loadedAt, state: progress.state, summary: progress.summary };
    } else if (snapshot.runUnreadable) {
      stopFollowing(run, snapshot.loadedAt, `it cannot be read (${snapshot.runProblem ?? 'no answer'}).`);
    } else if (still >= RUN_STALE_MS) {
      const minutes = Math.round(RUN_STALE_MS / 60_000);
      stopFollowing(
        run,
        snapshot.loadedAt,
        `its state (${run.lastState ?? 'started'}) has not changed for ${minutes} minutes. Open it in Bitbucket, or run the check again.`,
      );
    }
    await this.deps.runs.update(run);
    if (!run.finished) return;
    // A run no longer followed does not keep polling fast; one that finished keeps the minute after its trigger fast,
    // so a status posted right after it (a re-post, a second check) still shows promptly.
    if (run.finished.stopped) this.scheduler.noteFollowEnded();
    this.finished.fire({ run, summary: run.finished.summary });
  }
}

/** Which pull request choice applies: the repository and branch. */
function choiceKey(context: RepoContext | undefined): string {
  return context ? `${context.root}\u0000${context.branch ?? ''}` : '';
}
