// Polling policy and scheduler in simulated time: requests per hour focused, unfocused, running; backoff; focus.
import * as assert from 'node:assert/strict';
import {
  DEFAULT_POLLING,
  nextPollDelay,
  type PollOutcome,
  PollScheduler,
  type PollingSituation,
} from '../../src/extension/model/polling';
import {
  BURST_REQUESTS,
  NEAR_LIMIT_DELAY_MS,
  REQUESTS_PER_HOUR,
  RequestBudget,
} from '../../src/extension/model/request-budget';
import { FakeClock } from './support/fake-clock';

const HOUR = 3_600_000;
const MINUTE = 60_000;

function situation(overrides: Partial<PollingSituation>): PollingSituation {
  return { focused: true, outcome: { kind: 'idle' }, failures: 0, now: 0, ...overrides };
}

describe('nextPollDelay', () => {
  it('never polls while the window is unfocused, whatever runs', () => {
    for (const outcome of [
      { kind: 'idle' },
      { kind: 'running' },
      { kind: 'failed', rateLimited: true },
    ] as PollOutcome[]) {
      assert.equal(nextPollDelay(situation({ focused: false, outcome, runningSince: 0 })), undefined);
    }
  });

  it('does not poll when there is nothing to poll (signed out, no repository, Restricted Mode, not pushed)', () => {
    assert.equal(nextPollDelay(situation({ outcome: { kind: 'inactive' } })), undefined);
  });

  it('polls at least a minute apart when idle and focused', () => {
    const delay = nextPollDelay(situation({}));
    assert.ok(delay !== undefined && delay >= 60_000, `idle delay ${delay}`);
  });

  it('polls every 2–3 s while running or just triggered, slowing down only for long runs', () => {
    const fast = nextPollDelay(situation({ outcome: { kind: 'running' }, runningSince: 0, now: MINUTE }));
    assert.ok(fast !== undefined && fast >= 2000 && fast <= 3000, `fast delay ${fast}`);
    assert.equal(nextPollDelay(situation({ triggeredAt: 0, now: 10_000 })), DEFAULT_POLLING.fastMs);
    assert.equal(
      nextPollDelay(situation({ outcome: { kind: 'running' }, runningSince: 0, now: 10 * MINUTE })),
      5_000,
    );
    assert.equal(
      nextPollDelay(situation({ outcome: { kind: 'running' }, runningSince: 0, now: 20 * MINUTE })),
      DEFAULT_POLLING.stuckMs,
    );
  });

  it('backs off exponentially on errors, and further on 429, up to a ceiling', () => {
    const error = (failures: number) =>
      nextPollDelay(situation({ outcome: { kind: 'failed', rateLimited: false }, failures }));
    const limited = (failures: number) =>
      nextPollDelay(situation({ outcome: { kind: 'failed', rateLimited: true }, failures }));
    // Never faster than the idle interval, then doubling once the backoff exceeds it.
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map(error),
      [90_000, 90_000, 90_000, 90_000, 160_000, 320_000, 640_000],
    );
    assert.deepEqual([1, 2, 3, 4].map(limited), [90_000, 120_000, 240_000, 480_000]);
    assert.equal(limited(20), DEFAULT_POLLING.maxBackoffMs);
  });

  it('backs off from the running pace when a refresh fails while a check runs', () => {
    const failed = (failures: number) =>
      nextPollDelay(
        situation({
          outcome: { kind: 'failed', rateLimited: false },
          failures,
          runningSince: 0,
          now: MINUTE,
        }),
      );
    assert.deepEqual([1, 2, 3].map(failed), [10_000, 20_000, 40_000]);
  });
});

/** A scheduler whose refresh answers from a script and counts calls. */
function scripted(clock: FakeClock, answer: (call: number) => PollOutcome, focused = true) {
  const calls: number[] = [];
  const scheduler = new PollScheduler(
    async () => {
      calls.push(clock.now());
      return answer(calls.length);
    },
    clock,
    DEFAULT_POLLING,
    { focused },
  );
  return { scheduler, calls, settle: () => scheduler.settled() };
}

describe('PollScheduler', () => {
  it('makes at most 60 refreshes an hour when focused and idle', async () => {
    const clock = new FakeClock();
    const { scheduler, calls, settle } = scripted(clock, () => ({ kind: 'idle' }));
    await scheduler.refreshNow();
    await clock.advance(HOUR, settle);
    assert.ok(calls.length >= 30 && calls.length <= 60, `${calls.length} refreshes in an hour`);
    scheduler.dispose();
  });

  it('makes none while unfocused, then refreshes at once on focus', async () => {
    const clock = new FakeClock();
    const { scheduler, calls, settle } = scripted(clock, () => ({ kind: 'idle' }));
    await scheduler.refreshNow();
    scheduler.setFocused(false);
    await clock.advance(HOUR, settle);
    assert.equal(calls.length, 1);
    assert.deepEqual(clock.pending(), []);
    scheduler.setFocused(true);
    await settle();
    assert.equal(calls.length, 2);
    assert.equal(calls[1], clock.now());
    scheduler.dispose();
  });

  it('does not refresh on focus when the last refresh is recent', async () => {
    const clock = new FakeClock();
    const { scheduler, calls, settle } = scripted(clock, () => ({ kind: 'idle' }));
    await scheduler.refreshNow();
    scheduler.setFocused(false);
    await clock.advance(5_000, settle);
    scheduler.setFocused(true);
    await settle();
    assert.equal(calls.length, 1);
    assert.deepEqual(clock.pending(), [DEFAULT_POLLING.idleMs - 5_000]);
    scheduler.dispose();
  });

  it('shows a new state within 5 s while a check runs', async () => {
    const clock = new FakeClock();
    const { scheduler, calls, settle } = scripted(clock, (call) =>
      call <= 40 ? { kind: 'running' } : { kind: 'idle' },
    );
    await scheduler.refreshNow();
    await clock.advance(10 * MINUTE, settle);
    const gaps = gapsBetween(calls.slice(0, 40));
    assert.ok(Math.max(...gaps) <= 5_000, `largest gap while running ${Math.max(...gaps)} ms`);
    // Once idle again it slows down.
    assert.ok(calls.at(-1)! - calls.at(-2)! >= 60_000);
    scheduler.dispose();
  });

  it('keeps a check that runs for an hour under 400 refreshes', async () => {
    const clock = new FakeClock();
    const { scheduler, calls, settle } = scripted(clock, () => ({ kind: 'running' }));
    await scheduler.refreshNow();
    await clock.advance(HOUR, settle);
    assert.ok(calls.length <= 400, `${calls.length} refreshes`);
    scheduler.dispose();
  });

  it('polls fast after a trigger even before the run shows', async () => {
    const clock = new FakeClock();
    const { scheduler, calls, settle } = scripted(clock, () => ({ kind: 'idle' }));
    await scheduler.refreshNow();
    scheduler.noteTriggered();
    await settle();
    await clock.advance(30_000, settle);
    assert.ok(calls.length >= 12, `${calls.length} refreshes in the first 30 s after a trigger`);
    scheduler.dispose();
  });

  it('backs off on 429 and does not let focus cut the backoff short', async () => {
    const clock = new FakeClock();
    const { scheduler, calls, settle } = scripted(clock, () => ({ kind: 'failed', rateLimited: true }));
    await scheduler.refreshNow();
    await clock.advance(HOUR, settle);
    // 90 s, 2 min, 4, 8, 16, 30 min … : a handful an hour.
    assert.ok(calls.length <= 7, `${calls.length} refreshes an hour while rate limited`);
    scheduler.setFocused(false);
    scheduler.setFocused(true);
    await settle();
    const before = calls.length;
    await clock.advance(1_000, settle);
    assert.equal(calls.length, before);
    scheduler.dispose();
  });

  it('runs one refresh at a time and runs again once for requests made meanwhile', async () => {
    const clock = new FakeClock();
    let release: () => void = () => undefined;
    let started = 0;
    const scheduler = new PollScheduler(() => {
      started++;
      return new Promise<PollOutcome>((resolve) => (release = () => resolve({ kind: 'idle' })));
    }, clock);
    const first = scheduler.refreshNow();
    const second = scheduler.refreshNow();
    const third = scheduler.refreshNow();
    assert.equal(started, 1);
    release();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(started, 2);
    release();
    await Promise.all([second, third]);
    assert.equal(started, 2);
    scheduler.dispose();
  });

  it('stops scheduling when disposed', async () => {
    const clock = new FakeClock();
    const { scheduler, calls, settle } = scripted(clock, () => ({ kind: 'running' }));
    await scheduler.refreshNow();
    scheduler.dispose();
    await clock.advance(HOUR, settle);
    assert.equal(calls.length, 1);
  });
});

describe('PollScheduler within the hourly request budget', () => {
  /** A scheduler whose every refresh sends `perRefresh` requests through the budget, as the HTTP client would. */
  function budgeted(
    clock: FakeClock,
    perRefresh: number,
    answer: () => PollOutcome,
    nearLimit = () => false,
  ) {
    const budget = new RequestBudget(clock);
    const calls: number[] = [];
    const scheduler = new PollScheduler(
      async () => {
        calls.push(clock.now());
        for (let request = 0; request < perRefresh; request++) {
          budget.observe({ type: 'request', method: 'GET', url: '/x', attempt: 1 });
          budget.observe({
            type: 'response',
            method: 'GET',
            url: '/x',
            status: 200,
            ms: 1,
            ...(nearLimit() ? { rateLimit: { nearLimit: true } } : {}),
          });
        }
        return answer();
      },
      clock,
      DEFAULT_POLLING,
      { budget },
    );
    return { scheduler, calls, settle: () => scheduler.settled() };
  }

  it('a check followed for hours with the panel open stays within the documented 300 requests per rolling hour', async () => {
    const clock = new FakeClock();
    const perRefresh = 4;
    const { scheduler, calls, settle } = budgeted(clock, perRefresh, () => ({ kind: 'running' }));
    await scheduler.refreshNow();
    await clock.advance(3 * HOUR, settle);
    // Every rolling hour (checked at each refresh) holds at most BURST + PER_HOUR requests, plus one refresh's worth.
    for (const end of calls) {
      const inHour = calls.filter((at) => at > end - HOUR && at <= end).length * perRefresh;
      assert.ok(
        inHour <= BURST_REQUESTS + REQUESTS_PER_HOUR + perRefresh,
        `${inHour} requests in the hour to ${end}`,
      );
    }
    // It still starts fast: the first minute of a run polls every few seconds.
    const [start = NaN] = calls;
    assert.ok(calls.filter((at) => at - start < MINUTE).length >= 5);
    scheduler.dispose();
  });

  it('backs off to one poll per 5 minutes while Bitbucket says X-RateLimit-NearLimit', async () => {
    const clock = new FakeClock();
    let near = false;
    const { scheduler, calls, settle } = budgeted(
      clock,
      1,
      () => ({ kind: 'running' }),
      () => near,
    );
    await scheduler.refreshNow();
    await clock.advance(MINUTE, settle);
    const before = calls.length;
    assert.ok(before > 10, 'fast before the warning');
    near = true;
    await clock.advance(30 * MINUTE, settle);
    const gaps = gapsBetween(calls.slice(before - 1));
    assert.ok(
      gaps.slice(1).every((gap) => gap >= NEAR_LIMIT_DELAY_MS),
      gaps.join(', '),
    );
    scheduler.dispose();
  });

  it('holds nothing back while the budget has room (idle polling is unchanged)', async () => {
    const clock = new FakeClock();
    const { scheduler, calls, settle } = budgeted(clock, 1, () => ({ kind: 'idle' }));
    await scheduler.refreshNow();
    await clock.advance(HOUR, settle);
    const gaps = gapsBetween(calls);
    assert.ok(
      gaps.every((gap) => gap === DEFAULT_POLLING.idleMs),
      gaps.join(', '),
    );
    scheduler.dispose();
  });
});

/** The time between each call and the one before it. */
function gapsBetween(times: readonly number[]): number[] {
  const gaps: number[] = [];
  let previous: number | undefined;
  for (const at of times) {
    if (previous !== undefined) gaps.push(at - previous);
    previous = at;
  }
  return gaps;
}
