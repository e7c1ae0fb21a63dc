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

/**
 * A context whose HEAD commit can be looked up on Bitbucket: a pushed branch, or a detached HEAD (a tag, a commit
 * checked out for review), whose statuses are shown although no check can be run for it.
 */
export type CommitContext = RepoContext & { commit: string };

export interface PushProblem {
  message: string;
  hint: string;
  /** Whether pushing fixes it (a branch with commits Bitbucket lacks); not on a detached HEAD. */
  pushable: boolean;
}

/** Whether a context is on a branch (a run needs one: the central pipeline gets TRIGGER_BRANCH). */
export function onBranch(context: CommitContext): context is PushedContext {
  return context.branch !== undefined;
}

/**
 * The commit whose statuses the views show: HEAD when pushed, and a detached HEAD as it is (Bitbucket says whether
 * it has that commit); else why there is nothing to show yet.
 */
export function viewedHead(context: RepoContext): { context: CommitContext } | { problem: PushProblem } {
  if (context.commit && !context.branch) return { context: { ...context, commit: context.commit } };
  return pushedHead(context);
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
        pushable: false,
      },
    };
  }
  const short = commit.slice(0, 7);
  if (!branch) {
    return {
      problem: {
        message: `HEAD (${short}) is detached, so there is no branch to run the check for.`,
        hint: 'Its build statuses are shown; check out the branch of the pull request to run the check.',
        pushable: false,
      },
    };
  }
  if (!context.upstream) {
    return {
      problem: {
        message: `Branch ${branch} has not been pushed to ${name}, so Bitbucket does not know commit ${short}.`,
        hint: `Push it first (git push -u ${context.remote} ${branch}).`,
        pushable: true,
      },
    };
  }
  if (context.ahead && context.ahead > 0) {
    const commits = context.ahead === 1 ? '1 commit' : `${context.ahead} commits`;
    return {
      problem: {
        message: `HEAD (${short}) is ${commits} ahead of ${context.upstream}, so Bitbucket does not have it yet.`,
        hint: 'Push first, then run the check on the pushed commit.',
        pushable: true,
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
