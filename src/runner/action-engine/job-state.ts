// The job one Bitbucket step forms: a directory shared by its `action run`s and `action post` (env, PATH, masks, posts).
// Synchronous file calls throughout: a few small files, touched several times per action, where each asynchronous
// call would cost a round trip through libuv's thread pool.
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  type Stats,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ActionDefinitionError, type NodeRuntime } from './action-definition';
import { readNoFollow, untrustedReason, writeNoFollow } from './private-files';
import type { MatcherConfig } from './problem-matchers';

/** Where a job's directory is and why there. */
export interface JobLocation {
  directory: string;
  /** `CROSSCHECK_JOB_DIR`, the Bitbucket step (`BITBUCKET_STEP_UUID`), or a temporary directory for one run. */
  source: 'CROSSCHECK_JOB_DIR' | 'BITBUCKET_STEP_UUID' | 'temporary';
}

/**
 * The job directory for this environment: `$CROSSCHECK_JOB_DIR`; else, in a Bitbucket step, one per step inside the
 * clone — `.git/crosscheck/jobs/<step uuid>` (git never lists it, `git clean -fdx` leaves it) or, when the clone has
 * no `.git` directory, `.crosscheck/jobs/<step uuid>` (ignored by a `.gitignore` of its own); else undefined, and the
 * caller uses a temporary directory for one run.
 */
export async function locateJob(
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<JobLocation | undefined> {
  const explicit = env.CROSSCHECK_JOB_DIR?.trim();
  if (explicit) return { directory: path.resolve(cwd, explicit), source: 'CROSSCHECK_JOB_DIR' };
  const step = env.BITBUCKET_STEP_UUID?.replace(/[{}]/g, '').trim();
  if (!step) return undefined;
  if (!/^[A-Za-z0-9-]+$/.test(step)) {
    throw new ActionDefinitionError(
      `BITBUCKET_STEP_UUID '${env.BITBUCKET_STEP_UUID}' is not a UUID. Set CROSSCHECK_JOB_DIR to the job directory instead.`,
    );
  }
  const clone = path.resolve(cwd, env.BITBUCKET_CLONE_DIR?.trim() || '.');
  const gitDirectory = lstatOrNothing(path.join(clone, '.git'))?.isDirectory() ?? false;
  const root = gitDirectory ? path.join(clone, '.git', 'crosscheck') : path.join(clone, '.crosscheck');
  return { directory: path.join(root, 'jobs', step), source: 'BITBUCKET_STEP_UUID' };
}

/** A post script queued by `action run`, run by `action post` with what main left for it. */
export interface QueuedPost {
  action: {
    name: string;
    directory: string;
    using: NodeRuntime;
    /** For a remote action: GITHUB_ACTION_REPOSITORY and GITHUB_ACTION_REF. */
    remote?: { repository: string; ref: string };
  };
  /** GITHUB_ACTION of the run that queued it. */
  actionId: string;
  script: string;
  /** `runs.post-if` as written (default `always()`). */
  condition: string;
  /** The Node.js the action's main ran on. */
  node: string;
  /** INPUT_* variables, --env variables and STATE_* values of the run, as main saw them. */
  inputs: Record<string, string>;
  /** INPUT_* variables whose value holds a secret: masked for the whole job once the post is read back. */
  maskedInputs?: string[];
  stepEnv: Record<string, string>;
  state: Record<string, string>;
}

/** A Node.js version read from a binary, kept while the binary's size and mtime stay the same. */
export interface NodeProbe {
  size: number;
  mtimeMs: number;
  version: string;
}

/** What job.json holds. Secrets in it (masks, inputs) stay in a 0700 directory removed by `action post`. */
export interface JobRecord {
  version: 1;
  /** GITHUB_ENV values exported so far, later ones replacing earlier ones. */
  env: Record<string, string>;
  /** GITHUB_PATH entries, the most recent last (PATH gets them most recent first). */
  path: string[];
  /** Every value an action masked so far (add-mask); secrets the caller holds are not written here. */
  masks: string[];
  /**
   * Environment variables whose values are masked for the whole job (`--with-env` sources): names only, each process
   * of the job reads the values from its own environment, so the secrets are not written to job.json for this.
   */
  maskVariables: string[];
  posts: QueuedPost[];
  /** GITHUB_ACTION ids given out, so a second run of the same action gets `_2`. */
  actionIds: string[];
  /** How many action runs of this job failed (the job status when BITBUCKET_EXIT_CODE is not known). */
  failures: number;
  /** Phase directories handed out, to name the next one. */
  phases: number;
  nodes: Record<string, NodeProbe>;
  /** Problem matchers added so far (newest first); they match the output of every later step. */
  matchers?: MatcherConfig[];
  /** The Node.js the job's first action run started on: later runs keep it whatever PATH says (GitHub's own Node). */
  startNode?: { path: string; version: string };
}

const RECORD_FILE = 'job.json';
/** Written when Crosscheck creates (or takes over an empty) job directory; a directory without it is not used. */
const MARKER_FILE = '.crosscheck-job';
/** What Crosscheck puts in a job directory: the only entries `remove` deletes. */
const JOB_ENTRIES = [RECORD_FILE, 'temp', 'phases', 'event.json', 'git.json', 'lock'];
/** The largest git.json (what git said about the job's commits) read back. */
const FACTS_LIMIT = 1024 * 1024;
/** The largest job.json read back. */
const RECORD_LIMIT = 64 * 1024 * 1024;
const LOCK_WAIT_MS = 30_000;
const STALE_LOCK_MS = 120_000;

function emptyRecord(): JobRecord {
  return {
    version: 1,
    env: {},
    path: [],
    masks: [],
    maskVariables: [],
    posts: [],
    actionIds: [],
    failures: 0,
    phases: 0,
    nodes: {},
  };
}

/** One job directory: job.json, `temp/` (RUNNER_TEMP), `event.json` and a private directory per phase. */
export class Job {
  readonly runnerTemp: string;
  readonly eventPath: string;

  private constructor(readonly location: JobLocation) {
    this.runnerTemp = path.join(location.directory, 'temp');
    this.eventPath = path.join(location.directory, 'event.json');
  }

  /**
   * Opens the job at `location` (creating it), or a fresh temporary one. An existing directory is used only when
   * Crosscheck created it (its marker file) or it is empty, and only when it is a real directory (no symlink) owned
   * by the current user and writable by nobody else; so are the folders Crosscheck creates on the way in a clone.
   */
  static async open(location: JobLocation | undefined): Promise<Job> {
    const resolved = location ?? {
      directory: mkdtempSync(path.join(os.tmpdir(), 'crosscheck-job-')),
      source: 'temporary' as const,
    };
    const directory = resolved.directory;
    if (resolved.source === 'BITBUCKET_STEP_UUID') {
      // <clone>/.git/crosscheck or <clone>/.crosscheck, then jobs/: a committed symlink must not redirect the job.
      const jobs = path.dirname(directory);
      for (const folder of [path.dirname(jobs), jobs]) makePrivateDirectory(folder);
    } else if (resolved.source === 'CROSSCHECK_JOB_DIR') {
      mkdirSync(path.dirname(directory), { recursive: true, mode: 0o700 });
    }
    const created = resolved.source === 'temporary' || makePrivateDirectory(directory);
    const marker = path.join(directory, MARKER_FILE);
    if (created) {
      writeMarker(marker, 'created by crosscheck\n');
    } else if (!ownedFile(marker)) {
      const entries = readdirSync(directory);
      if (entries.length > 0) throw notAJobDirectory(directory);
      writeMarker(marker, 'adopted by crosscheck\n');
    }
    const ignoreRoot = path.dirname(path.dirname(directory));
    if (resolved.source === 'BITBUCKET_STEP_UUID' && path.basename(ignoreRoot) === '.crosscheck') {
      const ignore = path.join(ignoreRoot, '.gitignore');
      try {
        writeNoFollow(ignore, '*\n', 'replace');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ELOOP')
          checkPrivate(ignore, lstatSync(ignore), 'file');
        throw error;
      }
    }
    const job = new Job(resolved);
    mkdirSync(job.runnerTemp, { recursive: true });
    return job;
  }

  /** Reads job.json without creating anything; an absent job reads as empty, an unsafe directory is refused. */
  static async peek(location: JobLocation | undefined): Promise<JobRecord> {
    if (!location) return emptyRecord();
    if (location.source === 'BITBUCKET_STEP_UUID') {
      const jobs = path.dirname(location.directory);
      for (const folder of [path.dirname(jobs), jobs]) {
        const stat = lstatOrNothing(folder);
        if (stat) checkPrivate(folder, stat, 'directory');
        else return emptyRecord();
      }
    }
    const stat = lstatOrNothing(location.directory);
    if (!stat) return emptyRecord();
    checkPrivate(location.directory, stat, 'directory');
    if (!ownedFile(path.join(location.directory, MARKER_FILE))) {
      if (readdirSync(location.directory).length > 0) throw notAJobDirectory(location.directory);
      return emptyRecord();
    }
    return readRecordSync(path.join(location.directory, RECORD_FILE));
  }

  get directory(): string {
    return this.location.directory;
  }

  get temporary(): boolean {
    return this.location.source === 'temporary';
  }

  async read(): Promise<JobRecord> {
    return readRecordSync(path.join(this.directory, RECORD_FILE));
  }

  /** Changes job.json under a lock, so `action run`s started in parallel (`&`) do not lose each other's changes. */
  async update<T>(change: (record: JobRecord) => T): Promise<T> {
    return this.locked(() => {
      const file = path.join(this.directory, RECORD_FILE);
      const record = readRecordSync(file);
      const result = change(record);
      const temporary = `${file}.${process.pid}.tmp`;
      rmSync(temporary, { force: true });
      writeNoFollow(temporary, JSON.stringify(record), 'new');
      renameSync(temporary, file);
      return result;
    });
  }

  /** A fresh private directory for one phase's file commands, e.g. `phases/3-main`. */
  async phaseDirectory(label: string): Promise<string> {
    const number = await this.update((record) => ++record.phases);
    const directory = path.join(this.directory, 'phases', `${number}-${label}`);
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    return directory;
  }

  /**
   * Removes what Crosscheck put in the job (RUNNER_TEMP, state, queued posts, its marker), then the directory itself
   * when Crosscheck created it and nothing else is left in it.
   */
  async remove(): Promise<void> {
    const marker = path.join(this.directory, MARKER_FILE);
    let created = this.temporary;
    try {
      created ||= readFileSync(marker, 'utf8').startsWith('created');
    } catch {
      // No marker: not created by Crosscheck.
    }
    for (const entry of JOB_ENTRIES)
      rmSync(path.join(this.directory, entry), { recursive: true, force: true });
    rmSync(marker, { force: true });
    if (created) {
      try {
        rmdirSync(this.directory);
      } catch {
        // Something else is in it: it stays.
      }
    }
  }

  /** What the job keeps besides its record (`git.json`): read without following links, undefined when absent. */
  async readExtra(name: 'git.json'): Promise<string | undefined> {
    return readNoFollowSync(path.join(this.directory, name), FACTS_LIMIT);
  }

  /** Writes `git.json` in the job, 0600 and without following links. */
  async writeExtra(name: 'git.json', text: string): Promise<void> {
    writeNoFollow(path.join(this.directory, name), text, 'replace');
  }

  private async locked<T>(body: () => T): Promise<T> {
    const lock = path.join(this.directory, 'lock');
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        mkdirSync(lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        let age = 0;
        try {
          age = Date.now() - statSync(lock).mtimeMs;
        } catch {
          // Removed meanwhile: try again at once.
        }
        if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
        else if (Date.now() > deadline) {
          throw new Error(
            `The job directory ${this.directory} stayed locked for ${LOCK_WAIT_MS / 1000} s; remove ${lock} if no crosscheck is running.`,
          );
        } else await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    try {
      return body();
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

function readRecordSync(file: string): JobRecord {
  const text = readNoFollowSync(file, RECORD_LIMIT);
  if (text === undefined) return emptyRecord();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    // Written by an earlier version: no maskVariables yet.
    (parsed as Partial<JobRecord>).maskVariables ??= [];
  }
  if (!isRecord(parsed)) {
    throw new ActionDefinitionError(
      `${file} is not a Crosscheck job file. Remove the directory or point CROSSCHECK_JOB_DIR elsewhere.`,
    );
  }
  return parsed;
}

/**
 * Refuses what another local user could have planted or can still change: a symlink, something not owned by the
 * current user, or something group- or world-writable.
 */
export function checkPrivate(target: string, stat: Stats, what: 'directory' | 'file'): void {
  const reason = untrustedReason(stat, what);
  if (reason) {
    throw new ActionDefinitionError(
      `The job ${what} ${target} ${reason}, so Crosscheck does not use it: another user could change what runs. Remove it, or point CROSSCHECK_JOB_DIR at a new path.`,
    );
  }
}

/** Creates `directory` (mode 0700) and returns true, or checks the existing one (private, the user's) and returns false. */
function makePrivateDirectory(directory: string): boolean {
  try {
    mkdirSync(directory, { mode: 0o700 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  checkPrivate(directory, lstatSync(directory), 'directory');
  return false;
}

function notAJobDirectory(directory: string): ActionDefinitionError {
  return new ActionDefinitionError(
    `${directory} already exists and is not a job directory Crosscheck created; Crosscheck neither uses nor deletes it. Point CROSSCHECK_JOB_DIR at a new or empty directory.`,
  );
}

/** Writes the job's marker; one written meanwhile by a parallel `action run` of the same user is as good. */
function writeMarker(marker: string, text: string): void {
  try {
    writeNoFollow(marker, text, 'new');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !ownedFile(marker)) throw error;
  }
}

/** lstat, or undefined when it fails (absent, unreadable). */
function lstatOrNothing(target: string): Stats | undefined {
  try {
    return lstatSync(target);
  } catch {
    return undefined;
  }
}

/** Whether `file` is the current user's own regular file (not a symlink). */
function ownedFile(file: string): boolean {
  const stat = lstatOrNothing(file);
  if (!stat) return false;
  checkPrivate(file, stat, 'file');
  return true;
}

/** Reads a private file of the current user without following a symlink; undefined when it does not exist. */
function readNoFollowSync(file: string, limit: number): string | undefined {
  return readNoFollow(file, (stat) => {
    checkPrivate(file, stat, 'file');
    if (stat.size > limit) {
      throw new ActionDefinitionError(
        `${file} is over ${limit / 1024 / 1024} MiB; it is not a Crosscheck job file.`,
      );
    }
  })?.toString('utf8');
}

function isRecord(value: unknown): value is JobRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<JobRecord>;
  return (
    record.version === 1 &&
    typeof record.env === 'object' &&
    record.env !== null &&
    Array.isArray(record.path) &&
    Array.isArray(record.masks) &&
    Array.isArray(record.maskVariables) &&
    Array.isArray(record.posts) &&
    Array.isArray(record.actionIds) &&
    typeof record.failures === 'number' &&
    typeof record.phases === 'number' &&
    typeof record.nodes === 'object' &&
    record.nodes !== null
  );
}
