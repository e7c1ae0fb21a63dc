// When to retry a failed attempt and how long to wait: exponential backoff with jitter, Retry-After honoured.

export interface RetryOptions {
  /** Further attempts after the first. */
  retries: number;
  /** First delay; doubles per attempt. */
  baseDelayMs: number;
  /** Longest single delay computed by backoff (a server's Retry-After may ask for more, within the deadline). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 4, baseDelayMs: 1000, maxDelayMs: 20_000 };

/** Statuses worth another attempt: rate limited, or a gateway that did not reach or hear from Bitbucket. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/** Statuses that mean the request was not processed, so even a non-idempotent request may be sent again. */
const NOT_PROCESSED_STATUSES = new Set([429, 503]);

export function isRetryableStatus(status: number, idempotent: boolean): boolean {
  return idempotent ? RETRYABLE_STATUSES.has(status) : NOT_PROCESSED_STATUSES.has(status);
}

/** Network failures worth another attempt; for a non-idempotent request only those before it was sent. */
export function isRetryableNetworkError(code: string | undefined, idempotent: boolean): boolean {
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return true;
  if (!idempotent) return false;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT' || code === 'ATTEMPT_TIMEOUT';
}

/** Delay before attempt `attempt + 1` (attempt counts from 0): equal jitter over an exponential step. */
export function backoffDelay(attempt: number, options: RetryOptions, random: () => number): number {
  const step = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  return Math.round(step / 2 + (random() * step) / 2);
}

/** Parses Retry-After (delta seconds or an HTTP date) into milliseconds from `now`, if present and sane. */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
