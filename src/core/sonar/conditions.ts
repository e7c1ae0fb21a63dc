// Puts quality gate conditions into words: metric names as SonarQube shows them, values with their units.
import type { GateCondition, GateStatus } from './types';

/** Names SonarQube's UI gives the metrics quality gates use most (a Map: server keys never reach a prototype). */
const METRIC_NAMES = new Map<string, string>(
  Object.entries({
    new_coverage: 'Coverage on New Code',
    coverage: 'Coverage',
    new_line_coverage: 'Line Coverage on New Code',
    line_coverage: 'Line Coverage',
    new_branch_coverage: 'Condition Coverage on New Code',
    branch_coverage: 'Condition Coverage',
    new_uncovered_lines: 'Uncovered Lines on New Code',
    new_uncovered_conditions: 'Uncovered Conditions on New Code',
    new_duplicated_lines_density: 'Duplicated Lines (%) on New Code',
    duplicated_lines_density: 'Duplicated Lines (%)',
    new_duplicated_lines: 'Duplicated Lines on New Code',
    new_bugs: 'New Bugs',
    bugs: 'Bugs',
    new_vulnerabilities: 'New Vulnerabilities',
    vulnerabilities: 'Vulnerabilities',
    new_code_smells: 'New Code Smells',
    code_smells: 'Code Smells',
    new_violations: 'New Issues',
    violations: 'Issues',
    new_blocker_violations: 'New Blocker Issues',
    new_critical_violations: 'New Critical Issues',
    new_major_violations: 'New Major Issues',
    blocker_violations: 'Blocker Issues',
    critical_violations: 'Critical Issues',
    new_accepted_issues: 'New Accepted Issues',
    new_security_hotspots: 'New Security Hotspots',
    new_security_hotspots_reviewed: 'Security Hotspots Reviewed on New Code',
    security_hotspots_reviewed: 'Security Hotspots Reviewed',
    new_reliability_rating: 'Reliability Rating on New Code',
    reliability_rating: 'Reliability Rating',
    new_security_rating: 'Security Rating on New Code',
    security_rating: 'Security Rating',
    new_maintainability_rating: 'Maintainability Rating on New Code',
    sqale_rating: 'Maintainability Rating',
    new_security_review_rating: 'Security Review Rating on New Code',
    security_review_rating: 'Security Review Rating',
    new_sqale_debt_ratio: 'Technical Debt Ratio on New Code',
    sqale_debt_ratio: 'Technical Debt Ratio',
    new_technical_debt: 'Added Technical Debt',
    sqale_index: 'Technical Debt',
    new_software_quality_reliability_issues: 'New Reliability Issues',
    new_software_quality_security_issues: 'New Security Issues',
    new_software_quality_maintainability_issues: 'New Maintainability Issues',
    new_software_quality_blocker_issues: 'New Blocker Issues',
    new_software_quality_high_issues: 'New High Severity Issues',
    tests: 'Unit Tests',
    test_errors: 'Unit Test Errors',
    test_failures: 'Unit Test Failures',
    test_success_density: 'Unit Test Success (%)',
    skipped_tests: 'Skipped Unit Tests',
  }),
);

const RATINGS = ['A', 'B', 'C', 'D', 'E'];

type MetricKind = 'rating' | 'percent' | 'minutes' | 'number';

/** One condition, ready to show. */
export interface DescribedCondition {
  metricKey: string;
  metric: string;
  status: GateStatus;
  actual: string;
  threshold: string;
  /** `<`, `>`, `worse than`… as it reads between the values. */
  operator: string;
  /** The whole condition in words, e.g. "Coverage on New Code 62.5% < 80%". */
  text: string;
}

export function metricName(key: string): string {
  const known = METRIC_NAMES.get(key);
  if (known) return known;
  const words = key.replace(/^new_/, '').split('_');
  const name = words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ');
  return key.startsWith('new_') ? `${name} on New Code` : name;
}

export function describeCondition(condition: GateCondition): DescribedCondition {
  const kind = metricKind(condition.metricKey);
  const metric = metricName(condition.metricKey);
  const actual = formatValue(condition.actualValue, kind);
  const threshold = formatValue(condition.errorThreshold ?? condition.warningThreshold, kind);
  const operator = operatorWords(condition.comparator, kind);
  return {
    metricKey: condition.metricKey,
    metric,
    status: condition.status,
    actual,
    threshold,
    operator,
    text: `${metric} ${actual} ${operator} ${threshold}`,
  };
}

/** The conditions as a plain-text table with aligned columns, for the log. */
export function conditionsTable(conditions: readonly DescribedCondition[]): string {
  const header = ['Status', 'Metric', 'Actual', 'Fails if'];
  const rows = [
    header,
    ...conditions.map((c) => [c.status, c.metric, c.actual, `${c.operator} ${c.threshold}`]),
  ];
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function metricKind(key: string): MetricKind {
  if (key.endsWith('_rating')) return 'rating';
  if (/(coverage|density|_reviewed|debt_ratio)$/.test(key)) return 'percent';
  if (key === 'sqale_index' || key === 'new_technical_debt') return 'minutes';
  return 'number';
}

function formatValue(value: string | undefined, kind: MetricKind): string {
  if (value === undefined || value === '') return '—';
  const number = Number(value);
  if (!Number.isFinite(number)) return value;
  switch (kind) {
    case 'rating':
      return RATINGS[Math.round(number) - 1] ?? value;
    case 'percent':
      return `${trimNumber(number)}%`;
    case 'minutes':
      return `${trimNumber(number)} min`;
    case 'number':
      return trimNumber(number);
  }
}

function trimNumber(number: number): string {
  return String(Math.round(number * 10) / 10);
}

function operatorWords(comparator: GateCondition['comparator'], kind: MetricKind): string {
  if (kind === 'rating' && comparator === 'GT') return 'worse than';
  switch (comparator) {
    case 'GT':
      return '>';
    case 'LT':
      return '<';
    case 'EQ':
      return '=';
    case 'NE':
      return '≠';
    default:
      return 'vs';
  }
}
