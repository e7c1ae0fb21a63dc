// Bitbucket's page envelope ({size, page, pagelen, next, previous, values}) over an in-memory list.
import { bitbucketError, type Reply, type RequestContext } from './http';

export interface PageLimits {
  /** Page length when the client gives none (Bitbucket: 10). */
  readonly defaultLength?: number;
  /** Largest page length honoured; larger requests are clamped (Bitbucket: 100, pull requests 50). */
  readonly maxLength?: number;
}

/** Answers one page of `items` with absolute `next`/`previous` links that keep the other query parameters. */
export function paginate<T>(ctx: RequestContext, items: readonly T[], limits: PageLimits = {}): Reply {
  const maxLength = limits.maxLength ?? 100;
  const pagelenParam = ctx.query.get('pagelen');
  const pageParam = ctx.query.get('page');
  const pagelen = pagelenParam === null ? (limits.defaultLength ?? 10) : Number(pagelenParam);
  const page = pageParam === null ? 1 : Number(pageParam);
  if (!Number.isInteger(pagelen) || pagelen < 1) return bitbucketError(400, 'Invalid pagelen');
  if (!Number.isInteger(page) || page < 1) return bitbucketError(404, 'Invalid page');
  const length = Math.min(pagelen, maxLength);
  const start = (page - 1) * length;
  if (page > 1 && start >= items.length) return bitbucketError(404, 'Invalid page');
  const values = items.slice(start, start + length);
  const link = (target: number): string => {
    const q = new URLSearchParams(ctx.query);
    q.set('page', String(target));
    if (pagelenParam !== null) q.set('pagelen', String(length));
    return `${ctx.origin}${ctx.path}?${q.toString()}`;
  };
  return {
    status: 200,
    body: {
      size: items.length,
      page,
      pagelen: length,
      ...(start + length < items.length ? { next: link(page + 1) } : {}),
      ...(page > 1 ? { previous: link(page - 1) } : {}),
      values,
    },
  };
}
