// The job one Bitbucket step forms: a directory shared by its `action run`s and `action post` (env, PATH, masks, posts).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ActionDefinitionError, type NodeRuntime } from './action-definition';
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
  const gitDirectory = await fs.stat(path.join(clone, '.git')).then(
    (stat) => stat.isDirectory(),
    () => false,
  );
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
  /** Every value masked so far (add-mask, known secrets). */
  masks: string[];
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
const LOCK_WAIT_MS = 30_000;
const STALE_LOCK_MS = 120_000;

function emptyRecord(): JobRecord {
  return {
    version: 1,
    env: {},
    path: [],
    masks: [],
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

  /** Opens the job at `location` (creating it), or a fresh temporary one. */
  static async open(location: JobLocation | undefined): Promise<Job> {
    const resolved = location ?? {
      directory: await fs.mkdtemp(path.join(os.tmpdir(), 'crosscheck-job-')),
      source: 'temporary' as const,
    };
    await fs.mkdir(resolved.directory, { recursive: true, mode: 0o700 });
    await fs.chmod(resolved.directory, 0o700);
    const ignoreRoot = path.dirname(path.dirname(resolved.directory));
    if (resolved.source === 'BITBUCKET_STEP_UUID' && path.basename(ignoreRoot) === '.crosscheck') {
      await fs.writeFile(path.join(ignoreRoot, '.gitignore'), '*\n', { flag: 'w' });
    }
    const job = new Job(resolved);
    await fs.mkdir(job.runnerTemp, { recursive: true });
    return job;
  }

  /** Reads job.json without creating anything; an absent job reads as empty. */
  static async peek(location: JobLocation | undefined): Promise<JobRecord> {
    if (!location) return emptyRecord();
    return readRecord(path.join(location.directory, RECORD_FILE));
  }

  get directory(): string {
    return this.location.directory;
  }

  get temporary(): boolean {
    return this.location.source === 'temporary';
  }

  read(): Promise<JobRecord> {
    return readRecord(path.join(this.directory, RECORD_FILE));
  }

  /** Changes job.json under a lock, so `action run`s started in parallel (`&`) do not lose each other's changes. */
  async update<T>(change: (record: JobRecord) => T): Promise<T> {
    return this.locked(async () => {
      const file = path.join(this.directory, RECORD_FILE);
      const record = await readRecord(file);
      const result = change(record);
      const temporary = `${file}.${process.pid}.tmp`;
      await fs.writeFile(temporary, JSON.stringify(record), { mode: 0o600 });
      await fs.rename(temporary, file);
      return result;
    });
  }

  /** A fresh private directory for one phase's file commands, e.g. `phases/3-main`. */
  async phaseDirectory(label: string): Promise<string> {
    const number = await this.update((record) => ++record.phases);
    const directory = path.join(this.directory, 'phases', `${number}-${label}`);
    await fs.mkdir(directory, { recursive: true, mode: 0o700 });
    return directory;
  }

  /** Removes the whole job: RUNNER_TEMP, state, queued posts. */
  async remove(): Promise<void> {
    await fs.rm(this.directory, { recursive: true, force: true });
  }

  private async locked<T>(body: () => Promise<T>): Promise<T> {
    const lock = path.join(this.directory, 'lock');
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        await fs.mkdir(lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await fs.stat(lock).then(
          (stat) => Date.now() - stat.mtimeMs,
          () => 0,
        );
        if (age > STALE_LOCK_MS) await fs.rm(lock, { recursive: true, force: true });
        else if (Date.now() > deadline) {
          throw new Error(
            `The job directory ${this.directory} stayed locked for ${LOCK_WAIT_MS / 1000} s; remove ${lock} if no crosscheck is running.`,
          );
        } else await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    try {
      return await body();
    } finally {
      await fs.rm(lock, { recursive: true, force: true });
    }
  }
}

async function readRecord(file: string): Promise<JobRecord> {
  const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return emptyRecord();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isRecord(parsed)) {
    throw new ActionDefinitionError(
      `${file} is not a Crosscheck job file. Remove the directory or point CROSSCHECK_JOB_DIR elsewhere.`,
    );
  }
  return parsed;
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
    Array.isArray(record.posts) &&
    Array.isArray(record.actionIds) &&
    typeof record.failures === 'number' &&
    typeof record.phases === 'number' &&
    typeof record.nodes === 'object' &&
    record.nodes !== null
  );
}
