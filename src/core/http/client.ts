// The one HTTP client every service call goes through: auth, timeouts, deadline, retries, redaction, proxy, events.
import type { Agent } from 'node:http';
import { ApiError, NetworkError, type RedactedRequest } from '../errors';
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableNetworkError,
  isRetryableStatus,
  retryAfterMs,
  type RetryOptions,
} from './backoff';
import { maskerFor, type SecretMasker } from '../secret-masker';
import { proxyFor, type ProxySettings } from './proxy';
import { type RateLimitInfo, readRateLimit } from './rate-limit';

/** The subset of fetch this client needs, so tests and adapters can inject their own. */
export type FetchLike = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    signal: AbortSignal;
    agent?: Agent;
    redirect?: 'manual' | 'follow' | 'error';
  },
) => Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;

/** Supplies the Authorization header; `secrets` are redacted from everything the client reports. */
export interface AuthProvider {
  authorization(): Promise<string>;
  readonly secrets: readonly string[];
}

/** What went wrong, handed to a service-specific diagnoser that turns it into words. */
export interface FailedResponse {
  status: number;
  body: unknown;
  text: string;
  request: RedactedRequest;
  spec: RequestSpec;
}

export interface Diagnosis {
  /** One line: what failed. */
  message: string;
  /** Why, in words, with what the server said. */
  diagnosis: string;
  /** What to do about it. */
  hint?: string;
}

export type Diagnoser = (failure: FailedResponse) => Diagnosis;

export type HttpEvent =
  | { type: 'request'; method: string; url: string; attempt: number; body?: string }
  | {
      type: 'response';
      method: string;
      url: string;
      status: number;
      ms: number;
      /** Bitbucket's X-RateLimit-* headers, when the response carried them. */
      rateLimit?: RateLimitInfo;
    }
  | {
      type: 'retry';
      method: string;
      url: string;
      reason: string;
      delayMs: number;
      attempt: number;
      of: number;
    };

export interface HttpClientOptions {
  baseUrl: string;
  userAgent: string;
  auth?: AuthProvider;
  diagnose: Diagnoser;
  fetch?: FetchLike;
  /** Per attempt. */
  timeoutMs?: number;
  /** For the whole call, retries included. */
  deadlineMs?: number;
  retry?: Partial<RetryOptions>;
  proxy?: ProxySettings;
  /** Further values to redact (e.g. a Sonar token used elsewhere in the same run). */
  secrets?: readonly string[];
  onEvent?: (event: HttpEvent) => void;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the base URL, or an absolute URL on the same origin (e.g. a `next` page link). */
  path: string;
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  form?: Record<string, string>;
  /** Safe to send twice? Defaults to true except for POST. */
  idempotent?: boolean;
  /** `none` sends no Authorization; a string is sent as it is (e.g. client credentials for a token grant). */
  auth?: 'default' | 'none' | { authorization: string };
  /** Absolute URL outside the base origin that may still be called (the OAuth token endpoint). */
  allowOtherOrigin?: boolean;
  /** What the call is about, for diagnoses (e.g. "commit 1a2b3c4 in acme/web-app"). */
  resource?: string;
  /** The scopes the endpoint needs, for diagnoses: API-token style and legacy access-token style. */
  scopes?: { api: readonly string[]; legacy: readonly string[] };
}

export interface HttpResponse<T> {
  status: number;
  body: T;
  headers: { get(name: string): string | null };
}

const DEFAULTS = { timeoutMs: 30_000, deadlineMs: 120_000 };

/** One client per service (Bitbucket, SonarQube, OAuth endpoint); all share these rules. */
export class HttpClient {
  private readonly retry: RetryOptions;
  private readonly origin: string;
  private readonly agents = new Map<string, Agent>();

  constructor(private readonly options: HttpClientOptions) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.origin = new URL(options.baseUrl).origin;
  }

  private redactor?: { secrets: string; masker: SecretMasker };

  /**
   * Redacts every secret this client knows of from a text. Some (OAuth access tokens) appear mid-run, so the
   * redactor is rebuilt when the list changes, not on every call.
   */
  readonly redact = (text: string): string => {
    const secrets = [...(this.options.auth?.secrets ?? []), ...(this.options.secrets ?? [])];
    const key = secrets.join('\u0000');
    if (this.redactor?.secrets !== key) this.redactor = { secrets: key, masker: maskerFor(secrets) };
    return this.redactor.masker.mask(text);
  };

  async request<T = unknown>(spec: RequestSpec): Promise<HttpResponse<T>> {
    const url = this.resolveUrl(spec);
    const now = this.options.now ?? Date.now;
    const deadline = now() + (this.options.deadlineMs ?? DEFAULTS.deadlineMs);
    const idempotent = spec.idempotent ?? spec.method !== 'POST';
    const attempts = this.retry.retries + 1;
    for (let attempt = 0; ; attempt++) {
      const headers = await this.headers(spec);
      const body =
        spec.json !== undefined
          ? JSON.stringify(spec.json)
          : spec.form
            ? new URLSearchParams(spec.form).toString()
            : undefined;
      const redacted = this.redactRequest(spec.method, url, headers);
      this.emit({
        type: 'request',
        method: spec.method,
        url: redacted.url,
        attempt: attempt + 1,
        body: body && this.redact(body),
      });
      const started = now();
      let outcome:
        { response: Awaited<ReturnType<FetchLike>>; text: string } | { error: NodeJS.ErrnoException };
      try {
        outcome = await this.attempt(
          url,
          spec.method,
          headers,
          body,
          Math.min(this.options.timeoutMs ?? DEFAULTS.timeoutMs, Math.max(1, deadline - now())),
        );
      } catch (error) {
        outcome = { error: error as NodeJS.ErrnoException };
      }
      const left = attempts - attempt - 1;
      if ('error' in outcome) {
        const code = errorCode(outcome.error);
        const reason = describeNetworkError(code, outcome.error, this.redact);
        const delay = backoffDelay(attempt, this.retry, this.options.random ?? Math.random);
        if (left > 0 && isRetryableNetworkError(code, idempotent) && now() + delay < deadline) {
          this.emit({
            type: 'retry',
            method: spec.method,
            url: redacted.url,
            reason,
            delayMs: delay,
            attempt: attempt + 1,
            of: attempts,
          });
          await this.sleep(delay);
          continue;
        }
        throw new NetworkError(
          `${spec.method} ${redacted.url} failed: ${reason}${attempt > 0 ? ` (after ${attempt + 1} attempts)` : ''}`,
          redacted,
          networkHint(code, idempotent),
          { cause: outcome.error },
        );
      }
      const { response, text } = outcome;
      this.emit({
        type: 'response',
        method: spec.method,
        url: redacted.url,
        status: response.status,
        ms: now() - started,
        rateLimit: readRateLimit(response.headers),
      });
      if (response.status < 400) {
        return {
          status: response.status,
          body: parseBody(text, response.headers.get('content-type')) as T,
          headers: response.headers,
        };
      }
      if (left > 0 && isRetryableStatus(response.status, idempotent)) {
        const asked = retryAfterMs(response.headers.get('retry-after'), now());
        const delay = asked ?? backoffDelay(attempt, this.retry, this.options.random ?? Math.random);
        if (now() + delay < deadline) {
          this.emit({
            type: 'retry',
            method: spec.method,
            url: redacted.url,
            reason: response.status === 429 ? 'rate limited (429)' : `server answered ${response.status}`,
            delayMs: delay,
            attempt: attempt + 1,
            of: attempts,
          });
          await this.sleep(delay);
          continue;
        }
      }
      const parsed = parseBody(text, response.headers.get('content-type'));
      const found = this.options.diagnose({
        status: response.status,
        body: parsed,
        text: this.redact(text),
        request: redacted,
        spec,
      });
      const tries = attempt > 0 ? ` (after ${attempt + 1} attempts)` : '';
      throw new ApiError(
        this.redact(found.message) + tries,
        response.status,
        redacted,
        this.redact(found.diagnosis),
        parsed,
        found.hint,
      );
    }
  }

  private resolveUrl(spec: RequestSpec): string {
    const base = this.options.baseUrl.replace(/\/+$/, '');
    const url = /^https?:\/\//.test(spec.path)
      ? new URL(spec.path)
      : new URL(base + (spec.path.startsWith('/') ? '' : '/') + spec.path);
    if (url.origin !== this.origin && !spec.allowOtherOrigin) {
      // Never send credentials to a host the caller did not configure, e.g. a `next` link pointing elsewhere.
      throw new NetworkError(`Refusing to follow a link to ${url.origin}: only ${this.origin} is trusted`, {
        method: spec.method,
        url: url.origin,
        headers: {},
      });
    }
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  private async headers(spec: RequestSpec): Promise<Record<string, string>> {
    const headers: Record<string, string> = {
      'User-Agent': this.options.userAgent,
      Accept: 'application/json',
    };
    if (spec.json !== undefined) headers['Content-Type'] = 'application/json';
    if (spec.form) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const auth = spec.auth ?? 'default';
    if (auth === 'default' && this.options.auth)
      headers.Authorization = await this.options.auth.authorization();
    else if (typeof auth === 'object') headers.Authorization = auth.authorization;
    return headers;
  }

  private async attempt(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
  ) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const fetch = this.options.fetch ?? (await loadNodeFetch());
      const response = await fetch(url, {
        method,
        headers,
        body,
        signal: controller.signal,
        agent: await this.agentFor(url),
        redirect: 'manual',
      });
      const text = await response.text();
      return { response, text };
    } catch (error) {
      if (controller.signal.aborted) {
        const timeout = new Error(
          `no answer within ${Math.round(timeoutMs / 1000)} s`,
        ) as NodeJS.ErrnoException;
        timeout.code = 'ATTEMPT_TIMEOUT';
        throw timeout;
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async agentFor(url: string): Promise<Agent | undefined> {
    const proxy = proxyFor(new URL(url), this.options.proxy);
    if (!proxy) return undefined;
    let agent = this.agents.get(proxy);
    if (!agent) {
      const { HttpsProxyAgent } = await import('https-proxy-agent');
      agent = new HttpsProxyAgent(proxy) as unknown as Agent;
      this.agents.set(proxy, agent);
    }
    return agent;
  }

  private redactRequest(method: string, url: string, headers: Record<string, string>): RedactedRequest {
    const shown: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      shown[name] =
        name.toLowerCase() === 'authorization' ? `${value.split(' ')[0]} ***` : this.redact(value);
    }
    return { method, url: this.redact(url), headers: shown };
  }

  private emit(event: HttpEvent): void {
    this.options.onEvent?.(event);
  }

  private sleep(ms: number): Promise<void> {
    return this.options.sleep ? this.options.sleep(ms) : new Promise((resolve) => setTimeout(resolve, ms));
  }
}

let nodeFetch: Promise<FetchLike> | undefined;

/** node-fetch is loaded on the first request, so commands that stop at validation never pay for it. */
function loadNodeFetch(): Promise<FetchLike> {
  nodeFetch ??= import('node-fetch').then((module) => module.default as unknown as FetchLike);
  return nodeFetch;
}

function parseBody(text: string, contentType: string | null): unknown {
  if (!text) return undefined;
  if (contentType?.includes('json') || /^[[{]/.test(text.trim())) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function errorCode(error: NodeJS.ErrnoException): string | undefined {
  const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
  return error.code ?? cause?.code ?? (error as { errno?: string }).errno;
}

function describeNetworkError(
  code: string | undefined,
  error: Error,
  redact: (text: string) => string,
): string {
  switch (code) {
    case 'ATTEMPT_TIMEOUT':
      return error.message;
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'ECONNREFUSED':
      return 'the connection was refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name could not be resolved';
    default:
      return redact(error.message);
  }
}

function networkHint(code: string | undefined, idempotent: boolean): string {
  if (!idempotent && (code === 'ECONNRESET' || code === 'ATTEMPT_TIMEOUT')) {
    return 'The request may or may not have been carried out, so it was not sent again; check before retrying.';
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return 'Check the API URL and your network or proxy (HTTPS_PROXY, NO_PROXY).';
  return 'Check your network or proxy (HTTPS_PROXY, NO_PROXY) and try again.';
}
