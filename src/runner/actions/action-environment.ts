// Maps Bitbucket Pipelines variables to the GITHUB_* / RUNNER_* environment and event payload an action expects.

export interface EnvironmentContext {
  /** The caller's environment (the CLI passes process.env); it passes through to the action. */
  env: Record<string, string | undefined>;
  /** Workspace when BITBUCKET_CLONE_DIR is not set. */
  cwd: string;
  actionDirectory: string;
  /** A fresh folder for RUNNER_TEMP, used when the environment does not already name one. */
  runnerTemp: string;
  /** Where the synthesised event payload will be written, used when GITHUB_EVENT_PATH is not already set. */
  eventPath: string;
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

/**
 * Builds the base environment of an action run (pure). Every variable the caller's environment already defines wins,
 * so under a real GitHub runner nothing is replaced; the GITHUB_* / RUNNER_* values derived from Bitbucket Pipelines
 * (or the local checkout) only fill gaps. Two are always ours: GITHUB_ACTION_PATH, and RUNNER_DEBUG, which is `1`
 * exactly when debugging was asked for, so `core.isDebug()` agrees with what the runner shows.
 */
export function buildActionEnvironment(context: EnvironmentContext): ActionEnvironment {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(context.env)) if (value !== undefined) env[name] = value;
  const ref = pipelinesRef(env);
  const fullName = env.BITBUCKET_REPO_FULL_NAME;
  const derived: Record<string, string | undefined> = {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: env.BITBUCKET_CLONE_DIR ?? context.cwd,
    GITHUB_REPOSITORY: fullName,
    GITHUB_REPOSITORY_OWNER: env.BITBUCKET_WORKSPACE ?? fullName?.split('/')[0],
    GITHUB_SERVER_URL: fullName === undefined ? undefined : 'https://bitbucket.org',
    GITHUB_SHA: env.BITBUCKET_COMMIT,
    GITHUB_EVENT_NAME: env.BITBUCKET_PR_ID ? 'pull_request' : 'push',
    GITHUB_EVENT_PATH: context.eventPath,
    GITHUB_REF: ref?.ref,
    GITHUB_REF_NAME: ref?.name,
    GITHUB_REF_TYPE: ref?.type,
    GITHUB_HEAD_REF: env.BITBUCKET_PR_ID ? env.BITBUCKET_BRANCH : undefined,
    GITHUB_BASE_REF: env.BITBUCKET_PR_ID ? env.BITBUCKET_PR_DESTINATION_BRANCH : undefined,
    GITHUB_RUN_ID: env.BITBUCKET_BUILD_NUMBER,
    GITHUB_RUN_NUMBER: env.BITBUCKET_BUILD_NUMBER,
    RUNNER_OS: runnerOs(context.platform),
    RUNNER_ARCH: runnerArch(context.arch),
    RUNNER_TEMP: context.runnerTemp,
  };
  const variables = { ...env };
  for (const [name, value] of Object.entries(derived)) {
    if (value !== undefined && variables[name] === undefined) variables[name] = value;
  }
  variables.GITHUB_ACTION_PATH = context.actionDirectory;
  if (context.debug) variables.RUNNER_DEBUG = '1';
  else delete variables.RUNNER_DEBUG;
  const ownEvent = variables.GITHUB_EVENT_PATH === context.eventPath;
  return ownEvent ? { variables, event: pipelinesEvent(env, ref?.ref) } : { variables };
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
 * A webhook-like payload with the fields `@actions/github`'s context reads: `pull_request` (number, head and base
 * refs, head sha) for PR pipelines, else a push (`ref`, `after`); `repository.full_name` when known.
 */
function pipelinesEvent(env: Record<string, string>, ref: string | undefined): Record<string, unknown> {
  const fullName = env.BITBUCKET_REPO_FULL_NAME;
  const repository = fullName
    ? {
        full_name: fullName,
        name: fullName.split('/')[1],
        owner: { login: env.BITBUCKET_WORKSPACE ?? fullName.split('/')[0] },
      }
    : undefined;
  const sha = env.BITBUCKET_COMMIT;
  if (env.BITBUCKET_PR_ID) {
    const number = /^\d+$/.test(env.BITBUCKET_PR_ID) ? Number(env.BITBUCKET_PR_ID) : env.BITBUCKET_PR_ID;
    return {
      number,
      pull_request: {
        number,
        head: { ref: env.BITBUCKET_BRANCH, sha },
        base: { ref: env.BITBUCKET_PR_DESTINATION_BRANCH },
      },
      repository,
    };
  }
  return { ref, after: sha, head_commit: sha ? { id: sha } : undefined, repository };
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
