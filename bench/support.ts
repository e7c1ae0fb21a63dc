// Shared benchmark helpers: timing a child process, medians, and a compact table.
import { spawn } from 'node:child_process';

export interface Timed {
  ms: number;
  code: number | null;
  stderr: string;
  /** Only when asked for (`captureStdout`). */
  stdout: string;
}

/** Runs a command to completion and measures its wall time. */
export function timeCommand(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  stdin = '',
  captureStdout = false,
): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ['pipe', captureStdout ? 'pipe' : 'ignore', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, stderr, stdout }),
    );
    child.stdin?.end(stdin);
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle];
  if (upper === undefined) throw new Error('The median of no values is undefined.');
  // With an even count of at least two, the value below the middle exists too.
  return sorted.length % 2 ? upper : (sorted[middle - 1]! + upper) / 2;
}

export function report(title: string, rows: Array<[string, string]>): void {
  process.stdout.write(`\n${title}\n`);
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) process.stdout.write(`  ${label.padEnd(width)}  ${value}\n`);
}
