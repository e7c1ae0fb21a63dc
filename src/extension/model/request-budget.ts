// Keeps the extension's automatic polling inside a share of Bitbucket's hourly request budget, and backs off near it.
import type { HttpEvent } from '../../core';
import type { Clock } from './polling';

const HOUR_MS = 3_600_000;

/**
 * Bitbucket allows 1,000 requests per rolling hour per user on /2.0/repositories/*, shared by the user's CLI runs,
 * other tools and every VS Code window. One window's automatic refreshes draw on a bucket of BURST_REQUESTS that
 * refills at REQUESTS_PER_HOUR, so in any rolling hour they send at most BURST + PER_HOUR (+ the few requests of the
 * refresh under way): 300 requests, 30% of the budget. What the user asks for (Refresh, Run Check, sign-in, a branch
 * switch) is never held back, but it is counted.
 */
export const BURST_REQUESTS = 100;
export const REQUESTS_PER_HOUR = 200;
/** After Bitbucket says X-RateLimit-NearLimit (less than a fifth of the budget left), polls are this far apart… */
export const NEAR_LIMIT_DELAY_MS = 5 * 60_000;
/** …for this long after the last response that said so. */
export const NEAR_LIMIT_HOLD_MS = 15 * 60_000;

/** A token bucket over the requests this window sent, and when Bitbucket last said the budget is nearly spent. */
export class RequestBudget {
  private tokens = BURST_REQUESTS;
  private refilledAt: number;
  private nearLimitAt?: number;

  constructor(private readonly clock: Pick<Clock, 'now'>) {
    this.refilledAt = clock.now();
  }

  /** Fed with the HTTP client's events (the connection's `onEvent`); every attempt, retries included, counts. */
  readonly observe = (event: HttpEvent): void => {
    if (event.type === 'request') {
      this.refill();
      this.tokens -= 1;
    } else if (event.type === 'response' && event.rateLimit?.nearLimit) {
      this.nearLimitAt = this.clock.now();
    }
  };

  /**
   * How long an automatic refresh must wait for a token, and so polls stay NEAR_LIMIT_DELAY_MS apart while Bitbucket
   * says the budget is low. `sinceLastRefreshMs` is the time already passed since the last refresh.
   */
  waitMs(sinceLastRefreshMs: number): number {
    this.refill();
    let wait = this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * HOUR_MS) / REQUESTS_PER_HOUR);
    const now = this.clock.now();
    if (this.nearLimitAt !== undefined && now - this.nearLimitAt < NEAR_LIMIT_HOLD_MS)
      wait = Math.max(wait, NEAR_LIMIT_DELAY_MS - sinceLastRefreshMs);
    return Math.max(0, wait);
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(
      BURST_REQUESTS,
      this.tokens + ((now - this.refilledAt) * REQUESTS_PER_HOUR) / HOUR_MS,
    );
    this.refilledAt = now;
  }
}
