// Central pipeline runs started from this workspace: remembered per commit, and when a followed run counts as finished.
import {
  type CommitStatus,
  type Pipeline,
  formatRepository,
  type BuildState,
  type RepositoryRef,
} from '../../core';

/** A central run Crosscheck started for one commit of an individual repository. */
export interface TrackedRun {
  repo: RepositoryRef;
  commit: string;
  branch: string;
  /** The build status key the run reports under (marked INPROGRESS when it was started). */
  key: string;
  central: RepositoryRef;
  pipeline: string;
  uuid: string;
  buildNumber?: number;
  runUrl: string;
  startedAt: number;
  /** Last seen pipeline state, e.g. IN_PROGRESS or COMPLETED/FAILED. */
  lastState?: string;
  /** When the pipeline state last changed (or the run started), to tell a run that has stopped moving. */
  changedAt?: number;
  /**
   * Set once the run is no longer followed: it finished (`state`, when it posted one), or Crosscheck stopped following
   * it (`stopped`: it cannot be read, or it has not moved for RUN_STALE_MS), with the reason in `summary`.
   */
  finished?: { at: number; state?: BuildState; summary: string; stopped?: boolean };
}

/**
 * A followed run whose pipeline state has not changed for this long is no longer followed (documented in the README):
 * a central check takes minutes, and Bitbucket stops a step after 120 minutes by default, but a run stuck PENDING
 * (no build minutes, a paused runner) would otherwise keep Re-run disabled and polling fast for good.
 */
export const RUN_STALE_MS = 60 * 60_000;

/** The run's label as people read it: `sonar-pr-check #12`. */
export function runLabel(run: Pick<TrackedRun, 'pipeline' | 'buildNumber'>): string {
  return `${run.pipeline}${run.buildNumber !== undefined ? ` #${run.buildNumber}` : ''}`;
}

/** Marks a run as no longer followed, saying why; Re-run is offered again and polling slows down. */
export function stopFollowing(run: TrackedRun, at: number, reason: string): void {
  run.finished = { at, summary: `Crosscheck stopped following ${runLabel(run)}: ${reason}`, stopped: true };
}

/** Workspace-scoped storage (a vscode.Memento in the extension, a Map in tests). */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

const STORAGE_KEY = 'crosscheck.runs';
/** Runs kept across reloads; older ones are dropped. */
const KEPT_RUNS = 20;

/** Remembers the runs started from this workspace, newest last, so the panel can show them after a reload. */
export class RunTracker {
  constructor(private readonly store: KeyValueStore) {}

  all(): TrackedRun[] {
    return this.store.get<TrackedRun[]>(STORAGE_KEY) ?? [];
  }

  /** The newest run started for this commit, if any. */
  forCommit(repo: RepositoryRef, commit: string): TrackedRun | undefined {
    const name = formatRepository(repo);
    return this.all()
      .filter((run) => formatRepository(run.repo) === name && sameCommit(run.commit, commit))
      .at(-1);
  }

  async add(run: TrackedRun): Promise<void> {
    await this.store.update(
      STORAGE_KEY,
      [...this.all().filter((known) => known.uuid !== run.uuid), run].slice(-KEPT_RUNS),
    );
  }

  async update(run: TrackedRun): Promise<void> {
    await this.store.update(
      STORAGE_KEY,
      this.all().map((known) => (known.uuid === run.uuid ? run : known)),
    );
  }
}

/** Bitbucket abbreviates commit hashes in pull requests (12 characters); a prefix of the full hash is the same commit. */
export function sameCommit(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.length >= 7 && y.length >= 7 && (x.startsWith(y) || y.startsWith(x));
}

export type RunProgress = { kind: 'running' } | { kind: 'finished'; state?: BuildState; summary: string };

/**
 * A followed run is finished once its status leaves INPROGRESS (the run posted a result; it was marked INPROGRESS
 * when started), or once the pipeline completed, whether or not it posted anything.
 */
export function runProgress(
  run: TrackedRun,
  check: CommitStatus | undefined,
  pipeline: Pipeline | undefined,
): RunProgress {
  const short = run.commit.slice(0, 7);
  const label = runLabel(run);
  if (check && check.state !== 'INPROGRESS') {
    const name = check.name || check.key;
    const said = check.description ? `: ${check.description}` : '';
    return {
      kind: 'finished',
      state: check.state,
      summary: `${name} ${check.state.toLowerCase()} on ${short}${said}`,
    };
  }
  if (pipeline?.state?.name === 'COMPLETED') {
    const result = pipeline.state.result?.name ?? 'unknown';
    const left = check
      ? `${run.key} is still INPROGRESS on ${short}: the run posted no result, so the status blocks merging until it is run again.`
      : `no ${run.key} status was posted on ${short}.`;
    return { kind: 'finished', summary: `Central pipeline ${label} ended ${result}; ${left}` };
  }
  return { kind: 'running' };
}
