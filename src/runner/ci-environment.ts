// Defaults a step can take from the CI system it runs in: Bitbucket Pipelines variables, or a GitHub-style runner.

export interface CiDefaults {
  repo?: string;
  commit?: string;
  refname?: string;
  /** A link back to the run that is posting, used as a status URL when none is given. */
  runUrl?: string;
}

export function ciDefaults(env: Record<string, string | undefined>): CiDefaults {
  if (env.BITBUCKET_REPO_FULL_NAME || env.BITBUCKET_COMMIT) {
    const repo = env.BITBUCKET_REPO_FULL_NAME;
    return {
      repo,
      commit: env.BITBUCKET_COMMIT,
      refname: env.BITBUCKET_BRANCH,
      runUrl:
        repo && env.BITBUCKET_BUILD_NUMBER
          ? `https://bitbucket.org/${repo}/pipelines/results/${env.BITBUCKET_BUILD_NUMBER}`
          : undefined,
    };
  }
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    return { runUrl: `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` };
  }
  return {};
}
