// Reads the scanner's report-task.txt: where it is for each scanner, and its key=value lines split on the first `=`.
import { InputError } from '../errors';

/** What the scanner reports about the analysis it submitted. */
export interface ReportTask {
  projectKey: string;
  serverUrl: string;
  ceTaskId: string;
  dashboardUrl?: string;
  ceTaskUrl?: string;
  serverVersion?: string;
  /** Where it was read from, for messages. */
  source: string;
}

/** Where each scanner writes report-task.txt, relative to the folder it ran in; the first is the default. */
export const REPORT_TASK_LOCATIONS: ReadonlyArray<{ path: string; scanner: string }> = [
  { path: '.scannerwork/report-task.txt', scanner: 'SonarScanner CLI' },
  { path: 'target/sonar/report-task.txt', scanner: 'SonarScanner for Maven' },
  { path: 'build/sonar/report-task.txt', scanner: 'SonarScanner for Gradle' },
  { path: '.sonarqube/out/.sonar/report-task.txt', scanner: 'SonarScanner for .NET' },
];

const REQUIRED = ['projectKey', 'serverUrl', 'ceTaskId'] as const;

/** Parses the file's text; blank lines and `#`/`!` comments are skipped, Java properties escapes undone. */
export function parseReportTask(text: string, source: string): ReportTask {
  const values = new Map<string, string>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) return;
    const equals = line.indexOf('=');
    if (equals <= 0) {
      problems.push(`line ${index + 1} is not key=value: "${line.slice(0, 60)}"`);
      return;
    }
    values.set(line.slice(0, equals).trim(), unescape(line.slice(equals + 1).trim()));
  });
  const missing = REQUIRED.filter((key) => !values.get(key));
  if (missing.length > 0)
    problems.push(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`);
  const serverUrl = values.get('serverUrl');
  if (serverUrl && !/^https?:\/\/[^\s]+$/.test(serverUrl))
    problems.push(`serverUrl "${serverUrl}" is not an http(s) URL`);
  const ceTaskId = values.get('ceTaskId');
  if (ceTaskId && !/^[A-Za-z0-9_-]+$/.test(ceTaskId))
    problems.push(`ceTaskId "${ceTaskId}" is not a task id`);
  if (problems.length > 0) {
    throw new InputError(
      `${source} is not a usable report-task.txt: ${problems.join('; ')}.`,
      'Give the report-task.txt the SonarQube scanner wrote in this run (run the scanner first, in the same folder).',
    );
  }
  return {
    projectKey: values.get('projectKey') as string,
    serverUrl: (serverUrl as string).replace(/\/+$/, ''),
    ceTaskId: ceTaskId as string,
    dashboardUrl: values.get('dashboardUrl') || undefined,
    ceTaskUrl: values.get('ceTaskUrl') || undefined,
    serverVersion: values.get('serverVersion') || undefined,
    source,
  };
}

/** Undoes the escapes java.util.Properties writes (`\:`, `\=`, `\\`, `\uXXXX`). */
function unescape(value: string): string {
  return value.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, escaped: string) =>
    escaped.length === 5 ? String.fromCharCode(parseInt(escaped.slice(1), 16)) : escaped,
  );
}
