// Maps Bitbucket Pipelines variables to the GITHUB_* / RUNNER_* environment and event payload an action expects.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface EnvironmentContext {
  /** The caller's environment (the CLI passes process.env); it passes through to the action, less `hidden`. */
  env: Record<string, string | undefined>;
  /**
   * Variables never passed through (Crosscheck's own credentials): on GitHub a secret reaches an action only through
   * `with:` or `env:`, which here are `--with` and `--env`.
   */
  hidden: readonly string[];
  /** Workspace when BITBUCKET_CLONE_DIR is not set. */
  cwd: string;
  actionDirectory: string;
  /** GITHUB_ACTION: `__<folder>`, `__<folder>_2` for the second run of it in the job, as GitHub names steps. */
  actionId: string;
  /** For a remote action, its `owner/repo` and ref (GITHUB_ACTION_REPOSITORY, GITHUB_ACTION_REF). */
  actionRepository?: string;
  actionRef?: string;
  /** The job's RUNNER_TEMP, used when the environment does not already name one. */
  runnerTemp: string;
  /** RUNNER_TOOL_CACHE, used when the environment does not already name one. */
  toolCache: string;
  /** Where the synthesised event payload will be written, used when GITHUB_EVENT_PATH is not already set. */
  eventPath: string;
  /** The remote's default branch as git knows it (`origin/HEAD`), if it does. */
  defaultBranch?: string;
  /** What git in the clone says about the commits Pipelines names (full SHAs, the head commit). */
  git?: GitFacts;
  hostname: string;
  debug: boolean;
  platform: NodeJS.Platform;
  arch: string;
}

export interface ActionEnvironment {
  /** The environment every phase starts from (before inputs, state and file-command paths are added). */
  variables: Record<string, string>;
  /** The payload to write to `eventPath`; absent when the environment already had GITHUB_EVENT_PATH. */
  event?: Record<string, unknown>;
}

/** What the runner sets per action or per phase: never inherited from the caller. */
const PER_STEP =
  /^(INPUT_|STATE_)|^GITHUB_(OUTPUT|ENV|PATH|STATE|STEP_SUMMARY|ACTION_PATH|ACTION_REPOSITORY|ACTION_REF)$/;

/**
 * Builds the base environment of an action run (pure). Every variable the caller's environment already defines wins,
 * so under a real GitHub runner nothing is replaced; the GITHUB_* / RUNNER_* values derived from Bitbucket Pipelines
 * (or the local checkout) only fill gaps. Ours alone: GITHUB_ACTION_PATH, the per-step variables (another action's
 * INPUT_* and STATE_* are dropped), and RUNNER_DEBUG, which is `1` exactly when debugging was asked for, so
 * `core.isDebug()` agrees with what the runner shows.
 */
export function buildActionEnvironment(context: EnvironmentContext): ActionEnvironment {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(context.env)) {
    if (value !== undefined && !context.hidden.includes(name) && !PER_STEP.test(name)) env[name] = value;
  }
  const ref = pipelinesRef(env);
  const fullName = env.BITBUCKET_REPO_FULL_NAME;
  const serverUrl = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
  const onGitHubCom = serverUrl === 'https://github.com';
  const inPipelines = env.BITBUCKET_BUILD_NUMBER !== undefined;
  const derived: Record<string, string | undefined> = {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: context.actionId,
    GITHUB_ACTION_REPOSITORY: context.actionRepository,
    GITHUB_ACTION_REF: context.actionRef,
    GITHUB_ACTOR: env.BITBUCKET_STEP_TRIGGERER_UUID?.replace(/[{}]/g, '') || 'crosscheck',
    GITHUB_JOB: 'pipelines-step',
    GITHUB_WORKFLOW: 'bitbucket-pipelines.yml',
    GITHUB_WORKSPACE: env.BITBUCKET_CLONE_DIR ?? context.cwd,
    GITHUB_REPOSITORY: fullName,
    GITHUB_REPOSITORY_OWNER: env.BITBUCKET_WORKSPACE ?? fullName?.split('/')[0],
    GITHUB_SERVER_URL: serverUrl,
    GITHUB_API_URL: onGitHubCom ? 'https://api.github.com' : `${serverUrl}/api/v3`,
    GITHUB_GRAPHQL_URL: onGitHubCom ? 'https://api.github.com/graphql' : `${serverUrl}/api/graphql`,
    GITHUB_SHA: fullSha(env.BITBUCKET_COMMIT, context.git),
    GITHUB_EVENT_NAME: env.BITBUCKET_PR_ID ? 'pull_request' : 'push',
    GITHUB_EVENT_PATH: context.eventPath,
    GITHUB_REF: ref?.ref,
    GITHUB_REF_NAME: ref?.name,
    GITHUB_REF_TYPE: ref?.type,
    GITHUB_HEAD_REF: env.BITBUCKET_PR_ID ? env.BITBUCKET_BRANCH : undefined,
    GITHUB_BASE_REF: env.BITBUCKET_PR_ID ? env.BITBUCKET_PR_DESTINATION_BRANCH : undefined,
    GITHUB_RUN_ID: env.BITBUCKET_BUILD_NUMBER ?? '1',
    GITHUB_RUN_NUMBER: env.BITBUCKET_BUILD_NUMBER ?? '1',
    GITHUB_RUN_ATTEMPT: '1',
    RUNNER_NAME: inPipelines ? 'Bitbucket Pipelines' : context.hostname,
    RUNNER_ENVIRONMENT: 'self-hosted',
    RUNNER_OS: runnerOs(context.platform),
    RUNNER_ARCH: runnerArch(context.arch),
    RUNNER_TEMP: context.runnerTemp,
    RUNNER_TOOL_CACHE: context.toolCache,
  };
  const variables = { ...env };
  for (const [name, value] of Object.entries(derived)) {
    if (value !== undefined && variables[name] === undefined) variables[name] = value;
  }
  variables.GITHUB_ACTION_PATH = context.actionDirectory;
  if (context.debug) variables.RUNNER_DEBUG = '1';
  else delete variables.RUNNER_DEBUG;
  const ownEvent = variables.GITHUB_EVENT_PATH === context.eventPath;
  return ownEvent
    ? { variables, event: pipelinesEvent(env, ref?.ref, context.defaultBranch, context.git) }
    : { variables };
}

interface PipelinesRef {
  ref: string;
  name: string;
  type: 'branch' | 'tag';
}

/** The Git ref GitHub would report: the PR merge ref for PR pipelines, else the branch or tag built. */
function pipelinesRef(env: Record<string, string>): PipelinesRef | undefined {
  if (env.BITBUCKET_PR_ID) {
    const name = `${env.BITBUCKET_PR_ID}/merge`;
    return { ref: `refs/pull/${name}`, name, type: 'branch' };
  }
  if (env.BITBUCKET_TAG)
    return { ref: `refs/tags/${env.BITBUCKET_TAG}`, name: env.BITBUCKET_TAG, type: 'tag' };
  if (env.BITBUCKET_BRANCH) {
    return { ref: `refs/heads/${env.BITBUCKET_BRANCH}`, name: env.BITBUCKET_BRANCH, type: 'branch' };
  }
  return undefined;
}

/**
 * A webhook-like payload with the fields `@actions/github`'s context and git-diff actions read: `pull_request`
 * (number, head and base with ref, sha and repo) for PR pipelines, else a push (`ref`, `before`, `after`,
 * `head_commit` as git describes it); `repository` with `default_branch` (git's `origin/HEAD`, else the PR's
 * destination branch) when known. Every SHA is the full 40 characters git gives for Pipelines' short ones.
 */
function pipelinesEvent(
  env: Record<string, string>,
  ref: string | undefined,
  originHead: string | undefined,
  git: GitFacts | undefined,
): Record<string, unknown> {
  const fullName = env.BITBUCKET_REPO_FULL_NAME;
  const defaultBranch = originHead ?? (env.BITBUCKET_PR_ID ? env.BITBUCKET_PR_DESTINATION_BRANCH : undefined);
  const repository = fullName
    ? {
        full_name: fullName,
        name: fullName.split('/')[1],
        owner: { login: env.BITBUCKET_WORKSPACE ?? fullName.split('/')[0] },
        ...(defaultBranch !== undefined && { default_branch: defaultBranch }),
      }
    : defaultBranch !== undefined
      ? { default_branch: defaultBranch }
      : undefined;
  const sha = fullSha(env.BITBUCKET_COMMIT, git);
  if (env.BITBUCKET_PR_ID) {
    const number = /^\d+$/.test(env.BITBUCKET_PR_ID) ? Number(env.BITBUCKET_PR_ID) : env.BITBUCKET_PR_ID;
    const side = (branch: string | undefined, commit: string | undefined) => ({
      ref: branch,
      sha: commit,
      ...(repository && { repo: repository }),
    });
    return {
      action: 'synchronize',
      number,
      pull_request: {
        number,
        head: side(env.BITBUCKET_BRANCH, sha),
        base: side(env.BITBUCKET_PR_DESTINATION_BRANCH, fullSha(env.BITBUCKET_PR_DESTINATION_COMMIT, git)),
      },
      repository,
    };
  }
  const head = git?.head && git.head.id === sha ? git.head : undefined;
  const url = env.BITBUCKET_GIT_HTTP_ORIGIN?.replace(/\/+$/, '');
  // Pipelines does not say what the branch pointed at before the push: GitHub's value for "no earlier commit".
  if (!sha) return { ref, repository };
  return {
    ref,
    before: UNKNOWN_BEFORE,
    after: sha,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    head_commit: head
      ? { ...head, distinct: true, ...(url && { url: `${url}/commits/${head.id}` }) }
      : { id: sha },
    repository,
  };
}

/** `before` of a push whose earlier commit is not known: GitHub's all-zero SHA (as for a new branch). */
const UNKNOWN_BEFORE = '0'.repeat(40);

/** A commit as GitHub describes `head_commit` (without `url`, which needs the repository's address). */
export interface HeadCommit {
  id: string;
  tree_id: string;
  message: string;
  timestamp: string;
  author: { name: string; email: string };
  committer: { name: string; email: string };
}

/** What git says in the clone: Pipelines' SHAs expanded (by the SHA as given) and the commit built. */
export interface GitFacts {
  commits: Record<string, string>;
  head?: HeadCommit;
  /** SHAs git could not expand (not in the clone, or ambiguous), for a warning. */
  unknown: string[];
  /** The remote's default branch as `git ls-remote --symref origin HEAD` tells it (push pipelines only). */
  defaultBranch?: string;
}

function fullSha(sha: string | undefined, git: GitFacts | undefined): string | undefined {
  return sha === undefined ? undefined : (git?.commits[sha] ?? sha);
}

const GIT_TIMEOUT_MS = 10_000;

/** Runs git in `cwd` with a deadline and a bounded output; undefined when it fails. */
function git(cwd: string, args: string[], env: Record<string, string>): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      { cwd, env, timeout: GIT_TIMEOUT_MS, maxBuffer: 1024 * 1024, windowsHide: true },
      (error, stdout) => resolve(error ? undefined : stdout),
    );
  });
}

/**
 * Expands the commits Pipelines names (BITBUCKET_COMMIT, BITBUCKET_PR_DESTINATION_COMMIT: 12 characters) to the
 * 40 characters GitHub always gives, and reads the built commit for `head_commit`, with git in the clone: one
 * `git cat-file --batch-check` and one `git log`, and for a push without `origin/HEAD` one `git ls-remote` for the
 * default branch. Nothing when Pipelines names no commit.
 */
export async function readGitFacts(
  workspace: string,
  env: Record<string, string | undefined>,
): Promise<GitFacts> {
  const facts: GitFacts = { commits: {}, unknown: [] };
  const wanted = [env.BITBUCKET_COMMIT, env.BITBUCKET_PR_DESTINATION_COMMIT].filter(
    (sha): sha is string => sha !== undefined && /^[0-9a-f]{4,40}$/i.test(sha),
  );
  if (wanted.length === 0) return facts;
  const gitEnv: Record<string, string> = { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
  for (const name of ['PATH', 'HOME', 'SystemRoot']) if (env[name]) gitEnv[name] = env[name];
  const checked = await new Promise<string | undefined>((resolve) => {
    const child = execFile(
      'git',
      ['cat-file', '--batch-check=%(objectname) %(objecttype)'],
      { cwd: workspace, env: gitEnv, timeout: GIT_TIMEOUT_MS, maxBuffer: 64 * 1024, windowsHide: true },
      (error, stdout) => resolve(error ? undefined : stdout),
    );
    // git exits at once outside a repository: its stdin closing early is that failure, reported above.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(wanted.map((sha) => `${sha}^{commit}\n`).join(''));
  });
  const answers = (checked ?? '').split('\n');
  wanted.forEach((sha, index) => {
    const full = /^([0-9a-f]{40}) commit$/.exec(answers[index] ?? '')?.[1];
    if (full) facts.commits[sha] = full;
    else facts.unknown.push(sha);
  });
  // A Pipelines clone is single-branch, without origin/HEAD: the remote tells its default branch.
  if (!env.BITBUCKET_PR_ID && (await readOriginHead(workspace)) === undefined) {
    const remote = await git(workspace, ['ls-remote', '--symref', 'origin', 'HEAD'], gitEnv);
    const branch = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(remote ?? '')?.[1];
    if (branch) facts.defaultBranch = branch;
  }
  const head = env.BITBUCKET_COMMIT && facts.commits[env.BITBUCKET_COMMIT];
  if (head) {
    const format = ['%H', '%T', '%aI', '%an', '%ae', '%cn', '%ce', '%B'].join('%x00');
    const text = await git(workspace, ['log', '-1', `--format=${format}`, head, '--'], gitEnv);
    const [id, tree, timestamp, authorName, authorEmail, committerName, committerEmail, message] = (
      text ?? ''
    ).split('\0');
    if (id === head && tree && timestamp && message !== undefined) {
      facts.head = {
        id,
        tree_id: tree,
        message: message.replace(/\n+$/, ''),
        timestamp,
        author: { name: authorName ?? '', email: authorEmail ?? '' },
        committer: { name: committerName ?? '', email: committerEmail ?? '' },
      };
    }
  }
  return facts;
}

function runnerOs(platform: NodeJS.Platform): string {
  if (platform === 'win32') return 'Windows';
  if (platform === 'darwin') return 'macOS';
  return 'Linux';
}

function runnerArch(arch: string): string {
  const names: Record<string, string> = { x64: 'X64', arm64: 'ARM64', ia32: 'X86', arm: 'ARM' };
  return names[arch] ?? arch.toUpperCase();
}

/**
 * The remote's default branch as the checkout records it (`.git/refs/remotes/origin/HEAD` holding
 * `ref: refs/remotes/origin/<branch>`), read without starting git; undefined when git does not know it.
 */
export async function readOriginHead(workspace: string): Promise<string | undefined> {
  const text = await fs
    .readFile(path.join(workspace, '.git', 'refs', 'remotes', 'origin', 'HEAD'), 'utf8')
    .catch(() => '');
  return /^ref: refs\/remotes\/origin\/(\S+)\s*$/.exec(text.slice(0, 1024))?.[1];
}
