// Bitbucket's rate-limit headers read from a response, and a tally of the requests one service was sent.
import type { HttpEvent } from './client';

/**
 * What Bitbucket says about the hourly budget of the credential. It sends these headers only to access tokens (and
 * Forge apps) on the scaled endpoints (`/2.0/repositories/*`, resource group `api`), never to API tokens or OAuth.
 */
export interface RateLimitInfo {
  /** X-RateLimit-Limit: requests allowed per rolling hour (not what is left). */
  limit?: number;
  /** X-RateLimit-Resource: the resource group counted, e.g. `api`. */
  resource?: string;
  /** X-RateLimit-NearLimit: true when less than a fifth of the hourly budget is left. */
  nearLimit: boolean;
}

/** The rate-limit headers of a response, or undefined when it carries none. */
export function readRateLimit(headers: { get(name: string): string | null }): RateLimitInfo | undefined {
  const limitText = headers.get('x-ratelimit-limit')?.trim();
  const resource = headers.get('x-ratelimit-resource')?.trim() || undefined;
  const near = headers.get('x-ratelimit-nearlimit')?.trim().toLowerCase();
  if (limitText === undefined && resource === undefined && near === undefined) return undefined;
  const limit = limitText && /^\d{1,9}$/.test(limitText) ? Number(limitText) : undefined;
  return { limit, resource, nearLimit: near === 'true' };
}

/** Requests sent to one service (every attempt, retries included), 429s met, and the latest budget it reported. */
export class RequestTally {
  sent = 0;
  rateLimited = 0;
  latest?: RateLimitInfo;
  private warned = false;

  /** `onNearLimit` is called once, on the first response that says the budget is nearly spent. */
  constructor(private readonly onNearLimit?: (info: RateLimitInfo) => void) {}

  observe(event: HttpEvent): void {
    if (event.type === 'request') this.sent++;
    if (event.type !== 'response') return;
    if (event.status === 429) this.rateLimited++;
    if (!event.rateLimit) return;
    this.latest = event.rateLimit;
    if (event.rateLimit.nearLimit && !this.warned) {
      this.warned = true;
      this.onNearLimit?.(event.rateLimit);
    }
  }
}

/** The one warning shown when Bitbucket says the credential's hourly budget is nearly spent. */
export function nearLimitWarning(info: RateLimitInfo, credential: string): string {
  const limit = info.limit ? `${info.limit.toLocaleString('en-US')} requests per hour` : 'its hourly budget';
  return (
    `Bitbucket says ${credential} has less than a fifth of ${limit}${info.resource ? ` (resource ${info.resource})` : ''} left. ` +
    'When it is spent Bitbucket answers 429 until requests older than an hour fall out of its rolling window; ' +
    'spread the work across credentials (each access token has its own allowance) or run fewer checks.'
  );
}
