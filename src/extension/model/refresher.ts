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
  stateErrorOf,
} from './check-state';
import { type Clock, type PollingPolicy, type PollOutcome, PollScheduler, SYSTEM_CLOCK } from './polling';
import { contextKey, pushedHead, type RepoContext } from './repository';
import type { RequestBudget } from './request-budget';
import { type RunTracker, runProgress, type TrackedRun } from './runs';

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
    const head = pushedHead(context);
    if ('problem' in head) return this.inactive({ kind: 'not-pushed', context, problem: head.problem });
    const checkKey = this.deps.checkKey(context);

    let api: BitbucketApi | undefined;
    try {
      api = await this.deps.connect();
    } catch (error) {
      return this.inactive({ kind: 'error', context, checkKey, error: stateErrorOf(error) });
    }
    if (!api) return this.inactive({ kind: 'signed-out', context });

    const previous = this.previousFor(this.lastKey, checkKey);
    if (!previous) this.publish({ kind: 'loading', context, checkKey });
    let snapshot: CheckSnapshot;
    try {
      snapshot = await this.loader.load(api, head.context, {
        checkKey,
        run: this.deps.runs.forCommit(context.repo, head.context.commit),
        withPullRequest: this.panelOpen,
        fresh,
      });
    } catch (error) {
      const stateError = stateErrorOf(error);
      this.publish({ kind: 'error', context, checkKey, error: stateError, previous });
      return stateError.credential
        ? { kind: 'inactive' }
        : { kind: 'failed', rateLimited: stateError.rateLimited };
    }
    await this.noteRunProgress(snapshot);
    this.publish({ kind: 'loaded', snapshot });
    return { kind: isRunning(snapshot) ? 'running' : 'idle' };
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

  private async noteRunProgress(snapshot: CheckSnapshot): Promise<void> {
    const run = snapshot.run;
    if (!run || run.finished) return;
    const check = snapshot.statuses.find((status) => status.key === run.key);
    const progress = runProgress(run, check, snapshot.pipeline);
    if (progress.kind === 'finished') {
      run.finished = { at: snapshot.loadedAt, state: progress.state, summary: progress.summary };
    }
    await this.deps.runs.update(run);
    if (progress.kind === 'finished') this.finished.fire({ run, summary: progress.summary });
  }
}
