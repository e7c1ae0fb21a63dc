// Runs one action script in its own Node.js process: lines of its output as they come, cancellation as GitHub escalates.
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';

export interface ScriptExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  cancelledWith?: NodeJS.Signals;
  error?: Error;
}

export interface ScriptLaunch {
  node: string;
  script: string;
  /** Another program instead of `node script` (a composite step's shell), with its arguments. */
  command?: { file: string; args: string[] };
  cwd: string;
  env: Record<string, string>;
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Where a line over LINE_LIMIT may be cut (the masker's safeCut): never inside a secret. */
  cutter?: LineCutter;
  /** Aborting sends SIGINT (or the signal named by `signal.reason`), then SIGTERM after 7.5 s, SIGKILL 2.5 s later. */
  signal?: AbortSignal;
}

/** GitHub's runner: SIGINT, then SIGTERM after 7.5 s, then SIGKILL after another 2.5 s. */
const ESCALATION: Array<[number, NodeJS.Signals]> = [
  [7500, 'SIGTERM'],
  [10000, 'SIGKILL'],
];

/**
 * The longest line handed on as one: a longer one is cut into pieces of this size, so memory stays bounded and a
 * workflow command cannot grow without end.
 */
export const LINE_LIMIT = 1024 * 1024;

/** Runs `node script` to its end; never throws (a process that cannot start is reported in `error`). */
export function runScript(launch: ScriptLaunch): Promise<ScriptExit> {
  return new Promise((resolve) => {
    const { signal } = launch;
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(launch.command?.file ?? launch.node, launch.command?.args ?? [launch.script], {
        cwd: launch.cwd,
        env: launch.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      resolve({ exitCode: null, signal: null, error: error as Error });
      return;
    }
    const timers: NodeJS.Timeout[] = [];
    let cancelledWith: NodeJS.Signals | undefined;
    const cancel = () => {
      cancelledWith = forwardedSignal(signal?.reason);
      child.kill(cancelledWith);
      for (const [delay, escalation] of ESCALATION) {
        timers.push(setTimeout(() => child.exitCode === null && child.kill(escalation), delay));
      }
    };
    if (signal?.aborted) cancel();
    else signal?.addEventListener('abort', cancel, { once: true });
    const stdout = lineSplitter((line) => launch.onLine(line, 'stdout'), LINE_LIMIT, launch.cutter);
    const stderr = lineSplitter((line) => launch.onLine(line, 'stderr'), LINE_LIMIT, launch.cutter);
    child.stdout?.on('data', stdout.write);
    child.stderr?.on('data', stderr.write);
    let settled = false;
    const finish = (exit: ScriptExit) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', cancel);
      for (const timer of timers) clearTimeout(timer);
      stdout.end();
      stderr.end();
      resolve(cancelledWith ? { ...exit, cancelledWith } : exit);
    };
    child.on('error', (error) => finish({ exitCode: null, signal: null, error }));
    child.on('close', (exitCode, exitSignal) => finish({ exitCode, signal: exitSignal }));
  });
}

function forwardedSignal(reason: unknown): NodeJS.Signals {
  return reason === 'SIGTERM' || reason === 'SIGINT' || reason === 'SIGHUP' ? reason : 'SIGINT';
}

/** Chooses where a long line is cut: at `at` or later, never inside a secret; `longest` is how far one can reach. */
export interface LineCutter {
  safeCut(text: string, at: number): number;
  readonly longest: number;
}

/**
 * Feeds complete lines (without `\n` / `\r\n`) of a byte stream to `onLine`; `end` flushes an unterminated last line.
 * A line longer than `limit` is handed on in pieces; with a `cutter`, a piece ends only once the text after the cut
 * has been seen as far as a secret could reach, and never inside a secret.
 * Linear in the input: an unfinished line is kept as a list of pieces and joined once, when it ends or is cut.
 */
export function lineSplitter(
  onLine: (line: string) => void,
  limit = LINE_LIMIT,
  cutter?: LineCutter,
): { write: (chunk: Buffer) => void; end: () => void } {
  const decoder = new StringDecoder('utf8');
  let pieces: string[] = [];
  let length = 0;
  const emit = () => {
    const line = pieces.join('');
    pieces = [];
    length = 0;
    onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  };
  /** Adds text holding no newline; hands on a piece whenever the pending line is longer than the limit allows. */
  const append = (text: string) => {
    if (text !== '') {
      pieces.push(text);
      length += text.length;
    }
    for (;;) {
      const lookahead = cutter ? cutter.longest : 0;
      if (length <= limit + lookahead) return;
      const pending = pieces.join('');
      const cut = Math.max(1, Math.min(cutter ? cutter.safeCut(pending, limit) : limit, pending.length));
      pieces = [pending.slice(0, cut)];
      const rest = pending.slice(cut);
      emit();
      if (rest !== '') {
        pieces = [rest];
        length = rest.length;
      }
    }
  };
  const feed = (text: string, final: boolean) => {
    let start = 0;
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', start)) {
      append(text.slice(start, newline));
      emit();
      start = newline + 1;
    }
    append(text.slice(start));
    if (final && length > 0) emit();
  };
  return { write: (chunk) => feed(decoder.write(chunk), false), end: () => feed(decoder.end(), true) };
}
