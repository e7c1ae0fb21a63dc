// Bitbucket pull requests: the pullrequest JSON shape, listing with state/q filters, one pull request, and its statuses.
import { SCOPES, withBitbucketAuth, type Credentials, type Principal } from './auth';
import { matchesQuery, parseQuery, sortBy } from './bbql';
import { accountJson, apiBase, htmlBase, repositoryRef, type Repositories } from './bitbucket-repositories';
import { listStatuses, statusJson, type StatusStore } from './bitbucket-statuses';
import { bitbucketError, json, route, type Reply, type RequestContext, type Route, param } from './http';
import type { PullRequestRecord, RepositoryRecord } from './model';
import { paginate } from './pagination';

/** Bitbucket shows pull request commits by their 12-character abbreviated hash. */
export const PR_HASH_LENGTH = 12;

function endpoint(origin: string, repo: RepositoryRecord, branch: string): Record<string, unknown> {
  const head = repo.branches.get(branch) ?? '';
  return {
    branch: { name: branch },
    commit: { hash: head.slice(0, PR_HASH_LENGTH) },
    repository: repositoryRef(origin, repo),
  };
}

function pullRequestJson(
  origin: string,
  repo: RepositoryRecord,
  pr: PullRequestRecord,
  credentials: Credentials,
): Record<string, unknown> {
  const self = `${apiBase(origin, repo)}/pullrequests/${pr.id}`;
  return {
    type: 'pullrequest',
    id: pr.id,
    title: pr.title,
    description: pr.description,
    summary: { raw: pr.description, markup: 'markdown', html: `<p>${pr.description}</p>` },
    state: pr.state,
    draft: false,
    author: accountJson(origin, credentials.account(pr.authorEmail)),
    source: endpoint(origin, repo, pr.source),
    destination: endpoint(origin, repo, pr.destination),
    comment_count: 0,
    task_count: 0,
    close_source_branch: false,
    reason: '',
    created_on: pr.createdOn,
    updated_on: pr.updatedOn,
    reviewers: [],
    participants: [],
    links: {
      self: { href: self },
      html: { href: `${htmlBase(origin, repo)}/pull-requests/${pr.id}` },
      commits: { href: `${self}/commits` },
      approve: { href: `${self}/approve` },
      diff: { href: `${self}/diff` },
      diffstat: { href: `${self}/diffstat` },
      comments: { href: `${self}/comments` },
      activity: { href: `${self}/activity` },
      merge: { href: `${self}/merge` },
      decline: { href: `${self}/decline` },
    },
  };
}

function lookupPullRequest(
  repos: Repositories,
  ctx: RequestContext,
  principal: Principal,
): { repo: RepositoryRecord; pr: PullRequestRecord } | Reply {
  const repo = repos.lookupRoute(ctx, principal);
  if ('status' in repo) return repo;
  const pr = repo.pullRequests.find((p) => String(p.id) === param(ctx, 'id'));
  if (!pr) return bitbucketError(404, 'Pull request not found');
  return { repo, pr };
}

export function pullRequestRoutes(
  repos: Repositories,
  statuses: StatusStore,
  credentials: Credentials,
): Route[] {
  const P = '/2.0/repositories/:workspace/:repo/pullrequests';
  return [
    route(
      'GET',
      P,
      withBitbucketAuth(credentials, SCOPES.readPullRequest, (ctx, principal) => {
        const repo = repos.lookupRoute(ctx, principal);
        if ('status' in repo) return repo;
        // Only open pull requests unless `state` (repeatable) says otherwise.
        const states = ctx.query.getAll('state').map((s) => s.toUpperCase());
        const wanted = states.length > 0 ? states : ['OPEN'];
        let items = repo.pullRequests
          .filter((pr) => wanted.includes(pr.state))
          .map((pr) => pullRequestJson(ctx.origin, repo, pr, credentials));
        const q = ctx.query.get('q');
        if (q) {
          try {
            const query = parseQuery(q);
            items = items.filter((pr) => matchesQuery(query, pr));
          } catch (e) {
            return bitbucketError(400, 'Invalid query', { detail: (e as Error).message });
          }
        }
        return paginate(ctx, sortBy(items, ctx.query.get('sort') ?? '-id'), { maxLength: 50 });
      }),
    ),
    route(
      'GET',
      `${P}/:id`,
      withBitbucketAuth(credentials, SCOPES.readPullRequest, (ctx, principal) => {
        const found = lookupPullRequest(repos, ctx, principal);
        return 'status' in found
          ? found
          : json(200, pullRequestJson(ctx.origin, found.repo, found.pr, credentials));
      }),
    ),
    route(
      'GET',
      `${P}/:id/statuses`,
      withBitbucketAuth(credentials, SCOPES.readPullRequest, (ctx, principal) => {
        const found = lookupPullRequest(repos, ctx, principal);
        if ('status' in found) return found;
        const head = found.repo.branches.get(found.pr.source) as string;
        const rendered = statuses
          .list(found.repo.fullName, head)
          .map((s) => statusJson(ctx.origin, found.repo, head, s));
        const items = listStatuses(ctx, rendered, found.pr.source);
        return 'status' in items ? items : paginate(ctx, items);
      }),
    ),
  ];
}
