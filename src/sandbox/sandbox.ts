// startSandbox: composes the Bitbucket and SonarQube stand-ins on one HTTP server and exposes the test controls.
import { Credentials } from './auth';
import {
  PipelineStore,
  pipelineRoutes,
  type PipelineResult,
  type PipelineRun,
  type PipelineRunHandler,
} from './bitbucket-pipelines';
import { oauthRoutes } from './bitbucket-oauth';
import { pullRequestRoutes } from './bitbucket-pullrequests';
import { ReportStore, reportRoutes } from './bitbucket-reports';
import { Repositories, repositoryRoutes } from './bitbucket-repositories';
import { StatusStore, statusRoutes, type BuildStatus, type BuildStatusInput } from './bitbucket-statuses';
import { centralRunHandler, type CentralOutcome } from './central-run';
import { controlRoutes } from './control';
import { FaultPlan, type FaultRule } from './faults';
import { HourlyRateLimiter, type RateLimitOptions } from './rate-limit';
import { bitbucketTime } from './ids';
import { seedCredentials, seededGitObjects, seedRepositories, type DemoCredentials } from './seed';
import { SandboxServer, REDACTED, type RecordedRequest } from './server';
import { SonarService, type SonarControls } from './sonar';
import { Timers } from './timers';
import { CENTRAL_PIPELINE_YML } from './central-example';
import { GitHost } from './git-host';
import { PipelineRunner, type PipelineRunnerConfig, type VariableSetting } from './pipeline-runner';
import { parse } from 'yaml';

export interface SandboxOptions {
  /** Default 0 (a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Added to every response (for benchmarks); default 0. */
  latencyMs?: number;
  /** Called with one line per request: method, path, status. Never secrets. */
  log?: (line: string) => void;
  /** How long the default central run stays PENDING, then IN_PROGRESS; default 1000 ms. */
  centralRunStepMs?: number;
  /** Enforce Bitbucket's hourly request limit per credential (off by default), on a clock that may be compressed. */
  rateLimit?: RateLimitOptions;
  /**
   * Play the central repository's custom pipelines for real (what `crosscheck sandbox` does): each run executes the
   * steps of `yml` (default: the bundled examples/central/bitbucket-pipelines.yml) on this host. Without it, runs
   * get the canned outcome: nothing runs, CENTRAL_STATUS is posted after 2 × centralRunStepMs (tests of clients).
   */
  centralPipeline?: CentralPipelineOptions;
}

export interface CentralPipelineOptions {
  /** The bitbucket-pipelines.yml to play (its custom pipelines become the central repository's). */
  readonly yml?: string;
  /** argv running Crosscheck's CLI, put on every step's PATH as `crosscheck` (the gate step then skips its install). */
  readonly crosscheck?: readonly string[];
  /**
   * Variables by place; each place given replaces the sandbox's default for it (see `centralPipelineVariables`).
   * Environments are replaced one by one.
   */
  readonly workspaceVariables?: readonly VariableSetting[];
  readonly repositoryVariables?: readonly VariableSetting[];
  readonly environments?: Readonly<Record<string, readonly VariableSetting[]>>;
  /** Longest a step may run (default 10 minutes). */
  readonly stepTimeoutMs?: number;
}

export interface Sandbox {
  /** Origin, e.g. http://127.0.0.1:PORT. */
  readonly url: string;
  /** `${url}/2.0` */
  readonly bitbucketApiUrl: string;
  /** `${url}/site/oauth2/access_token` */
  readonly oauthTokenUrl: string;
  /** `${url}/sonar`; the Web API lives under /sonar/api/… */
  readonly sonarUrl: string;
  readonly demo: DemoCredentials;
  /** Every request received (control endpoints excepted), in order, secrets redacted. */
  readonly requests: RecordedRequest[];
  /** A new API token (ATATT…) for `email` with granular scopes; use as HTTP Basic email:token. */
  addApiToken(o: { email: string; scopes: string[] }): string;
  /** A new repository access token (ATCTT…), or a workspace one when `repo` is omitted; legacy scope names; use as Bearer. */
  addAccessToken(o: { workspace: string; repo?: string; scopes: string[] }): string;
  /** A new OAuth consumer owned by the demo user, with legacy scope names. */
  addOAuthConsumer(o: { scopes: string[] }): { clientId: string; clientSecret: string };
  /** Faults for the next matching requests, one per request, in order. */
  injectFaults(o: FaultRule): void;
  setLatency(ms: number): void;
  /**
   * Starts (or with undefined, stops) enforcing Bitbucket's hourly limit per credential; a new limiter starts empty.
   * `clock` (default Date.now) lets a test move the hour on instead of waiting for it.
   */
  setRateLimit(o: RateLimitOptions | undefined, clock?: () => number): void;
  /** Current build statuses of a commit (full or abbreviated hash, or a branch name for its head); throws on an unknown repository or commit. */
  buildStatuses(repo: string, commit: string): BuildStatus[];
  /**
   * Sets a build status as if another tool had posted it (no auth, no validation; `url` defaults to a placeholder).
   * `commit` as in buildStatuses. Over HTTP, only an admin (the demo user) may overwrite it afterwards.
   */
  setBuildStatus(
    repo: string,
    commit: string,
    s: { key: string; state: string; name?: string; description?: string; url?: string; refname?: string },
  ): void;
  /**
   * Registers a commit made outside the sandbox (a test's own git repository) so its real hash exists in `repo`, with
   * known `parents`; moves `branch` (created if new) to it. Registering a known hash again only moves the branch.
   * Also POST /_sandbox/commit.
   */
  addCommit(repo: string, hash: string, o?: { branch?: string; parents?: string[]; message?: string }): void;
  /** Creates an empty repository `workspace/slug` (main branch `main`, no commits yet: add them with addCommit). */
  addRepository(fullName: string): void;
  /**
   * Points open pull request `id` of `repo` at a known commit: its source branch moves there, so the pull request's
   * source commit and its statuses follow. Also POST /_sandbox/pull-request-source.
   */
  setPullRequestSource(repo: string, id: number, commit: string): void;
  /** Runs created in a repository (full name), oldest first, with their variables (secured values included). */
  pipelines(repo: string): PipelineRun[];
  /** Replaces the handler that drives new pipeline runs; undefined restores the default one. */
  onPipelineRun(handler: PipelineRunHandler | undefined): void;
  completePipeline(repo: string, uuid: string, result: PipelineResult): void;
  /**
   * Outcome of the next default central runs (default FAILED): the canned status, or with `centralPipeline` the
   * quality gate of analyses the scanner uploads (OK or ERROR). Also POST /_sandbox/central-outcome.
   */
  setCentralOutcome(result: CentralOutcome): void;
  /** `${url}`: git clones `${gitUrl}/<workspace>/<repo>.git` with an API token (user x-bitbucket-api-token-auth) or an access token (x-token-auth). */
  readonly gitUrl: string;
  /**
   * Registers commit `hash` of the local git repository `workTree` in `repo` (as addCommit) and puts its objects in
   * the sandbox's git copy of `repo`, so pipelines can clone it.
   */
  importCommit(
    repo: string,
    workTree: string,
    hash: string,
    o?: { branch?: string; parents?: string[]; message?: string },
  ): void;
  /** The variables the played pipeline gets, by place (secured values included); undefined without `centralPipeline`. */
  centralPipelineVariables(): PipelineRunnerConfig | undefined;
  /** Path of the stand-in scanner script (`node <path> -D…`); undefined without `centralPipeline`. */
  readonly standInScanner?: string;
  readonly sonar: SonarControls;
  close(): Promise<void>;
}

class RunningSandbox implements Sandbox {
  readonly requests: RecordedRequest[] = [];
  readonly demo: DemoCredentials;
  readonly sonar: SonarService;
  url = '';
  private latencyMs: number;
  private centralOutcome: CentralOutcome = 'FAILED';
  private readonly timers = new Timers();
  private readonly credentials = new Credentials();
  private readonly repos: Repositories;
  private readonly statuses = new StatusStore();
  private readonly reports = new ReportStore();
  private readonly faults = new FaultPlan();
  private readonly pipelineStore: PipelineStore;
  private readonly server: SandboxServer;
  private readonly git: GitHost;
  private readonly runner?: PipelineRunner;
  private readonly runnerConfig?: PipelineRunnerConfig;
  private rateLimiter?: HourlyRateLimiter;

  constructor(options: SandboxOptions) {
    this.latencyMs = options.latencyMs ?? 0;
    this.setRateLimit(options.rateLimit);
    this.demo = seedCredentials(this.credentials);
    const central = options.centralPipeline;
    const yml = central?.yml ?? CENTRAL_PIPELINE_YML;
    this.repos = new Repositories(
      seedRepositories().map((record) =>
        central && record.customPipelines ? { ...record, customPipelines: customPipelineNames(yml) } : record,
      ),
    );
    this.sonar = new SonarService({
      credentials: this.credentials,
      baseUrl: () => this.sonarUrl,
      submittedGate: () => (this.centralOutcome === 'SUCCESSFUL' ? 'OK' : 'ERROR'),
    });
    this.git = new GitHost({
      credentials: this.credentials,
      repository: (fullName) => this.repos.get(fullName),
      seededObjects: seededGitObjects,
      log: options.log,
    });
    if (central) {
      this.runner = new PipelineRunner({
        config: () => this.runnerConfig as PipelineRunnerConfig,
        repository: (fullName) => this.repos.get(fullName),
        bareRepository: (fullName) => this.git.bareRepository(fullName),
        origin: () => this.url,
        crosscheck: central.crosscheck,
        stepTimeoutMs: central.stepTimeoutMs,
      });
      this.runnerConfig = this.defaultVariables(yml, central, this.runner.standInScanner);
      this.standInScanner = this.runner.standInScanner;
    }
    this.pipelineStore = new PipelineStore({
      timers: this.timers,
      setBuildStatus: (repo, commit, s) => this.setBuildStatus(repo, commit, s),
      defaultHandler: this.runner
        ? this.runner.handler()
        : centralRunHandler({
            stepMs: options.centralRunStepMs ?? 1000,
            outcome: () => this.centralOutcome,
            sonarUrl: () => this.sonarUrl,
          }),
    });
    this.server = new SandboxServer({
      routes: [
        ...repositoryRoutes(this.repos, this.credentials),
        ...statusRoutes(this.repos, this.statuses, this.credentials),
        ...pullRequestRoutes(this.repos, this.statuses, this.credentials),
        ...pipelineRoutes(this.repos, this.pipelineStore, this.credentials),
        ...reportRoutes(this.repos, this.reports, this.credentials),
        ...oauthRoutes(this.credentials),
        ...this.sonar.routes(),
      ],
      controlRoutes: controlRoutes(this),
      credentials: this.credentials,
      faults: this.faults,
      timers: this.timers,
      latencyMs: () => this.latencyMs,
      requests: this.requests,
      log: options.log,
      rateLimiter: () => this.rateLimiter,
      streaming: (req, res) => this.git.handle(req, res),
    });
  }

  readonly standInScanner?: string;

  /**
   * The variables of the bundled central example, in their places, with the sandbox's values: a read-only token to
   * clone (environment pr-fetch), the Sonar token (sonar-analysis), the status-writing demo API token (pr-verdict).
   */
  private defaultVariables(yml: string, o: CentralPipelineOptions, scanner: string): PipelineRunnerConfig {
    const cloneToken = this.credentials.addApiToken({
      email: this.demo.email,
      scopes: ['read:repository:bitbucket'],
    });
    const lazy = (key: string, value: () => string): VariableSetting =>
      Object.defineProperty({ key, secured: false } as VariableSetting, 'value', {
        get: value,
        enumerable: true,
      });
    return {
      yml,
      workspaceVariables: o.workspaceVariables ?? [],
      repositoryVariables: o.repositoryVariables ?? [
        lazy('SONAR_HOST_URL', () => this.sonarUrl),
        lazy('CROSSCHECK_GIT_URL', () => this.gitUrl),
        lazy('BITBUCKET_API_URL', () => this.bitbucketApiUrl),
        { key: 'SONAR_SCANNER', value: `${process.execPath} ${scanner}` },
      ],
      environments: {
        'pr-fetch': [
          { key: 'CLONE_USERNAME', value: 'x-bitbucket-api-token-auth' },
          { key: 'CLONE_TOKEN', value: cloneToken, secured: true },
        ],
        'sonar-analysis': [{ key: 'SONAR_TOKEN', value: this.demo.sonarToken, secured: true }],
        'pr-verdict': [
          { key: 'ATLASSIAN_ACCOUNT_EMAIL', value: this.demo.email },
          { key: 'BITBUCKET_API_TOKEN', value: this.demo.apiToken, secured: true },
          { key: 'SONAR_TOKEN', value: this.demo.sonarToken, secured: true },
        ],
        ...o.environments,
      },
    };
  }

  async listen(port: number, host: string): Promise<void> {
    this.url = await this.server.listen(port, host);
  }

  get bitbucketApiUrl(): string {
    return `${this.url}/2.0`;
  }
  get oauthTokenUrl(): string {
    return `${this.url}/site/oauth2/access_token`;
  }
  get sonarUrl(): string {
    return `${this.url}/sonar`;
  }
  get gitUrl(): string {
    return this.url;
  }
  importCommit(
    repo: string,
    workTree: string,
    hash: string,
    o: { branch?: string; parents?: string[]; message?: string } = {},
  ): void {
    this.addCommit(repo, hash, o);
    this.git.importCommit(repo, workTree, hash);
  }
  centralPipelineVariables(): PipelineRunnerConfig | undefined {
    return this.runnerConfig;
  }

  addApiToken(o: { email: string; scopes: string[] }): string {
    return this.credentials.addApiToken(o);
  }
  addAccessToken(o: { workspace: string; repo?: string; scopes: string[] }): string {
    return this.credentials.addAccessToken(o);
  }
  addOAuthConsumer(o: { scopes: string[] }): { clientId: string; clientSecret: string } {
    return this.credentials.addOAuthConsumer({ scopes: o.scopes, ownerEmail: this.demo.email });
  }
  injectFaults(o: FaultRule): void {
    this.faults.add(o);
  }
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }
  setRateLimit(o: RateLimitOptions | undefined, clock: () => number = Date.now): void {
    this.rateLimiter = o ? new HourlyRateLimiter(o, this.credentials, clock) : undefined;
  }
  buildStatuses(repo: string, commit: string): BuildStatus[] {
    const { hash } = this.repos.require(repo, commit);
    return this.statuses.list(repo, hash);
  }
  setBuildStatus(repo: string, commit: string, s: BuildStatusInput): void {
    const { hash } = this.repos.require(repo, commit);
    this.statuses.upsert(
      repo,
      hash,
      { ...s, url: s.url ?? `https://tools.example/builds/${encodeURIComponent(s.key)}` },
      'sandbox',
    );
  }
  addCommit(
    repo: string,
    hash: string,
    o: { branch?: string; parents?: string[]; message?: string } = {},
  ): void {
    this.repos.addCommit(repo, hash, {
      ...o,
      date: bitbucketTime(Date.now()),
      authorEmail: this.demo.email,
    });
  }
  addRepository(fullName: string): void {
    this.repos.addRepository(fullName, bitbucketTime(Date.now()));
  }
  setPullRequestSource(repo: string, id: number, commit: string): void {
    this.repos.setPullRequestSource(repo, id, commit);
  }
  pipelines(repo: string): PipelineRun[] {
    return this.pipelineStore.list(repo);
  }
  onPipelineRun(handler: PipelineRunHandler | undefined): void {
    this.pipelineStore.setHandler(handler);
  }
  completePipeline(repo: string, uuid: string, result: PipelineResult): void {
    this.pipelineStore.complete(repo, uuid, result);
  }
  setCentralOutcome(result: CentralOutcome): void {
    this.centralOutcome = result;
  }

  /** The dump served at GET /_sandbox/state (secured variable values redacted). */
  state(): unknown {
    return {
      url: this.url,
      centralOutcome: this.centralOutcome,
      repositories: this.repos.all().map((r) => ({
        fullName: r.fullName,
        mainBranch: r.mainBranch,
        branches: Object.fromEntries(r.branches),
        pullRequests: r.pullRequests.map((pr) => ({
          id: pr.id,
          title: pr.title,
          state: pr.state,
          source: pr.source,
        })),
      })),
      statuses: this.statuses.all(),
      pipelines: this.pipelineStore.list().map((run) => ({
        ...run,
        variables: run.variables.map((v) => (v.secured ? { ...v, value: REDACTED } : v)),
      })),
      sonarTasks: this.sonar.summary(),
    };
  }

  async close(): Promise<void> {
    this.pipelineStore.close();
    this.timers.close();
    await this.server.close();
    this.git.close();
    this.runner?.close();
  }
}

/** Starts the sandbox on 127.0.0.1 (port 0 by default) with the seeded state. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = new RunningSandbox(options);
  await sandbox.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return sandbox;
}

/** The custom pipelines a bitbucket-pipelines.yml defines (none when it cannot be read). */
function customPipelineNames(yml: string): string[] {
  try {
    const custom = (parse(yml) as { pipelines?: { custom?: Record<string, unknown> } })?.pipelines?.custom;
    return Object.keys(custom ?? {});
  } catch {
    return [];
  }
}
