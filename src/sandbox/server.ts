// The sandbox HTTP server: parses and records every request, applies latency and injected faults, routes, and writes replies.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Credentials } from './auth';
import { faultReply, type Fault, type FaultPlan } from './faults';
import { bitbucketError, sonarError, type Reply, type RequestContext, type Route } from './http';
import type { HourlyRateLimiter } from './rate-limit';
import type { Timers } from './timers';

/** One request as the sandbox received it; secrets are redacted. */
export interface RecordedRequest {
  readonly method: string;
  /** Path as sent (percent-encoded), without the query string. */
  readonly path: string;
  readonly query: Readonly<Record<string, string | string[]>>;
  /** Lower-case names; `authorization` is reduced to its scheme and principal, e.g. `Basic dev@acme.example:[REDACTED]`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON or form fields; secured pipeline variable values and client secrets are `[REDACTED]`. */
  readonly body?: unknown;
  /** Status answered; 0 while unanswered, and for `reset` and `hang` faults. */
  status: number;
  /** The injected fault this request received, if any. */
  fault?: Fault;
  /** Date.now() when it arrived. */
  readonly at: number;
}

export interface ServerDeps {
  readonly routes: readonly Route[];
  /** Routes under /_sandbox/: not recorded, no latency, no faults, loopback only. */
  readonly controlRoutes: readonly Route[];
  readonly credentials: Credentials;
  readonly faults: FaultPlan;
  readonly timers: Timers;
  readonly latencyMs: () => number;
  readonly requests: RecordedRequest[];
  readonly log?: (line: string) => void;
  /** Bitbucket's hourly limit per credential, when the sandbox enforces it. */
  readonly rateLimiter?: () => HourlyRateLimiter | undefined;
  /** Answers requests that stream (git over HTTP) before the body is read; true when it took the request. */
  readonly streaming?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export const REDACTED = '[REDACTED]';
const SECRET_FIELDS = new Set([
  'client_secret',
  'password',
  'refresh_token',
  'access_token',
  'code',
  'token',
]);
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export class SandboxServer {
  private readonly server: Server;
  private origin = '';

  constructor(private readonly deps: ServerDeps) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        deps.log?.(`sandbox error: ${(e as Error).message}`);
        if (!res.headersSent) this.write(res, bitbucketError(500, `Sandbox error: ${(e as Error).message}`));
      });
    });
  }

  /** Listens and resolves to the origin, e.g. http://127.0.0.1:PORT. */
  async listen(port: number, host: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.origin = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    return this.origin;
  }

  /** Drops every open connection (including hanging ones) and stops listening. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.deps.streaming?.(req, res)) return;
    const at = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const raw = await readBody(req);
    const { body, bodyError } = parseBody(raw, String(req.headers['content-type'] ?? ''));
    const ctxBase = {
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      body,
      bodyError,
      origin: this.origin,
    };

    if (path.startsWith('/_sandbox/')) {
      const reply = LOOPBACK.has(req.socket.remoteAddress ?? '')
        ? await this.dispatch(this.deps.controlRoutes, ctxBase)
        : bitbucketError(403, 'The sandbox control endpoints answer loopback clients only.');
      this.write(res, reply);
      return;
    }

    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: queryRecord(url.searchParams),
      headers: this.headerRecord(req),
      ...(body !== undefined ? { body: redact(body) } : {}),
      status: 0,
      at,
    };
    this.deps.requests.push(record);

    try {
      await this.deps.timers.sleep(this.deps.latencyMs());
    } catch {
      req.socket.destroy();
      return;
    }
    const injected = this.deps.faults.take(method, safeDecode(url.pathname));
    if (injected && injected.fault !== 'pass') {
      record.fault = injected.fault;
      this.deps.log?.(`${method} ${url.pathname} fault ${injected.fault}`);
      if (injected.fault === 'reset') {
        req.socket.destroy();
        return;
      }
      if (injected.fault === 'hang') return;
      const reply = faultReply(injected.fault, url.pathname, injected.retryAfter);
      record.status = reply.status;
      this.write(res, reply);
      return;
    }
    const limited = this.deps.rateLimiter?.()?.admit(path, req.headers.authorization) ?? {};
    const answer = limited.refused ?? (await this.dispatch(this.deps.routes, ctxBase));
    const reply = limited.headers
      ? { ...answer, headers: { ...answer.headers, ...limited.headers } }
      : answer;
    record.status = reply.status;
    this.deps.log?.(`${method} ${url.pathname} ${reply.status}`);
    this.write(res, reply);
  }

  private async dispatch(routes: readonly Route[], base: Omit<RequestContext, 'params'>): Promise<Reply> {
    for (const r of routes) {
      if (r.method !== base.method) continue;
      const match = r.pattern.exec(base.path);
      if (!match) continue;
      const params = Object.fromEntries(
        Object.entries(match.groups ?? {}).map(([k, v]) => [k, safeDecode(v)]),
      );
      return r.handle({ ...base, params });
    }
    if (base.path.startsWith('/sonar/'))
      return sonarError(404, `Unknown url : ${base.path.slice('/sonar'.length)}`);
    return bitbucketError(404, `The sandbox does not implement ${base.method} ${base.path}.`, {
      detail: 'See src/sandbox for the Bitbucket and SonarQube endpoints it emulates.',
    });
  }

  private write(res: ServerResponse, reply: Reply): void {
    res.statusCode = reply.status;
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    if (reply.raw !== undefined) {
      res.setHeader('Content-Type', reply.contentType ?? 'application/octet-stream');
      res.end(reply.raw);
    } else if (reply.text !== undefined) {
      res.setHeader('Content-Type', reply.contentType ?? 'text/plain; charset=utf-8');
      res.end(reply.text);
    } else if (reply.body !== undefined) {
      res.setHeader('Content-Type', reply.contentType ?? 'application/json; charset=utf-8');
      res.end(JSON.stringify(reply.body));
    } else {
      res.end();
    }
  }

  private headerRecord(req: IncomingMessage): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      const text = Array.isArray(value) ? value.join(', ') : value;
      if (name === 'authorization') out[name] = this.deps.credentials.describeAuthorization(text) ?? REDACTED;
      else if (name === 'cookie' || name === 'proxy-authorization') out[name] = REDACTED;
      else out[name] = text;
    }
    return out;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(raw: string, contentType: string): { body: unknown; bodyError?: string } {
  if (raw.length === 0) return { body: undefined };
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return { body: Object.fromEntries(new URLSearchParams(raw)) };
  }
  try {
    return { body: JSON.parse(raw) as unknown };
  } catch {
    return { body: undefined, bodyError: 'The body is not valid JSON.' };
  }
}

function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    const [only] = all;
    out[key] = all.length === 1 && only !== undefined ? only : all;
  }
  return out;
}

/** A copy without secrets: secured variable values and credential fields become [REDACTED]. */
function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== 'object' || value === null) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(source)) {
    if (SECRET_FIELDS.has(key) || (key === 'value' && source.secured === true)) out[key] = REDACTED;
    else out[key] = redact(v);
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
