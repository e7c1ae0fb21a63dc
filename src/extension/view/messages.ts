// Text for the output channel and notifications: HTTP events, doctor reports, finished runs.
import { type DoctorReport, formatRepository, type HttpEvent } from '../../core';
import { forExtension } from '../model/extension-messages';
import type { FinishedRun } from '../model/refresher';

/** One log line per HTTP event; URLs and bodies arrive already redacted by the core's client. */
export function describeHttpEvent(event: HttpEvent): { level: 'debug' | 'info' | 'warn'; line: string } {
  switch (event.type) {
    case 'request':
      return {
        level: 'debug',
        line: `→ ${event.method} ${event.url}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`,
      };
    case 'response':
      return {
        level: event.status >= 400 ? 'warn' : 'info',
        line: `← ${event.status} ${event.method} ${event.url} (${event.ms} ms)`,
      };
    case 'retry':
      return {
        level: 'warn',
        line: `↻ ${event.method} ${event.url}: ${event.reason}; retrying in ${Math.round(event.delayMs / 100) / 10} s (attempt ${event.attempt} of ${event.of})`,
      };
  }
}

const MARKS = { ok: '✓', failed: '✗', warning: '!', skipped: '-' } as const;

/** The doctor's report as lines for the output channel (it holds no secret: the credential is described, not shown). */
export function doctorReportLines(report: DoctorReport, title: string): string[] {
  const lines = [title, `  Credential: ${report.credential}`, `  Token type: ${report.tokenType}`];
  for (const notice of report.notices) lines.push(`  Note: ${notice}`);
  for (const check of report.checks) {
    lines.push(`  ${MARKS[check.outcome]} ${check.name}: ${check.detail}`);
    if (check.fix && check.outcome !== 'ok') lines.push(`      fix: ${forExtension(check.fix)}`);
  }
  lines.push(report.ok ? '  All required checks passed.' : '  Some checks failed: see the fixes above.');
  return lines;
}

/** One sentence for a notification summing up one or more doctor reports. */
export function doctorSummary(reports: readonly DoctorReport[]): { ok: boolean; message: string } {
  const failed = reports.flatMap((report) => report.checks.filter((check) => check.outcome === 'failed'));
  const [first] = failed;
  if (first) {
    return {
      ok: false,
      message: `Connection problem: ${first.name}: ${forExtension(first.detail)}${first.fix ? ` ${forExtension(first.fix)}` : ''}`,
    };
  }
  const identity = reports[0]?.checks.find((check) => check.name === 'identity' && check.outcome === 'ok');
  const warnings = reports.flatMap((report) =>
    report.checks.filter((check) => check.outcome === 'warning'),
  ).length;
  const who = identity ? ` (${identity.detail})` : '';
  return {
    ok: true,
    message: `Bitbucket connection works${who}${warnings ? `, with ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}.`,
  };
}

/** The notification for a followed run that finished. */
export function finishedRunMessage(finished: FinishedRun): {
  tone: 'info' | 'warning' | 'error';
  message: string;
} {
  const state = finished.run.finished?.state;
  const tone = finished.run.finished?.stopped
    ? 'warning'
    : state === 'SUCCESSFUL'
      ? 'info'
      : state === 'FAILED' || state === undefined
        ? 'error'
        : 'warning';
  // Whatever editor is active: name the repository, as a multi-root window follows several.
  return {
    tone,
    message: `Crosscheck (${formatRepository(finished.run.repo)}): ${finished.summary}`,
  };
}
