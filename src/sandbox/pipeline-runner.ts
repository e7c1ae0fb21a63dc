// Plays a bitbucket-pipelines.yml as Pipelines would, on this host without Docker: steps and parallel groups in fresh clones (pull requests merged with their destination), variables by place, artifacts, after-script, logs.
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
import type { PipelineRun, PipelineRunControl, PipelineRunHandler } from './bitbucket-pipelines';
import type { PipelineStepControl } from './pipeline-steps';
import { planRun, type RunPlan, type StepDefinition } from './pipeline-plan';
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
  /** The bitbucket-pipelines.yml text whose `pipelines.custom` the central repository's runs play. */
  readonly yml: string;
  /** Workspace variables: every step. */
  readonly workspaceVariables: readonly VariableSetting[];
  /** Repository variables of the central repository: every step; they override workspace ones. */
  readonly repositoryVariables: readonly VariableSetting[];
  /** Environment name → its variables: only steps naming it (`environment:` or `deployment:`); they override the rest. */
  readonly environments: Readonly<Record<string, readonly VariableSetting[]>>;
  /** Repository variables of the other repositories (whose bitbucket-pipelines.yml is read from the run's commit). */
  readonly otherRepositoryVariables?: Readonly<Record<string, readonly VariableSetting[]>>;
}

export interface PipelineRunnerDeps {
  readonly config: () => PipelineRunnerConfig;
  readonly repository: (fullName: string) => RepositoryRecord | undefined;
  /** The bare git repository of a sandbox repository (each step's own clone comes from it). */
  readonly bareRepository: (fullName: string) => string;
  /** The sandbox origin, e.g. http://127.0.0.1:PORT. */
  readonly origin: () => string;
  /** The repository whose runs play `config().yml`; every other one plays the file at the run's commit. */
  readonly centralRepository?: string;
  /** The bitbucket-pipelines.yml at a commit of a repository; undefined when it has none. */
  readonly pipelinesFile?: (fullName: string, commit: string) => string | undefined;
  /** argv that runs Crosscheck's CLI; a `crosscheck` command on every step's PATH runs it. */
  readonly crosscheck?: readonly string[];
  /** Longest a step may run (default 10 minutes; Bitbucket's default is 120). */
  readonly stepTimeoutMs?: number;
}

/** Files a step's artifacts may hold in all (Bitbucket allows 1 GB; the sandbox runs on a laptop). */
const MAX_ARTIFACT_BYTES = 256 * 1024 * 1024;
const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;
/** Who makes the merge commit of a pull request's clone. */
const MERGE_IDENTITY = {
  GIT_AUTHOR_NAME: 'Bitbucket Pipelines',
  GIT_AUTHOR_EMAIL: 'pipelines@bitbucket.invalid',
  GIT_COMMITTER_NAME: 'Bitbucket Pipelines',
  GIT_COMMITTER_EMAIL: 'pipelines@bitbucket.invalid',
};

/** One step of a run being played: its definition, its control and where its files go. */
interface PlayedStep {
  readonly definition: StepDefinition;
  readonly control: PipelineStepControl;
  readonly folder: string;
  /** Index in its parallel group and the group's size (undefined outside one). */
  readonly parallel?: { index: number; count: number };
}

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

  /** The run handler: plays the pipeline the run selected. */
  handler(): PipelineRunHandler {
    return (run, ctl) => this.play(run, ctl);
  }

  close(): void {
    rmSync(this.tools, { recursive: true, force: true });
  }

  /** The repository's settings and file for a run: the central one's, or the file at the run's commit. */
  private settings(run: PipelineRun): { config: PipelineRunnerConfig; yml?: string } {
    const config = this.deps.config();
    if (this.deps.centralRepository === undefined || run.repo === this.deps.centralRepository)
      return { config, yml: config.yml };
    return {
      config: {
        ...config,
        repositoryVariables: config.otherRepositoryVariables?.[run.repo] ?? [],
        environments: {},
      },
      yml: this.deps.pipelinesFile?.(run.repo, run.commit),
    };
  }

  private async play(run: PipelineRun, ctl: PipelineRunControl): Promise<void> {
    const { config, yml } = this.settings(run);
    const selector = run.selector ?? { type: 'custom' };
    const plan =
      yml === undefined
        ? { error: `bitbucket-pipelines.yml was not found at ${run.commit.slice(0, 12)} in ${run.repo}.` }
        : planRun(yml, selector.type, selector.type === 'default' ? undefined : (selector.pattern ?? ''));
    if ('error' in plan) {
      const step = ctl.addStep({ name: 'Build setup' });
      ctl.start();
      step.start();
      step.log(`${plan.error}\n`);
      step.complete('ERROR');
      ctl.complete('ERROR');
      return;
    }
    const root = mkdtempSync(join(tmpdir(), `crosscheck-sandbox-run-${run.buildNumber}-`));
    let count = 0;
    const groups = plan.groups.map((group) => ({
      failFast: group.failFast,
      steps: group.steps.map((definition, index): PlayedStep => ({
        definition,
        folder: join(root, `step-${++count}`),
        control: ctl.addStep({
          name: definition.name ?? `Step ${count}`,
          script: (definition.script ?? []).map(String),
          image: typeof definition.image === 'string' ? definition.image : plan.image,
        }),
        ...(group.parallel && { parallel: { index, count: group.steps.length } }),
      })),
    }));
    ctl.start();
    const artifacts = join(root, 'artifacts');
    mkdirSync(artifacts);
    const ignored = run.variables.filter((v) => !plan.declared.includes(v.key)).map((v) => v.key);
    let notice =
      ignored.length > 0
        ? `Trigger variables the custom pipeline does not declare are not passed to its steps: ${ignored.join(', ')}\n`
        : '';
    try {
      for (const group of groups) {
        if (ctl.signal.aborted) return;
        // Steps of a group start together, each in its own clone; they see the artifacts of earlier groups only,
        // and theirs reach later steps once the whole group is over (a later step in the file wins a clash).
        const stop = new AbortController();
        const results = await Promise.all(
          group.steps.map(async (played) => {
            played.control.start();
            if (notice) played.control.log(notice);
            notice = '';
            const signal = AbortSignal.any([ctl.signal, stop.signal]);
            const code = await this.runStep(run, signal, played, config, plan, artifacts);
            if (ctl.signal.aborted) return false;
            if (stop.signal.aborted && code !== 0) {
              played.control.log(
                `\nStopped: ${String(stop.signal.reason)} failed and the group fails fast.\n`,
              );
              played.control.complete('STOPPED');
              return false;
            }
            played.control.complete(code === 0 ? 'SUCCESSFUL' : 'FAILED');
            const failFast = played.definition['fail-fast'] ?? group.failFast;
            if (code !== 0 && failFast === true) stop.abort(played.control.current().name);
            return code === 0;
          }),
        );
        if (ctl.signal.aborted) return;
        for (const played of group.steps) mergeUploads(join(played.folder, 'upload'), artifacts);
        if (results.includes(false)) {
          ctl.complete('FAILED');
          return;
        }
      }
      ctl.complete('SUCCESSFUL');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  private async runStep(
    run: PipelineRun,
    signal: AbortSignal,
    played: PlayedStep,
    config: PipelineRunnerConfig,
    plan: RunPlan,
    artifacts: string,
  ): Promise<number> {
    const { definition, folder, control: step } = played;
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
    if (played.parallel) {
      env.values.BITBUCKET_PARALLEL_STEP = String(played.parallel.index);
      env.values.BITBUCKET_PARALLEL_STEP_COUNT = String(played.parallel.count);
    }
    const secrets = env.secured;
    const log = lineMasker(secrets, (text) => step.log(text));
    const exec = (argv: string[], cwd: string, extra: Record<string, string> = {}) =>
      this.exec(argv, { cwd, env: { ...env.values, ...extra }, signal, log });
    // Each step is a fresh container: a fresh clone of the repository at the run's commit (for a pull request, with
    // the destination merged in), then the artifacts of earlier steps.
    const clone = definition.clone?.enabled ?? plan.cloneEnabled;
    if (clone) {
      log.write(`+ git clone --branch="${run.refName}" --depth 50 ${run.repo} $BITBUCKET_CLONE_DIR\n`);
      const origin = `file://${this.deps.bareRepository(run.repo)}`;
      let code = await exec(
        ['git', 'clone', '--quiet', '--depth', '50', '--branch', run.refName, origin, build],
        folder,
      );
      if (code === 0) code = await exec(['git', 'reset', '--quiet', '--hard', run.commit], build);
      const pr = run.pullRequest;
      if (code === 0 && pr) {
        const ref = `+refs/heads/${pr.destination}:refs/remotes/origin/${pr.destination}`;
        log.write(`+ git fetch origin ${ref}\n+ git merge ${pr.destinationCommit.slice(0, 12)}\n`);
        code = await exec(['git', 'fetch', '--quiet', '--depth', '50', 'origin', ref], build);
        if (code === 0)
          code = await exec(
            ['git', 'merge', '--quiet', '--no-edit', pr.destinationCommit],
            build,
            MERGE_IDENTITY,
          );
        if (code !== 0) log.write('The destination branch could not be merged: the pipeline stops.\n');
      }
      if (code !== 0) {
        log.end();
        return code;
      }
    }
    const downloads = artifactDownloads(definition.artifacts);
    const restored = restoreArtifacts(artifacts, build, downloads);
    if (restored.length > 0) log.write(`Artifacts downloaded: ${restored.join(', ')}\n`);
    const script = (definition.script ?? []).map(String);
    const code = await this.exec(['bash', writeScript(folder, 'script.sh', script)], {
      cwd: build,
      env: env.values,
      signal,
      log,
      timeoutMs: this.deps.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
    });
    const after = (definition['after-script'] ?? []).map(String);
    if (after.length > 0 && !signal.aborted) {
      log.write(`\nafter-script (BITBUCKET_EXIT_CODE=${code})\n`);
      await this.exec(['bash', writeScript(folder, 'after-script.sh', after)], {
        cwd: build,
        env: { ...env.values, BITBUCKET_EXIT_CODE: String(code) },
        signal,
        log,
        timeoutMs: this.deps.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
      });
    }
    for (const upload of artifactUploads(definition.artifacts, step.uuid)) {
      if (upload.type === 'scoped') continue;
      const saved = saveArtifacts(
        build,
        join(folder, 'upload', encodeURIComponent(upload.name)),
        upload.paths,
      );
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
    // Declared variables the trigger left out get their default, as a run started without them does.
    for (const [key, value] of Object.entries(plan.defaults))
      if (!run.variables.some((v) => v.key === key)) settings.push({ key, value });
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
      ...(run.pullRequest && {
        BITBUCKET_PR_ID: String(run.pullRequest.id),
        BITBUCKET_PR_DESTINATION_BRANCH: run.pullRequest.destination,
        BITBUCKET_PR_DESTINATION_COMMIT: run.pullRequest.destinationCommit.slice(0, 12),
      }),
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

/** Moves the artifacts a step saved into the run's store (a later step's file replaces an earlier one's). */
function mergeUploads(upload: string, store: string): void {
  if (!existsSync(upload)) return;
  cpSync(upload, store, { recursive: true, verbatimSymlinks: true, force: true });
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
