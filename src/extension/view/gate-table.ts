// The panel's quality gate section: the failed (then passed) conditions as a table — metric, actual value, what fails
// it — and a link to the dashboard, from the report Crosscheck posts.
import type { GateTable } from '../model/gate-conditions';
import { markup, type Raw } from './html';

export interface GateView {
  title: string;
  /** "Failed", "Passed"… as the report says. */
  gate: string;
  rows: Array<{ metric: string; actual: string; failsIf?: string; failed: boolean }>;
  /** Conditions that failed but did not fit in the report (it keeps at most 10 fields). */
  unlisted: number;
  /** Index into the panel's links. */
  dashboard?: number;
}

/** The view of a gate table, its dashboard link added to the panel's links. */
export function gateView(table: GateTable | undefined, links: string[]): GateView | undefined {
  if (!table) return undefined;
  let dashboard: number | undefined;
  if (table.dashboard) {
    links.push(table.dashboard);
    dashboard = links.length - 1;
  }
  const listedFailures = table.conditions.filter((row) => row.failed).length;
  return {
    title: table.reportTitle,
    gate: table.gate,
    rows: table.conditions,
    unlisted: Math.max(0, table.failedCount - listedFailures),
    dashboard,
  };
}

/** The section, or nothing without a gate report on the commit shown. */
export function gateSection(model: { gate?: GateView }): Raw | undefined {
  const gate = model.gate;
  if (!gate) return undefined;
  const rows = gate.rows.map(
    (row) =>
      markup`<tr class="${row.failed ? 'condition-failed' : 'condition-passed'}"><th scope="row"><span class="codicon codicon-${row.failed ? 'error' : 'pass'}" aria-hidden="true"></span>${row.metric}<span class="visually-hidden">, ${row.failed ? 'failed' : 'passed'}</span></th><td>${row.actual}</td><td>${row.failsIf ?? '—'}</td></tr>`,
  );
  const unlisted =
    gate.unlisted > 0
      ? markup`<p class="gate-note">${String(gate.unlisted)} more failed ${gate.unlisted === 1 ? 'condition is' : 'conditions are'} on the dashboard (a report keeps at most 10 fields).</p>`
      : undefined;
  const dashboard =
    gate.dashboard !== undefined
      ? markup`<p><a href="#" class="gate-dashboard" data-command="openLink" data-link="${String(gate.dashboard)}">Open the dashboard</a></p>`
      : undefined;
  const table =
    gate.rows.length > 0
      ? markup`<table class="gate-conditions"><caption class="visually-hidden">Quality gate conditions of ${gate.title}</caption>
<thead><tr><th scope="col">Metric</th><th scope="col">Actual</th><th scope="col">Fails if</th></tr></thead>
<tbody>${rows}</tbody></table>`
      : markup`<p class="gate-note">The report lists no conditions.</p>`;
  return markup`<section class="gate" data-gate="${gate.gate}" aria-labelledby="crosscheck-gate-title">
<h2 id="crosscheck-gate-title">Quality gate: ${gate.gate}</h2>
${table}${unlisted}${dashboard}
</section>`;
}
