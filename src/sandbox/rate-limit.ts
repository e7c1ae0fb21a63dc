// Bitbucket's hourly request limit per credential on /2.0/repositories/*, over a rolling window that a test may compress.
import { type Credentials, headerValue, type Principal } from './auth';
import { RATE_LIMIT_MESSAGE } from './faults';
import type { Reply } from './http';

/**
 * As Atlassian's "API request limits" page documents it: authenticated requests are counted per user (API tokens of
 * one account share a budget), per OAuth consumer, and per access token (each has its own allowance); the window is
 * a rolling hour; the "api" resource group (every /2.0/repositories/* endpoint) allows 1,000 per hour, scaled up to
 * 10,000 for access tokens in larger workspaces. Only access tokens get the X-RateLimit-* headers. A refused request
 * is not counted (so waiting always helps); anonymous and /user requests are not limited here.
 */
export interface RateLimitOptions {
  /** Length of the rolling hour in real milliseconds (default 3,600,000); 1000 makes a simulated hour last a second. */
  readonly hourMs?: number;
  /** Requests per hour for each Atlassian account (API tokens) and each OAuth consumer; default 1,000. */
  readonly perUser?: number;
  /** Requests per hour for each access token (its own allowance); default 1,000 (Bitbucket: up to 10,000 by seats). */
  readonly perAccessToken?: number;
}

const SCALED_PATH = /^\/2\.0\/repositories(\/|$)/;
/** X-RateLimit-NearLimit turns true when less than this share of the hour's budget is left. */
const NEAR_LIMIT_SHARE = 0.2;

export class HourlyRateLimiter {
  private readonly hourMs: number;
  private readonly perUser: number;
  private readonly perAccessToken: number;
  /** Times of the requests let through in the current window, oldest first, per credential. */
  private readonly windows = new Map<string, number[]>();

  constructor(
    options: RateLimitOptions,
    private readonly credentials: Credentials,
    private readonly now: () => number = Date.now,
  ) {
    this.hourMs = options.hourMs ?? 3_600_000;
    this.perUser = options.perUser ?? 1000;
    this.perAccessToken = options.perAccessToken ?? 1000;
  }

  /**
   * Counts a request against its credential: the 429 Bitbucket sends when the hour's budget is spent, or the
   * headers to add to the answer (none for credentials other than access tokens).
   */
  admit(
    path: string,
    authorization: string | string[] | undefined,
  ): { refused?: Reply; headers?: Record<string, string> } {
    if (!SCALED_PATH.test(path)) return {};
    const principal = this.credentials.authenticate(headerValue(authorization));
    if ('status' in principal) return {};
    const limit = principal.kind === 'access-token' ? this.perAccessToken : this.perUser;
    const now = this.now();
    const window = this.window(budgetKey(principal), now);
    const admitted = window.length < limit;
    if (admitted) window.push(now);
    const headers =
      principal.kind === 'access-token'
        ? {
            'X-RateLimit-Limit': String(limit),
            'X-RateLimit-Resource': 'api',
            'X-RateLimit-NearLimit': String(limit - window.length < limit * NEAR_LIMIT_SHARE),
          }
        : undefined;
    if (admitted) return { headers };
    return { refused: { status: 429, text: RATE_LIMIT_MESSAGE, contentType: 'text/plain', headers } };
  }

  private window(key: string, now: number): number[] {
    let times = this.windows.get(key);
    if (!times) this.windows.set(key, (times = []));
    const live = times.findIndex((time) => time > now - this.hourMs);
    const expired = live < 0 ? times.length : live;
    if (expired) times.splice(0, expired);
    return times;
  }
}

/** Whose budget a request spends: the account behind API tokens, the OAuth consumer, or the access token itself. */
function budgetKey(principal: Principal): string {
  switch (principal.kind) {
    case 'api-token':
      return `account:${principal.account.uuid}`;
    case 'oauth':
      return `oauth-consumer:${principal.clientId}`;
    case 'access-token':
      return `access-token:${principal.id}`;
  }
}
