// When to ask Bitbucket again: fast while a check runs, slow when idle, never unfocused, backing off on errors and 429,
// within the window's share of the hourly request budget.
import type { RequestBudget } from './request-budget';

export interface PollingPolicy {
  /** While a status is INPROGRESS or a run was just triggered: a new state shows within this delay. */
  fastMs: number;
  /** After `fastForMs` of running, the delay grows to `runningMs`, then to `stuckMs` after `stuckAfterMs`. */
  fastForMs: number;
  runningMs: number;
  stuckAfterMs: number;
  stuckMs: number;
  /** Focused and nothing running. */
  idleMs: number;
  /** How long after a trigger polling stays fast even before anything shows as running. */
  triggeredMs: number;
  /** First delay after a failure, doubled for each further consecutive failure. */
  errorBaseMs: number;
  /** First delay after a 429 (Bitbucket sends no Retry-After), doubled likewise. */
  rateLimitBaseMs: number;
  maxBackoffMs: number;
  /** On focus, refresh at once if the last refresh is older than this (or than the current interval). */
  focusStaleMs: number;
}

export const DEFAULT_POLLING: PollingPolicy = {
  fastMs: 2_500,
  fastForMs: 5 * 60_000,
  runningMs: 5_000,
  stuckAfterMs: 15 * 60_000,
  stuckMs: 30_000,
  idleMs: 90_000,
  triggeredMs: 60_000,
  errorBaseMs: 10_000,
  rateLimitBaseMs: 60_000,
  maxBackoffMs: 30 * 60_000,
  focusStaleMs: 30_000,
};

/** What the last refresh found. `inactive`: nothing to poll (signed out, no repository, Restricted Mode, not pushed). */
export type PollOutcome =
  { kind: 'idle' } | { kind: 'running' } | { kind: 'inactive' } | { kind: 'failed'; rateLimited: boolean };

export interface PollingSituation {
  focused: boolean;
  outcome: PollOutcome;
  /** When the current streak of `running` outcomes began. */
  runningSince?: number;
  triggeredAt?: number;
  /** Consecutive failed refreshes, the last one included. */
  failures: number;
  now: number;
  /** The idle delay is multiplied by this (a repository of a multi-root workspace that is not being looked at). */
  idleFactor?: number;
}

/** Milliseconds until the next refresh, or undefined for none (until something changes). */
export function nextPollDelay(
  situation: PollingSituation,
  policy: PollingPolicy = DEFAULT_POLLING,
): number | undefined {
  if (!situation.focused || situation.outcome.kind === 'inactive') return undefined;
  const base = baseDelay(situation, policy);
  if (situation.outcome.kind !== 'failed') return base;
  const first = situation.outcome.rateLimited ? policy.rateLimitBaseMs : policy.errorBaseMs;
  const backoff = Math.min(policy.maxBackoffMs, first * 2 ** Math.max(0, situation.failures - 1));
  return Math.max(base, backoff);
}

function baseDelay(situation: PollingSituation, policy: PollingPolicy): number {
  const { now } = situation;
  if (situation.triggeredAt !== undefined && now - situation.triggeredAt < policy.triggeredMs)
    return policy.fastMs;
  // A failure while something runs keeps the running pace as the floor under the backoff.
  const running =
    situation.outcome.kind === 'running' ||
    (situation.outcome.kind === 'failed' && situation.runningSince !== undefined);
  if (!running) return policy.idleMs * Math.max(1, situation.idleFactor ?? 1);
  const runningFor = now - (situation.runningSince ?? now);
  if (runningFor < policy.fastForMs) return policy.fastMs;
  return runningFor < policy.stuckAfterMs ? policy.runningMs : policy.stuckMs;
}

/** Timers the scheduler uses, injectable so tests run an hour in simulated time. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Runs `refresh` according to the policy: one refresh at a time; a request made during one runs right after it.
 * `refresh` reports what it found, which decides the next delay.
 */
export class PollScheduler {
  private focused: boolean;
  private timer: unknown;
  private inFlight?: Promise<void>;
  private again = false;
  private disposed = false;
  private outcome: PollOutcome = { kind: 'inactive' };
  private failures = 0;
  private runningSince?: number;
  private triggeredAt?: number;
  private lastRefreshAt?: number;
  private idleFactor = 1;

  private readonly budget?: RequestBudget;
  private readonly onScheduled?: (at: number | undefined) => void;

  constructor(
    private readonly refresh: () => Promise<PollOutcome>,
    private readonly clock: Clock = SYSTEM_CLOCK,
    private readonly policy: PollingPolicy = DEFAULT_POLLING,
    options: {
      focused?: boolean;
      budget?: RequestBudget;
      /** Told when the next automatic refresh will run (undefined: none until something changes). */
      onScheduled?: (at: number | undefined) => void;
    } = {},
  ) {
    this.focused = options.focused ?? true;
    this.budget = options.budget;
    this.onScheduled = options.onScheduled;
  }

  /** Multiplies the idle delay (1: the policy's); takes effect from the next schedule. */
  setIdleFactor(factor: number): void {
    if (this.idleFactor === factor) return;
    this.idleFactor = factor;
    if (this.timer !== undefined) this.schedule();
  }

  /** Refreshes now (user action, sign-in, branch or HEAD change): backoff does not hold it back. */
  refreshNow(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.inFlight) {
      this.again = true;
      return this.inFlight.then(() => this.settled());
    }
    this.cancelTimer();
    this.inFlight = this.runOnce().finally(() => {
      this.inFlight = undefined;
      if (this.again && !this.disposed) {
        this.again = false;
        void this.refreshNow();
      } else {
        this.schedule();
      }
    });
    return this.inFlight;
  }

  /** A run was just started: poll fast for a while even before it shows as running. */
  noteTriggered(): void {
    this.triggeredAt = this.clock.now();
    void this.refreshNow();
  }

  /** The run just started is no longer followed: back to the pace of what is shown. */
  noteFollowEnded(): void {
    this.triggeredAt = undefined;
  }

  setFocused(focused: boolean): void {
    if (this.focused === focused) return;
    this.focused = focused;
    if (!focused) {
      this.cancelTimer();
      return;
    }
    if (this.inFlight) return;
    const delay = this.delay();
    const since = this.lastRefreshAt === undefined ? Infinity : this.clock.now() - this.lastRefreshAt;
    const stale = since >= Math.min(this.policy.focusStaleMs, delay ?? Infinity);
    // After a failure, coming back to the window does not cut the backoff short.
    if (stale && this.outcome.kind !== 'failed') void this.refreshNow();
    else this.schedule();
  }

  /** Resolves once no refresh is running (for tests and orderly shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  get isFocused(): boolean {
    return this.focused;
  }

  dispose(): void {
    this.disposed = true;
    this.cancelTimer();
  }

  private async runOnce(): Promise<void> {
    let outcome: PollOutcome;
    try {
      outcome = await this.refresh();
    } catch {
      outcome = { kind: 'failed', rateLimited: false };
    }
    const now = this.clock.now();
    this.lastRefreshAt = now;
    this.failures = outcome.kind === 'failed' ? this.failures + 1 : 0;
    if (outcome.kind === 'running') this.runningSince ??= now;
    else if (outcome.kind !== 'failed') this.runningSince = undefined;
    this.outcome = outcome;
  }

  private delay(): number | undefined {
    return nextPollDelay(
      {
        focused: this.focused,
        outcome: this.outcome,
        runningSince: this.runningSince,
        triggeredAt: this.triggeredAt,
        failures: this.failures,
        now: this.clock.now(),
        idleFactor: this.idleFactor,
      },
      this.policy,
    );
  }

  private schedule(): void {
    this.cancelTimer();
    if (this.disposed) return;
    const delay = this.delay();
    if (delay === undefined) {
      this.onScheduled?.(undefined);
      return;
    }
    const elapsed = this.lastRefreshAt === undefined ? 0 : this.clock.now() - this.lastRefreshAt;
    // The hourly budget can only push an automatic refresh later, never sooner.
    const wait = Math.max(0, delay - elapsed, this.budget?.waitMs(elapsed) ?? 0);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.refreshNow();
    }, wait);
    this.onScheduled?.(this.clock.now() + wait);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
