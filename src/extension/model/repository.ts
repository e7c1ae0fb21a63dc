// The repository a command acts on: which open git repository, its Bitbucket remote, branch, HEAD and whether HEAD is pushed.
import { formatRepository, type RepositoryRef } from '../../core';
import { type GitRemote, pickBitbucketRemote } from './remote';

/** What the git extension tells about one open repository, reduced to what Crosscheck reads. */
export interface GitSnapshot {
  /** File system path of the working tree. */
  root: string;
  remotes: readonly GitRemote[];
  head?: {
    /** Branch name; undefined on a detached HEAD. */
    name?: string;
    commit?: string;
    upstream?: { remote: string; name: string };
    /** Commits on HEAD not on its upstream (as of the last fetch). */
    ahead?: number;
  };
}

/** An open repository whose remote is on Bitbucket Cloud, and where its HEAD stands. */
export interface RepoContext {
  root: string;
  remote: string;
  repo: RepositoryRef;
  branch?: string;
  commit?: string;
  upstream?: string;
  ahead?: number;
}

export function repoContextOf(snapshot: GitSnapshot): RepoContext | undefined {
  const found = pickBitbucketRemote(snapshot.remotes, snapshot.head?.upstream?.remote);
  if (!found) return undefined;
  const head = snapshot.head;
  return {
    root: snapshot.root,
    remote: found.remote,
    repo: found.repo,
    branch: head?.name,
    commit: head?.commit?.toLowerCase(),
    upstream: head?.upstream ? `${head.upstream.remote}/${head.upstream.name}` : undefined,
    ahead: head?.ahead,
  };
}

/**
 * The repository to act on: the one holding the active editor's file (the innermost, for nested repositories),
 * else the one chosen before if it is still open, else the first.
 */
export function chooseRepository<T extends { root: string }>(
  repositories: readonly T[],
  activePath?: string,
  previousRoot?: string,
): T | undefined {
  if (activePath) {
    const containing = repositories
      .filter((repository) => isInside(repository.root, activePath))
      .sort((a, b) => b.root.length - a.root.length);
    if (containing.length > 0) return containing[0];
  }
  return (
    repositories.find(
      (repository) => previousRoot !== undefined && samePath(repository.root, previousRoot),
    ) ?? repositories[0]
  );
}

/** Whether `file` is `root` or below it; separators and (for drive-letter paths) case are normalised. */
export function isInside(root: string, file: string): boolean {
  const base = normalisePath(root).replace(/\/+$/, '');
  const path = normalisePath(file);
  return path === base || path.startsWith(`${base}/`);
}

function samePath(a: string, b: string): boolean {
  return normalisePath(a).replace(/\/+$/, '') === normalisePath(b).replace(/\/+$/, '');
}

function normalisePath(path: string): string {
  const slashed = path.replace(/\\/g, '/');
  return /^[A-Za-z]:\//.test(slashed) ? slashed.toLowerCase() : slashed;
}

/** A context whose HEAD is a commit on a branch that Bitbucket has. */
export type PushedContext = RepoContext & { commit: string; branch: string };

export interface PushProblem {
  message: string;
  hint: string;
}

/** HEAD as Bitbucket knows it, or why it cannot be checked there yet (no commit, detached, not pushed). */
export function pushedHead(context: RepoContext): { context: PushedContext } | { problem: PushProblem } {
  const name = formatRepository(context.repo);
  const { commit, branch } = context;
  if (!commit) {
    return {
      problem: {
        message: `The repository at ${context.root} has no commit yet.`,
        hint: `Commit and push to ${name} first.`,
      },
    };
  }
  const short = commit.slice(0, 7);
  if (!branch) {
    return {
      problem: {
        message: `HEAD (${short}) is detached, so there is no branch to check.`,
        hint: 'Check out the branch of the pull request, then run the check again.',
      },
    };
  }
  if (!context.upstream) {
    return {
      problem: {
        message: `Branch ${branch} has not been pushed to ${name}, so Bitbucket does not know commit ${short}.`,
        hint: `Push it first (git push -u ${context.remote} ${branch}).`,
      },
    };
  }
  if (context.ahead && context.ahead > 0) {
    const commits = context.ahead === 1 ? '1 commit' : `${context.ahead} commits`;
    return {
      problem: {
        message: `HEAD (${short}) is ${commits} ahead of ${context.upstream}, so Bitbucket does not have it yet.`,
        hint: 'Push first, then run the check on the pushed commit.',
      },
    };
  }
  return { context: { ...context, commit, branch } };
}

/** Identifies the state of a context; a change means statuses must be fetched again. */
export function contextKey(context: RepoContext | undefined): string {
  if (!context) return '';
  return [
    context.root,
    formatRepository(context.repo),
    context.branch,
    context.commit,
    context.upstream,
    context.ahead,
  ].join('\u0000');
}
