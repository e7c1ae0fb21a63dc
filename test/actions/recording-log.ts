// Test helper: an ActionLog that records every call as one readable line, and helpers to reach the fixture actions.
import * as path from 'node:path';
import type { ActionLog, Annotation, PhaseName, PhaseResult } from '../../src/runner/actions/action-log';

export const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/actions');

/** The smallest environment a fixture needs: PATH to find nothing in particular, SystemRoot for Windows. */
export function minimalEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  return { PATH: process.env.PATH, SystemRoot: process.env.SystemRoot, ...extra };
}

export class RecordingLog implements ActionLog {
  readonly entries: string[] = [];
  readonly annotations: Annotation[] = [];
  readonly phases: PhaseResult[] = [];

  constructor(private readonly onLine: (text: string) => void = () => undefined) {}

  line(text: string, stream: 'stdout' | 'stderr'): void {
    this.entries.push(`${stream}: ${text}`);
    this.onLine(text);
  }

  annotation(annotation: Annotation): void {
    this.annotations.push(annotation);
    this.entries.push(`annotation: ${JSON.stringify(annotation)}`);
  }

  debug(text: string): void {
    this.entries.push(`debug: ${text}`);
  }

  startGroup(title: string): void {
    this.entries.push(`group: ${title}`);
  }

  endGroup(): void {
    this.entries.push('endgroup');
  }

  phaseStarted(phase: PhaseName, script: string): void {
    this.entries.push(`started: ${phase} ${script}`);
  }

  phaseFinished(result: PhaseResult): void {
    this.phases.push(result);
    this.entries.push(`finished: ${JSON.stringify(result)}`);
  }

  /** The printed lines of both streams, without their stream prefix. */
  lines(): string[] {
    return this.entries.filter((entry) => /^std(out|err): /.test(entry)).map((entry) => entry.slice(8));
  }

  text(): string {
    return this.entries.join('\n');
  }
}
