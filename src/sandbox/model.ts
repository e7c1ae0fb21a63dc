// In-memory records of the emulated Bitbucket repositories: commits, branches and pull requests.

export interface CommitRecord {
  readonly hash: string;
  readonly message: string;
  readonly date: string;
  readonly parents: readonly string[];
  readonly authorEmail: string;
}

export type PullRequestState = 'OPEN' | 'MERGED' | 'DECLINED' | 'SUPERSEDED';

export interface PullRequestRecord {
  readonly id: number;
  readonly title: string;
  readonly description: string;
  readonly state: PullRequestState;
  /** Source and destination branch names, in the same repository. */
  readonly source: string;
  readonly destination: string;
  readonly authorEmail: string;
  readonly createdOn: string;
  readonly updatedOn: string;
}

export interface RepositoryRecord {
  readonly workspace: string;
  readonly slug: string;
  readonly fullName: string;
  readonly uuid: string;
  readonly description: string;
  readonly language: string;
  readonly project: { readonly key: string; readonly name: string };
  readonly mainBranch: string;
  readonly createdOn: string;
  /** Branch name → head commit hash. */
  readonly branches: Map<string, string>;
  /** Full hash → commit. */
  readonly commits: Map<string, CommitRecord>;
  readonly pullRequests: PullRequestRecord[];
  /** Custom pipelines of its bitbucket-pipelines.yml; undefined when the repository has no such file. */
  readonly customPipelines?: readonly string[];
}

/** The full hash of a commit given by its full or abbreviated (≥ 7 characters) hash, if it is unique in the repository. */
export function resolveCommit(repo: RepositoryRecord, ref: string): string | undefined {
  const wanted = ref.toLowerCase();
  if (repo.commits.has(wanted)) return wanted;
  if (!/^[0-9a-f]{7,39}$/.test(wanted)) return undefined;
  const matches = [...repo.commits.keys()].filter((hash) => hash.startsWith(wanted));
  return matches.length === 1 ? matches[0] : undefined;
}
