// Bitbucket repositories, commits, branches and the current user: lookups, JSON shapes and their GET endpoints.
import {
  canSeeRepository,
  MESSAGES,
  SCOPES,
  withBitbucketAuth,
  type Account,
  type Credentials,
  type Principal,
} from './auth';
import { bitbucketError, json, route, type Reply, type RequestContext, type Route, param } from './http';
import { seededUuid } from './ids';
import { paginate } from './pagination';
import { resolveCommit, type CommitRecord, type PullRequestRecord, type RepositoryRecord } from './model';

export const REPOSITORY_NOT_FOUND =
  'You may not have access to this repository or it no longer exists in this workspace. If you think this repository exists and you have access, make sure you are authenticated.';

/** The seeded repositories and the lookups every Bitbucket endpoint starts with. */
export class Repositories {
  private readonly byName: Map<string, RepositoryRecord>;

  constructor(records: readonly RepositoryRecord[]) {
    this.byName = new Map(records.map((r) => [r.fullName, r]));
  }

  all(): RepositoryRecord[] {
    return [...this.byName.values()];
  }

  get(fullName: string): RepositoryRecord | undefined {
    return this.byName.get(fullName);
  }

  /** The repository, or the 404 Bitbucket answers when it does not exist or the principal may not see it. */
  lookup(workspace: string, slug: string, principal: Principal): RepositoryRecord | Reply {
    const repo = this.byName.get(`${workspace}/${slug}`);
    if (!repo || !canSeeRepository(principal, workspace, slug))
      return bitbucketError(404, REPOSITORY_NOT_FOUND);
    return repo;
  }

  /** Repository and full commit hash, or the 404 for either. */
  lookupCommit(
    workspace: string,
    slug: string,
    ref: string,
    principal: Principal,
  ): { repo: RepositoryRecord; hash: string } | Reply {
    const repo = this.lookup(workspace, slug, principal);
    if ('status' in repo) return repo;
    const hash = resolveCommit(repo, ref);
    if (!hash) return bitbucketError(404, `Commit not found: ${ref}`);
    return { repo, hash };
  }

  /** `lookup` of the repository a `:workspace/:repo` route names. */
  lookupRoute(ctx: RequestContext, principal: Principal): RepositoryRecord | Reply {
    return this.lookup(param(ctx, 'workspace'), param(ctx, 'repo'), principal);
  }

  /** `lookupCommit` of the commit a `:workspace/:repo/…/:commit` route names. */
  lookupRouteCommit(
    ctx: RequestContext,
    principal: Principal,
  ): { repo: RepositoryRecord; hash: string } | Reply {
    return this.lookupCommit(param(ctx, 'workspace'), param(ctx, 'repo'), param(ctx, 'commit'), principal);
  }

  /** Creates an empty repository (no commits, main branch `main`); an existing one is left as it is. */
  addRepository(fullName: string, createdOn: string): RepositoryRecord {
    const known = this.byName.get(fullName);
    if (known) return known;
    const [workspace, slug] = fullName.split('/');
    if (!workspace || !slug) throw new Error(`sandbox: ${fullName} is not workspace/slug`);
    const record: RepositoryRecord = {
      workspace,
      slug,
      fullName,
      uuid: seededUuid(`repository:${fullName}`),
      description: '',
      language: '',
      project: { key: 'PROJ', name: 'Project' },
      mainBranch: 'main',
      createdOn,
      branches: new Map(),
      commits: new Map(),
      pullRequests: [],
    };
    this.byName.set(fullName, record);
    return record;
  }

  /**
   * Registers a commit made outside the sandbox (e.g. in a test's own git repository), so its real hash exists here;
   * moves `branch` (created if new) to it. Registering a known hash again only moves the branch. Throws on an unknown
   * repository or parent, or a hash that is not 40 hex digits.
   */
  addCommit(fullName: string, hash: string, commit: NewCommit): CommitRecord {
    const repo = this.requireRepository(fullName);
    const full = hash.toLowerCase();
    if (!/^[0-9a-f]{40}$/.test(full))
      throw new Error(`sandbox: ${hash} is not a full (40 hex digit) commit hash`);
    const parents = (commit.parents ?? []).map((parent) => {
      const known = resolveCommit(repo, parent);
      if (!known) throw new Error(`sandbox: unknown parent commit ${parent} in ${fullName}`);
      return known;
    });
    const record = repo.commits.get(full) ?? {
      hash: full,
      message: commit.message ?? `Commit ${full.slice(0, 7)}`,
      date: commit.date,
      parents,
      authorEmail: commit.authorEmail,
    };
    repo.commits.set(full, record);
    if (commit.branch) repo.branches.set(commit.branch, full);
    return record;
  }

  /**
   * Points pull request `id` at `commit` by moving its source branch there (Bitbucket derives a pull request's source
   * commit from its branch). Throws on an unknown repository, pull request or commit, or a pull request not OPEN.
   */
  setPullRequestSource(fullName: string, id: number, commit: string): void {
    const repo = this.requireRepository(fullName);
    const pr = repo.pullRequests.find((candidate) => candidate.id === id);
    if (!pr) throw new Error(`sandbox: no pull request #${id} in ${fullName}`);
    if (pr.state !== 'OPEN')
      throw new Error(`sandbox: pull request #${id} in ${fullName} is ${pr.state}, not OPEN`);
    const hash = resolveCommit(repo, commit);
    if (!hash) throw new Error(`sandbox: unknown commit ${commit} in ${fullName}`);
    repo.branches.set(pr.source, hash);
  }

  /** Removes a branch (a push deleted it). */
  deleteBranch(fullName: string, branch: string): void {
    this.requireRepository(fullName).branches.delete(branch);
  }

  /**
   * Opens a pull request from `source` to `destination` (both existing branches of the repository) and returns it;
   * throws when a branch is missing, both are the same, or an open pull request already joins them.
   */
  openPullRequest(
    fullName: string,
    o: { source: string; destination: string; title: string; authorEmail: string; createdOn: string },
  ): PullRequestRecord {
    const repo = this.requireRepository(fullName);
    for (const branch of [o.source, o.destination])
      if (!repo.branches.has(branch)) throw new Error(`sandbox: no branch ${branch} in ${fullName}`);
    if (o.source === o.destination)
      throw new Error('sandbox: a pull request needs different source and destination branches');
    if (
      repo.pullRequests.some(
        (pr) => pr.state === 'OPEN' && pr.source === o.source && pr.destination === o.destination,
      )
    )
      throw new Error(`sandbox: an open pull request from ${o.source} to ${o.destination} exists`);
    const record: PullRequestRecord = {
      id: Math.max(0, ...repo.pullRequests.map((pr) => pr.id)) + 1,
      title: o.title,
      description: '',
      state: 'OPEN',
      source: o.source,
      destination: o.destination,
      authorEmail: o.authorEmail,
      createdOn: o.createdOn,
      updatedOn: o.createdOn,
    };
    repo.pullRequests.push(record);
    return record;
  }

  /** Repository and full commit hash for control methods; throws on an unknown repository or commit. */
  require(fullName: string, ref: string): { repo: RepositoryRecord; hash: string } {
    const repo = this.requireRepository(fullName);
    const hash = resolveCommit(repo, ref) ?? (repo.branches.has(ref) ? repo.branches.get(ref) : undefined);
    if (!hash) throw new Error(`sandbox: unknown commit ${ref} in ${fullName}`);
    return { repo, hash };
  }

  private requireRepository(fullName: string): RepositoryRecord {
    const repo = this.byName.get(fullName);
    if (!repo) throw new Error(`sandbox: unknown repository ${fullName}`);
    return repo;
  }
}

/** A commit to register with `Repositories.addCommit`. */
export interface NewCommit {
  /** Branch moved to the commit, created if new. */
  readonly branch?: string;
  /** Full or abbreviated hashes of commits already known in the repository. */
  readonly parents?: readonly string[];
  /** Defaults to `Commit <short hash>`. */
  readonly message?: string;
  /** Bitbucket-formatted timestamp. */
  readonly date: string;
  /** Email of a known account. */
  readonly authorEmail: string;
}

export function apiBase(origin: string, repo: RepositoryRecord): string {
  return `${origin}/2.0/repositories/${repo.fullName}`;
}

export function htmlBase(origin: string, repo: RepositoryRecord): string {
  return `${origin}/${repo.fullName}`;
}

export function accountJson(origin: string, account: Account): Record<string, unknown> {
  return {
    type: 'user',
    display_name: account.displayName,
    nickname: account.nickname,
    uuid: account.uuid,
    account_id: account.accountId,
    links: {
      self: { href: `${origin}/2.0/users/${encodeURIComponent(account.uuid)}` },
      html: { href: `${origin}/${encodeURIComponent(account.uuid)}/` },
      avatar: { href: `${origin}/_sandbox/avatar/${account.nickname}.png` },
    },
  };
}

/** The short form of a repository embedded in other objects. */
export function repositoryRef(origin: string, repo: RepositoryRecord): Record<string, unknown> {
  return {
    type: 'repository',
    full_name: repo.fullName,
    name: repo.slug,
    uuid: repo.uuid,
    links: { self: { href: apiBase(origin, repo) }, html: { href: htmlBase(origin, repo) } },
  };
}

export function commitRef(origin: string, repo: RepositoryRecord, hash: string): Record<string, unknown> {
  return {
    type: 'commit',
    hash,
    links: {
      self: { href: `${apiBase(origin, repo)}/commit/${hash}` },
      html: { href: `${htmlBase(origin, repo)}/commits/${hash}` },
    },
  };
}

function repositoryJson(origin: string, repo: RepositoryRecord): Record<string, unknown> {
  const api = apiBase(origin, repo);
  return {
    ...repositoryRef(origin, repo),
    slug: repo.slug,
    description: repo.description,
    is_private: true,
    scm: 'git',
    language: repo.language,
    fork_policy: 'no_public_forks',
    has_issues: false,
    has_wiki: false,
    created_on: repo.createdOn,
    updated_on: repo.createdOn,
    size: 1_048_576,
    mainbranch: { type: 'branch', name: repo.mainBranch },
    workspace: {
      type: 'workspace',
      slug: repo.workspace,
      name: 'Acme',
      uuid: `{${repo.workspace}-workspace}`,
    },
    project: { type: 'project', key: repo.project.key, name: repo.project.name },
    links: {
      self: { href: api },
      html: { href: htmlBase(origin, repo) },
      commits: { href: `${api}/commits` },
      pullrequests: { href: `${api}/pullrequests` },
      clone: [{ name: 'https', href: `${origin}/${repo.fullName}.git` }],
    },
  };
}

function commitJson(
  origin: string,
  repo: RepositoryRecord,
  hash: string,
  credentials: Credentials,
): Record<string, unknown> {
  const commit = repo.commits.get(hash);
  if (!commit) throw new Error(`sandbox: no commit ${hash}`);
  const author = credentials.account(commit.authorEmail);
  return {
    ...commitRef(origin, repo, hash),
    date: commit.date,
    message: `${commit.message}\n`,
    summary: {
      raw: `${commit.message}\n`,
      markup: 'markdown',
      html: `<p>${commit.message}</p>`,
    },
    author: {
      type: 'author',
      raw: `${author.displayName} <${author.email}>`,
      user: accountJson(origin, author),
    },
    parents: commit.parents.map((p) => commitRef(origin, repo, p)),
    repository: repositoryRef(origin, repo),
    links: {
      ...(commitRef(origin, repo, hash).links as Record<string, unknown>),
      statuses: { href: `${apiBase(origin, repo)}/commit/${hash}/statuses` },
    },
  };
}

/** Commits reachable from a head, newest first. */
function history(repo: RepositoryRecord, head: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const queue = [head];
  while (queue.length > 0) {
    const hash = queue.shift() as string;
    if (seen.has(hash)) continue;
    seen.add(hash);
    out.push(hash);
    queue.push(...(repo.commits.get(hash)?.parents ?? []));
  }
  return out;
}

export function repositoryRoutes(repos: Repositories, credentials: Credentials): Route[] {
  const R = '/2.0/repositories/:workspace/:repo';
  return [
    route(
      'GET',
      '/2.0/user',
      withBitbucketAuth(
        credentials,
        SCOPES.readUser,
        (ctx, principal) => {
          const account = principal.kind === 'access-token' ? undefined : principal.account;
          if (!account) return bitbucketError(403, MESSAGES.notAccessibleByMechanism);
          return json(200, {
            ...accountJson(ctx.origin, account),
            created_on: '2020-01-06T10:00:00.000000+00:00',
            account_status: 'active',
            has_2fa_enabled: null,
            is_staff: false,
          });
        },
        { crossWorkspace: true },
      ),
    ),
    route(
      'GET',
      R,
      withBitbucketAuth(credentials, SCOPES.readRepository, (ctx, principal) => {
        const repo = repos.lookupRoute(ctx, principal);
        return 'status' in repo ? repo : json(200, repositoryJson(ctx.origin, repo));
      }),
    ),
    route(
      'GET',
      `${R}/commit/:commit`,
      withBitbucketAuth(credentials, SCOPES.readRepository, (ctx, principal) => {
        const found = repos.lookupRouteCommit(ctx, principal);
        return 'status' in found
          ? found
          : json(200, commitJson(ctx.origin, found.repo, found.hash, credentials));
      }),
    ),
    route(
      'GET',
      `${R}/commits`,
      withBitbucketAuth(credentials, SCOPES.readRepository, (ctx, principal) => {
        const repo = repos.lookupRoute(ctx, principal);
        if ('status' in repo) return repo;
        const head = repo.branches.get(repo.mainBranch) as string;
        return paginate(
          ctx,
          history(repo, head).map((hash) => commitJson(ctx.origin, repo, hash, credentials)),
          { defaultLength: 30 },
        );
      }),
    ),
    route(
      'GET',
      `${R}/refs/branches/*name`,
      withBitbucketAuth(credentials, SCOPES.readRepository, (ctx, principal) => {
        const repo = repos.lookupRoute(ctx, principal);
        if ('status' in repo) return repo;
        const head = repo.branches.get(param(ctx, 'name'));
        if (!head) return bitbucketError(404, `Branch not found: ${param(ctx, 'name')}`);
        return json(200, {
          type: 'branch',
          name: param(ctx, 'name'),
          target: commitJson(ctx.origin, repo, head, credentials),
          links: {
            self: {
              href: `${apiBase(ctx.origin, repo)}/refs/branches/${encodeURIComponent(param(ctx, 'name'))}`,
            },
            html: { href: `${htmlBase(ctx.origin, repo)}/branch/${param(ctx, 'name')}` },
          },
        });
      }),
    ),
  ];
}
