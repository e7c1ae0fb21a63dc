// Reads a commit's Code Insights reports and their annotations with as few requests as it can: the report list only
// when the commit or its build statuses change (and at each refresh for a while after, as the central check writes
// its report just after its status), on Refresh, or every REPORTS_TTL_MS; a report's annotations only when the report
// changed; automatic reads within the budget.
import { ApiError, type BitbucketApi, formatRepository, type Report, type RepositoryRef } from '../../core';
import { findingsOf, reportIdOf, type ReportFindings } from './findings';

/** Reports other tools post without a build status are found within this long. */
export const REPORTS_TTL_MS = 10 * 60_000;
/**
 * `sonar-gate` posts the build status, then the report: after a status changes, the list is read at each refresh for
 * this long, until a report is new or updated.
 */
export const REPORTS_SETTLE_MS = 2 * 60_000;
/** …at most this often (the central check writes its report within seconds of its status). */
export const REPORTS_SETTLE_EVERY_MS = 10_000;

/** Where the findings come from: a commit, and a fingerprint of its build statuses. */
export interface FindingsTarget {
  repo: RepositoryRef;
  commit: string;
  /**
   * Changes whenever a finished build status on the commit does (key, state, update time); a status going INPROGRESS
   * brings no report, so it need not change it.
   */
  statusesKey: string;
}

/** What the loader holds for the current commit. */
export interface LoadedFindings {
  repo: RepositoryRef;
  commit: string;
  /** Every report on the commit, enabled or not (for the command that turns them on and off). */
  reports: Report[];
  /** The findings of the enabled reports. */
  findings: ReportFindings[];
}

export interface FindingsLoaderOptions {
  now: () => number;
  /** The window's request budget: an automatic read waits while it says to. */
  budget?: { waitMs(sinceLastRefreshMs: number): number };
}

interface Cached {
  key: string;
  repo: RepositoryRef;
  commit: string;
  statusesKey?: string;
  listedAt?: number;
  /** While a status change waits for its report: until when, and the reports as they were before it. */
  settling?: { until: number; before: string };
  reports: Report[];
  /** By report UUID: the annotations as read, and the report's `updated_on` when they were. */
  annotations: Map<string, { updatedOn?: string; findings: ReportFindings }>;
}

export type LoadOutcome =
  | { kind: 'loaded'; findings: LoadedFindings }
  | { kind: 'unchanged' }
  /** Held back by the request budget; asked again on the next call. */
  | { kind: 'deferred' };

export class FindingsLoader {
  private cached?: Cached;

  constructor(private readonly options: FindingsLoaderOptions) {}

  /** What is loaded for the current commit, if anything. */
  get current(): LoadedFindings | undefined {
    return this.cached?.listedAt === undefined ? undefined : this.snapshot(this.cached, () => true);
  }

  /** Forgets everything (branch or commit changed, signed out, turned off). */
  clear(): void {
    this.cached = undefined;
  }

  /**
   * Reads what changed. `user`: a Refresh or a setting the user changed, never held back. `enabled` tells which
   * reports' annotations to read and show.
   */
  async load(
    api: BitbucketApi,
    target: FindingsTarget,
    request: { user: boolean; enabled: (reportId: string) => boolean },
  ): Promise<LoadOutcome> {
    const key = `${formatRepository(target.repo)}\u0000${target.commit.toLowerCase()}`;
    if (this.cached?.key !== key)
      this.cached = { key, repo: target.repo, commit: target.commit, reports: [], annotations: new Map() };
    const cached = this.cached;
    const now = this.options.now();
    const statusesChanged = cached.listedAt !== undefined && cached.statusesKey !== target.statusesKey;
    if (statusesChanged)
      cached.settling = { until: now + REPORTS_SETTLE_MS, before: fingerprint(cached.reports) };
    if (cached.settling && now >= cached.settling.until) cached.settling = undefined;
    const stale =
      request.user ||
      cached.listedAt === undefined ||
      statusesChanged ||
      (cached.settling !== undefined && now - (cached.listedAt ?? 0) >= REPORTS_SETTLE_EVERY_MS) ||
      now - cached.listedAt >= REPORTS_TTL_MS;
    const missing = cached.reports.filter(
      (report) => request.enabled(reportIdOf(report)) && !this.fresh(report),
    );
    if (!stale && missing.length === 0) return { kind: 'unchanged' };
    if (!request.user && (this.options.budget?.waitMs(0) ?? 0) > 0) return { kind: 'deferred' };

    if (stale) {
      cached.reports = await this.listReports(api, target);
      cached.listedAt = now;
      cached.statusesKey = target.statusesKey;
      if (cached.settling && fingerprint(cached.reports) !== cached.settling.before)
        cached.settling = undefined;
      const uuids = new Set(cached.reports.map((report) => report.uuid));
      for (const uuid of cached.annotations.keys()) if (!uuids.has(uuid)) cached.annotations.delete(uuid);
    }
    for (const report of cached.reports) {
      if (!request.enabled(reportIdOf(report)) || this.fresh(report)) continue;
      const annotations = await this.listAnnotations(api, target, report);
      cached.annotations.set(report.uuid, {
        updatedOn: report.updated_on,
        findings: findingsOf(report, annotations),
      });
    }
    return { kind: 'loaded', findings: this.snapshot(cached, request.enabled) };
  }

  private fresh(report: Report): boolean {
    const known = this.cached?.annotations.get(report.uuid);
    return known !== undefined && known.updatedOn === report.updated_on;
  }

  private async listReports(api: BitbucketApi, target: FindingsTarget): Promise<Report[]> {
    try {
      return await api.listReports(target.repo, target.commit);
    } catch (error) {
      // A commit Bitbucket does not know (yet) has no reports.
      if (error instanceof ApiError && error.status === 404) return [];
      throw error;
    }
  }

  private async listAnnotations(api: BitbucketApi, target: FindingsTarget, report: Report) {
    try {
      return await api.listAnnotations(target.repo, target.commit, reportIdOf(report));
    } catch (error) {
      // Replaced or deleted since it was listed: the next listing tells.
      if (error instanceof ApiError && error.status === 404) return [];
      throw error;
    }
  }

  private snapshot(cached: Cached, enabled: (reportId: string) => boolean): LoadedFindings {
    return {
      repo: cached.repo,
      commit: cached.commit,
      reports: [...cached.reports],
      findings: cached.reports
        .filter((report) => enabled(reportIdOf(report)))
        .flatMap((report) => cached.annotations.get(report.uuid)?.findings ?? []),
    };
  }
}

/** Which reports there are and when each last changed. */
function fingerprint(reports: readonly Report[]): string {
  return reports.map((report) => `${report.uuid}@${report.updated_on ?? ''}`).join('\n');
}
