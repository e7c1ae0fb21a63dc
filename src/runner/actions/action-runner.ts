// Runs a local JavaScript action's pre and main (and queues its post) in a job, as GitHub's runner runs a step.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ActionLog, Annotation, PhaseResult, StepResult } from './action-log';
import {
  loadActionDefinition,
  resolveInputs,
  type ActionDefinition,
  type NodeRuntime,
} from './action-definition';
import { buildActionEnvironment, readOriginHead } from './action-environment';
import { locateAction, type LocatedAction } from './action-locator';
import { evaluateCondition } from './conditions';
import type { ExportedEnvironment } from './env-file';
import { JobSession } from './job-session';
import { Job, type JobLocation, type JobRecord } from './job-state';
import { chooseNode, nodeCandidates, type ChosenNode } from './node-runtime';
import type { RemoteActions } from './remote-actions';

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
}

export interface ActionRunResult {
  action: { name: string; directory: string; using: NodeRuntime; remote?: LocatedAction['remote'] };
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
  mask(text: string): string;
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
  const record = await Job.peek(options.job);
  const probeEnv = visibleEnvironment(options);
  const node = await chooseNode(
    definition.using,
    nodeCandidates(options.node, options.env, { path: process.execPath, version: process.versions.node }),
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
        if (!job.temporary) await job.update((saved) => Object.assign(saved.nodes, record.nodes));
        return await new ActionRun(definition, located, node, options, job).run();
      } finally {
        if (job.temporary) await job.remove();
      }
    },
  };
}

/** Prepares and runs the action; throws ActionDefinitionError (before running anything) when it cannot be run. */
export async function runAction(options: ActionRunOptions): Promise<ActionRunResult> {
  return (await prepareAction(options)).run();
}

/** The caller's environment less the hidden variables. */
function visibleEnvironment(options: JobOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.env)) {
    if (value !== undefined && !options.hidden?.includes(name)) env[name] = value;
  }
  return env;
}

/**
 * The values of the hidden variables that are set, and the given secrets: masked everywhere. Values shorter than 4
 * characters are left out, as the core's maskerFor does: they would mask ordinary words.
 */
export function knownSecrets(options: JobOptions): string[] {
  const hidden = (options.hidden ?? []).map((name) => options.env[name]);
  return [...(options.secrets ?? []), ...hidden].filter(
    (value): value is string => value !== undefined && value.trim().length >= 4,
  );
}

/** The base environment of one action in a job (GITHUB_*, RUNNER_*) and its event payload, written to the job. */
export async function actionBaseEnvironment(
  options: JobOptions,
  job: Job,
  action: { directory: string; id: string; remote?: { repository: string; ref: string } },
): Promise<Record<string, string>> {
  const workspace = options.env.BITBUCKET_CLONE_DIR ?? options.cwd;
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
    defaultBranch: await readOriginHead(workspace),
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
  ) {}

  async run(): Promise<ActionRunResult> {
    const record = await this.job.read();
    const id = await this.job.update((saved) => nextActionId(saved, this.definition.directory));
    const baseEnv = await actionBaseEnvironment(this.options, this.job, {
      directory: this.definition.directory,
      id,
      remote: this.located.remote,
    });
    const session = new JobSession(this.job, record, {
      log: this.options.log,
      debug: this.options.debug ?? false,
      workspace: baseEnv.GITHUB_WORKSPACE,
      secrets: knownSecrets(this.options),
      allowUnsecureCommands: baseEnv.ACTIONS_ALLOW_UNSECURE_COMMANDS === 'true',
      allowUnsecureStopTokens: baseEnv.ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS === 'true',
    });
    const inputs = resolveInputs(this.definition, this.options.inputs);
    for (const warning of inputs.warnings) session.processor.report('warning', warning);
    const runtime = runtimeMessage(this.definition.using, this.node);
    if (runtime?.level === 'notice') session.processor.report('notice', runtime.text);
    else if (runtime && this.options.debug) this.options.log.debug(runtime.text);

    const stepEnv = this.options.stepEnv ?? {};
    const phase = (name: 'pre' | 'main' | 'post', script: string, signal: AbortSignal | undefined) =>
      session
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
        })
        .then((outcome) => {
          for (const [key, value] of outcome.outputs) this.outputs.set(key, value);
          this.cancelSignal ??= outcome.cancelledWith;
          return outcome.status;
        });

    const { pre, main, post, preIf, postIf } = this.definition;
    const signal = this.options.signal;
    let status: StepResult = this.cancelled() ? 'cancelled' : 'success';
    let postRegistered = false;
    if (pre !== undefined) {
      if (status === 'cancelled') session.skip('pre', pre, 'the run was cancelled', 'skipped');
      else if (!evaluateCondition(preIf, status)) {
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
        if (!evaluateCondition(postIf, status)) {
          session.skip('post', post, `post-if ${postIf} is false for a ${describe(status)} run`, 'skipped');
        } else status = combine(status, await phase('post', post, undefined));
      } else {
        await this.queuePost(post, id, inputs.env, stepEnv);
        session.skip('post', post, `runs at \`crosscheck action post\` (post-if: ${postIf})`, 'queued');
      }
    }
    if (status !== 'success') await this.job.update((saved) => saved.failures++);

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
      exitCode: this.exitCode(status, session.phases),
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
  ): Promise<void> {
    const { name, directory, using, postIf } = this.definition;
    const remote = this.located.remote && {
      repository: this.located.remote.repository,
      ref: this.located.remote.ref,
    };
    await this.job.update((record) =>
      record.posts.push({
        action: { name, directory, using, ...(remote && { remote }) },
        actionId,
        script,
        condition: postIf,
        node: this.node.path,
        inputs,
        stepEnv,
        state: Object.fromEntries(this.state),
      }),
    );
  }

  private cancelled(): boolean {
    return this.options.signal?.aborted ?? false;
  }

  private exitCode(status: StepResult, phases: PhaseResult[]): number {
    if (status === 'success') return 0;
    if (status === 'cancelled') return 128 + (os.constants.signals[this.cancelSignal ?? 'SIGINT'] ?? 2);
    const failed = phases.find((phase) => phase.status === 'failure');
    return failed?.exitCode ? failed.exitCode : 1;
  }
}

/** GITHUB_ACTION for a run of the action in `directory`: `__<folder>`, then `__<folder>_2`… within the job. */
function nextActionId(record: JobRecord, directory: string): string {
  const base = `__${path.basename(directory).replace(/[^A-Za-z0-9_]/g, '') || 'action'}`;
  let id = base;
  for (let count = 2; record.actionIds.includes(id); count++) id = `${base}_${count}`;
  record.actionIds.push(id);
  return id;
}

export function describe(status: StepResult): string {
  return status === 'success' ? 'successful' : status === 'failure' ? 'failed' : 'cancelled';
}

export function combine(status: StepResult, phase: StepResult): StepResult {
  if (status === 'cancelled' || phase === 'cancelled') return 'cancelled';
  return status === 'failure' || phase === 'failure' ? 'failure' : 'success';
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
