// Connects the core's Bitbucket client to a running sandbox, as the extension does, with retries off so tests see each answer.
import type { BitbucketConnection } from '../../../src/core/bitbucket/connection';
import { connectBitbucket } from '../../../src/core/bitbucket/connection';
import type { CredentialSources } from '../../../src/core/credentials';
import type { TransportOptions } from '../../../src/core/bitbucket/connection';
import { seed, type Sandbox } from '../../../src/sandbox';
import type { PushedContext } from '../../../src/extension/model/repository';

export const TRANSPORT: TransportOptions = {
  userAgent: 'crosscheck-vscode/test',
  retry: { retries: 0 },
  timeoutMs: 5_000,
};

export function demoSources(sandbox: Sandbox): CredentialSources {
  return { email: sandbox.demo.email, apiToken: sandbox.demo.apiToken };
}

export function connectTo(
  sandbox: Sandbox,
  credentials: CredentialSources = demoSources(sandbox),
): BitbucketConnection {
  return connectBitbucket({ credentials, apiUrl: sandbox.bitbucketApiUrl, transport: TRANSPORT });
}

/** acme/web-app on feature/login at the head of pull request #7, pushed. */
export function loginBranch(overrides: Partial<PushedContext> = {}): PushedContext {
  return {
    root: '/work/web-app',
    remote: 'origin',
    repo: { workspace: seed.workspace, slug: seed.webApp.slug },
    branch: seed.webApp.pullRequest.source,
    commit: seed.webApp.pullRequest.sourceCommit,
    upstream: `origin/${seed.webApp.pullRequest.source}`,
    ahead: 0,
    ...overrides,
  };
}

/** Requests the sandbox received since `from` (an index into `sandbox.requests`), as "METHOD path". */
export function requestsSince(sandbox: Sandbox, from: number): string[] {
  return sandbox.requests.slice(from).map((request) => `${request.method} ${request.path}`);
}

/** acme/api-service on feature/rate-limit at the head of its pull request #3, pushed (a second repository of a window). */
export function rateLimitBranch(overrides: Partial<PushedContext> = {}): PushedContext {
  return {
    root: '/work/api-service',
    remote: 'origin',
    repo: { workspace: seed.workspace, slug: seed.apiService.slug },
    branch: seed.apiService.pullRequest.source,
    commit: seed.apiService.pullRequest.sourceCommit,
    upstream: `origin/${seed.apiService.pullRequest.source}`,
    ahead: 0,
    ...overrides,
  };
}
