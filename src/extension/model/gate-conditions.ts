// The quality gate's conditions as a table, read from the data fields of the Code Insights report Crosscheck posts
// (`sonar-gate --report`): no Sonar credential needed in the editor.
import type { Report, ReportDataField } from '../../core';
import { webLink } from './findings';

export interface GateConditionRow {
  metric: string;
  /** As SonarQube shows it: `62.5%`, `3`, `B`. */
  actual: string;
  /** What fails the gate, e.g. `< 80%`; undefined when the report does not say. */
  failsIf?: string;
  failed: boolean;
}

export interface GateTable {
  reportTitle: string;
  /** Passed, Failed, Warning, None, as the report says. */
  gate: string;
  conditions: GateConditionRow[];
  /** How many conditions failed (some may not be listed: a report keeps at most 10 fields). */
  failedCount: number;
  /** The SonarQube dashboard (http/https only). */
  dashboard?: string;
}

const GATE_FIELD = 'Quality gate';
const FAILED_FIELD = 'Failed conditions';
/** "Coverage on New Code (fails if < 80%)". */
const CONDITION_TITLE = /^(.+?) \(fails if (.+)\)$/;

/** The gate table of a report Crosscheck posted, or undefined for any other report. */
export function gateTableOf(report: Report): GateTable | undefined {
  const data = report.data ?? [];
  const gate = data.find((field) => field.title === GATE_FIELD);
  if (!gate || typeof gate.value !== 'string') return undefined;
  const failedField = data.find((field) => field.title === FAILED_FIELD);
  const failedCount =
    typeof failedField?.value === 'number' && Number.isInteger(failedField.value) && failedField.value >= 0
      ? failedField.value
      : 0;
  // Condition fields follow, failing ones first (as many as "Failed conditions" says).
  const conditions = data
    .filter((field) => field !== gate && field !== failedField)
    .map((field, index): GateConditionRow => {
      const parsed = CONDITION_TITLE.exec(field.title);
      return {
        metric: parsed?.[1] ?? field.title,
        actual: valueText(field),
        failsIf: parsed?.[2],
        failed: index < failedCount,
      };
    });
  return {
    reportTitle: report.title,
    gate: gate.value,
    conditions,
    failedCount,
    dashboard: webLink(report.link),
  };
}

/** The first gate table among a commit's reports. */
export function findGateTable(reports: readonly Report[]): GateTable | undefined {
  for (const report of reports) {
    const table = gateTableOf(report);
    if (table) return table;
  }
  return undefined;
}

function valueText(field: ReportDataField): string {
  const { value } = field;
  if (value === null || value === undefined) return '—';
  if (field.type === 'PERCENTAGE' && typeof value === 'number') return `${Math.round(value * 10) / 10}%`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
