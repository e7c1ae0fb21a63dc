// Injected faults: rate limits, server errors, reset and hanging connections, consumed one per matching request in order.
import { bitbucketError, sonarError, type Reply } from './http';

/** `pass` answers normally: it spaces the faults of one rule out (e.g. a burst of 429, then two good answers). */
export type Fault = 429 | 500 | 502 | 503 | 504 | 'reset' | 'hang' | 'pass';
export const FAULTS: readonly Fault[] = [429, 500, 502, 503, 504, 'reset', 'hang', 'pass'];

export interface FaultRule {
  /** Only requests with this method (any when omitted). */
  readonly method?: string;
  /** Tested against the percent-decoded path (no query string), e.g. /2.0/repositories/acme/web-app/pipelines/. */
  readonly pathPattern: RegExp;
  /** Used one per matching request, in order; the rule is spent when they are. */
  readonly faults: readonly Fault[];
  /** Retry-After header for 429 and 503 answers; none when omitted (as Bitbucket). */
  readonly retryAfter?: string;
}

export const RATE_LIMIT_MESSAGE = 'Rate limit for this resource has been exceeded';

export class FaultPlan {
  private readonly rules: Array<{ method?: string; pattern: RegExp; queue: Fault[]; retryAfter?: string }> =
    [];

  add(rule: FaultRule): void {
    this.rules.push({
      method: rule.method?.toUpperCase(),
      // A global or sticky regex keeps state between tests; match with a fresh one.
      pattern: new RegExp(rule.pathPattern.source, rule.pathPattern.flags.replace(/[gy]/g, '')),
      queue: [...rule.faults],
      retryAfter: rule.retryAfter,
    });
  }

  /** The next fault for a request, consuming it, or undefined when no rule matches. */
  take(method: string, path: string): { fault: Fault; retryAfter?: string } | undefined {
    const rule = this.rules.find(
      (r) => r.queue.length > 0 && (r.method === undefined || r.method === method) && r.pattern.test(path),
    );
    if (!rule) return undefined;
    return { fault: rule.queue.shift() as Fault, retryAfter: rule.retryAfter };
  }
}

const GATEWAY_PAGES: Record<number, string> = {
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The answer for an HTTP-status fault, shaped like the service behind `path` would send it. */
export function faultReply(
  fault: Exclude<Fault, 'reset' | 'hang' | 'pass'>,
  path: string,
  retryAfter?: string,
): Reply {
  const headers: Record<string, string> =
    retryAfter !== undefined && (fault === 429 || fault === 503) ? { 'Retry-After': retryAfter } : {};
  if (fault === 429) return { status: 429, text: RATE_LIMIT_MESSAGE, contentType: 'text/plain', headers };
  if (fault === 500) {
    const reply = path.startsWith('/sonar/')
      ? sonarError(500, 'An error has occurred. Please contact your administrator')
      : bitbucketError(500, 'Something went wrong');
    return { ...reply, headers };
  }
  const title = GATEWAY_PAGES[fault];
  return {
    status: fault,
    contentType: 'text/html; charset=utf-8',
    text: `<html><head><title>${fault} ${title}</title></head><body><h1>${fault} ${title}</h1></body></html>`,
    headers,
  };
}
