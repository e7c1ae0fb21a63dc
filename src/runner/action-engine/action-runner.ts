// Runs a JavaScript action's pre and main (and queues its post), or a composite action's steps, in a job, as GitHub does.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  combine,
  type ActionLog,
  type Annotation,
  type PhaseName,
  type PhaseResult,
  type StepResult,
} from './action-log';
import {
  ActionDefinitionError,
  loadActionDefinition,
  resolveInputs,
  type ActionDefinition,
  type JavaScriptActionDefinition,
  type NodeRuntime,
} from './action-definition';
import { buildActionEnvironment, readOriginHead, readGitFacts, type GitFacts } from './action-environment';
import { locateAction, type LocatedAction } from './action-locator';
import {
  checkJavaScriptExpressions,
  CompositeRun,
  loadCompositeTree,
  newestRuntime,
  type CompositeHost,
  type CompositeTree,
  type NestedStart,
  type ProcessRequest,
} from './composite-runner';
import { evaluateCondition, needsEvaluator } from './conditions';
import {
  buildContexts,
  defaultsContexts,
  loadExpressionEvaluator,
  readEventPayload,
  type ExpressionContexts,
  type ExpressionEvaluator,
  type Identity,
} from './expressions';
import type { ExportedEnvironment } from './env-file';
import { JobSession } from './job-session';
export { combine };
import { Job, type JobLocation, type JobRecord } from './job-state';
import { chooseNode, nodeCandidates, type ChosenNode } from './node-runtime';
import type { RemoteActions } from './remote-actions';
import { WarmNode } from './script-process';

/** What the runner and `action post` share: where the job is, the caller's environment, what to hide and mask. */
export interface JobOptions {
  /** The caller's environment (process.env in the CLI); the engine never reads process.env itself. */
  env: Record<string, string | undefined>;
  cwd: string;
  log: ActionLog;
  /** Show `::debug::` lines, echo commands and set RUNNER_DEBUG=1 (GitHub's step debug logging). */
  debug?: boolean;
  /** Values masked from the start, e.g. tokens the caller holds. */
  secrets?: string[];
  /** Variables of `env` holding secrets (`--with-env` sources): masked, and by name for the rest of the job. */
  secretVariables?: string[];
  /** Variables of `env` an action never sees unless passed with `stepEnv` (Crosscheck's credentials); masked. */
  hidden?: readonly string[];
  /** The job's directory; undefined: a temporary job for this run alone, whose post runs straight after main. */
  job?: JobLocation;
}

export interface ActionRunOptions extends JobOptions {
  /** Folder holding action.yml / action.yaml (or that file), relative to `cwd`, or `owner/repo[/path]@ref`. */
  actionPath: string;
  /** Fetches and caches `owner/repo@ref` actions; without it only local folders run. */
  remoteActions?: RemoteActions;
  /** `--with` values by input name. */
  inputs: Record<string, string>;
  /** `--env` values: the step's `env:` on GitHub, over the job's GITHUB_ENV values. */
  stepEnv?: Record<string, string>;
  /**
   * Cancels the run: the running script gets SIGINT (or the signal named by `signal.reason`, e.g.
   * `controller.abort('SIGTERM')`), then SIGTERM after 7.5 s and SIGKILL 2.5 s later, as GitHub's runner escalates.
   * A post run at once still runs when post-if allows it, and is not cancelled by this signal.
   */
  signal?: AbortSignal;
  /** `queue` (the default): the post waits for `crosscheck action post`; `now`: it runs straight after main. */
  post?: 'queue' | 'now';
  /** `--node`: the only Node.js to consider. */
  node?: string;
  /** A Node.js the caller started ahead (see WarmNode) for the first phase; used when it is the chosen one. */
  warm?: WarmNode;
}

export interface ActionRunResult {
  action: {
    name: string;
    directory: string;
    using: NodeRuntime | 'composite';
    remote?: LocatedAction['remote'];
  };
  node: { path: string; version: string };
  result: StepResult;
  /** 0 on success; the failing script's exit code (1 when it exited 0 but a command failed); 128+signal when cancelled. */
  exitCode: number;
  /** Every output set by any phase, later phases overriding earlier ones, less those withheld for holding a secret. */
  outputs: Record<string, string>;
  annotations: Annotation[];
  /** The step summaries of all phases, masked. */
  summary: string;
  phases: PhaseResult[];
  /** What the run added to the job's GITHUB_ENV and GITHUB_PATH (unmasked: the env file needs the values). */
  exported: ExportedEnvironment;
  /** Masks every secret registered during the run (and the given ones) in `text`. */
  readonly mask: (text: string) => string;
}

/** An action whose action.yml was read and whose Node.js was chosen: everything checked, nothing run yet. */
export interface PreparedAction {
  definition: ActionDefinition;
  located: LocatedAction;
  node: ChosenNode;
  run(): Promise<ActionRunResult>;
}

/** Reads action.yml and chooses the Node.js; throws ActionDefinitionError (a usage error) before anything runs. */
export async function prepareAction(options: ActionRunOptions): Promise<PreparedAction> {
  const located = await locateAction(options.actionPath, {
    cwd: options.cwd,
    remoteActions: options.remoteActions,
    fromCommandLine: true,
  });
  const definition = await loadActionDefinition(located.directory, options.cwd);
  // A composite's nested actions are fetched and every expression is checked before anything runs.
  const workspace = options.env.BITBUCKET_CLONE_DIR ?? options.cwd;
  const tree =
    definition.using === 'composite'
      ? await loadCompositeTree(definition, { workspace, remoteActions: options.remoteActions })
      : undefined;
  const javaScript = tree ? undefined : (definition as JavaScriptActionDefinition);
  const evaluator =
    tree ||
    (javaScript &&
      (definition.inputs.some((input) => input.default?.includes('${{')) ||
        needsEvaluator(javaScript.preIf) ||
        needsEvaluator(javaScript.postIf)))
      ? await loadExpressionEvaluator()
      : undefined;
  if (evaluator && tree) CompositeRun.check(tree, evaluator);
  else if (evaluator && javaScript) checkJavaScriptExpressions(javaScript, evaluator);
  const record = await Job.peek(options.job);
  const probeEnv = visibleEnvironment(options);
  // A composite's JavaScript actions share one Node.js: one new enough for all of them.
  const node = await chooseNode(
    tree ? newestRuntime(tree) : (definition as JavaScriptActionDefinition).using,
    nodeCandidates(options.node, options.env, OWN_NODE, await existingStartNode(record)),
    record.nodes,
    probeEnv,
  );
  return {
    definition,
    located,
    node,
    run: async () => {
      const job = await Job.open(options.job);
      try {
        if (!job.temporary) {
          await job.update((saved) => {
            Object.assign(saved.nodes, record.nodes);
            saved.startNode ??= OWN_NODE;
          });
        }
        return await new ActionRun(definition, located, node, options, job, tree, evaluator).run();
      } finally {
        if (job.temporary) await job.remove();
      }
    },
  };
}

/** The Node.js running crosscheck. */
const OWN_NODE = { path: process.execPath, version: process.versions.node };

/** The Node.js the job's first action run started on, while that binary is still there. */
async function existingStartNode(record: JobRecord): Promise<JobRecord['startNode']> {
  const start = record.startNode;
  if (!start || typeof start.path !== 'string') return undefined;
  return (await fs.stat(start.path).catch(() => undefined))?.isFile() ? start : undefined;
}

/** Prepares and runs the action; throws ActionDefinitionError (before running anything) when it cannot be run. */
export async function runAction(options: ActionRunOptions): Promise<ActionRunResult> {
  return (await prepareAction(options)).run();
}

/** The caller's environment less the hidden variables. */
export function visibleEnvironment(options: JobOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.env)) {
    if (value !== undefined && !options.hidden?.includes(name)) env[name] = value;
  }
  return env;
}

/**
 * The values of the hidden variables that are set, the given secrets and the `secretVariables`: masked everywhere.
 * Hidden and given values shorter than 4 characters are left out, as the core's maskerFor does (they would mask
 * ordinary words); a value the user named a secret is masked whatever its length.
 */
export function knownSecrets(options: JobOptions): string[] {
  const hidden = (options.hidden ?? []).map((name) => options.env[name]);
  const named = (options.secretVariables ?? []).map((name) => options.env[name]);
  return [
    ...[...(options.secrets ?? []), ...hidden].filter(
      (value): value is string => value !== undefined && value.trim().length >= 4,
    ),
    ...named.filter((value): value is string => value !== undefined && value.trim() !== ''),
  ];
}

/**
 * `env` with GITHUB_TOKEN from the caller's environment, for `github.token` in expressions: an action's environment
 * does not hold it (unless the step maps it with --env), and what an action exported never replaces it.
 */
export function withToken(env: Record<string, string>, options: JobOptions): Record<string, string> {
  const token = options.env.GITHUB_TOKEN;
  const result = { ...env };
  delete result.GITHUB_TOKEN;
  return token === undefined ? result : { ...result, GITHUB_TOKEN: token };
}

/**
 * The base environment of one action in a job (GITHUB_*, RUNNER_*) and its event payload, written to the job. What
 * git says about the commits is read once per job (kept in `git.json`); `warnings` gets the SHAs it could not expand.
 */
export async function actionBaseEnvironment(
  options: JobOptions,
  job: Job,
  action: { directory: string; id: string; remote?: { repository: string; ref: string } },
  warnings: string[] = [],
): Promise<Record<string, string>> {
  const workspace = options.env.BITBUCKET_CLONE_DIR ?? options.cwd;
  let git = await job
    .readExtra('git.json')
    .then((text) => (text === undefined ? undefined : (JSON.parse(text) as GitFacts)))
    .catch(() => undefined);
  if (!git) {
    git = await readGitFacts(workspace, options.env);
    await job.writeExtra('git.json', JSON.stringify(git));
    for (const sha of git.unknown) {
      warnings.push(
        `The commit ${sha} that Bitbucket names is not in the clone at ${workspace}, so the event payload gives it as Bitbucket does, not as the 40-character SHA GitHub gives. Fetch it (e.g. git fetch origin ${sha}) before crosscheck action run if an action compares commits.`,
      );
    }
  }
  const home = options.env.HOME ?? options.env.USERPROFILE ?? os.homedir();
  const environment = buildActionEnvironment({
    env: options.env,
    hidden: options.hidden ?? [],
    cwd: options.cwd,
    actionDirectory: action.directory,
    actionId: action.id,
    ...(action.remote && { actionRepository: action.remote.repository, actionRef: action.remote.ref }),
    runnerTemp: job.runnerTemp,
    toolCache: path.join(home, '.cache', 'crosscheck', 'tool-cache'),
    eventPath: job.eventPath,
    defaultBranch: (await readOriginHead(workspace)) ?? git.defaultBranch,
    git,
    hostname: os.hostname(),
    debug: options.debug ?? false,
    platform: process.platform,
    arch: process.arch,
  });
  if (environment.event) {
    await fs.writeFile(job.eventPath, JSON.stringify(environment.event, null, 2), { mode: 0o600 });
  }
  return environment.variables;
}

class ActionRun {
  private readonly outputs = new Map<string, string>();
  private readonly state = new Map<string, string>();
  private cancelSignal: NodeJS.Signals | undefined;

  constructor(
    private readonly definition: ActionDefinition,
    private readonly located: LocatedAction,
    private readonly node: ChosenNode,
    private readonly options: ActionRunOptions,
    private readonly job: Job,
    private readonly tree: CompositeTree | undefined,
    private readonly evaluator: ExpressionEvaluator | undefined,
  ) {}

  /** Runs the action; an ActionDefinitionError met halfway (an expression too large…) leaves with its message masked. */
  async run(): Promise<ActionRunResult> {
    let session: JobSession | undefined;
    try {
      return await this.runWarm((created) => (session = created));
    } catch (error) {
      if (error instanceof ActionDefinitionError && session) {
        const masked = session.masker.mask(error.message);
        if (masked !== error.message) error.message = masked;
      }
      throw error;
    }
  }

  /** Runs the action with the first phase's Node.js started now, booting while the job, env and inputs are prepared. */
  private async runWarm(started: (session: JobSession) => void): Promise<ActionRunResult> {
    const given = this.options.warm;
    let warm = this.tree ? undefined : given?.node === this.node.path ? given : this.warmNode();
    if (warm !== given) given?.dispose();
    try {
      return await this.runWith(
        () => {
          const taken = warm;
          warm = undefined;
          return taken;
        },
        () => {
          warm ??= this.warmNode();
        },
        started,
      );
    } finally {
      warm?.dispose();
    }
  }

  /** A Node.js for the next phase, started with the caller's visible environment in the workspace. */
  private warmNode(): WarmNode | undefined {
    if (this.options.signal?.aborted) return undefined;
    const workspace = this.options.env.BITBUCKET_CLONE_DIR ?? this.options.cwd;
    return WarmNode.start(this.node.path, visibleEnvironment(this.options), workspace);
  }

  private async runWith(
    takeWarm: () => WarmNode | undefined,
    warmNext: () => void,
    started: (session: JobSession) => void,
  ): Promise<ActionRunResult> {
    const record = await this.job.read();
    const secretVariables = this.options.secretVariables ?? [];
    if (secretVariables.length > 0) {
      await this.job.update((saved) => {
        for (const name of secretVariables)
          if (!saved.maskVariables.includes(name)) saved.maskVariables.push(name);
      });
    }
    const id = await this.job.update((saved) =>
      nextActionId(saved, usesStepName(this.located.remote?.repository)),
    );
    const warnings: string[] = [];
    const baseEnv = await actionBaseEnvironment(
      this.options,
      this.job,
      { directory: this.definition.directory, id, remote: this.located.remote },
      warnings,
    );
    const session = new JobSession(this.job, record, {
      log: this.options.log,
      debug: this.options.debug ?? false,
      workspace: baseEnv.GITHUB_WORKSPACE ?? this.options.cwd,
      secrets: knownSecrets(this.options),
      env: this.options.env,
      allowUnsecureCommands: baseEnv.ACTIONS_ALLOW_UNSECURE_COMMANDS === 'true',
      allowUnsecureStopTokens: baseEnv.ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS === 'true',
    });
    started(session);
    for (const warning of warnings) session.processor.report('warning', warning);
    const identity: Identity = {
      directory: this.definition.directory,
      ...(this.located.remote && {
        repository: this.located.remote.repository,
        ref: this.located.remote.ref,
      }),
    };
    const event = this.evaluator ? await readEventPayload(baseEnv.GITHUB_EVENT_PATH) : undefined;
    const contextEnv = () => withToken({ ...baseEnv, ...record.env }, this.options);
    const inputs = resolveInputs(this.definition, this.options.inputs, (input) =>
      this.requireEvaluator().evaluateString(input.default, defaultsContexts(contextEnv(), event, identity), {
        file: this.definition.file,
        key: `inputs.${input.name}.default`,
      }),
    );
    for (const warning of inputs.warnings) session.processor.report('warning', warning);
    if (this.tree) {
      const host = new JobStepHost(
        this.options,
        this.job,
        session,
        this.node,
        this.requireEvaluator(),
        event,
      );
      const composite = await new CompositeRun(
        host,
        this.tree,
        identity,
        inputs.values,
        this.options.stepEnv ?? {},
      ).run(this.options.signal);
      for (const [key, value] of composite.outputs) this.outputs.set(key, value);
      let status = this.cancelled() ? 'cancelled' : composite.status;
      status = combine(status, await host.runPendingPosts(status));
      if (status !== 'success') await this.job.update((saved) => saved.failures++);
      return this.result(session, status, composite.failedExitCode);
    }
    const definition = this.definition as JavaScriptActionDefinition;
    const condition = (key: 'runs.pre-if' | 'runs.post-if', text: string, status: StepResult) =>
      evaluateCondition(
        text,
        status,
        this.evaluator && {
          evaluator: this.evaluator,
          contexts: buildContexts(contextEnv(), event, identity, inputs.values, status),
          site: { file: definition.file, key },
        },
      );
    const runtime = runtimeMessage(definition.using, this.node);
    if (runtime?.level === 'notice') session.processor.report('notice', runtime.text);
    else if (runtime && this.options.debug) this.options.log.debug(runtime.text);

    const stepEnv = this.options.stepEnv ?? {};
    const { pre, main, post, preIf, postIf } = definition;
    const postNow = post !== undefined && (this.options.post === 'now' || this.job.temporary);
    const phase = (name: 'pre' | 'main' | 'post', script: string, signal: AbortSignal | undefined) => {
      const warm = takeWarm();
      // The next phase's Node.js boots while this one runs.
      if (name === 'pre' || (name === 'main' && postNow)) warmNext();
      return session
        .runPhase({
          phase: name,
          script,
          scriptPath: path.resolve(this.definition.directory, script),
          node: this.node.path,
          baseEnv,
          stepEnv,
          inputEnv: inputs.env,
          state: this.state,
          signal,
          ...(warm && { warm }),
        })
        .then((outcome) => {
          for (const [key, value] of outcome.outputs) this.outputs.set(key, value);
          this.cancelSignal ??= outcome.cancelledWith;
          return outcome.status;
        });
    };

    const signal = this.options.signal;
    let status: StepResult = this.cancelled() ? 'cancelled' : 'success';
    let postRegistered = false;
    if (pre !== undefined) {
      if (status === 'cancelled') session.skip('pre', pre, 'the run was cancelled', 'skipped');
      else if (!condition('runs.pre-if', preIf, status)) {
        session.skip('pre', pre, `pre-if ${preIf} is false for a ${describe(status)} run`, 'skipped');
      } else {
        postRegistered = true;
        status = combine(status, await phase('pre', pre, signal));
      }
    }
    if (this.cancelled()) status = 'cancelled';
    if (status === 'success') {
      postRegistered = true;
      status = combine(status, await phase('main', main, signal));
    } else {
      session.skip('main', main, status === 'cancelled' ? 'the run was cancelled' : 'pre failed', 'skipped');
    }
    if (this.cancelled()) status = 'cancelled';
    if (post !== undefined) {
      if (!postRegistered) session.skip('post', post, 'neither pre nor main ran', 'skipped');
      else if (this.options.post === 'now' || this.job.temporary) {
        if (!condition('runs.post-if', postIf, status)) {
          session.skip('post', post, `post-if ${postIf} is false for a ${describe(status)} run`, 'skipped');
        } else status = combine(status, await phase('post', post, undefined));
      } else {
        await this.queuePost(post, id, inputs.env, stepEnv, (text) => session.masker.mask(text));
        session.skip('post', post, `runs at \`crosscheck action post\` (post-if: ${postIf})`, 'queued');
      }
    }
    if (status !== 'success') await this.job.update((saved) => saved.failures++);
    return this.result(session, status);
  }

  private requireEvaluator(): ExpressionEvaluator {
    if (!this.evaluator) throw new Error('The expression evaluator was not loaded.');
    return this.evaluator;
  }

  private result(session: JobSession, status: StepResult, failedExitCode?: number | null): ActionRunResult {
    const outputs: Record<string, string> = {};
    for (const [name, value] of this.outputs) {
      if (session.masker.mask(value) !== value) {
        session.processor.report('warning', `Skip output '${name}' since it may contain secret.`);
      } else outputs[name] = value;
    }
    return {
      action: {
        name: this.definition.name,
        directory: this.definition.directory,
        using: this.definition.using,
        ...(this.located.remote && { remote: this.located.remote }),
      },
      node: { path: this.node.path, version: this.node.version },
      result: status,
      exitCode: this.exitCode(status, session.phases, failedExitCode),
      outputs,
      annotations: session.annotations,
      summary: session.summary,
      phases: session.phases,
      exported: session.exported,
      mask: (text) => session.masker.mask(text),
    };
  }

  private async queuePost(
    script: string,
    actionId: string,
    inputs: Record<string, string>,
    stepEnv: Record<string, string>,
    mask: (text: string) => string,
  ): Promise<void> {
    await queuePost(this.job, {
      definition: this.definition as JavaScriptActionDefinition,
      remote: this.located.remote,
      script,
      actionId,
      node: this.node.path,
      inputs,
      stepEnv,
      state: this.state,
      mask,
    });
  }

  private cancelled(): boolean {
    return this.options.signal?.aborted ?? false;
  }

  /** For a composite, `failedExitCode` is that of the first step that failed it (not one allowed to fail). */
  private exitCode(status: StepResult, phases: PhaseResult[], failedExitCode?: number | null): number {
    if (status === 'success') return 0;
    if (status === 'cancelled') return 128 + (os.constants.signals[this.cancelSignal ?? 'SIGINT'] ?? 2);
    if (failedExitCode !== undefined) return failedExitCode || 1;
    const failed = phases.find((phase) => phase.status === 'failure');
    return failed?.exitCode ? failed.exitCode : 1;
  }
}

/**
 * GITHUB_ACTION for the next step named `base` in the job, as GitHub's workflow parser names steps without an id
 * (its IdBuilder): `__run`, `__self` (a local action), `__owner_repo`; characters other than letters, digits, `_` and
 * `-` become `_`; `_2`, `_3`… for later ones; at most 100 characters.
 */
function nextActionId(record: JobRecord, base: string): string {
  const name = base.replace(/[^A-Za-z0-9_-]/g, '_');
  let id = name.slice(0, 100);
  for (let count = 2; record.actionIds.includes(id); count++) {
    const suffix = `_${count}`;
    id = name.slice(0, 100 - suffix.length) + suffix;
  }
  record.actionIds.push(id);
  return id;
}

/** The step name GitHub gives `uses:` without an id: `__owner_repo` for a remote action, `__self` for a local one. */
function usesStepName(repository: string | undefined): string {
  return repository ? `__${repository.split('/').slice(0, 2).join('_')}` : '__self';
}

export function describe(status: StepResult): string {
  return status === 'success' ? 'successful' : status === 'failure' ? 'failed' : 'cancelled';
}

/** Adds a JavaScript action's post to the job's queue, for `crosscheck action post`. */
async function queuePost(
  job: Job,
  post: {
    definition: JavaScriptActionDefinition;
    remote: LocatedAction['remote'];
    script: string;
    actionId: string;
    node: string;
    inputs: Record<string, string>;
    stepEnv: Record<string, string>;
    state: Map<string, string>;
    /** The job's masker: inputs it would mask are marked, so `action post` masks them too. */
    mask: (text: string) => string;
  },
): Promise<void> {
  const { name, directory, using, postIf } = post.definition;
  const maskedInputs = Object.keys(post.inputs).filter(
    (key) => post.mask(post.inputs[key]!) !== post.inputs[key],
  );
  const remote = post.remote && { repository: post.remote.repository, ref: post.remote.ref };
  await job.update((record) =>
    record.posts.push({
      action: { name, directory, using, ...(remote && { remote }) },
      actionId: post.actionId,
      script: post.script,
      condition: postIf,
      node: post.node,
      inputs: post.inputs,
      ...(maskedInputs.length > 0 && { maskedInputs }),
      stepEnv: post.stepEnv,
      state: Object.fromEntries(post.state),
    }),
  );
}

/**
 * What a composite's steps run on: the job's session (processes, env, PATH, masks), the chosen Node.js for nested
 * JavaScript actions, and GitHub's evaluator. Posts of nested actions are queued in the job like any other, or, in a
 * one-off job, run after the last step in reverse order.
 */
class JobStepHost implements CompositeHost {
  private readonly pendingPosts: Array<(status: StepResult) => Promise<StepResult>> = [];
  private readonly baseEnvironments = new Map<string, Promise<Record<string, string>>>();

  constructor(
    private readonly options: ActionRunOptions,
    private readonly job: Job,
    private readonly session: JobSession,
    private readonly node: ChosenNode,
    readonly evaluator: ExpressionEvaluator,
    private readonly event: unknown,
  ) {}

  get workspace(): string {
    return this.options.env.BITBUCKET_CLONE_DIR ?? this.options.cwd;
  }

  get temporaryDirectory(): string {
    return this.job.runnerTemp;
  }

  cancelled(): boolean {
    return this.options.signal?.aborted ?? false;
  }

  async contexts(
    identity: Identity,
    inputs: Record<string, string>,
    status: StepResult,
    extra: Partial<ExpressionContexts> = {},
  ): Promise<ExpressionContexts> {
    const record = await this.job.read();
    const baseEnv = await this.baseEnvironment(identity);
    // `env` holds what earlier steps exported (GITHUB_ENV) under the step's own env:, as on GitHub.
    return buildContexts(
      withToken({ ...baseEnv, ...record.env }, this.options),
      this.event,
      identity,
      inputs,
      status,
      {
        ...extra,
        env: { ...record.env, ...(extra.env as Record<string, string> | undefined) },
      },
    );
  }

  async defaultsContexts(identity: Identity): Promise<ExpressionContexts> {
    const record = await this.job.read();
    const baseEnv = await this.baseEnvironment(identity);
    return defaultsContexts(withToken({ ...baseEnv, ...record.env }, this.options), this.event, identity);
  }

  report(level: 'error' | 'warning' | 'notice', message: string): void {
    this.session.processor.report(level, message);
  }

  skip(label: string, reason: string): void {
    this.session.skip('main', label, reason, 'skipped');
  }

  async runProcess(
    request: ProcessRequest,
  ): Promise<{ status: StepResult; outputs: Map<string, string>; exitCode: number | null }> {
    // GITHUB_ACTION of a `run:` step: its id, else `__run`, `__run_2`… as GitHub names steps.
    const actionId = request.stepId ?? (await this.job.update((saved) => nextActionId(saved, '__run')));
    const outcome = await this.session.runPhase({
      phase: 'main',
      script: request.label,
      scriptPath: request.file,
      node: this.node.path,
      command: { file: request.command, args: request.args },
      cwd: request.cwd,
      baseEnv: { ...(await this.baseEnvironment(request.identity)), GITHUB_ACTION: actionId },
      stepEnv: request.env,
      inputEnv: {},
      state: new Map(),
      signal: request.signal,
    });
    return { status: outcome.status, outputs: new Map(outcome.outputs), exitCode: outcome.exitCode };
  }

  async startJavaScript(
    definition: JavaScriptActionDefinition,
    remote: LocatedAction['remote'],
    inputs: Record<string, string>,
    stepEnv: Record<string, string>,
    signal: AbortSignal | undefined,
    stepId?: string,
  ): Promise<NestedStart> {
    const identity: Identity = {
      directory: definition.directory,
      ...(remote && { repository: remote.repository, ref: remote.ref }),
    };
    const actionId = await this.job.update((saved) =>
      nextActionId(saved, stepId ?? usesStepName(remote?.repository)),
    );
    const baseEnv = await actionBaseEnvironment(this.options, this.job, {
      directory: definition.directory,
      id: actionId,
      remote,
    });
    const inputEnv = inputVariables(inputs);
    const state = new Map<string, string>();
    const outputs = new Map<string, string>();
    let exitCode: number | null = null;
    const phase = async (name: PhaseName, script: string, phaseSignal: AbortSignal | undefined) => {
      const outcome = await this.session.runPhase({
        phase: name,
        action: definition.name,
        script,
        scriptPath: path.resolve(definition.directory, script),
        node: this.node.path,
        baseEnv,
        stepEnv,
        inputEnv,
        state,
        signal: phaseSignal,
      });
      for (const [key, value] of outcome.outputs) outputs.set(key, value);
      if (outcome.status === 'failure') exitCode = outcome.exitCode;
      return outcome.status;
    };
    const condition = async (key: 'runs.pre-if' | 'runs.post-if', text: string, status: StepResult) =>
      evaluateCondition(text, status, {
        evaluator: this.evaluator,
        contexts: await this.contexts(identity, inputs, status),
        site: { file: definition.file, key },
      });
    const { pre, main, post } = definition;
    let status: StepResult = this.cancelled() ? 'cancelled' : 'success';
    let ran = false;
    if (pre !== undefined) {
      if (status === 'cancelled')
        this.session.skip('pre', pre, 'the run was cancelled', 'skipped', definition.name);
      else if (!(await condition('runs.pre-if', definition.preIf, status))) {
        this.session.skip('pre', pre, `pre-if ${definition.preIf} is false`, 'skipped', definition.name);
      } else {
        ran = true;
        status = combine(status, await phase('pre', pre, signal));
      }
    }
    if (status === 'success' && !this.cancelled()) {
      ran = true;
      status = combine(status, await phase('main', main, signal));
    } else {
      this.session.skip(
        'main',
        main,
        status === 'cancelled' ? 'the run was cancelled' : 'pre failed',
        'skipped',
        definition.name,
      );
    }
    if (post !== undefined && ran) {
      if (this.options.post === 'now' || this.job.temporary) {
        this.pendingPosts.push(async (statusThen) => {
          if (!(await condition('runs.post-if', definition.postIf, statusThen))) {
            const reason = `post-if ${definition.postIf} is false for a ${describe(statusThen)} run`;
            this.session.skip('post', post, reason, 'skipped', definition.name);
            return 'success';
          }
          return phase('post', post, undefined);
        });
      } else {
        await queuePost(this.job, {
          definition,
          remote,
          script: post,
          actionId,
          node: this.node.path,
          inputs: inputEnv,
          stepEnv,
          state,
          mask: (text) => this.session.masker.mask(text),
        });
        this.session.skip(
          'post',
          post,
          `runs at \`crosscheck action post\` (post-if: ${definition.postIf})`,
          'queued',
          definition.name,
        );
      }
    }
    return { status, outputs, exitCode };
  }

  /** Posts of nested actions in a one-off job: after the composite, last started first, as GitHub's post stack. */
  async runPendingPosts(status: StepResult): Promise<StepResult> {
    let result: StepResult = 'success';
    for (const post of this.pendingPosts.reverse())
      result = combine(result, await post(combine(status, result)));
    return result;
  }

  /** A composite's base environment (GITHUB_ACTION_PATH its folder), made once per composite in the tree. */
  private baseEnvironment(identity: Identity): Promise<Record<string, string>> {
    let env = this.baseEnvironments.get(identity.directory);
    if (!env) {
      env = this.job
        .update((saved) => nextActionId(saved, usesStepName(identity.repository)))
        .then((id) =>
          actionBaseEnvironment(this.options, this.job, {
            directory: identity.directory,
            id,
            ...(identity.repository !== undefined &&
              identity.ref !== undefined && {
                remote: { repository: identity.repository, ref: identity.ref },
              }),
          }),
        );
      this.baseEnvironments.set(identity.directory, env);
    }
    return env;
  }
}

/** `INPUT_<NAME>` as GitHub passes inputs (upper case, spaces to `_`). */
function inputVariables(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value]),
  );
}

/**
 * Says when an action runs on a newer Node.js than it asks for, as GitHub does: a notice for node12/node16 (retired
 * long ago), a debug line for node20 (GitHub runs those on Node.js 24 by default now).
 */
function runtimeMessage(
  using: NodeRuntime,
  node: ChosenNode,
): { level: 'notice' | 'debug'; text: string } | undefined {
  const wanted = Number(using.slice('node'.length));
  if (Number(node.version.split('.')[0]) <= wanted) return undefined;
  return {
    level: wanted < 20 ? 'notice' : 'debug',
    text: `This action asks for ${using}; it runs on Node.js ${node.version} (${node.source}), as GitHub runs actions for retired Node.js versions on a newer one.`,
  };
}
