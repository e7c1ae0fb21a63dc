// Runs a local JavaScript action's pre, main and post scripts as GitHub's runner does, one Node process per phase.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { ActionLog, Annotation, PhaseName, PhaseResult, StepResult } from './action-log';
import {
  loadActionDefinition,
  resolveInputs,
  type ActionDefinition,
  type NodeRuntime,
  type StatusCondition,
} from './action-definition';
import { buildActionEnvironment } from './action-environment';
import { locateAction, type LocatedAction } from './action-locator';
import type { RemoteActions } from './remote-actions';
import { createPhaseFiles, readPhaseFiles } from './file-commands';
import { SecretMasker, WorkflowCommandProcessor } from './workflow-commands';

export interface ActionRunOptions {
  /** Folder holding action.yml / action.yaml (or that file), relative to `cwd`, or `owner/repo[/path]@ref`. */
  actionPath: string;
  /** Fetches and caches `owner/repo@ref` actions; without it only local folders run. */
  remoteActions?: RemoteActions;
  /** `--with` values by input name. */
  inputs: Record<string, string>;
  /** The caller's environment (process.env in the CLI); the engine never reads process.env itself. */
  env: Record<string, string | undefined>;
  cwd: string;
  log: ActionLog;
  /** Show `::debug::` lines, echo commands and set RUNNER_DEBUG=1 (GitHub's step debug logging). */
  debug?: boolean;
  /**
   * Cancels the run: the running script gets SIGINT (or the signal named by `signal.reason`, e.g.
   * `controller.abort('SIGTERM')`), then SIGTERM after 7.5 s and SIGKILL 2.5 s later, as GitHub's runner escalates.
   * The post script still runs when post-if allows it, and is not cancelled by this signal.
   */
  signal?: AbortSignal;
  /** Values masked from the start, e.g. tokens the caller holds. */
  secrets?: string[];
}

export interface ActionRunResult {
  action: { name: string; directory: string; using: NodeRuntime; remote?: LocatedAction['remote'] };
  result: StepResult;
  /** 0 on success; the failing script's exit code (1 when it exited 0 but a command failed); 128+signal when cancelled. */
  exitCode: number;
  /** Every output set by any phase, later phases overriding earlier ones. Unmasked: mask before printing. */
  outputs: Record<string, string>;
  annotations: Annotation[];
  /** The step summaries of all phases, masked. */
  summary: string;
  phases: PhaseResult[];
  /** Masks every secret registered during the run (and the given ones) in `text`. */
  mask(text: string): string;
}

/** Runs the action; throws ActionDefinitionError (before running anything) when action.yml cannot be used. */
export async function runAction(options: ActionRunOptions): Promise<ActionRunResult> {
  const located = await locateAction(options.actionPath, {
    cwd: options.cwd,
    remoteActions: options.remoteActions,
    fromCommandLine: true,
  });
  const definition = await loadActionDefinition(located.directory, options.cwd);
  const workDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'crosscheck-action-'));
  try {
    const result = await new ActionRun(definition, options, workDirectory).run();
    if (located.remote) result.action.remote = located.remote;
    return result;
  } finally {
    await fs.rm(workDirectory, { recursive: true, force: true });
  }
}

interface ScriptExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  cancelledWith?: NodeJS.Signals;
  error?: Error;
}

/** GitHub's runner: SIGINT, then SIGTERM after 7.5 s, then SIGKILL after another 2.5 s. */
const ESCALATION: Array<[number, NodeJS.Signals]> = [
  [7500, 'SIGTERM'],
  [10000, 'SIGKILL'],
];

class ActionRun {
  private readonly masker = new SecretMasker();
  private readonly processor: WorkflowCommandProcessor;
  private readonly baseEnv: Record<string, string>;
  private readonly eventPayload: Record<string, unknown> | undefined;
  private readonly exportedEnv = new Map<string, string>();
  private readonly prependPath: string[] = [];
  private readonly state = new Map<string, string>();
  private readonly outputs = new Map<string, string>();
  private readonly phases: PhaseResult[] = [];
  private summary = '';
  private cancelSignal: NodeJS.Signals | undefined;

  constructor(
    private readonly definition: ActionDefinition,
    private readonly options: ActionRunOptions,
    private readonly workDirectory: string,
  ) {
    for (const secret of options.secrets ?? []) this.masker.add(secret);
    const environment = buildActionEnvironment({
      env: options.env,
      cwd: options.cwd,
      actionDirectory: definition.directory,
      runnerTemp: path.join(workDirectory, 'temp'),
      eventPath: path.join(workDirectory, 'event.json'),
      debug: options.debug ?? false,
      platform: process.platform,
      arch: process.arch,
    });
    this.baseEnv = environment.variables;
    this.eventPayload = environment.event;
    this.processor = new WorkflowCommandProcessor({
      log: options.log,
      masker: this.masker,
      debug: options.debug ?? false,
      workspace: this.baseEnv.GITHUB_WORKSPACE,
      allowUnsecureCommands: this.baseEnv.ACTIONS_ALLOW_UNSECURE_COMMANDS === 'true',
      allowUnsecureStopTokens: this.baseEnv.ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS === 'true',
    });
  }

  async run(): Promise<ActionRunResult> {
    await fs.mkdir(path.join(this.workDirectory, 'temp'));
    if (this.eventPayload) {
      await fs.writeFile(
        path.join(this.workDirectory, 'event.json'),
        JSON.stringify(this.eventPayload, null, 2),
      );
    }
    const inputs = resolveInputs(this.definition, this.options.inputs);
    for (const warning of inputs.warnings) this.processor.report('warning', warning);
    const runtime = runtimeMessage(this.definition.using, process.versions.node);
    if (runtime) this.processor.report(runtime.level, runtime.message);

    const { pre, main, post, preIf, postIf } = this.definition;
    let status: StepResult = this.cancelled() ? 'cancelled' : 'success';
    let postRegistered = false;
    if (pre !== undefined) {
      const skipReason =
        status === 'cancelled' ? 'the run was cancelled' : skipBecause(preIf, status, 'pre-if');
      if (skipReason) this.skip('pre', pre, skipReason);
      else {
        postRegistered = true;
        status = combine(status, await this.runPhase('pre', pre, inputs.env, this.options.signal));
      }
    }
    if (this.cancelled()) status = 'cancelled';
    if (status === 'success') {
      postRegistered = true;
      status = combine(status, await this.runPhase('main', main, inputs.env, this.options.signal));
    } else {
      this.skip('main', main, status === 'cancelled' ? 'the run was cancelled' : 'pre failed');
    }
    if (this.cancelled()) status = 'cancelled';
    if (post !== undefined) {
      const skipReason = postRegistered ? skipBecause(postIf, status, 'post-if') : 'neither pre nor main ran';
      if (skipReason) this.skip('post', post, skipReason);
      else status = combine(status, await this.runPhase('post', post, inputs.env, undefined));
    }
    return {
      action: {
        name: this.definition.name,
        directory: this.definition.directory,
        using: this.definition.using,
      },
      result: status,
      exitCode: this.exitCode(status),
      outputs: Object.fromEntries(this.outputs),
      annotations: this.processor.annotations,
      summary: this.masker.mask(this.summary),
      phases: this.phases,
      mask: (text) => this.masker.mask(text),
    };
  }

  private cancelled(): boolean {
    return this.options.signal?.aborted ?? false;
  }

  private skip(phase: PhaseName, script: string, reason: string): void {
    const result: PhaseResult = { phase, script, status: 'skipped', reason, exitCode: null };
    this.phases.push(result);
    this.options.log.phaseFinished(result);
  }

  private async runPhase(
    phase: PhaseName,
    script: string,
    inputEnv: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<StepResult> {
    this.options.log.phaseStarted(phase, script);
    this.processor.beginPhase(phase);
    const directory = path.join(this.workDirectory, phase);
    await fs.mkdir(directory, { mode: 0o700 });
    const files = await createPhaseFiles(directory);
    const env = this.phaseEnvironment(inputEnv, { ...files });
    const exit = await this.runScript(path.resolve(this.definition.directory, script), env, signal);
    if (exit.error) {
      const where = this.baseEnv.GITHUB_WORKSPACE;
      this.processor.report('error', `Could not start ${script} in ${where}: ${exit.error.message}`);
    }

    const written = await readPhaseFiles(files);
    for (const problem of written.problems) {
      this.processor.report('error', problem.message);
      if (problem.fails) this.processor.failPhase();
    }
    const effects = this.processor.endPhase();
    for (const [name, value] of [...effects.outputs, ...written.outputs]) this.outputs.set(name, value);
    for (const [name, value] of [...effects.state, ...written.state]) this.state.set(name, value);
    for (const [name, value] of [...effects.env, ...written.env]) this.exportedEnv.set(name, value);
    for (const entry of [...effects.paths, ...written.paths]) {
      const existing = this.prependPath.indexOf(entry);
      if (existing >= 0) this.prependPath.splice(existing, 1);
      this.prependPath.push(entry);
    }
    this.summary += written.summary;

    const status: StepResult = exit.cancelledWith
      ? 'cancelled'
      : exit.exitCode !== 0 || exit.error || effects.failed
        ? 'failure'
        : 'success';
    const result: PhaseResult = { phase, script, status, exitCode: exit.exitCode };
    if (exit.signal) result.signal = exit.signal;
    this.phases.push(result);
    this.options.log.phaseFinished(result);
    return status;
  }

  /** Base environment, then GITHUB_ENV values, GITHUB_PATH entries, inputs, state and this phase's files. */
  private phaseEnvironment(
    inputEnv: Record<string, string>,
    files: Record<string, string>,
  ): Record<string, string> {
    const env = { ...this.baseEnv, ...Object.fromEntries(this.exportedEnv) };
    if (this.prependPath.length > 0) {
      const key =
        process.platform === 'win32'
          ? (Object.keys(env).find((name) => name.toUpperCase() === 'PATH') ?? 'Path')
          : 'PATH';
      const added = [...this.prependPath].reverse().join(path.delimiter);
      env[key] = env[key] ? `${added}${path.delimiter}${env[key]}` : added;
    }
    Object.assign(env, inputEnv);
    for (const [name, value] of this.state) env[`STATE_${name}`] = value;
    return Object.assign(env, files);
  }

  private runScript(
    script: string,
    env: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<ScriptExit> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [script], {
        cwd: this.baseEnv.GITHUB_WORKSPACE,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
      });
      const timers: NodeJS.Timeout[] = [];
      let cancelledWith: NodeJS.Signals | undefined;
      const cancel = () => {
        cancelledWith = forwardedSignal(signal?.reason);
        this.cancelSignal ??= cancelledWith;
        child.kill(cancelledWith);
        for (const [delay, escalation] of ESCALATION) {
          timers.push(setTimeout(() => child.exitCode === null && child.kill(escalation), delay));
        }
      };
      if (signal?.aborted) cancel();
      else signal?.addEventListener('abort', cancel, { once: true });
      const stdout = lineSplitter((line) => this.processor.processLine(line, 'stdout'));
      const stderr = lineSplitter((line) => this.processor.processLine(line, 'stderr'));
      child.stdout.on('data', stdout.write);
      child.stderr.on('data', stderr.write);
      let settled = false;
      const finish = (exit: ScriptExit) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', cancel);
        for (const timer of timers) clearTimeout(timer);
        stdout.end();
        stderr.end();
        resolve(cancelledWith ? { ...exit, cancelledWith } : exit);
      };
      child.on('error', (error) => finish({ exitCode: null, signal: null, error }));
      child.on('close', (exitCode, exitSignal) => finish({ exitCode, signal: exitSignal }));
    });
  }

  private exitCode(status: StepResult): number {
    if (status === 'success') return 0;
    if (status === 'cancelled') return 128 + (os.constants.signals[this.cancelSignal ?? 'SIGINT'] ?? 2);
    const failed = this.phases.find((phase) => phase.status === 'failure');
    return failed?.exitCode ? failed.exitCode : 1;
  }
}

function skipBecause(condition: StatusCondition, status: StepResult, field: string): string | undefined {
  if (condition === 'always' || condition === status) return undefined;
  return `${field} ${condition}() is false for a ${status === 'success' ? 'successful' : status === 'failure' ? 'failed' : 'cancelled'} run`;
}

function combine(status: StepResult, phase: StepResult): StepResult {
  if (status === 'cancelled' || phase === 'cancelled') return 'cancelled';
  return status === 'failure' || phase === 'failure' ? 'failure' : 'success';
}

function forwardedSignal(reason: unknown): NodeJS.Signals {
  return reason === 'SIGTERM' || reason === 'SIGINT' || reason === 'SIGHUP' ? reason : 'SIGINT';
}

/** Every node runtime runs on the current Node.js; say so when the action asked for another major version. */
function runtimeMessage(
  using: NodeRuntime,
  nodeVersion: string,
): { level: 'notice' | 'warning'; message: string } | undefined {
  const wanted = Number(using.slice('node'.length));
  const current = Number(nodeVersion.split('.')[0]);
  if (wanted < current) {
    return {
      level: 'notice',
      message: `This action asks for ${using}; it runs on Node.js ${nodeVersion}, as GitHub runs actions for retired Node.js versions on a newer one.`,
    };
  }
  if (wanted > current) {
    return {
      level: 'warning',
      message: `This action asks for ${using} but runs on Node.js ${nodeVersion}; run crosscheck on Node.js ${wanted} or later if the action needs newer features.`,
    };
  }
  return undefined;
}

/** Feeds complete lines (without `\n` / `\r\n`) of a byte stream to `onLine`; `end` flushes an unterminated last line. */
function lineSplitter(onLine: (line: string) => void): { write: (chunk: Buffer) => void; end: () => void } {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const feed = (text: string, final: boolean) => {
    const buffered = pending + text;
    let start = 0;
    // `pending` holds no newline, so the search starts after it.
    for (
      let newline = buffered.indexOf('\n', pending.length);
      newline >= 0;
      newline = buffered.indexOf('\n', start)
    ) {
      onLine(withoutCarriageReturn(buffered.slice(start, newline)));
      start = newline + 1;
    }
    pending = buffered.slice(start);
    if (final && pending !== '') {
      onLine(withoutCarriageReturn(pending));
      pending = '';
    }
  };
  return { write: (chunk) => feed(decoder.write(chunk), false), end: () => feed(decoder.end(), true) };
}

function withoutCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
