// Gives a mocha suite its own sandbox, and checks after each test that every Bitbucket request sent so far is one
// Atlassian's OpenAPI document allows.
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox';
import { BitbucketOpenApi, fromRecordedRequest, isBitbucketApiRequest } from './openapi';

export interface SandboxSuite {
  /** The running sandbox (from the suite's `before` hook on). */
  readonly sandbox: Sandbox;
}

/** The environment that points the CLI at a sandbox with its demo API token (HTTP Basic email:token). */
export function apiTokenEnvironment(sandbox: Sandbox): Record<string, string> {
  return {
    BITBUCKET_API_URL: sandbox.bitbucketApiUrl,
    ATLASSIAN_ACCOUNT_EMAIL: sandbox.demo.email,
    BITBUCKET_API_TOKEN: sandbox.demo.apiToken,
  };
}

/** Throws unless every Bitbucket request the sandbox received is one Atlassian's OpenAPI document allows. */
export function assertRequestsMatchOpenApi(sandbox: Sandbox, openApi = BitbucketOpenApi.load()): void {
  openApi.assertValid(
    sandbox.requests.filter((request) => isBitbucketApiRequest(request.path)).map(fromRecordedRequest),
  );
}

/** Call inside `describe`: registers the hooks that start, check and stop the suite's sandbox. */
export function useSandbox(options: SandboxOptions = {}): SandboxSuite {
  let running: Sandbox | undefined;
  let openApi: BitbucketOpenApi;
  before(async () => {
    openApi = BitbucketOpenApi.load();
    running = await startSandbox(options);
  });
  after(() => running?.close());
  afterEach(() => {
    if (!running) return;
    openApi.assertValid(
      running.requests.filter((request) => isBitbucketApiRequest(request.path)).map(fromRecordedRequest),
    );
  });
  return {
    get sandbox(): Sandbox {
      if (!running) throw new Error('the sandbox starts in the before hook of the suite');
      return running;
    },
  };
}
