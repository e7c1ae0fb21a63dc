// The sandbox's HTTP vocabulary: the request context routes receive, the reply they return, and reply builders.
import type { IncomingHttpHeaders } from 'node:http';

/** What a route handler sees of one request. */
export interface RequestContext {
  readonly method: string;
  /** Path as sent (percent-encoded), without a trailing slash. */
  readonly path: string;
  /** Named segments of the route pattern, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON, or the fields of a form body; undefined when the body is empty. */
  readonly body: unknown;
  /** Set when a body was sent but could not be parsed. */
  readonly bodyError?: string;
  /** The sandbox origin, e.g. http://127.0.0.1:PORT, used to build absolute links. */
  readonly origin: string;
}

/** What a route answers; `body` is sent as JSON, `text` and `raw` as they are. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly text?: string;
  readonly raw?: Buffer;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A named segment of the matched route; asking for a name the route's template lacks is a bug in the sandbox. */
export function param(ctx: RequestContext, name: string): string {
  const value = ctx.params[name];
  if (value === undefined) throw new Error(`The route ${ctx.method} ${ctx.path} has no :${name} segment.`);
  return value;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handle: Handler;
}

/**
 * A route from a path template: `:name` matches one segment, `*name` the rest of the path.
 * Trailing slashes are ignored by the server, so templates carry none.
 */
export function route(method: string, template: string, handle: Handler): Route {
  const source = template
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return `(?<${segment.slice(1)}>[^/]+)`;
      if (segment.startsWith('*')) return `(?<${segment.slice(1)}>.+)`;
      return segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { method, pattern: new RegExp(`^${source}$`), handle };
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body, headers };
}

/** Bitbucket's error body: `{"type":"error","error":{"message":…, …extra}}`. */
export function bitbucketError(status: number, message: string, extra: Record<string, unknown> = {}): Reply {
  return json(status, { type: 'error', error: { message, ...extra } });
}

/** The 400 Bitbucket answers for invalid fields: `error.fields.<name>` holds a list of messages. */
export function fieldErrors(fields: Record<string, string[]>): Reply {
  return bitbucketError(400, 'Bad request', { fields });
}

/** SonarQube's error body: `{"errors":[{"msg":…}]}`. */
export function sonarError(status: number, msg: string): Reply {
  return json(status, { errors: [{ msg }] });
}

/** The body as a plain object, or undefined when it is not one. */
export function bodyObject(ctx: RequestContext): Record<string, unknown> | undefined {
  const body = ctx.body;
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}

/** An optional string field: the value, undefined when absent, or null when present with another type. */
export function optionalString(value: unknown): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : null;
}
