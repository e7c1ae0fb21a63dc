// Runs the bundled `crosscheck` CLI as a child process and captures what it printed and how it exited.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const CLI_PATH = join(REPO_ROOT, 'dist', 'cli.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  cwd?: string;
  /** The Node.js to start the CLI on (default: the one running the tests); a bare name is looked up in env.PATH. */
  node?: string;
  /** Called with the child once spawned (e.g. to send it a signal). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

/** Only PATH and HOME are inherited, so the host's own credentials can never leak into a test. */
export function runCrosscheck(args: string[], options: CliOptions = {}): Promise<CliResult> {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run "npm run build" first`);
  return new Promise((resolve, reject) => {
    const child = spawn(options.node ?? process.execPath, [CLI_PATH, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CROSSCHECK_RETRY_DELAY_MS: '5', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    // A CLI that stops reading early (an input over its limit) closes the pipe: not an error of the test.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
    options.onSpawn?.(child);
  });
}
