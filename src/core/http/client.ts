// The one HTTP client every service call goes through: auth, timeouts, deadline, body limit, redaction, proxy, events;
// one function maps every answer, and retries wrap the single attempt.
import type { Agent } from 'node:http';
import { ApiError, NetworkError, ProxyError, type RedactedRequest } from '../errors';
import { DEFAULT_RETRY, type RetryOptions } from './backoff';
import { openTunnel, proxyFor, type ProxySettings, type Tunnel } from './proxy';
import { type RateLimitInfo, readRateLimit } from './rate-limit';
import { maskerFor, type SecretMasker } from '../secret-masker';
import { withRetries } from './retry';
import type { Expect } from './shape';

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
    /** Largest body to read, in bytes; node-fetch counts while streaming and fails beyond it. */
    size?: number;
  },
) => Promise<{
  status: number;
  headers: HeaderReader;
  text(): Promise<string>;
  /** Read instead of text() for `bytes` requests (node-fetch has it); without it the text is encoded back. */
  arrayBuffer?(): Promise<ArrayBuffer>;
}>;

export interface HeaderReader {
  get(name: string): string | null;
}

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
  /** How many times the request was sent (1 when it was not retried). */
  attempts: number;
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
  /** Once per HTTP answer received (429s and answers that are retried included), when its headers arrive. */
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
  /** Who answers, for messages: "Bitbucket", "SonarQube". */
  service?: string;
  /** Largest response body read, in bytes (default 10 MiB); a larger one is refused with a diagnosis. */
  maxBodyBytes?: number;
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
  /** A `Range` header, e.g. `bytes=1024-` (a step log read from where the last read ended). */
  range?: string;
  /** The body is returned as bytes (a Buffer), not checked as JSON: a log, which may end mid-character. */
  bytes?: boolean;
  /**
   * A 3xx is returned (body empty, `Location` in the headers) instead of refused, for the caller to decide; the
   * client still never follows it with credentials.
   */
  returnRedirect?: boolean;
}

export interface HttpResponse<T> {
  status: number;
  body: T;
  headers: HeaderReader;
}

const DEFAULTS = { timeoutMs: 30_000, deadlineMs: 120_000 };

/** Bodies larger than this are refused unless the client is told otherwise (documented in the README). */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** What one attempt got back before it was mapped: the status, the headers and the whole body (within the limit). */
interface RawAnswer {
  status: number;
  headers: HeaderReader;
  text: string;
  /** The body as received, for `bytes` requests. */
  bytes?: Buffer;
}

/** One client per service (Bitbucket, SonarQube, OAuth endpoint); all share these rules. */
export class HttpClient {
  private readonly retry: RetryOptions;
  private readonly origin: string;
  private readonly service: string;

  constructor(private readonly options: HttpClientOptions) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.origin = new URL(options.baseUrl).origin;
    this.service = options.service ?? 'The server';
  }

  /** The API's base URL (relative paths and redirects resolve against it). */
  get baseUrl(): string {
    return this.options.baseUrl;
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

  /**
   * Sends the request, retrying what is worth it within the deadline. A 2xx body is returned only once `expected`
   * accepts it (without `expected` it stays `unknown`); every other answer throws a diagnosed error.
   */
  async request<T = unknown>(spec: RequestSpec, expected?: Expect<T>): Promise<HttpResponse<T>> {
    const url = this.resolveUrl(spec);
    const now = this.options.now ?? Date.now;
    const deadline = now() + (this.options.deadlineMs ?? DEFAULTS.deadlineMs);
    const idempotent = spec.idempotent ?? spec.method !== 'POST';
    return withRetries((attempt) => this.attempt(url, spec, expected, attempt, deadline), {
      policy: this.retry,
      idempotent,
      deadline,
      now,
      sleep: (ms) => this.sleep(ms),
      random: this.options.random ?? Math.random,
      onRetry: (notice) =>
        this.emit({ type: 'retry', method: spec.method, url: this.redact(url), ...notice }),
    });
  }

  /** One attempt: send, read the answer within the time left and the size limit, and map it. */
  private async attempt<T>(
    url: string,
    spec: RequestSpec,
    expected: Expect<T> | undefined,
    attempt: number,
    deadline: number,
  ): Promise<HttpResponse<T>> {
    const now = this.options.now ?? Date.now;
    const headers = await this.headers(spec);
    const body =
      spec.json !== undefined
        ? JSON.stringify(spec.json)
        : spec.form
          ? new URLSearchParams(spec.form).toString()
          : undefined;
    const request = this.redactRequest(spec.method, url, headers);
    this.emit({
      type: 'request',
      method: spec.method,
      url: request.url,
      attempt: attempt + 1,
      body: body && this.redact(body),
    });
    const timeoutMs = Math.min(this.options.timeoutMs ?? DEFAULTS.timeoutMs, Math.max(1, deadline - now()));
    const answer = await this.exchange(url, spec, headers, body, timeoutMs, request, attempt);
    return this.mapAnswer(answer, spec, expected, request, attempt);
  }

  /**
   * One HTTP exchange. Network failures become a NetworkError, a proxy that refuses the tunnel a ProxyError, a body
   * over the limit an ApiError; on timeout the request (and any tunnel being opened) is torn down.
   */
  private async exchange(
    url: string,
    spec: RequestSpec,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
    request: RedactedRequest,
    attempt: number,
  ): Promise<RawAnswer> {
    const now = this.options.now ?? Date.now;
    const idempotent = spec.idempotent ?? spec.method !== 'POST';
    const maxBytes = this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const started = now();
    let tunnel: Tunnel | undefined;
    try {
      const proxy = proxyFor(new URL(url), this.options.proxy);
      if (proxy) tunnel = await this.tunnel(proxy, controller.signal, request);
      const fetch = this.options.fetch ?? (await loadNodeFetch());
      const response = await fetch(url, {
        method: spec.method,
        headers,
        body,
        signal: controller.signal,
        agent: tunnel?.agent,
        redirect: 'manual',
        size: maxBytes,
      });
      const refusal = tunnel?.refusal();
      if (tunnel && refusal) {
        controller.abort();
        throw proxyRefusal(tunnel.proxyHost, new URL(url).host, refusal, request);
      }
      this.emit({
        type: 'response',
        method: spec.method,
        url: request.url,
        status: response.status,
        ms: now() - started,
        rateLimit: readRateLimit(response.headers),
      });
      const declared = Number(response.headers.get('content-length'));
      if (declared > maxBytes) {
        controller.abort();
        throw this.tooLarge(spec, request, response.status, maxBytes, `it declared ${declared} bytes`);
      }
      const tooLong = (error: unknown): never => {
        if ((error as { type?: string }).type !== 'max-size') throw error;
        throw this.tooLarge(spec, request, response.status, maxBytes, 'it was longer');
      };
      if (spec.bytes && response.status >= 200 && response.status < 300) {
        const bytes = response.arrayBuffer
          ? Buffer.from(await response.arrayBuffer().catch(tooLong))
          : Buffer.from(await response.text().catch(tooLong));
        if (bytes.length > maxBytes)
          throw this.tooLarge(spec, request, response.status, maxBytes, 'it was longer');
        return { status: response.status, headers: response.headers, text: '', bytes };
      }
      const text = await response.text().catch(tooLong);
      if (Buffer.byteLength(text) > maxBytes)
        throw this.tooLarge(spec, request, response.status, maxBytes, 'it was longer');
      return { status: response.status, headers: response.headers, text };
    } catch (error) {
      if (error instanceof ApiError || error instanceof NetworkError) throw error;
      const timedOut = controller.signal.aborted;
      const code = timedOut ? 'ATTEMPT_TIMEOUT' : errorCode(error as NodeJS.ErrnoException);
      const reason = timedOut
        ? tunnel && tunnel.refusal() === undefined && !tunnel.opened()
          ? `the proxy ${tunnel.proxyHost} did not answer CONNECT within ${seconds(timeoutMs)}`
          : `no answer within ${seconds(timeoutMs)}`
        : describeNetworkError(code, error as Error, this.redact, tunnel?.proxyHost);
      controller.abort();
      throw new NetworkError(
        `${spec.method} ${request.url} failed: ${reason}${attempt > 0 ? ` (after ${attempt + 1} attempts)` : ''}`,
        request,
        networkHint(code, idempotent, tunnel?.proxyHost),
        { cause: error, code },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private async tunnel(proxy: string, signal: AbortSignal, request: RedactedRequest): Promise<Tunnel> {
    try {
      return await openTunnel(proxy, signal);
    } catch (error) {
      throw new NetworkError(
        `The proxy address is not a URL (${this.redact((error as Error).message)}).`,
        request,
        'Set HTTPS_PROXY (or HTTP_PROXY) to http://host:port, with user:password@ before the host if it needs them.',
      );
    }
  }

  /**
   * The one place every answer is mapped: a 2xx whose body `expected` accepts is returned; a 2xx that is not the
   * answer (a login page, cut-off JSON, another shape), a redirect, and every 4xx/5xx throw a diagnosed ApiError.
   */
  private mapAnswer<T>(
    answer: RawAnswer,
    spec: RequestSpec,
    expected: Expect<T> | undefined,
    request: RedactedRequest,
    attempt: number,
  ): HttpResponse<T> {
    const { status, headers, text } = answer;
    const what = `${spec.method} ${spec.resource ?? request.url}`;
    if (status >= 200 && status < 300) {
      if (answer.bytes) return { status, headers, body: answer.bytes as T };
      if (!expected) return { status, headers, body: parseBody(text, headers.get('content-type')) as T };
      const read = readJson(text);
      const problem =
        'value' in read
          ? expected.problem(read.value)
          : describeNonJson(text, headers.get('content-type'), read.error);
      if (problem === undefined && 'value' in read) return { status, headers, body: read.value as T };
      const page = 'error' in read && /HTML page/.test(problem ?? '');
      throw new ApiError(
        this.redact(`${this.service} answered ${what} with ${status}, but not with ${expected.expected}`),
        status,
        request,
        this.redact(
          `A ${status} is only believed when its body has the shape asked for; this one was ${'value' in read ? `JSON where ${problem}` : problem}.`,
        ),
        undefined,
        page
          ? `A login or proxy page came back instead of the API: check that ${this.redact(this.options.baseUrl)} is the API's own address and that no proxy or sign-on page sits in between.`
          : 'value' in read
            ? `Check that ${this.redact(this.options.baseUrl)} is ${this.service}'s API and not another service.`
            : 'The answer was cut off or garbled on the way (a proxy or an unstable connection); run again, and check the proxy if it persists.',
      );
    }
    if (status >= 300 && status < 400) {
      if (spec.returnRedirect) return { status, headers, body: undefined as T };
      throw this.redirected(answer, what, request);
    }
    const parsed = parseBody(text, headers.get('content-type'));
    const found = this.options.diagnose({
      status,
      body: parsed,
      text: this.redact(text),
      request,
      spec,
      attempts: attempt + 1,
    });
    const tries = attempt > 0 ? ` (after ${attempt + 1} attempts)` : '';
    throw new ApiError(
      this.redact(found.message) + tries,
      status,
      request,
      this.redact(found.diagnosis),
      parsed,
      found.hint && this.redact(found.hint),
      { retryAfter: headers.get('retry-after') ?? undefined },
    );
  }

  /** A 3xx is never followed (it would carry the credentials elsewhere): say where it pointed. */
  private redirected(answer: RawAnswer, what: string, request: RedactedRequest): ApiError {
    const location = answer.headers.get('location');
    let target: URL | undefined;
    try {
      target = location ? new URL(location, this.options.baseUrl) : undefined;
    } catch {
      target = undefined;
    }
    const host = target ? target.host : location ? 'an address that is not a URL' : 'nowhere (no Location)';
    return new ApiError(
      this.redact(`${this.service} redirected ${what} to ${host} (${answer.status})`),
      answer.status,
      request,
      this.redact(
        `${answer.status} with Location: ${location ?? '(none)'}. Redirects are not followed, so credentials never go to another address.`,
      ),
      undefined,
      target && target.origin !== this.origin
        ? this.redact(
            `If ${target.origin} is the right server, use it as the base URL instead of ${this.options.baseUrl}; a redirect to a login page means a proxy or sign-on page sits in front of the API.`,
          )
        : 'The server moved the resource or asks for a sign-in; check the base URL and the path.',
    );
  }

  private tooLarge(
    spec: RequestSpec,
    request: RedactedRequest,
    status: number,
    maxBytes: number,
    detail: string,
  ): ApiError {
    return new ApiError(
      this.redact(
        `${this.service}'s answer to ${spec.method} ${spec.resource ?? request.url} is larger than ${formatBytes(maxBytes)}, so it was not read`,
      ),
      status,
      request,
      `Answers are read up to ${formatBytes(maxBytes)}; ${detail}. No answer Crosscheck asks for comes near that size.`,
      undefined,
      `Check that ${this.redact(this.options.baseUrl)} is ${this.service}'s API and not a file or another service.`,
    );
  }

  private resolveUrl(spec: RequestSpec): string {
    const url = resolveAgainst(this.options.baseUrl, spec.path);
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
      Accept: spec.bytes ? '*/*' : 'application/json',
    };
    if (spec.range) headers.Range = spec.range;
    if (spec.json !== undefined) headers['Content-Type'] = 'application/json';
    if (spec.form) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const auth = spec.auth ?? 'default';
    if (auth === 'default' && this.options.auth)
      headers.Authorization = await this.options.auth.authorization();
    else if (typeof auth === 'object') headers.Authorization = auth.authorization;
    return headers;
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

/**
 * Words for a diagnosis about what happened to a failed request: tried several times, or deliberately sent once
 * because sending it again could carry it out twice.
 */
/** An absolute URL as given, or an API path appended to the base URL (which may end in a path such as /2.0). */
export function resolveAgainst(baseUrl: string, path: string): URL {
  if (/^https?:\/\//.test(path)) return new URL(path);
  return new URL(baseUrl.replace(/\/+$/, '') + (path.startsWith('/') ? '' : '/') + path);
}

export function retryWords(failure: FailedResponse): string {
  const idempotent = failure.spec.idempotent ?? failure.spec.method !== 'POST';
  if (failure.attempts > 1) return `It was tried ${failure.attempts} times.`;
  if (!idempotent)
    return 'It was not sent again: the server may have carried it out, and a second one could do it twice; check before running again.';
  return '';
}

let nodeFetch: Promise<FetchLike> | undefined;

/** node-fetch is loaded on the first request, so commands that stop at validation never pay for it. */
function loadNodeFetch(): Promise<FetchLike> {
  nodeFetch ??= import('node-fetch').then((module) => module.default as unknown as FetchLike);
  return nodeFetch;
}

/** The body of an error answer as JSON when it is JSON, else its text (for diagnoses only). */
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

function readJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** What a body that is not JSON looks like, in words: an empty one, an HTML page, cut-off JSON, or other text. */
function describeNonJson(text: string, contentType: string | null, parseError: string): string {
  const trimmed = text.trim();
  if (!trimmed) return 'an empty body';
  if (/html/i.test(contentType ?? '') || trimmed.startsWith('<')) {
    const title = /<title[^>]*>([^<]{1,80})/i.exec(trimmed)?.[1]?.trim();
    return `an HTML page${title ? ` titled "${title}"` : ''}`;
  }
  if (/^[[{]/.test(trimmed))
    return `JSON cut off or malformed after ${Buffer.byteLength(text)} bytes (${parseError})`;
  return `text that is not JSON ("${trimmed.slice(0, 60)}")`;
}

function proxyRefusal(
  proxyHost: string,
  target: string,
  refusal: { status: number; statusText: string },
  request: RedactedRequest,
): ProxyError {
  const said = `${refusal.status}${refusal.statusText ? ` ${refusal.statusText}` : ''}`;
  if (refusal.status === 407) {
    return new ProxyError(
      `The proxy ${proxyHost} asks for credentials (${said}) before it opens a tunnel to ${target}`,
      refusal.status,
      request,
      'This answer is the proxy’s, not the server’s: put the proxy credentials in the proxy URL (HTTPS_PROXY=http://user:password@host:port), or list the host in NO_PROXY if it should be reached directly.',
    );
  }
  return new ProxyError(
    `The proxy ${proxyHost} did not open a tunnel to ${target} (${said})`,
    refusal.status,
    request,
    refusal.status >= 500
      ? `This answer is the proxy’s, not the server’s: the proxy could not reach ${target}. Check the proxy, or list the host in NO_PROXY to reach it directly.`
      : `This answer is the proxy’s, not the server’s: the proxy refuses ${target}. Ask for it to be allowed, or list it in NO_PROXY.`,
  );
}

function errorCode(error: NodeJS.ErrnoException): string | undefined {
  const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
  return error.code ?? cause?.code ?? (error as { errno?: string }).errno;
}

function describeNetworkError(
  code: string | undefined,
  error: Error,
  redact: (text: string) => string,
  proxyHost: string | undefined,
): string {
  const via = proxyHost ? ` (through the proxy ${proxyHost})` : '';
  switch (code) {
    case 'ECONNRESET':
      return `the connection was reset${via}`;
    case 'ECONNREFUSED':
      return proxyHost
        ? `the connection to the proxy ${proxyHost} was refused`
        : 'the connection was refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name could not be resolved${via}`;
    default:
      return redact(error.message) + via;
  }
}

function networkHint(code: string | undefined, idempotent: boolean, proxyHost: string | undefined): string {
  if (!idempotent && (code === 'ECONNRESET' || code === 'ATTEMPT_TIMEOUT')) {
    return 'The request may or may not have been carried out, so it was not sent again; check before retrying.';
  }
  if (proxyHost)
    return `Check the proxy ${proxyHost} (HTTPS_PROXY, HTTP_PROXY) or list the host in NO_PROXY, and try again.`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return 'Check the API URL and your network or proxy (HTTPS_PROXY, NO_PROXY).';
  return 'Check your network or proxy (HTTPS_PROXY, NO_PROXY) and try again.';
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
