// Bitbucket commit build statuses: the store, the commitstatus JSON shape, validation, overwrite rules and the statuses endpoints.
import { isRepositoryAdmin, principalId, SCOPES, withBitbucketAuth, type Credentials } from './auth';
import { matchesQuery, parseQuery, sortBy } from './bbql';
import { apiBase, commitRef, repositoryRef, type Repositories } from './bitbucket-repositories';
import {
  bitbucketError,
  bodyObject,
  fieldErrors,
  json,
  optionalString,
  route,
  type Reply,
  type RequestContext,
  type Route,
  param,
} from './http';
import { bitbucketTime, randomBracedUuid } from './ids';
import type { RepositoryRecord } from './model';
import { paginate } from './pagination';

export const BUILD_STATES = ['SUCCESSFUL', 'FAILED', 'INPROGRESS', 'STOPPED'] as const;
export const MAX_KEY_LENGTH = 40;

/** A build status as stored on a commit. */
export interface BuildStatus {
  readonly key: string;
  readonly state: string;
  readonly name?: string;
  readonly description?: string;
  readonly url: string;
  readonly refname?: string;
  /** Braced UUID, kept when the status is overwritten. */
  readonly uuid: string;
  readonly createdOn: string;
  readonly updatedOn: string;
  /** Who created it: `user:<email>`, `access-token:<id>`, or `sandbox` for statuses set through the test controls. */
  readonly creator: string;
}

/** The fields a client (or a test) sets on a build status. */
export interface BuildStatusInput {
  readonly key: string;
  readonly state: string;
  readonly name?: string;
  readonly description?: string;
  readonly url?: string;
  readonly refname?: string;
}

/** Build statuses per repository and commit, in creation order. */
export class StatusStore {
  private readonly byCommit = new Map<string, BuildStatus[]>();

  constructor(private readonly now: () => number = Date.now) {}

  list(repo: string, hash: string): BuildStatus[] {
    return [...(this.byCommit.get(`${repo}@${hash}`) ?? [])];
  }

  get(repo: string, hash: string, key: string): BuildStatus | undefined {
    return this.byCommit.get(`${repo}@${hash}`)?.find((s) => s.key === key);
  }

  /** Creates the status, or overwrites the one with the same key (keeping its uuid, created_on and creator). */
  upsert(
    repo: string,
    hash: string,
    input: BuildStatusInput,
    creator: string,
  ): { status: BuildStatus; created: boolean } {
    const slot = `${repo}@${hash}`;
    const list = this.byCommit.get(slot) ?? [];
    this.byCommit.set(slot, list);
    const at = bitbucketTime(this.now());
    const index = list.findIndex((s) => s.key === input.key);
    const previous = index >= 0 ? list[index] : undefined;
    const status: BuildStatus = {
      key: input.key,
      state: input.state,
      name: input.name,
      description: input.description,
      url: input.url ?? previous?.url ?? '',
      refname: input.refname,
      uuid: previous?.uuid ?? randomBracedUuid(),
      createdOn: previous?.createdOn ?? at,
      updatedOn: at,
      creator: previous?.creator ?? creator,
    };
    if (index >= 0) list[index] = status;
    else list.push(status);
    return { status, created: index < 0 };
  }

  /** Every status, for the state dump of the control endpoint. */
  all(): Array<{ repo: string; commit: string } & BuildStatus> {
    return [...this.byCommit.entries()].flatMap(([slot, list]) => {
      const at = slot.indexOf('@'); // slots are repo@commit; neither part holds an '@'
      const [repo, commit] = [slot.slice(0, at), slot.slice(at + 1)];
      return list.map((s) => ({ repo, commit, ...s }));
    });
  }
}

export function statusJson(
  origin: string,
  repo: RepositoryRecord,
  hash: string,
  s: BuildStatus,
): Record<string, unknown> {
  const commitUrl = `${apiBase(origin, repo)}/commit/${hash}`;
  return {
    type: 'build',
    key: s.key,
    state: s.state,
    ...(s.name !== undefined ? { name: s.name } : {}),
    ...(s.description !== undefined ? { description: s.description } : {}),
    url: s.url,
    ...(s.refname !== undefined ? { refname: s.refname } : {}),
    uuid: s.uuid,
    created_on: s.createdOn,
    updated_on: s.updatedOn,
    commit: commitRef(origin, repo, hash),
    repository: repositoryRef(origin, repo),
    links: {
      self: { href: `${commitUrl}/statuses/build/${encodeURIComponent(s.key)}` },
      commit: { href: commitUrl },
    },
  };
}

/** Statuses in the order Bitbucket lists them, narrowed by `refname`, `q` and `sort`; or the 400 for a bad `q`. */
export function listStatuses(
  ctx: RequestContext,
  rendered: Array<Record<string, unknown>>,
  refname?: string | null,
): Reply | Array<Record<string, unknown>> {
  let items = rendered;
  if (refname) items = items.filter((s) => s.refname === undefined || s.refname === refname);
  const q = ctx.query.get('q');
  if (q) {
    try {
      const query = parseQuery(q);
      items = items.filter((s) => matchesQuery(query, s));
    } catch (e) {
      return bitbucketError(400, 'Invalid query', { detail: (e as Error).message });
    }
  }
  return sortBy(items, ctx.query.get('sort') ?? 'created_on');
}

/** Validates a commitstatus body; `existingKey` is set for PUT, where the key may be omitted but not changed. */
function validate(body: Record<string, unknown> | undefined, existingKey?: string): BuildStatusInput | Reply {
  if (!body)
    return bitbucketError(400, 'Bad request', { detail: 'The body must be a JSON object (a commitstatus).' });
  const fields: Record<string, string[]> = {};
  const key = body.key === undefined && existingKey !== undefined ? existingKey : body.key;
  if (typeof key !== 'string' || key.length === 0) {
    fields.key = [key === undefined || key === '' ? 'This field is required.' : 'Not a valid string.'];
  } else if (key.length > MAX_KEY_LENGTH) {
    fields.key = [`Ensure this value has at most ${MAX_KEY_LENGTH} characters (it has ${key.length}).`];
  } else if (existingKey !== undefined && key !== existingKey) {
    fields.key = ['The key of a build status cannot be changed.'];
  }
  const state = body.state;
  if (state === undefined) fields.state = ['This field is required.'];
  else if (typeof state !== 'string' || !(BUILD_STATES as readonly string[]).includes(state)) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the sandbox prints a sent value as Bitbucket does, whatever its type
    fields.state = [`Select a valid choice. ${String(state)} is not one of the available choices.`];
  }
  const url = body.url;
  if (url === undefined || url === null || url === '') fields.url = ['This field is required.'];
  else if (typeof url !== 'string' || !isAbsoluteUrl(url)) fields.url = ['Enter a valid URL.'];
  const strings: Record<string, string | undefined> = {};
  for (const name of ['name', 'description', 'refname'] as const) {
    const value = optionalString(body[name]);
    if (value === null) fields[name] = ['Not a valid string.'];
    else strings[name] = value;
  }
  if (Object.keys(fields).length > 0) return fieldErrors(fields);
  return {
    key: key as string,
    state: state as string,
    url: url as string,
    name: strings.name,
    description: strings.description,
    refname: strings.refname,
  };
}

/** Absolute http(s) URL; `{repository.full_name}`-style template variables are allowed. */
function isAbsoluteUrl(value: string): boolean {
  try {
    const url = new URL(value.replace(/\{[^}]*\}/g, 'x'));
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function statusRoutes(repos: Repositories, statuses: StatusStore, credentials: Credentials): Route[] {
  const C = '/2.0/repositories/:workspace/:repo/commit/:commit';
  const write = (ctx: RequestContext, existingKey?: string) =>
    withBitbucketAuth(credentials, SCOPES.readRepository, (c, principal) => {
      const found = repos.lookupRouteCommit(c, principal);
      if ('status' in found) return found;
      const previous =
        existingKey === undefined ? undefined : statuses.get(found.repo.fullName, found.hash, existingKey);
      if (existingKey !== undefined && !previous)
        return bitbucketError(404, `No build status with key ${existingKey} on this commit.`);
      const input = validate(bodyObject(c), existingKey);
      if ('status' in input) return input;
      const current = previous ?? statuses.get(found.repo.fullName, found.hash, input.key);
      if (current && current.creator !== principalId(principal) && !isRepositoryAdmin(principal)) {
        return bitbucketError(
          403,
          'Only the creator of a build status or a repository admin can overwrite it.',
          {
            detail: `The build status ${input.key} was created by someone else; post it under a key of your own.`,
          },
        );
      }
      const { status, created } = statuses.upsert(
        found.repo.fullName,
        found.hash,
        input,
        principalId(principal),
      );
      return json(created ? 201 : 200, statusJson(c.origin, found.repo, found.hash, status));
    })(ctx);
  return [
    route('POST', `${C}/statuses/build`, (ctx) => write(ctx)),
    route('PUT', `${C}/statuses/build/:key`, (ctx) => write(ctx, param(ctx, 'key'))),
    route(
      'GET',
      `${C}/statuses/build/:key`,
      withBitbucketAuth(credentials, SCOPES.readRepository, (ctx, principal) => {
        const found = repos.lookupRouteCommit(ctx, principal);
        if ('status' in found) return found;
        const status = statuses.get(found.repo.fullName, found.hash, param(ctx, 'key'));
        if (!status)
          return bitbucketError(404, `No build status with key ${param(ctx, 'key')} on this commit.`);
        return json(200, statusJson(ctx.origin, found.repo, found.hash, status));
      }),
    ),
    route(
      'GET',
      `${C}/statuses`,
      withBitbucketAuth(credentials, SCOPES.readRepository, (ctx, principal) => {
        const found = repos.lookupRouteCommit(ctx, principal);
        if ('status' in found) return found;
        const rendered = statuses
          .list(found.repo.fullName, found.hash)
          .map((s) => statusJson(ctx.origin, found.repo, found.hash, s));
        const items = listStatuses(ctx, rendered, ctx.query.get('refname'));
        return 'status' in items ? items : paginate(ctx, items);
      }),
    ),
  ];
}
