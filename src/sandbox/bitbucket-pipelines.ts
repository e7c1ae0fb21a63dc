// Bitbucket Pipelines: runs of custom pipelines with variables and steps, their PENDING → IN_PROGRESS → COMPLETED lifecycle, and the pipelines endpoints.
import { principalId, SCOPES, withBitbucketAuth, type Credentials, type Principal } from './auth';
import { accountJson, apiBase, commitRef, repositoryRef, type Repositories } from './bitbucket-repositories';
import type { BuildStatusInput } from './bitbucket-statuses';
import {
  bitbucketError,
  bodyObject,
  json,
  route,
  type Reply,
  type RequestContext,
  type Route,
  param,
} from './http';
import { bareUuid, bitbucketTime, randomBracedUuid } from './ids';
import { resolveCommit, type RepositoryRecord } from './model';
import { paginate } from './pagination';
import {
  logReply,
  StepRecord,
  stepJson,
  type PipelineStep,
  type PipelineStepControl,
  type StepResult,
} from './pipeline-steps';
import { SandboxClosedError, type Timers } from './timers';

export interface PipelineVariable {
  readonly key: string;
  /** As sent by the client, secured or not (the HTTP API never shows secured values). */
  readonly value: string;
  readonly secured: boolean;
}

export interface PipelinePullRequest {
  readonly id: number;
  readonly destination: string;
  /** Full hash of the destination branch's head when the run was made. */
  readonly destinationCommit: string;
}

export type PipelineStateName = 'PENDING' | 'IN_PROGRESS' | 'COMPLETED';
export type PipelineResult = 'SUCCESSFUL' | 'FAILED' | 'ERROR' | 'STOPPED';

/** A pipeline run, as the test controls see it. */
export interface PipelineRun {
  /** Full name of the repository it runs in, e.g. acme/central-checks. */
  readonly repo: string;
  /** Braced UUID. */
  readonly uuid: string;
  readonly buildNumber: number;
  /** Branch the run was triggered on. */
  readonly refName: string;
  /** Full hash of the commit it runs (the branch head unless the target named a commit). */
  readonly commit: string;
  readonly selector?: { readonly type: string; readonly pattern?: string };
  readonly variables: readonly PipelineVariable[];
  /** MANUAL (the API or a schedule), or PUSH (a push to the branch, or a pull request's source updated). */
  readonly trigger: 'MANUAL' | 'PUSH';
  /** Set on runs of a `pull-requests:` pipeline: the pull request and the destination commit merged into the clone. */
  readonly pullRequest?: PipelinePullRequest;
  readonly state: PipelineStateName;
  /** Set once COMPLETED. */
  readonly result?: PipelineResult;
  readonly createdOn: string;
  readonly completedOn?: string;
  /** Principal that triggered it: `user:<email>` or `access-token:<id>`. */
  readonly creator: string;
  /** Its steps so far, in order, with their logs. */
  readonly steps: readonly PipelineStep[];
}

/** What a run handler may do with its run. */
export interface PipelineRunControl {
  /** PENDING → IN_PROGRESS (no effect once started). */
  start(): void;
  /** → COMPLETED with `result` (no effect once completed). */
  complete(result: PipelineResult): void;
  /** Posts a build status as the central pipeline would; throws on an unknown repository or commit. */
  setBuildStatus(repo: string, commit: string, s: BuildStatusInput): void;
  /** Waits `ms`; rejects when the sandbox closes, which ends the handler. */
  sleep(ms: number): Promise<void>;
  /** The run as it is now. */
  current(): PipelineRun;
  /** Adds a PENDING step (listed by …/steps/ at once; its log exists once it starts). */
  addStep(o: { name: string; script?: readonly string[]; image?: string }): PipelineStepControl;
  /** Aborted when the run is stopped (stopPipeline) or the sandbox closes: end what the run started. */
  readonly signal: AbortSignal;
}

export type { PipelineStep, PipelineStepControl, StepResult } from './pipeline-steps';

export type PipelineRunHandler = (run: PipelineRun, ctl: PipelineRunControl) => void | Promise<void>;

/** A run as stored: the public fields plus what only its JSON needs. */
type MutableRun = { -readonly [K in keyof Omit<PipelineRun, 'steps'>]: PipelineRun[K] } & {
  creatorJson: Record<string, unknown>;
  createdAt: number;
  completedAt?: number;
  stepRecords: StepRecord[];
  abort: AbortController;
};

const VARIABLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface PipelineStoreDeps {
  readonly timers: Timers;
  readonly now?: () => number;
  /** Writes a build status directly into the sandbox state (used by PipelineRunControl.setBuildStatus). */
  readonly setBuildStatus: (repo: string, commit: string, s: BuildStatusInput) => void;
  /** Runs when no handler was set through onPipelineRun. */
  readonly defaultHandler: PipelineRunHandler;
}

/** Pipeline runs of every repository and the handler that drives new ones. */
export class PipelineStore {
  private readonly runs: MutableRun[] = [];
  private readonly buildNumbers = new Map<string, number>();
  private handler: PipelineRunHandler | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: PipelineStoreDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Replaces the handler that drives new runs (the default one simulates the central checks). */
  setHandler(handler: PipelineRunHandler | undefined): void {
    this.handler = handler;
  }

  list(repo?: string): PipelineRun[] {
    return this.runs.filter((r) => repo === undefined || r.repo === repo).map(snapshot);
  }

  /** Finds a run by braced or bare UUID, or by build number. */
  find(repo: string, id: string): MutableRun | undefined {
    const wanted = bareUuid(id);
    return this.runs.find(
      (r) =>
        r.repo === repo &&
        (bareUuid(r.uuid) === wanted || (/^\d+$/.test(id) && r.buildNumber === Number(id))),
    );
  }

  complete(repo: string, id: string, result: PipelineResult): void {
    const run = this.find(repo, id);
    if (!run) throw new Error(`sandbox: no pipeline ${id} in ${repo}`);
    this.finish(run, result);
  }

  create(o: {
    repo: string;
    refName: string;
    commit: string;
    selector?: { type: string; pattern?: string };
    variables: PipelineVariable[];
    trigger?: 'MANUAL' | 'PUSH';
    pullRequest?: PipelinePullRequest;
    principal: Principal;
    creatorJson: Record<string, unknown>;
  }): MutableRun {
    const buildNumber = (this.buildNumbers.get(o.repo) ?? 0) + 1;
    this.buildNumbers.set(o.repo, buildNumber);
    const run: MutableRun = {
      repo: o.repo,
      uuid: randomBracedUuid(),
      buildNumber,
      refName: o.refName,
      commit: o.commit,
      selector: o.selector,
      variables: o.variables,
      trigger: o.trigger ?? 'MANUAL',
      ...(o.pullRequest && { pullRequest: o.pullRequest }),
      state: 'PENDING',
      createdAt: this.now(),
      createdOn: bitbucketTime(this.now()),
      creator: principalId(o.principal),
      creatorJson: o.creatorJson,
      stepRecords: [],
      abort: new AbortController(),
    };
    this.runs.push(run);
    setImmediate(() => void this.drive(run));
    return run;
  }

  private async drive(run: MutableRun): Promise<void> {
    const { timers } = this.deps;
    if (timers.closed) return;
    const ctl: PipelineRunControl = {
      start: () => {
        if (!timers.closed && run.state === 'PENDING') run.state = 'IN_PROGRESS';
      },
      complete: (result) => this.finish(run, result),
      setBuildStatus: (repo, commit, s) => {
        if (!timers.closed) this.deps.setBuildStatus(repo, commit, s);
      },
      sleep: (ms) => timers.sleep(ms),
      current: () => snapshot(run),
      addStep: (o) => this.addStep(run, o),
      signal: run.abort.signal,
    };
    try {
      await (this.handler ?? this.deps.defaultHandler)(snapshot(run), ctl);
    } catch (e) {
      if (!(e instanceof SandboxClosedError)) this.finish(run, 'ERROR');
    }
  }

  private addStep(
    run: MutableRun,
    o: { name: string; script?: readonly string[]; image?: string },
  ): PipelineStepControl {
    const step = new StepRecord(o.name, o.script ?? [], o.image, this.now);
    // A step added to a finished run is never run.
    if (run.state === 'COMPLETED') step.complete('NOT_RUN');
    run.stepRecords.push(step);
    const open = (): boolean => !this.deps.timers.closed && run.state !== 'COMPLETED';
    return {
      uuid: step.uuid,
      start: () => {
        if (open()) step.start();
      },
      log: (text) => step.append(text),
      complete: (result) => {
        if (open() || step.state === 'IN_PROGRESS') step.complete(result);
      },
      current: () => step.snapshot(),
    };
  }

  /** The stored step of a run, by braced or bare UUID. */
  findStep(run: MutableRun, id: string): StepRecord | undefined {
    const wanted = bareUuid(id);
    return run.stepRecords.find((step) => bareUuid(step.uuid) === wanted);
  }

  /** Stops every run still going (the sandbox closes): their processes are told through the run's signal. */
  close(): void {
    for (const run of this.runs) run.abort.abort();
  }

  private finish(run: MutableRun, result: PipelineResult): void {
    if (this.deps.timers.closed || run.state === 'COMPLETED') return;
    run.state = 'COMPLETED';
    run.result = result;
    run.completedAt = this.now();
    run.completedOn = bitbucketTime(run.completedAt);
    // A stopped run stops its running steps; steps that never started are NOT_RUN, as in Bitbucket.
    const unfinished: StepResult = result === 'STOPPED' ? 'STOPPED' : 'ERROR';
    for (const step of run.stepRecords) step.complete(step.state === 'IN_PROGRESS' ? unfinished : 'NOT_RUN');
    run.abort.abort();
  }
}

function snapshot(run: MutableRun): PipelineRun {
  return {
    repo: run.repo,
    uuid: run.uuid,
    buildNumber: run.buildNumber,
    refName: run.refName,
    commit: run.commit,
    selector: run.selector,
    variables: run.variables.map((v) => ({ ...v })),
    trigger: run.trigger,
    ...(run.pullRequest && { pullRequest: { ...run.pullRequest } }),
    state: run.state,
    result: run.result,
    createdOn: run.createdOn,
    completedOn: run.completedOn,
    creator: run.creator,
    steps: run.stepRecords.map((step) => step.snapshot()),
  };
}

function pipelineUrl(origin: string, repo: RepositoryRecord, run: { readonly uuid: string }): string {
  return `${apiBase(origin, repo)}/pipelines/${encodeURIComponent(run.uuid)}`;
}

function stateJson(run: Pick<PipelineRun, 'state' | 'result'>): Record<string, unknown> {
  if (run.state === 'PENDING') return { type: 'pipeline_state_pending', name: 'PENDING' };
  if (run.state === 'IN_PROGRESS') {
    return {
      type: 'pipeline_state_in_progress',
      name: 'IN_PROGRESS',
      stage: { type: 'pipeline_state_in_progress_running', name: 'RUNNING' },
    };
  }
  const result = run.result ?? 'ERROR';
  return {
    type: 'pipeline_state_completed',
    name: 'COMPLETED',
    result: { type: `pipeline_state_completed_${result.toLowerCase()}`, name: result },
  };
}

function pipelineJson(
  origin: string,
  repo: RepositoryRecord,
  run: MutableRun,
  now: number,
): Record<string, unknown> {
  const self = pipelineUrl(origin, repo, run);
  return {
    type: 'pipeline',
    uuid: run.uuid,
    build_number: run.buildNumber,
    creator: run.creatorJson,
    repository: repositoryRef(origin, repo),
    target: {
      ...(run.pullRequest
        ? {
            // As Bitbucket shows a pull request's run: source and destination branches, the destination's commit.
            type: 'pipeline_pullrequest_target',
            source: run.refName,
            destination: run.pullRequest.destination,
            destination_commit: { hash: run.pullRequest.destinationCommit.slice(0, 12) },
            pullrequest: { type: 'pullrequest', id: run.pullRequest.id },
          }
        : { type: 'pipeline_ref_target', ref_type: 'branch', ref_name: run.refName }),
      ...(run.selector ? { selector: { type: run.selector.type, pattern: run.selector.pattern } } : {}),
      commit: commitRef(origin, repo, run.commit),
    },
    trigger: { type: `pipeline_trigger_${run.trigger.toLowerCase()}`, name: run.trigger },
    state: stateJson(run),
    // Secured values are never shown.
    variables: run.variables.map((v) => ({
      type: 'pipeline_variable',
      key: v.key,
      secured: v.secured,
      ...(v.secured ? {} : { value: v.value }),
    })),
    created_on: run.createdOn,
    ...(run.completedOn ? { completed_on: run.completedOn } : {}),
    build_seconds_used:
      run.state === 'PENDING'
        ? 0
        : Math.max(0, Math.round(((run.completedAt ?? now) - run.createdAt) / 1000)),
    configuration_sources: [
      { source: 'repository', uri: `${apiBase(origin, repo)}/src/${run.commit}/bitbucket-pipelines.yml` },
    ],
    links: { self: { href: self }, steps: { href: `${self}/steps/` } },
  };
}

function pipelinesError(status: number, message: string, detail: string, key: string): Reply {
  return bitbucketError(status, message, { detail, data: { key, arguments: {} } });
}

/** The `creator` of a run made by `principal`. */
export function creatorJson(origin: string, principal: Principal): Record<string, unknown> {
  if (principal.kind !== 'access-token') return accountJson(origin, principal.account);
  const name = principal.repo ? `${principal.workspace}/${principal.repo}` : principal.workspace;
  return {
    type: 'user',
    display_name: `Access token (${name})`,
    nickname: 'access-token',
    uuid: `{access-token-${principal.id}}`,
  };
}

type TriggerRequest = {
  refName: string;
  commit: string;
  selector?: { type: string; pattern?: string };
  variables: PipelineVariable[];
  pullRequest?: PipelinePullRequest;
};

const invalidTarget = (detail: string): Reply =>
  pipelinesError(400, 'Bad request', detail, 'rest-service.request.invalid-target');

/**
 * A `pipeline_pullrequest_target` (Bitbucket's "trigger a pull request pipeline"): source and destination branches,
 * the open pull request joining them, optionally the source `commit` and the `destination_commit` to merge.
 */
function pullRequestTarget(
  repo: RepositoryRecord,
  target: Record<string, unknown>,
): { refName: string; commit: string; pullRequest: PipelinePullRequest } | Reply {
  const { source, destination } = target;
  const id = Number((target.pullrequest as { id?: unknown } | undefined)?.id);
  if (typeof source !== 'string' || typeof destination !== 'string' || !Number.isInteger(id))
    return invalidTarget('A pipeline_pullrequest_target needs source, destination and pullrequest.id.');
  const pr = repo.pullRequests.find((candidate) => candidate.id === id);
  if (!pr || pr.state !== 'OPEN' || pr.source !== source || pr.destination !== destination)
    return invalidTarget(`No open pull request #${id} from ${source} to ${destination} in ${repo.fullName}.`);
  const hash = (value: unknown, branch: string): string | undefined => {
    const given = (value as { hash?: unknown } | undefined)?.hash;
    if (given === undefined) return repo.branches.get(branch);
    return typeof given === 'string' ? resolveCommit(repo, given) : undefined;
  };
  const commit = hash(target.commit, source);
  const destinationCommit = hash(target.destination_commit, destination);
  if (!commit || !destinationCommit)
    return pipelinesError(
      400,
      'Bad request',
      'Could not find the revision.',
      'result-service.pipeline.revision-not-found',
    );
  return { refName: source, commit, pullRequest: { id, destination, destinationCommit } };
}

/** Validates a trigger body against the repository; the run to create, or Bitbucket's 400. */
function parseTrigger(
  repo: RepositoryRecord,
  ctx: RequestContext,
  patternsAt: PipelinePatternsAt,
): TriggerRequest | Reply {
  const body = bodyObject(ctx);
  if (!body)
    return pipelinesError(
      400,
      'Bad request',
      'The request body must be a JSON object with a target.',
      'rest-service.request.invalid-body',
    );
  const target = body.target as Record<string, unknown> | undefined;
  if (typeof target !== 'object' || target === null) {
    return pipelinesError(400, 'Bad request', 'A target is required.', 'rest-service.request.missing-target');
  }
  const type = target.type;
  if (
    type !== 'pipeline_ref_target' &&
    type !== 'pipeline_commit_target' &&
    type !== 'pipeline_pullrequest_target'
  ) {
    return pipelinesError(
      400,
      'Bad request',
      `Unsupported target type: ${String(type)} (the sandbox supports pipeline_ref_target, pipeline_commit_target and pipeline_pullrequest_target).`,
      'rest-service.request.invalid-target',
    );
  }
  let pullRequest: PipelinePullRequest | undefined;
  let refName = repo.mainBranch;
  if (type === 'pipeline_ref_target') {
    if (target.ref_type !== 'branch' || typeof target.ref_name !== 'string' || target.ref_name === '') {
      return pipelinesError(
        400,
        'Bad request',
        'A pipeline_ref_target needs ref_type "branch" and a ref_name.',
        'rest-service.request.invalid-target',
      );
    }
    refName = target.ref_name;
    if (!repo.branches.has(refName)) {
      return pipelinesError(
        400,
        'Bad request',
        `Branch ${refName} was not found in ${repo.fullName}.`,
        'result-service.pipeline.ref-not-found',
      );
    }
  }
  let commit = repo.branches.get(refName) as string;
  const commitHash = (target.commit as Record<string, unknown> | undefined)?.hash;
  if (type === 'pipeline_pullrequest_target') {
    const parsed = pullRequestTarget(repo, target);
    if ('status' in parsed) return parsed;
    ({ refName, commit, pullRequest } = parsed);
  } else if (commitHash !== undefined || type === 'pipeline_commit_target') {
    const resolved = typeof commitHash === 'string' ? resolveCommit(repo, commitHash) : undefined;
    if (!resolved)
      return pipelinesError(
        400,
        'Bad request',
        'Could not find the revision.',
        'result-service.pipeline.revision-not-found',
      );
    commit = resolved;
  }
  // The seeded central repository lists its custom pipelines; a pushed repository's come from the commit's file.
  const patterns = repo.customPipelines
    ? { custom: repo.customPipelines, pullRequests: [] }
    : patternsAt(repo.fullName, commit);
  if (!patterns) {
    return pipelinesError(
      400,
      'Bad request',
      `The bitbucket-pipelines.yml file could not be found in ${repo.fullName}.`,
      'result-service.pipeline.yml-not-found',
    );
  }
  const rawSelector = target.selector as Record<string, unknown> | undefined;
  const selector =
    typeof rawSelector === 'object' && rawSelector !== null
      ? {
          type: String(rawSelector.type),
          pattern: typeof rawSelector.pattern === 'string' ? rawSelector.pattern : undefined,
        }
      : undefined;
  // A pull request's run plays a pull-requests: pipeline; any other target a custom one.
  const [wanted, listed] = pullRequest
    ? ['pull-requests', patterns.pullRequests]
    : ['custom', patterns.custom];
  if (!selector || selector.type !== wanted || !selector.pattern || !listed.includes(selector.pattern)) {
    return pipelinesError(
      400,
      'Bad request',
      'Requested selector is not found in bitbucket-pipelines.yml.',
      'result-service.pipeline.selector-not-found',
    );
  }
  const variables: PipelineVariable[] = [];
  if (body.variables !== undefined) {
    if (!Array.isArray(body.variables)) {
      return pipelinesError(
        400,
        'Bad request',
        'variables must be an array of {key, value, secured}.',
        'rest-service.request.invalid-variables',
      );
    }
    for (const raw of body.variables as unknown[]) {
      const v = raw as Record<string, unknown>;
      if (typeof v !== 'object' || v === null || typeof v.key !== 'string' || !VARIABLE_KEY.test(v.key)) {
        return pipelinesError(
          400,
          'Bad request',
          `Invalid variable key: ${JSON.stringify((v as { key?: unknown } | null)?.key)}. Keys are letters, digits and underscores, not starting with a digit.`,
          'rest-service.request.invalid-variables',
        );
      }
      if (typeof v.value !== 'string') {
        return pipelinesError(
          400,
          'Bad request',
          `The value of variable ${v.key} must be a string.`,
          'rest-service.request.invalid-variables',
        );
      }
      if (variables.some((x) => x.key === v.key)) {
        return pipelinesError(
          400,
          'Bad request',
          `Variable ${v.key} is given twice.`,
          'rest-service.request.invalid-variables',
        );
      }
      variables.push({ key: v.key, value: v.value, secured: v.secured === true });
    }
  }
  return { refName, commit, selector, variables, ...(pullRequest && { pullRequest }) };
}

/** The custom and pull-requests patterns of the bitbucket-pipelines.yml at a commit; undefined without that file. */
export type PipelinePatternsAt = (
  repo: string,
  commit: string,
) => { custom: readonly string[]; pullRequests: readonly string[] } | undefined;

export function pipelineRoutes(
  repos: Repositories,
  store: PipelineStore,
  credentials: Credentials,
  patternsAt: PipelinePatternsAt = () => undefined,
  now: () => number = Date.now,
): Route[] {
  const P = '/2.0/repositories/:workspace/:repo/pipelines';
  const notFound = (id: string): Reply =>
    pipelinesError(
      404,
      'Not found',
      `Pipeline with UUID ${id} not found.`,
      'result-service.pipeline.not-found',
    );
  return [
    route(
      'POST',
      P,
      withBitbucketAuth(credentials, SCOPES.writePipeline, (ctx, principal) => {
        const repo = repos.lookupRoute(ctx, principal);
        if ('status' in repo) return repo;
        const trigger = parseTrigger(repo, ctx, patternsAt);
        if ('status' in trigger) return trigger;
        const run = store.create({
          repo: repo.fullName,
          ...trigger,
          principal,
          creatorJson: creatorJson(ctx.origin, principal),
        });
        return json(201, pipelineJson(ctx.origin, repo, run, now()), {
          Location: pipelineUrl(ctx.origin, repo, run),
        });
      }),
    ),
    route(
      'GET',
      P,
      withBitbucketAuth(credentials, SCOPES.readPipeline, (ctx, principal) => {
        const repo = repos.lookupRoute(ctx, principal);
        if ('status' in repo) return repo;
        const refName = ctx.query.get('target.ref_name') ?? ctx.query.get('target.branch');
        const pattern = ctx.query.get('target.selector.pattern');
        const hash = ctx.query.get('target.commit.hash');
        let runs = store
          .list(repo.fullName)
          .filter(
            (r) =>
              (refName === null || r.refName === refName) &&
              (pattern === null || r.selector?.pattern === pattern) &&
              (hash === null || r.commit.startsWith(hash)),
          );
        if (ctx.query.get('sort')?.startsWith('-')) runs = runs.reverse();
        return paginate(
          ctx,
          runs.map((r) =>
            pipelineJson(ctx.origin, repo, store.find(repo.fullName, r.uuid) as MutableRun, now()),
          ),
        );
      }),
    ),
    route(
      'GET',
      `${P}/:uuid`,
      withBitbucketAuth(credentials, SCOPES.readPipeline, (ctx, principal) => {
        const repo = repos.lookupRoute(ctx, principal);
        if ('status' in repo) return repo;
        const run = store.find(repo.fullName, param(ctx, 'uuid'));
        return run ? json(200, pipelineJson(ctx.origin, repo, run, now())) : notFound(param(ctx, 'uuid'));
      }),
    ),
    route(
      'POST',
      `${P}/:uuid/stopPipeline`,
      withBitbucketAuth(credentials, SCOPES.writePipeline, (ctx, principal) => {
        const repo = repos.lookupRoute(ctx, principal);
        if ('status' in repo) return repo;
        const run = store.find(repo.fullName, param(ctx, 'uuid'));
        if (!run) return notFound(param(ctx, 'uuid'));
        store.complete(repo.fullName, run.uuid, 'STOPPED');
        return { status: 204 };
      }),
    ),
    route(
      'GET',
      `${P}/:uuid/steps`,
      withBitbucketAuth(credentials, SCOPES.readPipeline, (ctx, principal) => {
        const repo = repos.lookupRoute(ctx, principal);
        if ('status' in repo) return repo;
        const run = store.find(repo.fullName, param(ctx, 'uuid'));
        if (!run) return notFound(param(ctx, 'uuid'));
        return paginate(
          ctx,
          run.stepRecords.map((step) => stepJson(step, run.uuid, 1, now())),
        );
      }),
    ),
    route(
      'GET',
      `${P}/:uuid/steps/:step`,
      withBitbucketAuth(credentials, SCOPES.readPipeline, (ctx, principal) => {
        const found = findStep(ctx, principal);
        if ('status' in found) return found;
        return json(200, stepJson(found.step, found.run.uuid, 1, now()));
      }),
    ),
    route(
      'GET',
      `${P}/:uuid/steps/:step/log`,
      withBitbucketAuth(credentials, SCOPES.readPipeline, (ctx, principal) => {
        const found = findStep(ctx, principal);
        if ('status' in found) return found;
        // No log file exists until the step starts (and none for a step that never ran).
        if (found.step.startedAt === undefined)
          return pipelinesError(
            404,
            'Not found',
            `Step ${found.step.uuid} has no log yet.`,
            'result-service.log.not-found',
          );
        return logReply(found.step.logBytes(), ctx.headers.range);
      }),
    ),
  ];

  function findStep(
    ctx: RequestContext,
    principal: Principal,
  ): { run: MutableRun; step: StepRecord } | Reply {
    const repo = repos.lookupRoute(ctx, principal);
    if ('status' in repo) return repo;
    const run = store.find(repo.fullName, param(ctx, 'uuid'));
    if (!run) return notFound(param(ctx, 'uuid'));
    const step = store.findStep(run, param(ctx, 'step'));
    if (!step)
      return pipelinesError(
        404,
        'Not found',
        `Step with UUID ${param(ctx, 'step')} not found.`,
        'result-service.step.not-found',
      );
    return { run, step };
  }
}
