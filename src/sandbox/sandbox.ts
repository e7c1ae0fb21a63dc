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
import { creatorJson } from './bitbucket-pipelines';
import type { PushedChanges } from './git-host';
import type { Principal } from './auth';
import type { PullRequestRecord } from './model';
import { selectPipeline } from './pipeline-plan';
import { seed } from './seed';

const PIPELINES_FILE = 'bitbucket-pipelines.yml';

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
  /**
   * Play the bitbucket-pipelines.yml of the other repositories as Pipelines does: the git host takes pushes
   * (write:repository), a push runs the branch's pipeline (`branches:` by name or pattern, else `default:`), an open
   * pull request whose source moved, or a new one (openPullRequest), runs the `pull-requests:` pipeline its source
   * matches in a clone with the destination merged in, and the API triggers their `custom:` pipelines. Without it,
   * pushes are refused.
   */
  repositoryPipelines?: RepositoryPipelineOptions;
}

export interface RepositoryPipelineOptions {
  /** argv running Crosscheck's CLI, put on every step's PATH as `crosscheck` (as an image with it installed). */
  readonly crosscheck?: readonly string[];
  /** Repository full name → its repository variables. */
  readonly repositoryVariables?: Readonly<Record<string, readonly VariableSetting[]>>;
  /** Workspace variables (when centralPipeline also gives some, those win). */
  readonly workspaceVariables?: readonly VariableSetting[];
  /** Longest a step may run (default 10 minutes). */
  readonly stepTimeoutMs?: number;
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
  /**
   * Opens a pull request from `source` to `destination` (existing branches) and, with `repositoryPipelines`, runs the
   * `pull-requests:` pipeline its source branch matches; returns its id.
   */
  openPullRequest(repo: string, o: { source: string; destination: string; title?: string }): number;
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
        central && record.customPipelines
          ? { ...record, customPipelines: pipelinePatterns(yml, 'custom') }
          : record,
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
      ...(options.repositoryPipelines && {
        pushed: (fullName, push, principal) => this.recordPush(fullName, push, principal),
      }),
    });
    const others = options.repositoryPipelines;
    if (central || others) {
      this.runner = new PipelineRunner({
        config: () => this.runnerConfig as PipelineRunnerConfig,
        repository: (fullName) => this.repos.get(fullName),
        bareRepository: (fullName) => this.git.bareRepository(fullName),
        origin: () => this.url,
        centralRepository: seed.centralChecks.fullName,
        pipelinesFile: (fullName, commit) => this.git.fileAt(fullName, commit, PIPELINES_FILE),
        crosscheck: others?.crosscheck ?? central?.crosscheck,
        stepTimeoutMs: others?.stepTimeoutMs ?? central?.stepTimeoutMs,
      });
      const base: PipelineRunnerConfig = central
        ? this.defaultVariables(yml, central, this.runner.standInScanner)
        : { yml, workspaceVariables: [], repositoryVariables: [], environments: {} };
      this.runnerConfig = {
        ...base,
        workspaceVariables: central?.workspaceVariables ?? others?.workspaceVariables ?? [],
        otherRepositoryVariables: others?.repositoryVariables ?? {},
      };
      if (central) this.standInScanner = this.runner.standInScanner;
    }
    this.centralPlayed = central !== undefined;
    const canned = centralRunHandler({
      stepMs: options.centralRunStepMs ?? 1000,
      outcome: () => this.centralOutcome,
      sonarUrl: () => this.sonarUrl,
    });
    const played = this.runner?.handler();
    this.pipelineStore = new PipelineStore({
      timers: this.timers,
      setBuildStatus: (repo, commit, s) => this.setBuildStatus(repo, commit, s),
      // The central repository's runs are played only with centralPipeline; the others' with repositoryPipelines.
      defaultHandler: (run, ctl) =>
        played && (run.repo === seed.centralChecks.fullName ? this.centralPlayed : others !== undefined)
          ? played(run, ctl)
          : canned(run, ctl),
    });
    this.server = new SandboxServer({
      routes: [
        ...repositoryRoutes(this.repos, this.credentials),
        ...statusRoutes(this.repos, this.statuses, this.credentials),
        ...pullRequestRoutes(this.repos, this.statuses, this.credentials),
        ...pipelineRoutes(this.repos, this.pipelineStore, this.credentials, (fullName, commit) =>
          options.repositoryPipelines ? this.pipelinePatternsAt(fullName, commit) : undefined,
        ),
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
  private readonly centralPlayed: boolean;

  /** Takes what a push changed into the records, then runs the pipelines Pipelines would start for it. */
  private recordPush(fullName: string, push: PushedChanges, principal: Principal): void {
    const authorEmail = 'account' in principal ? principal.account.email : this.demo.email;
    for (const commit of push.commits) {
      this.repos.addCommit(fullName, commit.hash, {
        parents: commit.parents,
        message: commit.message,
        date: bitbucketTime(Date.now()),
        authorEmail,
      });
    }
    for (const move of push.branches) {
      if (move.commit === undefined) {
        this.repos.deleteBranch(fullName, move.branch);
        continue;
      }
      this.repos.addCommit(fullName, move.commit, {
        branch: move.branch,
        date: bitbucketTime(Date.now()),
        authorEmail,
      });
      this.startPushPipelines(fullName, move.branch, move.commit, principal);
    }
  }

  /** A push to `branch`: its branch (or default) pipeline, and the pull-request pipeline of each open pull request from it. */
  private startPushPipelines(fullName: string, branch: string, commit: string, principal: Principal): void {
    const yml = this.git.fileAt(fullName, commit, PIPELINES_FILE);
    if (yml === undefined || this.skipsCi(fullName, commit)) return;
    const chosen = selectPipeline(yml, { kind: 'branch', branch });
    if (chosen) {
      this.pipelineStore.create({
        repo: fullName,
        refName: branch,
        commit,
        selector: { type: chosen.section, ...(chosen.pattern !== undefined && { pattern: chosen.pattern }) },
        variables: [],
        trigger: 'PUSH',
        principal,
        creatorJson: creatorJson(this.url, principal),
      });
    }
    const repo = this.repos.get(fullName);
    for (const pr of repo?.pullRequests ?? [])
      if (pr.state === 'OPEN' && pr.source === branch) this.startPullRequestPipeline(fullName, pr, principal);
  }

  /** The `pull-requests:` pipeline of an open pull request, at its source head, with the destination head to merge. */
  private startPullRequestPipeline(fullName: string, pr: PullRequestRecord, principal: Principal): void {
    const repo = this.repos.get(fullName);
    const commit = repo?.branches.get(pr.source);
    const destinationCommit = repo?.branches.get(pr.destination);
    if (!commit || !destinationCommit || this.skipsCi(fullName, commit)) return;
    const yml = this.git.fileAt(fullName, commit, PIPELINES_FILE);
    const chosen =
      yml === undefined ? undefined : selectPipeline(yml, { kind: 'pull-request', source: pr.source });
    if (!chosen) return;
    this.pipelineStore.create({
      repo: fullName,
      refName: pr.source,
      commit,
      selector: { type: chosen.section, ...(chosen.pattern !== undefined && { pattern: chosen.pattern }) },
      variables: [],
      trigger: 'PUSH',
      pullRequest: { id: pr.id, destination: pr.destination, destinationCommit },
      principal,
      creatorJson: creatorJson(this.url, principal),
    });
  }

  /** Pipelines starts nothing for a commit whose message holds `[skip ci]` or `[ci skip]`. */
  private skipsCi(fullName: string, commit: string): boolean {
    const message = this.repos.get(fullName)?.commits.get(commit)?.message ?? '';
    return /\[(skip ci|ci skip)\]/i.test(message);
  }

  /** The custom and pull-requests patterns of the bitbucket-pipelines.yml at a commit of a repository. */
  private pipelinePatternsAt(
    fullName: string,
    commit: string,
  ): { custom: string[]; pullRequests: string[] } | undefined {
    const yml = this.git.fileAt(fullName, commit, PIPELINES_FILE);
    if (yml === undefined) return undefined;
    return { custom: pipelinePatterns(yml, 'custom'), pullRequests: pipelinePatterns(yml, 'pull-requests') };
  }

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
    return this.centralPlayed ? this.runnerConfig : undefined;
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
  openPullRequest(repo: string, o: { source: string; destination: string; title?: string }): number {
    const now = bitbucketTime(Date.now());
    const pr = this.repos.openPullRequest(repo, {
      source: o.source,
      destination: o.destination,
      title: o.title ?? `Merge ${o.source} into ${o.destination}`,
      authorEmail: this.demo.email,
      createdOn: now,
    });
    if (this.git.pushes)
      this.startPullRequestPipeline(repo, pr, {
        kind: 'api-token',
        account: this.credentials.account(this.demo.email),
        scopes: [],
      });
    return pr.id;
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

/** The patterns of one section (`custom`, `pull-requests`…) of a bitbucket-pipelines.yml (none when it cannot be read). */
function pipelinePatterns(yml: string, section: string): string[] {
  try {
    const place = (parse(yml) as { pipelines?: Record<string, unknown> } | null)?.pipelines?.[section];
    return place && typeof place === 'object' && !Array.isArray(place) ? Object.keys(place) : [];
  } catch {
    return [];
  }
}
