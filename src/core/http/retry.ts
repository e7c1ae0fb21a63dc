// The retry wrapper around one attempt of a request: which failures earn another try, after how long, within the deadline.
import { ApiError, NetworkError, ProxyError } from '../errors';
import {
  backoffDelay,
  isRetryableNetworkError,
  isRetryableStatus,
  retryAfterMs,
  type RetryOptions,
} from './backoff';

export interface RetryNotice {
  reason: string;
  delayMs: number;
  /** The attempt that failed, from 1. */
  attempt: number;
  of: number;
}

export interface RetryingOptions {
  policy: RetryOptions;
  /** Safe to send twice? A non-idempotent request is only sent again when it certainly was not carried out. */
  idempotent: boolean;
  /** Absolute time (as `now` counts) after which no further attempt starts. */
  deadline: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  onRetry: (notice: RetryNotice) => void;
}

/** Calls `attempt(0)`, then again after each failure worth retrying, until it succeeds or no try is left. */
export async function withRetries<T>(
  attempt: (index: number) => Promise<T>,
  options: RetryingOptions,
): Promise<T> {
  const attempts = options.policy.retries + 1;
  for (let index = 0; ; index++) {
    try {
      return await attempt(index);
    } catch (error) {
      const decision = index + 1 < attempts ? retryDecision(error, options.idempotent) : undefined;
      if (!decision) throw error;
      const delay =
        retryAfterMs(decision.retryAfter, options.now()) ??
        backoffDelay(index, options.policy, options.random);
      if (options.now() + delay >= options.deadline) throw error;
      options.onRetry({ reason: decision.reason, delayMs: delay, attempt: index + 1, of: attempts });
      await options.sleep(delay);
    }
  }
}

/** Whether a failed attempt is worth another, and how to say why. */
function retryDecision(
  error: unknown,
  idempotent: boolean,
): { reason: string; retryAfter?: string } | undefined {
  if (error instanceof ProxyError) {
    // The tunnel was never opened, so the request was not sent: safe to try again even for a POST.
    return [502, 503, 504].includes(error.status)
      ? { reason: `the proxy answered ${error.status}` }
      : undefined;
  }
  if (error instanceof NetworkError) {
    return isRetryableNetworkError(error.code, idempotent) ? { reason: retryReason(error) } : undefined;
  }
  if (error instanceof ApiError && isRetryableStatus(error.status, idempotent)) {
    return {
      reason: error.status === 429 ? 'rate limited (429)' : `server answered ${error.status}`,
      retryAfter: error.retryAfter,
    };
  }
  return undefined;
}

function retryReason(error: NetworkError): string {
  switch (error.code) {
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'ECONNREFUSED':
      return 'the connection was refused';
    case 'ATTEMPT_TIMEOUT':
      return 'no answer in time';
    default:
      return error.code ?? 'network failure';
  }
}
