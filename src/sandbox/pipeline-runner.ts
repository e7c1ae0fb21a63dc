// Runs the custom pipeline of a bitbucket-pipelines.yml as Pipelines would, on this host without Docker: steps in fresh clone folders, variables by place, artifacts, after-script, logs.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { parse } from 'yaml';
import type {
  PipelineResult,
  PipelineRun,
  PipelineRunControl,
  PipelineRunHandler,
} from './bitbucket-pipelines';
import type { PipelineStepControl } from './pipeline-steps';
import type { RepositoryRecord } from './model';
import { STAND_IN_SCANNER_SOURCE } from './stand-in-scanner';

/** A variable as a workspace, repository or environment holds it. */
export interface VariableSetting {
  readonly key: string;
  readonly value: string;
  /** Secured values are masked in step logs (replaced by `$KEY`), as Pipelines does. */
  readonly secured?: boolean;
}

/** What the runner plays and with which variables. */
export interface PipelineRunnerConfig {
  /** The bitbucket-pipelines.yml text whose `pipelines.custom` the runs play. */
  readonly yml: string;
  /** Workspace variables: every step. */
  readonly workspaceVariables: readonly VariableSetting[];
  /** Repository variables of the central repository: every step; they override workspace ones. */
  readonly repositoryVariables: readonly VariableSetting[];
  /** Environment name → its variables: only steps naming it (`environment:` or `deployment:`); they override the rest. */
  readonly environments: Readonly<Record<string, readonly VariableSetting[]>>;
}

export interface PipelineRunnerDeps {
  readonly config: () => PipelineRunnerConfig;
  readonly repository: (fullName: string) => RepositoryRecord | undefined;
  /** The bare git repository of a sandbox repository (each step's own clone comes from it). */
  readonly bareRepository: (fullName: string) => string;
  /** The sandbox origin, e.g. http://127.0.0.1:PORT. */
  readonly origin: () => string;
  /** argv that runs Crosscheck's CLI; a `crosscheck` command on every step's PATH runs it. */
  readonly crosscheck?: readonly string[];
  /** Longest a step may run (default 10 minutes; Bitbucket's default is 120). */
  readonly stepTimeoutMs?: number;
}

interface StepDefinition {
  name?: string;
  script?: unknown[];
  'after-script'?: unknown[];
  artifacts?: unknown;
  environment?: string;
  deployment?: string;
  clone?: { enabled?: boolean };
  image?: unknown;
}

/** Files a step's artifacts may hold in all (Bitbucket allows 1 GB; the sandbox runs on a laptop). */
const MAX_ARTIFACT_BYTES = 256 * 1024 * 1024;
const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;

/** Tools shared by every run: the stand-in scanner and the `crosscheck` shim, in a folder of their own. */
export class PipelineRunner {
  private readonly tools = mkdtempSync(join(tmpdir(), 'crosscheck-sandbox-tools-'));
  private readonly binDir = join(this.tools, 'bin');
  /** Path of the stand-in scanner script (run it with node). */
  readonly standInScanner = join(this.tools, 'stand-in-scanner.js');

  constructor(private readonly deps: PipelineRunnerDeps) {
    writeFileSync(this.standInScanner, STAND_IN_SCANNER_SOURCE);
    mkdirSync(this.binDir);
    if (deps.crosscheck) {
      const shim = join(this.binDir, 'crosscheck');
      writeFileSync(shim, `#!/bin/sh\nexec ${deps.crosscheck.map(shellQuote).join(' ')} "$@"\n`);
      chmodSync(shim, 0o755);
    }
  }

  /** The run handler: plays the custom pipeline the run selected. */
  handler(): PipelineRunHandler {
    return (run, ctl) => this.play(run, ctl);
  }

  close(): void {
    rmSync(this.tools, { recursive: true, force: true });
  }

  private async play(run: PipelineRun, ctl: PipelineRunControl): Promise<void> {
    const config = this.deps.config();
    const plan = planRun(config.yml, run.selector?.pattern ?? '');
    if ('error' in plan) {
      const step = ctl.addStep({ name: 'Build setup' });
      ctl.start();
      step.start();
      step.log(`${plan.error}\n`);
      step.complete('ERROR');
      ctl.complete('ERROR');
      return;
    }
    const steps = plan.steps.map((definition, index) => ({
      definition,
      control: ctl.addStep({
        name: definition.name ?? `Step ${index + 1}`,
        script: (definition.script ?? []).map(String),
        image: typeof definition.image === 'string' ? definition.image : plan.image,
      }),
    }));
    ctl.start();
    const root = mkdtempSync(join(tmpdir(), `crosscheck-sandbox-run-${run.buildNumber}-`));
    const artifacts = join(root, 'artifacts');
    mkdirSync(artifacts);
    const ignored = run.variables.filter((v) => !plan.declared.includes(v.key)).map((v) => v.key);
    let result: PipelineResult = 'SUCCESSFUL';
    try {
      for (const [index, { definition, control }] of steps.entries()) {
        if (ctl.signal.aborted) return;
        control.start();
        if (index === 0 && ignored.length > 0)
          control.log(
            `Trigger variables the custom pipeline does not declare are not passed to its steps: ${ignored.join(', ')}\n`,
          );
        const code = await this.runStep(
          run,
          ctl,
          control,
          definition,
          config,
          plan,
          join(root, `step-${index + 1}`),
          artifacts,
        );
        if (ctl.signal.aborted) return;
        control.complete(code === 0 ? 'SUCCESSFUL' : 'FAILED');
        if (code !== 0) {
          result = 'FAILED';
          break;
        }
      }
      ctl.complete(result);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  private async runStep(
    run: PipelineRun,
    ctl: PipelineRunControl,
    step: PipelineStepControl,
    definition: StepDefinition,
    config: PipelineRunnerConfig,
    plan: RunPlan,
    folder: string,
    artifacts: string,
  ): Promise<number> {
    const build = join(folder, 'build');
    const home = join(folder, 'home');
    const tmp = join(folder, 'tmp');
    for (const dir of [build, home, tmp]) mkdirSync(dir, { recursive: true });
    const environmentName = definition.environment ?? definition.deployment;
    const env = this.stepEnvironment(run, step.uuid, config, plan, environmentName, { build, home, tmp });
    if ('error' in env) {
      step.log(`${env.error}\n`);
      return 1;
    }
    const secrets = env.secured;
    const log = lineMasker(secrets, (text) => step.log(text));
    // Each step is a fresh container: a fresh clone of the central repository at the run's commit, then the
    // artifacts of earlier steps.
    const clone = definition.clone?.enabled ?? plan.cloneEnabled;
    if (clone) {
      log.write(`+ git clone --branch="${run.refName}" --depth 50 ${run.repo} $BITBUCKET_CLONE_DIR\n`);
      const cloned = await this.exec(
        [
          'git',
          'clone',
          '--quiet',
          '--depth',
          '50',
          '--branch',
          run.refName,
          `file://${this.deps.bareRepository(run.repo)}`,
          build,
        ],
        { cwd: folder, env: env.values, signal: ctl.signal, log },
      );
      const reset =
        cloned === 0
          ? await this.exec(['git', 'reset', '--quiet', '--hard', run.commit], {
              cwd: build,
              env: env.values,
              signal: ctl.signal,
              log,
            })
          : cloned;
      if (reset !== 0) {
        log.end();
        return reset;
      }
    }
    const downloads = artifactDownloads(definition.artifacts);
    const restored = restoreArtifacts(artifacts, build, downloads);
    if (restored.length > 0) log.write(`Artifacts downloaded: ${restored.join(', ')}\n`);
    const script = (definition.script ?? []).map(String);
    const code = await this.exec(['bash', writeScript(folder, 'script.sh', script)], {
      cwd: build,
      env: env.values,
      signal: ctl.signal,
      log,
      timeoutMs: this.deps.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
    });
    const after = (definition['after-script'] ?? []).map(String);
    if (after.length > 0 && !ctl.signal.aborted) {
      log.write(`\nafter-script (BITBUCKET_EXIT_CODE=${code})\n`);
      await this.exec(['bash', writeScript(folder, 'after-script.sh', after)], {
        cwd: build,
        env: { ...env.values, BITBUCKET_EXIT_CODE: String(code) },
        signal: ctl.signal,
        log,
        timeoutMs: this.deps.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
      });
    }
    for (const upload of artifactUploads(definition.artifacts, step.uuid)) {
      if (upload.type === 'scoped') continue;
      const saved = saveArtifacts(build, join(artifacts, encodeURIComponent(upload.name)), upload.paths);
      log.write(
        `\nArtifact "${upload.name}": ${saved.files} file(s) matching ${upload.paths.join(', ')}${saved.truncated ? ' (size limit reached: the rest were dropped)' : ''}\n`,
      );
    }
    log.end();
    return code;
  }

  /** The variables of one step, by place, then Bitbucket's defaults (which nothing overrides). */
  private stepEnvironment(
    run: PipelineRun,
    stepUuid: string,
    config: PipelineRunnerConfig,
    plan: RunPlan,
    environmentName: string | undefined,
    dirs: { build: string; home: string; tmp: string },
  ): { values: Record<string, string>; secured: Array<[string, string]> } | { error: string } {
    const settings: VariableSetting[] = [...config.workspaceVariables, ...config.repositoryVariables];
    settings.push(...run.variables.filter((v) => plan.declared.includes(v.key)));
    if (environmentName !== undefined) {
      const environment = config.environments[environmentName];
      if (!environment)
        return {
          error: `The environment "${environmentName}" does not exist in ${run.repo} (Repository settings → Deployments).`,
        };
      settings.push(...environment);
    }
    const values: Record<string, string> = {};
    const secured = new Map<string, string>();
    for (const v of settings) {
      values[v.key] = v.value;
      if (v.secured) secured.set(v.key, v.value);
      else secured.delete(v.key);
    }
    const repo = this.deps.repository(run.repo);
    const [workspace = '', slug = ''] = run.repo.split('/');
    Object.assign(values, {
      CI: 'true',
      BITBUCKET_BUILD_NUMBER: String(run.buildNumber),
      BITBUCKET_CLONE_DIR: dirs.build,
      BITBUCKET_COMMIT: run.commit,
      BITBUCKET_BRANCH: run.refName,
      BITBUCKET_WORKSPACE: workspace,
      BITBUCKET_REPO_OWNER: workspace,
      BITBUCKET_REPO_SLUG: slug,
      BITBUCKET_REPO_FULL_NAME: run.repo,
      BITBUCKET_REPO_UUID: repo?.uuid ?? '',
      BITBUCKET_PROJECT_KEY: repo?.project.key ?? '',
      BITBUCKET_PIPELINE_UUID: run.uuid,
      BITBUCKET_STEP_UUID: stepUuid,
      BITBUCKET_GIT_HTTP_ORIGIN: `${this.deps.origin()}/${run.repo}`,
      ...(environmentName !== undefined ? { BITBUCKET_DEPLOYMENT_ENVIRONMENT: environmentName } : {}),
      // The host's own environment never reaches a step: only its PATH (after the sandbox's tools), and a home and
      // temporary folder of the step's own.
      PATH: `${this.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: dirs.home,
      TMPDIR: dirs.tmp,
      LANG: 'C.UTF-8',
    });
    return { values, secured: [...secured.entries()].filter(([, value]) => value.length >= 3) };
  }

  /** Runs argv in a process group of its own; ends the group when the run stops or the step times out. */
  private exec(
    argv: readonly string[],
    o: {
      cwd: string;
      env: Record<string, string>;
      signal: AbortSignal;
      log: LineMasker;
      timeoutMs?: number;
    },
  ): Promise<number> {
    return new Promise((resolve) => {
      if (o.signal.aborted) return resolve(130);
      const [command = 'false', ...args] = argv;
      const child = spawn(command, args, {
        cwd: o.cwd,
        env: o.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const killGroup = (): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const onAbort = (): void => killGroup();
      o.signal.addEventListener('abort', onAbort, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, o.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
      child.stdout.on('data', (chunk: Buffer) => o.log.write(chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => o.log.write(chunk.toString('utf8')));
      child.on('error', (error) => {
        o.log.write(`${command}: ${error.message}\n`);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        o.signal.removeEventListener('abort', onAbort);
        // Whatever the step left running ends with it, as a container would: its process group, and processes that
        // left the group (setsid) but still carry the step's environment.
        killGroup();
        killByMarker(o.env.BITBUCKET_STEP_UUID);
        if (timedOut) o.log.write(`\nThe step exceeded its time limit and was stopped.\n`);
        resolve(code ?? (signal ? 128 + 9 : 1));
      });
    });
  }
}

interface RunPlan {
  readonly steps: StepDefinition[];
  /** Variable names the custom pipeline declares (`- variables:`): the only trigger variables its steps get. */
  readonly declared: string[];
  readonly image?: string;
  readonly cloneEnabled: boolean;
}

/** The steps of custom pipeline `pattern`, or why it cannot run (a Bitbucket-like setup error). */
export function planRun(yml: string, pattern: string): RunPlan | { error: string } {
  let document: Record<string, unknown>;
  try {
    document = parse(yml) as Record<string, unknown>;
  } catch (error) {
    return { error: `bitbucket-pipelines.yml is not valid YAML: ${(error as Error).message}` };
  }
  const custom = (document?.pipelines as Record<string, unknown> | undefined)?.custom as
    Record<string, unknown> | undefined;
  const entries = custom?.[pattern];
  if (!Array.isArray(entries))
    return { error: `bitbucket-pipelines.yml has no custom pipeline "${pattern}".` };
  const steps: StepDefinition[] = [];
  const declared: string[] = [];
  for (const entry of entries as Array<Record<string, unknown>>) {
    if (Array.isArray(entry?.variables)) {
      for (const v of entry.variables as Array<{ name?: unknown }>)
        if (typeof v?.name === 'string') declared.push(v.name);
    } else if (entry?.step && typeof entry.step === 'object') {
      const step = entry.step as StepDefinition;
      if (!Array.isArray(step.script) || step.script.length === 0)
        return { error: `A step of "${pattern}" has no script.` };
      steps.push(step);
    } else {
      const key = Object.keys(entry ?? {})[0] ?? 'an empty entry';
      return {
        error: `The sandbox runs steps one after another; "${key}" in "${pattern}" is not supported.`,
      };
    }
  }
  const options = document.clone as { enabled?: boolean } | undefined;
  return {
    steps,
    declared,
    image: typeof document.image === 'string' ? document.image : undefined,
    cloneEnabled: options?.enabled ?? true,
  };
}

/** The lines of a script as Pipelines runs them: each echoed with `+ `, the step ends at the first that fails. */
function writeScript(folder: string, name: string, lines: readonly string[]): string {
  const file = join(folder, name);
  const body = lines
    .map(
      (line) =>
        `printf '+ %s\\n' ${shellQuote(line.replace(/\n+$/, ''))}\n${line}\n__crosscheck_status=$?\n` +
        'if [ "$__crosscheck_status" -ne 0 ]; then exit "$__crosscheck_status"; fi\n',
    )
    .join('');
  writeFileSync(file, body);
  return file;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

interface LineMasker {
  write(text: string): void;
  end(): void;
}

/** Passes output on line by line with every secured value replaced by `$NAME` (a value cut between chunks too). */
function lineMasker(secured: ReadonlyArray<[string, string]>, sink: (text: string) => void): LineMasker {
  let pending = '';
  const mask = (text: string): string =>
    secured.reduce((out, [key, value]) => out.split(value).join(`$${key}`), text);
  return {
    write(text) {
      pending += text;
      const cut = pending.lastIndexOf('\n');
      if (cut < 0) {
        if (pending.length > 64 * 1024) {
          sink(mask(pending));
          pending = '';
        }
        return;
      }
      sink(mask(pending.slice(0, cut + 1)));
      pending = pending.slice(cut + 1);
    },
    end() {
      if (pending) sink(`${mask(pending)}\n`);
      pending = '';
    },
  };
}

interface ArtifactUpload {
  readonly name: string;
  readonly type: 'shared' | 'scoped';
  readonly paths: string[];
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : [];

/**
 * A step's artifacts: a list of globs (one unnamed shared artifact), or `upload:` entries with a name, a type
 * (shared, the default, reaches later steps; scoped stays with its step) and paths.
 */
function artifactUploads(value: unknown, stepUuid: string): ArtifactUpload[] {
  if (Array.isArray(value))
    return [{ name: `artifacts of step ${stepUuid}`, type: 'shared', paths: strings(value) }];
  const upload = (value as { upload?: unknown } | undefined)?.upload;
  if (!Array.isArray(upload)) return [];
  return upload
    .filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null)
    .map((entry) => ({
      name: typeof entry.name === 'string' ? entry.name : `artifacts of step ${stepUuid}`,
      type: entry.type === 'scoped' ? 'scoped' : 'shared',
      paths: strings(entry.paths),
    }));
}

/** Which artifacts of earlier steps a step downloads: `download:` true (the default), false, or a list of names. */
function artifactDownloads(value: unknown): 'all' | 'none' | string[] {
  const download = Array.isArray(value) ? undefined : (value as { download?: unknown } | undefined)?.download;
  if (download === false) return 'none';
  if (Array.isArray(download)) return strings(download);
  return 'all';
}

/** Copies the chosen artifacts of earlier steps into the clone folder; returns their names. */
function restoreArtifacts(store: string, build: string, which: 'all' | 'none' | string[]): string[] {
  if (which === 'none' || !existsSync(store)) return [];
  const names = readdirSync(store)
    .map((entry) => decodeURIComponent(entry))
    .filter((name) => which === 'all' || which.includes(name));
  for (const name of names)
    cpSync(join(store, encodeURIComponent(name)), build, {
      recursive: true,
      verbatimSymlinks: true,
      force: true,
    });
  return names;
}

/** A glob of Bitbucket's artifacts (`**` any depth, `*` and `?` within a segment) as a regular expression. */
function globRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '*' && pattern[i + 1] === '*') {
      source += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Copies files (and symbolic links, as links) under `build` matching a pattern into `store`, up to the size limit. */
function saveArtifacts(
  build: string,
  store: string,
  patterns: readonly string[],
): { files: number; truncated: boolean } {
  const matchers = patterns.map(globRegExp);
  let files = 0;
  let bytes = 0;
  let truncated = false;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const path = relative(build, full).split(sep).join('/');
      if (entry.isDirectory()) {
        if (path !== '.git') walk(full);
        continue;
      }
      if (!matchers.some((matcher) => matcher.test(path))) continue;
      const size = entry.isFile() ? lstatSync(full).size : 0;
      if (bytes + size > MAX_ARTIFACT_BYTES) {
        truncated = true;
        continue;
      }
      bytes += size;
      files++;
      const target = join(store, path);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(full, target, { verbatimSymlinks: true, force: true });
    }
  };
  walk(build);
  return { files, truncated };
}

/** Kills every process whose environment holds `BITBUCKET_STEP_UUID=<uuid>` (Linux /proc; elsewhere nothing). */
function killByMarker(uuid: string | undefined): void {
  if (!uuid || process.platform !== 'linux') return;
  const marker = Buffer.from(`BITBUCKET_STEP_UUID=${uuid}\0`);
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/environ`).includes(marker)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone, or not ours to read
    }
  }
}
