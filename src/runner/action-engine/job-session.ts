// One process's share of a job: runs phases with the job's env and PATH, applies their commands, keeps masks in step.
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import type { ActionLog, Annotation, PhaseName, PhaseResult, StepResult } from './action-log';
import type { ExportedEnvironment } from './env-file';
import {
  checkEnvironmentPairs,
  createPhaseFiles,
  isRunnerDefault,
  readPhaseFiles,
  refusedVariable,
  type PhaseFiles,
} from './file-commands';
import type { Job, JobRecord } from './job-state';
import { GitHubServiceHints } from './github-services';
import { ProblemMatchers } from './problem-matchers';
import { runScript, type WarmNode } from './script-process';
import { SecretMasker } from '../../core';
import { WorkflowCommandProcessor } from './workflow-command-parser';

/** A masker that also remembers what it was given, so the job can hand the masks to its later processes. */
class JobMasker extends SecretMasker {
  readonly added: string[] = [];

  override add(secret: string): void {
    super.add(secret);
    this.added.push(secret);
  }
}

export interface SessionOptions {
  log: ActionLog;
  debug: boolean;
  /** GITHUB_WORKSPACE: scripts run there; annotation files inside it are reported relative to it. */
  workspace: string;
  /** Masked from the first line on, e.g. Crosscheck's credentials; not written to the job (each process has them). */
  secrets: string[];
  /** The caller's environment: the values of the job's `maskVariables` are read from it. */
  env: Record<string, string | undefined>;
  allowUnsecureCommands: boolean;
  allowUnsecureStopTokens: boolean;
}

/** One phase to run: the script, the Node.js to run it on, and the environment layers GitHub gives it. */
export interface PhaseSpec {
  phase: PhaseName;
  /** Set when phases of several actions are reported together (the posts of `action post`). */
  action?: string;
  /** As written in action.yml, for messages. */
  script: string;
  scriptPath: string;
  node: string;
  /** A composite `run:` step: its shell and arguments instead of `node scriptPath`, in `cwd`. */
  command?: { file: string; args: string[] };
  /** Where it runs; GITHUB_WORKSPACE by default. */
  cwd?: string;
  /** The action's base environment (GITHUB_*, RUNNER_*, the caller's variables). */
  baseEnv: Record<string, string>;
  /** `--env` values: the step's own `env:`, over the job's GITHUB_ENV values. */
  stepEnv: Record<string, string>;
  inputEnv: Record<string, string>;
  /** The action's saved state (STATE_*); what the phase saves is added to it. */
  state: Map<string, string>;
  signal?: AbortSignal;
  /** A Node.js started ahead for this phase, used when it fits. */
  warm?: WarmNode;
}

export interface PhaseOutcome {
  status: StepResult;
  /** Outputs the phase set (unmasked). */
  outputs: Array<[string, string]>;
  exitCode: number | null;
  cancelledWith?: NodeJS.Signals;
}

export class JobSession {
  readonly masker = new JobMasker();
  readonly processor: WorkflowCommandProcessor;
  private readonly matchers: ProblemMatchers;
  private readonly services = new GitHubServiceHints();
  readonly phases: PhaseResult[] = [];
  /** What this process added to the job's GITHUB_ENV and GITHUB_PATH, in order. */
  readonly exported: ExportedEnvironment = { env: [], path: [] };
  private summaryText = '';
  private maskedSoFar: number;

  constructor(
    private readonly job: Job,
    record: JobRecord,
    private readonly options: SessionOptions,
  ) {
    for (const secret of [...record.masks, ...options.secrets, ...jobSecrets(record, options.env)])
      this.masker.add(secret);
    this.maskedSoFar = this.masker.added.length;
    this.matchers = new ProblemMatchers(record.matchers ?? [], options.workspace);
    this.processor = new WorkflowCommandProcessor({
      matchers: this.matchers,
      log: options.log,
      masker: this.masker,
      debug: options.debug,
      workspace: options.workspace,
      allowUnsecureCommands: options.allowUnsecureCommands,
      allowUnsecureStopTokens: options.allowUnsecureStopTokens,
    });
  }

  get annotations(): Annotation[] {
    return this.processor.annotations;
  }

  /** Every phase's step summary, masked with what is known now. */
  get summary(): string {
    return this.masker.mask(this.summaryText);
  }

  skip(
    phase: PhaseName,
    script: string,
    reason: string,
    status: 'skipped' | 'queued',
    action?: string,
  ): void {
    const mask = (text: string) => this.masker.mask(text);
    const result: PhaseResult = {
      phase,
      ...(action && { action: mask(action) }),
      script: mask(script),
      status,
      reason: mask(reason),
      exitCode: null,
    };
    this.phases.push(result);
    this.options.log.phaseFinished(result);
  }

  async runPhase(spec: PhaseSpec): Promise<PhaseOutcome> {
    // Names may be evaluated (a composite step's `name: ${{ … }}`): masked like every other line.
    const mask = (text: string) => this.masker.mask(text);
    const label = { script: mask(spec.script), ...(spec.action && { action: mask(spec.action) }) };
    this.options.log.phaseStarted(spec.phase, label.script, label.action);
    this.processor.beginPhase(spec.phase);
    const directory = await this.job.phaseDirectory(spec.phase);
    const files = await createPhaseFiles(directory);
    const record = await this.job.read();
    const cwd = spec.cwd ?? this.options.workspace;
    const exit = await runScript({
      node: spec.node,
      script: spec.scriptPath,
      ...(spec.command && { command: spec.command }),
      cwd,
      env: phaseEnvironment(spec, record, files),
      ...(spec.warm && { warm: spec.warm }),
      onLine: (line, stream) => {
        this.processor.processLine(line, stream);
        const hint = this.services.check(line);
        if (hint) this.processor.report('warning', hint);
      },
      cutter: this.masker,
      signal: spec.signal,
    });
    if (exit.error) {
      this.processor.report(
        'error',
        `Could not start ${label.script} with ${spec.command?.file ?? spec.node} in ${cwd}: ${exit.error.message}`,
      );
    }

    const written = await readPhaseFiles(files);
    rmSync(directory, { recursive: true, force: true });
    for (const problem of written.problems) {
      this.processor.report('error', problem.message);
      if (problem.fails) this.processor.failPhase();
    }
    const effects = this.processor.endPhase();
    const commandEnv = [...effects.env];
    const commandState = [...effects.state];
    try {
      checkEnvironmentPairs([...commandEnv, ...commandState]);
    } catch (error) {
      this.processor.report('error', `Unable to process command successfully. ${(error as Error).message}`);
      this.processor.failPhase();
      commandEnv.length = commandState.length = 0;
      effects.failed = true;
    }
    for (const [name, value] of [...commandState, ...written.state]) spec.state.set(name, value);
    const env = [...commandEnv, ...written.env].filter(([name]) => {
      const refusal = refusedVariable(name);
      if (refusal && isRunnerDefault(name)) this.processor.debugLine(refusal);
      else if (refusal) this.processor.report('warning', refusal);
      return !refusal;
    });
    const paths = [...effects.paths, ...written.paths];
    this.exported.env.push(...env);
    this.exported.path.push(...paths);
    this.summaryText += written.summary;
    await this.saveToJob(env, paths);

    const status: StepResult = exit.cancelledWith
      ? 'cancelled'
      : exit.exitCode !== 0 || exit.error || effects.failed
        ? 'failure'
        : 'success';
    const result: PhaseResult = {
      phase: spec.phase,
      ...label,
      status,
      exitCode: exit.exitCode,
    };
    if (exit.signal) result.signal = exit.signal;
    this.phases.push(result);
    this.options.log.phaseFinished(result);
    return {
      status,
      outputs: [...effects.outputs, ...written.outputs],
      exitCode: exit.exitCode,
      ...(exit.cancelledWith && { cancelledWith: exit.cancelledWith }),
    };
  }

  /** Records in the job what a phase exported and the masks the action added, for the job's later processes. */
  private async saveToJob(env: Array<[string, string]>, paths: string[]): Promise<void> {
    const masks = this.masker.added.slice(this.maskedSoFar);
    const matchers = this.matchers.changed ? this.matchers.configs : undefined;
    if (env.length === 0 && paths.length === 0 && masks.length === 0 && !matchers) return;
    this.matchers.changed = false;
    await this.job.update((record) => {
      if (matchers) record.matchers = matchers;
      for (const [name, value] of env) {
        delete record.env[name];
        record.env[name] = value;
      }
      for (const entry of paths) {
        const existing = record.path.indexOf(entry);
        if (existing >= 0) record.path.splice(existing, 1);
        record.path.push(entry);
      }
      for (const mask of masks) if (!record.masks.includes(mask)) record.masks.push(mask);
    });
    this.maskedSoFar = this.masker.added.length;
  }
}

/**
 * The secrets the job remembers by name: the values of its `maskVariables` in this process's environment, and the
 * inputs of queued posts that held a secret when they were queued.
 */
function jobSecrets(record: JobRecord, env: Record<string, string | undefined>): string[] {
  const values = record.maskVariables.map((name) => env[name]);
  for (const post of record.posts) for (const name of post.maskedInputs ?? []) values.push(post.inputs[name]);
  return values.filter((value): value is string => value !== undefined && value.trim() !== '');
}

/**
 * Base environment, then the job's GITHUB_ENV values and GITHUB_PATH entries, the step's `--env`, inputs, state and
 * this phase's files — GitHub's order.
 */
function phaseEnvironment(spec: PhaseSpec, record: JobRecord, files: PhaseFiles): Record<string, string> {
  const env = { ...spec.baseEnv, ...record.env };
  // GITHUB_* and RUNNER_* defaults cannot be overwritten through GITHUB_ENV (a job.json written before this was refused).
  for (const [name, value] of Object.entries(spec.baseEnv))
    if (/^(GITHUB|RUNNER)_/.test(name)) env[name] = value;
  if (record.path.length > 0) {
    const key =
      process.platform === 'win32'
        ? (Object.keys(env).find((name) => name.toUpperCase() === 'PATH') ?? 'Path')
        : 'PATH';
    const added = [...record.path].reverse().join(path.delimiter);
    env[key] = env[key] ? `${added}${path.delimiter}${env[key]}` : added;
  }
  Object.assign(env, spec.stepEnv, spec.inputEnv);
  for (const [name, value] of spec.state) env[`STATE_${name}`] = value;
  return Object.assign(env, files);
}
