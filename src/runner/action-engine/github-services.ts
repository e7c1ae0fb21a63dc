// Recognises an action failing for want of GitHub's own services (artifacts, cache, API) and says what Bitbucket has instead.

interface Service {
  /** What the action's output says when the service is not there (its toolkit's own words). */
  pattern: RegExp;
  message: string;
}

const SERVICES: Service[] = [
  {
    pattern:
      /ACTIONS_RUNTIME_TOKEN|ACTIONS_RESULTS_URL|ACTIONS_RUNTIME_URL|Artifact storage quota|ArtifactService/,
    message:
      "This action needs GitHub's artifact service, which Bitbucket Pipelines does not have: list the files under the step's artifacts: in bitbucket-pipelines.yml instead, and later steps get them.",
  },
  {
    pattern:
      /An internal error has occurred in cache backend|Cache service responded with|ACTIONS_CACHE_URL|Cache action is only supported on GitHub|cache service is unavailable|not able to contact the cache service/i,
    message:
      "GitHub's cache service is not here (Bitbucket Pipelines has none), so the action caches nothing: declare the folder under the step's caches: (and definitions: caches:) in bitbucket-pipelines.yml instead.",
  },
  {
    pattern:
      /getaddrinfo \S+ api\.github\.com|connect ECONNREFUSED .*api\.github|Bad credentials - https:\/\/docs\.github\.com|Parameter token or opts\.auth is required|Input required and not supplied: (github[-_])?token|Resource not accessible by integration/i,
    message:
      "This action calls GitHub's API, which has no token here and does not know this Bitbucket repository: use the action's inputs that work from the git clone (leave its token empty), or pass --env GITHUB_TOKEN and GITHUB_API_URL for a GitHub server it may call.",
  },
];

/** Watches an action's output lines; says once per service what is missing, in one line. */
export class GitHubServiceHints {
  private readonly said = new Set<Service>();

  /** The hint a line calls for, the first time its service is met; undefined otherwise. */
  check(line: string): string | undefined {
    if (line.length > 4096) return undefined;
    const service = SERVICES.find((candidate) => !this.said.has(candidate) && candidate.pattern.test(line));
    if (!service) return undefined;
    this.said.add(service);
    return service.message;
  }
}
