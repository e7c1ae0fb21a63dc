// Turns a quality gate verdict into a Code Insights report, and SonarQube issues into its annotations.
import type { AnnotationInput, ReportDataField, ReportInput } from '../bitbucket/types';
import { ANNOTATIONS_PER_REPORT } from '../bitbucket/api';
import { shorten } from '../validation';
import type { DescribedCondition } from './conditions';
import type { GateVerdict } from './gate';
import type { SonarIssue } from './types';

/** Bitbucket keeps at most 10 data fields per report. */
export const MAX_REPORT_FIELDS = 10;

const SUMMARY_LENGTH = 450;

export function gateReport(
  verdict: GateVerdict,
  options: { title: string; link?: string; projectKey: string },
): ReportInput {
  const data: ReportDataField[] = [
    { title: 'Quality gate', type: 'TEXT', value: gateWord(verdict) },
    { title: 'Failed conditions', type: 'NUMBER', value: verdict.failing.length },
  ];
  // Failing conditions first, so they are the ones kept when the gate has more than fit.
  const ordered = [
    ...verdict.failing,
    ...verdict.conditions.filter((condition) => !verdict.failing.includes(condition)),
  ];
  for (const condition of ordered.slice(0, MAX_REPORT_FIELDS - data.length))
    data.push(conditionField(condition));
  return {
    title: options.title,
    details: `${verdict.summary} for ${options.projectKey}.${verdict.failing.length ? ` ${verdict.failing.map((c) => c.text).join('; ')}.` : ''}`,
    report_type: 'BUG',
    reporter: 'Crosscheck',
    link: options.link,
    result: verdict.state === 'SUCCESSFUL' ? 'PASSED' : 'FAILED',
    data,
  };
}

/**
 * One annotation per issue, most severe first, at most Bitbucket's 1,000 per report. `link` gives each issue's page;
 * the file path is the component key without the `projectKey:` prefix (the project's base folder is the repository).
 */
export function issuesToAnnotations(
  issues: readonly SonarIssue[],
  projectKey: string,
  link?: (issue: SonarIssue) => string,
): AnnotationInput[] {
  return [...issues]
    .sort((a, b) => severityRank(b) - severityRank(a))
    .slice(0, ANNOTATIONS_PER_REPORT)
    .map((issue) => {
      const annotation: AnnotationInput = {
        external_id: issue.key,
        annotation_type: issue.type === 'BUG' || issue.type === 'VULNERABILITY' ? issue.type : 'CODE_SMELL',
        summary: shorten(issue.message ?? issue.rule ?? 'SonarQube issue', SUMMARY_LENGTH).text,
        severity: annotationSeverity(issue),
        result: 'FAILED',
      };
      if (issue.rule)
        annotation.details = `Rule ${issue.rule}${issue.severity ? `, severity ${issue.severity}` : ''}.`;
      const path = filePath(issue.component, projectKey);
      if (path) annotation.path = path;
      if (issue.line) annotation.line = issue.line;
      if (link) annotation.link = link(issue);
      return annotation;
    });
}

function gateWord(verdict: GateVerdict): string {
  switch (verdict.gate) {
    case 'OK':
      return 'Passed';
    case 'ERROR':
      return 'Failed';
    case 'WARN':
      return 'Warning';
    default:
      return 'None';
  }
}

/**
 * A condition as a data field: its title carries the threshold ("Coverage on New Code (fails if < 80%)"), so the
 * report alone tells the editor the whole condition; failing ones come first, as many as "Failed conditions" says.
 */
function conditionField(condition: DescribedCondition): ReportDataField {
  const title =
    condition.threshold === '—'
      ? condition.metric
      : `${condition.metric} (fails if ${condition.operator} ${condition.threshold})`;
  if (condition.actual.endsWith('%') && !Number.isNaN(parseFloat(condition.actual))) {
    return { title, type: 'PERCENTAGE', value: parseFloat(condition.actual) };
  }
  if (/^-?\d+(\.\d+)?$/.test(condition.actual))
    return { title, type: 'NUMBER', value: Number(condition.actual) };
  return { title, type: 'TEXT', value: condition.actual };
}

/** Maps, so a severity the server made up (even `constructor`) ranks 0 rather than reaching a prototype key. */
const LEGACY_RANK = new Map(Object.entries({ BLOCKER: 5, CRITICAL: 4, MAJOR: 3, MINOR: 2, INFO: 1 }));
const IMPACT_RANK = new Map(Object.entries({ BLOCKER: 5, HIGH: 4, MEDIUM: 3, LOW: 2, INFO: 1 }));

/** Severity on one scale: the legacy severity, or the worst impact of SonarQube 10.2+ issues. */
function severityRank(issue: SonarIssue): number {
  if (issue.severity) return LEGACY_RANK.get(issue.severity) ?? 0;
  return Math.max(0, ...(issue.impacts ?? []).map((impact) => IMPACT_RANK.get(impact.severity ?? '') ?? 0));
}

function annotationSeverity(issue: SonarIssue): AnnotationInput['severity'] {
  const rank = severityRank(issue);
  if (rank >= 5) return 'CRITICAL';
  if (rank === 4) return 'HIGH';
  if (rank === 3) return 'MEDIUM';
  return 'LOW';
}

function filePath(component: string | undefined, projectKey: string): string | undefined {
  if (!component) return undefined;
  const prefix = `${projectKey}:`;
  if (!component.startsWith(prefix)) return undefined;
  const path = component.slice(prefix.length);
  return path || undefined;
}
