// Code Insights annotations as findings on a file and line (severity, rule, link, the report as source), placed in the
// working tree through the line mapping, with counts of what could not be placed and why.
import type { Annotation, Report } from '../../core';
import { type FileChange, lineAfterEdits, mapLine, type TextChange } from './findings-lines';

export type FindingSeverity = 'error' | 'warning' | 'information' | 'hint';

/** One annotation of a report, as the editor shows it. Lines are 1-based; no line: the whole file. */
export interface Finding {
  /** The report's id (its external id, else its UUID): what the per-report setting names. */
  reportId: string;
  /** The report's title, shown as the diagnostic's source. */
  source: string;
  path: string;
  line?: number;
  message: string;
  severity: FindingSeverity;
  /** The rule (e.g. `typescript:S1481`) when the annotation names one, else its type. */
  code?: string;
  /** The finding's page (only http/https: a `command:` link must never reach the editor). */
  link?: string;
}

/** A report and what its annotations became. */
export interface ReportFindings {
  reportId: string;
  title: string;
  findings: Finding[];
  /** Annotations on no file (the whole report), or on a path that cannot be in the repository. */
  withoutFile: number;
}

/** What could not be shown, by reason. */
export interface Unplaced {
  /** The line was changed (or removed) since the analysed commit. */
  changed: number;
  /** The file was deleted since. */
  deleted: number;
  /** No such file in the working tree (e.g. the analysis ran on a subfolder). */
  missingFile: number;
  /** On no file, or on a path outside the repository. */
  withoutFile: number;
  /** The analysed commit is not in the local repository, so lines cannot be mapped (fetch it). */
  commitMissing: number;
}

export interface PlacedFinding {
  finding: Finding;
  /** Repository-relative path in the working tree (a rename followed). */
  path: string;
  line?: number;
}

export interface Placement {
  placed: PlacedFinding[];
  unplaced: Unplaced;
}

const MESSAGE_LIMIT = 2000;

export function reportIdOf(report: Pick<Report, 'external_id' | 'uuid'>): string {
  return report.external_id || report.uuid;
}

export function findingsOf(report: Report, annotations: readonly Annotation[]): ReportFindings {
  const reportId = reportIdOf(report);
  const findings: Finding[] = [];
  let withoutFile = 0;
  for (const annotation of annotations) {
    const path = repositoryPath(annotation.path);
    if (path === undefined) {
      withoutFile++;
      continue;
    }
    const line =
      Number.isInteger(annotation.line) && (annotation.line ?? 0) >= 1 ? annotation.line : undefined;
    const summary = annotation.summary.trim() || 'Finding';
    findings.push({
      reportId,
      source: report.title.trim().slice(0, 100) || 'Code Insights',
      path,
      line,
      message: summary.length > MESSAGE_LIMIT ? `${summary.slice(0, MESSAGE_LIMIT - 1)}…` : summary,
      severity: severityOf(annotation),
      code: ruleOf(annotation.details) ?? typeWords(annotation.annotation_type),
      link: webLink(annotation.link),
    });
  }
  return { reportId, title: report.title, findings, withoutFile };
}

/** Bitbucket's severities on VS Code's scale; an annotation that passed or was skipped is only a hint. */
export function severityOf(annotation: Pick<Annotation, 'severity' | 'result'>): FindingSeverity {
  if (annotation.result && annotation.result !== 'FAILED') return 'hint';
  switch (annotation.severity) {
    case 'CRITICAL':
    case 'HIGH':
      return 'error';
    case 'LOW':
      return 'information';
    default:
      return 'warning';
  }
}

/**
 * Places findings in the working tree: through the diff from the analysed commit (undefined: that commit is not in
 * the local repository), then through the open document's unsaved edits, if any.
 */
export function placeFindings(
  reports: readonly ReportFindings[],
  changes: readonly FileChange[] | undefined,
  exists: (path: string) => boolean,
  unsavedEdits: (path: string) => readonly TextChange[] | undefined = () => undefined,
): Placement {
  const unplaced: Unplaced = { changed: 0, deleted: 0, missingFile: 0, withoutFile: 0, commitMissing: 0 };
  const placed: PlacedFinding[] = [];
  for (const report of reports) {
    unplaced.withoutFile += report.withoutFile;
    for (const finding of report.findings) {
      if (!changes) {
        unplaced.commitMissing++;
        continue;
      }
      const mapped = mapLine(changes, finding.path, finding.line);
      if ('unplaced' in mapped) {
        unplaced[mapped.unplaced]++;
        continue;
      }
      if (!exists(mapped.path)) {
        unplaced.missingFile++;
        continue;
      }
      const edits = unsavedEdits(mapped.path);
      const line = mapped.line !== undefined && edits ? lineAfterEdits(mapped.line, edits) : mapped.line;
      if (mapped.line !== undefined && line === undefined) {
        unplaced.changed++;
        continue;
      }
      placed.push({ finding, path: mapped.path, line });
    }
  }
  return { placed, unplaced };
}

export function unplacedCount(unplaced: Unplaced): number {
  return (Object.values(unplaced) as number[]).reduce((sum, count) => sum + count, 0);
}

/** "3 findings not shown: 2 on lines changed since the analysed commit, 1 in a deleted file", or undefined. */
export function describeUnplaced(unplaced: Unplaced): string | undefined {
  const total = unplacedCount(unplaced);
  if (total === 0) return undefined;
  const parts = [
    [unplaced.changed, 'on lines changed since the analysed commit'],
    [unplaced.deleted, 'in files deleted since'],
    [unplaced.missingFile, 'in files not in the working tree'],
    [unplaced.withoutFile, 'on no file'],
    [unplaced.commitMissing, 'of a commit not in the local repository (fetch it)'],
  ] as const;
  const said = parts.filter(([count]) => count > 0).map(([count, words]) => `${count} ${words}`);
  return `${total} ${total === 1 ? 'finding' : 'findings'} not shown: ${said.join(', ')}`;
}

/** A repository-relative path, or undefined for none or one that leaves the repository (`..`, a drive, a scheme). */
export function repositoryPath(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const slashed = path.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed) || /^[a-z][a-z0-9+.-]*:/i.test(slashed))
    return undefined;
  const segments = slashed.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.length === 0 || segments.includes('..') || segments.some((s) => s.includes('\u0000')))
    return undefined;
  return segments.join('/');
}

/** Only web pages: anything else (command:, file:, javascript:) is dropped. */
export function webLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  try {
    const url = new URL(link);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The rule Crosscheck writes into an annotation's details ("Rule typescript:S1481, severity MAJOR."). */
function ruleOf(details: string | undefined): string | undefined {
  return /^Rule ([^\s,]+?)[,.]?(\s|$)/.exec(details ?? '')?.[1];
}

function typeWords(type: string | undefined): string | undefined {
  if (!type) return undefined;
  return type.toLowerCase().replace(/_/g, ' ');
}
