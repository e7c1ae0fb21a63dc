// Runs one workflow job's steps in this Bitbucket step, on the job machinery of `action run` (env, PATH, masks, posts).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ActionDefinitionError,
  actionBaseEnvironment,
  buildContexts,
  combine,
  Job,
  JobSession,
  loadExpressionEvaluator,
  prepareAction,
  readEventPayload,
  resolveShell,
  runQueuedPosts,
  type ActionLog,
  type Annotation,
  type ExpressionEvaluator,
  type JobLocation,
  type JobOptions,
  type JobRecord,
  type PreparedAction,
  type RemoteActions,
  type StepResult,
  startupEnvironment,
  visibleEnvironment,
  WarmNode,
} from '../action-engine';
import { checkoutInputProblem, isCheckout, judgeCheckout } from './checkout';
import { pullRequestFilteredOut } from './trigger-filter';
import type { NeededJob } from './job-outputs-file';
import type { Combination } from './matrix';
import { WorkflowError, type Workflow, type WorkflowJob, type WorkflowStep } from './workflow-model';

export interface WorkflowJobOptions {
  workflow: Workflow;
  job: WorkflowJob;
  matrix: Combination;
  /** `--secret NAME`: the `secrets` context (masked; never in a step's environment unless env: puts it there). */
  secrets: Record<string, string>;
  vars: Record<string, string>;
  /** `--input`: workflow_dispatch inputs (defaults filled in from the workflow). */
  inputs: Record<string, string>;
  needs: Record<string, NeededJob>;
  /** The caller's environment; never read from process.env here. */
  env: Record<string, string | undefined>;
  cwd: string;
  log: ActionLog;
  /** One line per step started, and the notes of the job. */
  announce: (text: string) => void;
  debug: boolean;
  /** Variables a step never sees unless env: names them (Crosscheck's credentials); masked. */
  hidden: readonly string[];
  /** Values masked from the start besides the secrets (the caller's tokens). */
  masked: string[];
  /** The Bitbucket step's job; undefined: a job of this run alone. */
  location: JobLocation | undefined;
  remoteActions?: RemoteActions;
  node?: string;
  /** `end`: posts run when the job ends, as on GitHub; `step`: left queued for `crosscheck action post`. */
  post: 'end' | 'step';
  signal?: AbortSignal;
  /** A Node.js the caller started ahead (see WarmNode) for the first action step. */
  warm?: WarmNode;
}

export interface StepRecord {
  key: string;
  id?: string;
  name: string;
  outcome: StepResult | 'skipped';
  conclusion: StepResult | 'skipped';
}

export interface WorkflowJobResult {
  name: string;
  result: StepResult | 'skipped';
  /** 0 on success (or when skipped); 1 on failure; 128+signal when cancelled. */
  exitCode: number;
  outputs: Record<string, string>;
  steps: StepRecord[];
  annotations: Annotation[];
  summary: string;
  readonly mask: (text: string) => string;
}

export interface PreparedWorkflowJob {
  notes: string[];
  run(): Promise<WorkflowJobResult>;
}

interface StepsContext {
  [id: string]: { outputs: Record<string, string>; outcome: string; conclusion: string };
}

/** Warm Node.js processes kept ahead of a job's action steps. */
const WARM_AHEAD = 2;

const NOTES: Record<string, string> = {
  'runs-on': 'runs-on: the job runs in this Bitbucket step, on its image (the image: of the step).',
  permissions:
    'permissions: there is no GITHUB_TOKEN here; a step gets only the secrets given with --secret.',
  concurrency:
    "concurrency: use the step's concurrency-group: (or a deployment:) in bitbucket-pipelines.yml.",
  environment: "environment: use the step's deployment: (or environment:) in bitbucket-pipelines.yml.",
  'run-name': 'run-name: Bitbucket names runs by their number.',
};

/** `__run`, `__run_2`… as GitHub names GITHUB_ACTION for script steps without an id. */
function nextRunId(taken: Set<string>, step: WorkflowStep): string {
  if (step.id) return step.id;
  let id = '__run';
  for (let count = 2; taken.has(id); count++) id = `__run_${count}`;
  taken.add(id);
  return id;
}

/**
 * Checks everything that can be checked before a step runs — keys a Bitbucket step cannot honour, containers and
 * services, Docker actions, every action a step uses (fetched and read), needs given — then returns the job to run.
 */
export async function prepareWorkflowJob(options: WorkflowJobOptions): Promise<PreparedWorkflowJob> {
  const { workflow, job } = options;
  const where = `${workflow.file}: jobs.${job.id}`;
  if (job.uses !== undefined) {
    throw new WorkflowError(
      `${where} calls the reusable workflow ${job.uses}; crosscheck runs jobs with steps only. Vendor that workflow's jobs into this file, or run it with its own 'crosscheck workflow run' step.`,
    );
  }
  if (job.container !== undefined) {
    throw new WorkflowError(
      `${where}.container: a Bitbucket step already is a container. Put the image in the step's image: in bitbucket-pipelines.yml and run the job there without container:.`,
    );
  }
  if (job.services !== undefined) {
    throw new WorkflowError(
      `${where}.services: service containers are Bitbucket's services: (definitions: services: and the step's services: list) in bitbucket-pipelines.yml; remove services: here and reach them on localhost.`,
    );
  }
  for (const need of job.needs) {
    if (!options.needs[need]) {
      throw new WorkflowError(
        `${where} needs '${need}': pass --needs FILE with the file 'crosscheck workflow run ${workflow.file} --job ${need} --outputs-file FILE' wrote.`,
      );
    }
  }
  const notes = [...workflow.inapplicable, ...job.inapplicable].map(
    (key) => NOTES[key] ?? `${key}: not applicable in a Bitbucket step.`,
  );
  const workspace = options.env.BITBUCKET_CLONE_DIR ?? options.cwd;
  const repository = options.env.GITHUB_REPOSITORY ?? options.env.BITBUCKET_REPO_FULL_NAME;
  const checked = new Set<string>();
  for (const step of job.steps) {
    const at = `${where}.${step.key}`;
    if (step.uses === undefined || checked.has(step.uses)) continue;
    checked.add(step.uses);
    if (step.uses.includes('${{'))
      throw new WorkflowError(`${at}.uses cannot hold an expression ('${step.uses}').`);
    if (step.uses.startsWith('docker://')) {
      throw new WorkflowError(
        `${at}.uses: ${step.uses} is a Docker image. Run it as the image: of a Bitbucket step (or as a service:), not inside this job.`,
      );
    }
    if (isCheckout(step.uses)) {
      const literal = Object.fromEntries(
        Object.entries(step.with).filter(([, value]) => !value.includes('${{')),
      );
      const problem = checkoutInputProblem(literal, repository);
      if (problem) throw new WorkflowError(`${at}: ${problem}`);
      continue;
    }
    try {
      await prepareAction({
        ...jobOptions(options),
        actionPath: step.uses,
        remoteActions: options.remoteActions,
        inputs: {},
        cwd: workspace,
        // Read only (the Node.js versions already probed in this step's job); nothing is created before the run.
        job: options.location,
        node: options.node,
      });
    } catch (error) {
      if (!(error instanceof ActionDefinitionError)) throw error;
      const docker = /docker/i.test(error.message)
        ? " A Docker action runs in Bitbucket as a step of its own: its image as the step's image:."
        : '';
      throw new WorkflowError(`${at}.uses ${step.uses}: ${error.message}${docker}`);
    }
  }
  const evaluator = await loadExpressionEvaluator();
  return { notes, run: () => new WorkflowJobRun(options, evaluator, workspace).run() };
}

/** The JobOptions every engine call of the job shares: environment with GITHUB_JOB / GITHUB_WORKFLOW, masks. */
function jobOptions(options: WorkflowJobOptions): JobOptions {
  return {
    env: { GITHUB_JOB: options.job.id, GITHUB_WORKFLOW: options.workflow.name, ...options.env },
    cwd: options.env.BITBUCKET_CLONE_DIR ?? options.cwd,
    log: options.log,
    debug: options.debug,
    hidden: [...options.hidden, ...Object.keys(options.secrets)],
    secrets: [...options.masked, ...Object.values(options.secrets)],
  };
}

class WorkflowJobRun {
  private readonly stepsContext: StepsContext = {};
  private readonly annotations: Annotation[] = [];
  private summary = '';
  private readonly records: StepRecord[] = [];
  private readonly runIds = new Set<string>();
  private readonly shared: JobOptions;
  /**
   * The Node.js processes the next action steps will run on (WARM_AHEAD at most), each started as soon as one was
   * taken: they boot while the steps before run, so a job of N steps pays for one start-up, not N. Two ahead, since
   * a step can take less time than a Node.js takes to boot.
   */
  private readonly warm: WarmNode[] = [];

  constructor(
    private readonly options: WorkflowJobOptions,
    private readonly evaluator: ExpressionEvaluator,
    private readonly workspace: string,
  ) {
    this.shared = jobOptions(options);
    if (options.warm) this.warm.push(options.warm);
  }

  private site(key: string) {
    return { file: this.options.workflow.file, key: `jobs.${this.options.job.id}.${key}` };
  }

  private note(level: Annotation['level'], message: string): void {
    const annotation: Annotation = { level, message, source: 'runner' };
    this.annotations.push(annotation);
    this.options.log.annotation(annotation);
  }

  async run(): Promise<WorkflowJobResult> {
    const { options } = this;
    const own = options.location === undefined;
    const location: JobLocation = options.location ?? {
      directory: await fs.mkdtemp(path.join(os.tmpdir(), 'crosscheck-workflow-job-')),
      source: 'CROSSCHECK_JOB_DIR',
    };
    const job = await Job.open(location);
    let posted = false;
    try {
      const base = await actionBaseEnvironment(this.shared, job, {
        directory: this.workspace,
        id: '__workflow',
      });
      const event = await readEventPayload(base.GITHUB_EVENT_PATH);
      // The job's record (GITHUB_ENV exports) is read by the caller: once per step, not once per expression.
      const contexts = async (status: StepResult, env: Record<string, string>, record: JobRecord) => {
        const built = buildContexts(
          { ...base, ...record.env },
          event,
          { directory: this.workspace },
          options.inputs,
          status,
          {
            steps: this.stepsContext,
            env: { ...env },
          },
        );
        const github = built.github as Record<string, unknown>;
        github.job = options.job.id;
        github.workflow = options.workflow.name;
        github.token = options.secrets.GITHUB_TOKEN ?? '';
        delete github.action_path;
        return {
          ...built,
          secrets: { ...options.secrets },
          vars: { ...options.vars },
          inputs: typedInputs(options.workflow, options.inputs),
          needs: options.needs,
          matrix: options.matrix,
          strategy: { 'fail-fast': true, 'job-index': 0, 'job-total': 1, 'max-parallel': 1 },
          job: { status, ...(await this.services()) },
        };
      };
      // needs: success() means every job needed succeeded.
      let status: StepResult = 'success';
      for (const need of Object.values(options.needs)) {
        if (need.result === 'failure' || need.result === 'cancelled') status = combine(status, need.result);
      }
      const initial = await job.read();
      const jobEnv: Record<string, string> = {};
      for (const [name, value] of Object.entries(options.workflow.env)) {
        jobEnv[name] = this.evaluator.evaluateString(value, await contexts(status, jobEnv, initial), {
          file: options.workflow.file,
          key: `env.${name}`,
        });
      }
      for (const [name, value] of Object.entries(options.job.env))
        jobEnv[name] = this.evaluator.evaluateString(
          value,
          await contexts(status, jobEnv, initial),
          this.site(`env.${name}`),
        );
      const env = this.shared.env;
      const filteredOut = pullRequestFilteredOut(
        options.workflow,
        env.BITBUCKET_PR_ID ? env.BITBUCKET_PR_DESTINATION_BRANCH : undefined,
      );
      if (filteredOut) {
        options.announce(
          `Job '${options.job.id}' skipped: ${filteredOut}, so GitHub would not run the workflow.`,
        );
        return this.finish(job, 'skipped', {}, 0, await job.read());
      }
      const condition = options.job.if ?? 'success()';
      if (
        !this.evaluator.evaluateCondition(
          condition,
          await contexts(status, jobEnv, initial),
          status,
          this.site('if'),
        )
      ) {
        options.announce(`Job '${options.job.id}' skipped: if ${condition.trim()} is false.`);
        return this.finish(job, 'skipped', {}, 0, await job.read());
      }
      const jobTimeout =
        this.minutes(
          options.job.timeoutMinutes,
          await contexts(status, jobEnv, initial),
          'timeout-minutes',
        ) ?? 360;
      const jobTimer = new AbortController();
      const jobTimerHandle = setTimeout(() => jobTimer.abort('SIGTERM'), jobTimeout * 60_000);
      const signals = [jobTimer.signal, ...(options.signal ? [options.signal] : [])];
      const cancelled = () => signals.some((signal) => signal.aborted);
      try {
        for (const step of options.job.steps) {
          if (cancelled()) status = 'cancelled';
          status = combine(status, await this.step(step, job, jobEnv, status, contexts, signals));
        }
      } finally {
        clearTimeout(jobTimerHandle);
      }
      if (jobTimer.signal.aborted) {
        this.note('error', `The job ran longer than its timeout-minutes (${jobTimeout}) and was cancelled.`);
        status = 'failure';
      }
      const record = await job.read();
      const final = await contexts(status, jobEnv, record);
      const outputs: Record<string, string> = {};
      for (const [name, value] of Object.entries(options.job.outputs)) {
        outputs[name] = this.evaluator.evaluateString(value, final, this.site(`outputs.${name}`));
      }
      if (options.post === 'end' || own) {
        posted = true;
        const posts = await runQueuedPosts({ ...this.shared, job: location, status });
        this.annotations.push(...posts.annotations);
        this.summary += posts.summary;
        status = combine(status, posts.result);
      }
      // A job allowed to fail (continue-on-error) does not fail the workflow on GitHub: here, the Bitbucket step.
      const allowed =
        status === 'failure' &&
        options.job.continueOnError !== undefined &&
        this.evaluator
          .evaluateString(options.job.continueOnError, final, this.site('continue-on-error'))
          .trim() === 'true';
      if (allowed)
        this.note('warning', `Job '${options.job.id}' failed; continue-on-error is set, so the step passes.`);
      return this.finish(
        job,
        status,
        outputs,
        status === 'success' || allowed ? 0 : status === 'cancelled' ? 130 : 1,
        record,
      );
    } finally {
      for (const warm of this.warm.splice(0)) warm.dispose();
      if (own && !posted) await job.remove();
    }
  }

  /** How many steps after this one run an action on Node.js (ones a warm Node.js may serve). */
  private actionStepsAfter(step: WorkflowStep): number {
    const steps = this.options.job.steps;
    return steps
      .slice(steps.indexOf(step) + 1)
      .filter((later) => later.uses !== undefined && !isCheckout(later.uses)).length;
  }

  /** `job.services` is empty: services are Bitbucket's; `job.container` likewise. */
  private async services() {
    return { services: {}, container: {} };
  }

  private minutes(
    value: string | undefined,
    contexts: Record<string, unknown>,
    key: string,
  ): number | undefined {
    if (value === undefined) return undefined;
    const text = this.evaluator.evaluateString(value, contexts, this.site(key)).trim();
    const minutes = Number(text);
    if (!Number.isFinite(minutes) || minutes <= 0) {
      throw new WorkflowError(
        `${this.options.workflow.file}: jobs.${this.options.job.id}.${key} is '${text}', not a number of minutes above 0.`,
      );
    }
    return minutes;
  }

  private async finish(
    job: Job,
    result: StepResult | 'skipped',
    outputs: Record<string, string>,
    exitCode: number,
    /** The job as it was before the posts ran (they remove it): its masks judge the outputs. */
    record: JobRecord,
  ): Promise<WorkflowJobResult> {
    const masker = new JobSession(job, record, {
      log: this.options.log,
      debug: false,
      workspace: this.workspace,
      secrets: this.shared.secrets ?? [],
      env: this.shared.env,
      allowUnsecureCommands: false,
      allowUnsecureStopTokens: false,
    }).masker;
    const kept: Record<string, string> = {};
    for (const [name, value] of Object.entries(outputs)) {
      if (masker.mask(value) !== value)
        this.note('warning', `Skip output '${name}' since it may contain secret.`);
      else kept[name] = value;
    }
    return {
      name: this.options.job.name ?? this.options.job.id,
      result,
      exitCode,
      outputs: kept,
      steps: this.records,
      annotations: this.annotations,
      summary: masker.mask(this.summary),
      mask: (text) => masker.mask(text),
    };
  }

  private async step(
    step: WorkflowStep,
    job: Job,
    jobEnv: Record<string, string>,
    status: StepResult,
    contexts: (
      status: StepResult,
      env: Record<string, string>,
      record: JobRecord,
    ) => Promise<Record<string, unknown>>,
    jobSignals: AbortSignal[],
  ): Promise<StepResult> {
    const site = (key: string) => this.site(`${step.key}.${key}`);
    const record = await job.read();
    const env: Record<string, string> = { ...jobEnv, ...record.env };
    const text = async (value: string, key: string) =>
      value.includes('${{')
        ? this.evaluator.evaluateString(value, await contexts(status, env, record), site(key))
        : value;
    const name =
      step.name !== undefined
        ? await text(step.name, 'name')
        : `Run ${step.uses ?? (step.run ?? '').trim().split('\n')[0]}`;
    const condition = step.if ?? 'success()';
    const recordStep = (
      outcome: StepRecord['outcome'],
      conclusion: StepRecord['conclusion'],
      outputs: Record<string, string>,
    ) => {
      this.records.push({ key: step.key, ...(step.id && { id: step.id }), name, outcome, conclusion });
      if (step.id) this.stepsContext[step.id] = { outputs, outcome, conclusion };
    };
    if (
      !this.evaluator.evaluateCondition(condition, await contexts(status, env, record), status, site('if'))
    ) {
      this.options.announce(`▷ ${name} — skipped (if ${condition.trim()} is false)`);
      recordStep('skipped', 'skipped', {});
      return 'success';
    }
    // A run: step is announced by its phase line; an action's phases name its scripts, so the step is named here.
    if (step.uses !== undefined) this.options.announce(`▶ ${name}`);
    const stepEnv: Record<string, string> = {};
    for (const [key, value] of Object.entries(jobEnv)) if (!(key in record.env)) stepEnv[key] = value;
    for (const [key, value] of Object.entries(step.env))
      env[key] = stepEnv[key] = await text(value, `env.${key}`);
    const continueOnError =
      step.continueOnError === undefined
        ? false
        : (await text(step.continueOnError, 'continue-on-error')).trim();
    if (continueOnError !== false && continueOnError !== 'true' && continueOnError !== 'false') {
      throw new WorkflowError(
        `${site('continue-on-error').file}: ${site('continue-on-error').key} is '${continueOnError}', not true or false.`,
      );
    }
    const minutes = this.minutes(
      step.timeoutMinutes,
      await contexts(status, env, record),
      `${step.key}.timeout-minutes`,
    );
    const timer = new AbortController();
    const handle =
      minutes === undefined ? undefined : setTimeout(() => timer.abort('SIGTERM'), minutes * 60_000);
    const signal = AbortSignal.any([...jobSignals, timer.signal]);
    let outcome: { status: StepResult; outputs: Record<string, string> };
    try {
      outcome =
        step.uses !== undefined
          ? await this.uses(step, step.uses, job, stepEnv, text, signal)
          : await this.script(step, name, job, stepEnv, text, signal);
    } finally {
      if (handle) clearTimeout(handle);
    }
    if (timer.signal.aborted && outcome.status === 'cancelled') {
      this.note(
        'error',
        `${name}: the step ran longer than its timeout-minutes (${minutes}) and was stopped.`,
      );
      outcome.status = 'failure';
    }
    const conclusion: StepResult =
      outcome.status === 'failure' && continueOnError === 'true' ? 'success' : outcome.status;
    if (outcome.status === 'failure') {
      this.note(
        continueOnError === 'true' ? 'warning' : 'error',
        `${name} (${step.key}${step.id ? `, id ${step.id}` : ''}) failed${continueOnError === 'true' ? '; continue-on-error is set' : ''}.`,
      );
    }
    recordStep(outcome.status, conclusion, outcome.outputs);
    return conclusion;
  }

  private async script(
    step: WorkflowStep,
    name: string,
    job: Job,
    stepEnv: Record<string, string>,
    text: (value: string, key: string) => Promise<string>,
    signal: AbortSignal,
  ): Promise<{ status: StepResult; outputs: Record<string, string> }> {
    const { workflow, job: spec } = this.options;
    const written = step.shell ?? spec.defaults.shell ?? workflow.defaults.shell;
    const where = `${workflow.file}: jobs.${spec.id}.${step.key}.shell`;
    // No shell: GitHub's default on Linux and macOS, bash -e {0} (sh -e {0} where there is no bash).
    const shell = resolveShell(
      written === undefined ? 'bash -e {0}' : (await text(written, 'shell')).trim(),
      where,
    );
    const folder = await fs.mkdtemp(path.join(job.runnerTemp, 'step-'));
    const file = path.join(folder, `script${shell.extension || '.sh'}`);
    await fs.writeFile(file, shell.fixUp(await text(step.run ?? '', 'run')), { mode: 0o700 });
    const directory =
      step.workingDirectory ?? spec.defaults.workingDirectory ?? workflow.defaults.workingDirectory;
    const cwd =
      directory === undefined
        ? this.workspace
        : path.resolve(this.workspace, await text(directory, 'working-directory'));
    try {
      const record = await job.read();
      const session = new JobSession(job, record, {
        log: this.options.log,
        debug: this.options.debug,
        workspace: this.workspace,
        secrets: this.shared.secrets ?? [],
        env: this.shared.env,
        allowUnsecureCommands: false,
        allowUnsecureStopTokens: false,
      });
      const baseEnv = await actionBaseEnvironment(this.shared, job, {
        directory: this.workspace,
        id: nextRunId(this.runIds, step),
      });
      const outcome = await session.runPhase({
        phase: 'main',
        script: name,
        scriptPath: file,
        node: process.execPath,
        command: { file: shell.command, args: shell.args(file) },
        cwd,
        baseEnv,
        stepEnv,
        inputEnv: {},
        state: new Map(),
        signal,
      });
      this.annotations.push(...session.annotations);
      this.summary += session.summary;
      return { status: outcome.status, outputs: Object.fromEntries(outcome.outputs) };
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  }

  private async uses(
    step: WorkflowStep,
    uses: string,
    job: Job,
    stepEnv: Record<string, string>,
    text: (value: string, key: string) => Promise<string>,
    signal: AbortSignal,
  ): Promise<{ status: StepResult; outputs: Record<string, string> }> {
    const inputs: Record<string, string> = {};
    for (const [name, value] of Object.entries(step.with)) inputs[name] = await text(value, `with.${name}`);
    if (isCheckout(uses)) {
      const env = this.shared.env;
      const verdict = await judgeCheckout(inputs, this.workspace, {
        repository: env.GITHUB_REPOSITORY ?? env.BITBUCKET_REPO_FULL_NAME,
        sha: env.GITHUB_SHA ?? env.BITBUCKET_COMMIT,
        pullRequest: Boolean(env.BITBUCKET_PR_ID),
      });
      for (const notice of verdict.notices) this.note('notice', notice);
      if (verdict.error) this.note('error', verdict.error);
      return { status: verdict.error ? 'failure' : 'success', outputs: {} };
    }
    const warm = this.warm.shift();
    const prepared: PreparedAction = await prepareAction({
      ...this.shared,
      actionPath: uses,
      remoteActions: this.options.remoteActions,
      inputs,
      stepEnv,
      cwd: this.workspace,
      job: job.location,
      post: 'queue',
      node: this.options.node,
      signal,
      ...(warm && { warm }),
    });
    // The next action steps' Node.js processes boot while this one runs (on the Node.js this one chose, the
    // likeliest fit).
    const ahead = Math.min(WARM_AHEAD, this.actionStepsAfter(step));
    while (!signal.aborted && this.warm.length < ahead) {
      const started = WarmNode.start(
        prepared.node.path,
        startupEnvironment(visibleEnvironment(this.shared)),
        this.workspace,
      );
      if (!started) break;
      this.warm.push(started);
    }
    const run = await prepared.run();
    this.annotations.push(...run.annotations);
    this.summary += run.summary;
    return { status: run.result, outputs: run.outputs };
  }
}

/** `inputs` as GitHub types them: a boolean input is true or false, a number input a number (values come as text). */
function typedInputs(workflow: Workflow, inputs: Record<string, string>): Record<string, unknown> {
  const declared = (workflow.on.workflow_dispatch?.inputs ?? {}) as Record<string, { type?: unknown } | null>;
  const typed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(inputs)) {
    const type = declared[name]?.type;
    typed[name] =
      type === 'boolean'
        ? value.trim().toLowerCase() === 'true'
        : type === 'number' && value.trim() !== ''
          ? Number(value)
          : value;
  }
  return typed;
}
