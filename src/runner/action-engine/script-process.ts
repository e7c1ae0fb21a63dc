// Runs one action script in its own Node.js process: lines of its output as they come, cancellation as GitHub escalates.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
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
  /**
   * Aborting sends SIGINT (or the signal named by `signal.reason`), then SIGTERM after 7.5 s, SIGKILL 2.5 s later, to
   * the script's whole process group; once the script has exited, what is left of its group is killed.
   */
  signal?: AbortSignal;
  /** A Node.js already started for this phase (see WarmNode): used when it fits, else a new process is started. */
  warm?: WarmNode;
}

/**
 * Variables Node.js reads while it starts (options, module paths, TLS, locale, time zone…): a warm process started
 * with other values than the script's environment has would not be the process `node script` makes.
 */
const STARTUP_VARIABLES = /^(NODE_|UV_|OPENSSL_|SSL_CERT_|LD_|DYLD_|LANG$|LC_|TZ$|ICU_|V8_)/;

/**
 * A Node.js started before its phase is ready, waiting on fd 3 (dist/warm-node.js): its start-up overlaps the
 * runner's own work. It runs nothing until `take` hands it a script; an unused one is killed by `dispose`. It starts
 * with the caller's visible environment (never Crosscheck's hidden credentials) and gets the phase's environment at
 * hand-off; when a variable Node.js reads at start-up differs, the phase gets a fresh process instead.
 */
export class WarmNode {
  private child: ChildProcess | undefined;
  private failed = false;

  private constructor(
    readonly node: string,
    private readonly bootEnv: Record<string, string>,
  ) {}

  /** Starts one, or returns undefined when the shim is not beside this file (e.g. a copy without it). */
  static start(node: string, env: Record<string, string>, cwd: string): WarmNode | undefined {
    const shim = path.join(__dirname, 'warm-node.js');
    if (!existsSync(shim)) return undefined;
    const warm = new WarmNode(node, env);
    try {
      warm.child = spawn(node, [shim], {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        windowsHide: true,
        detached: OWN_GROUP,
      });
      warm.child.on('error', () => {
        warm.failed = true;
      });
      // Whatever it prints before a hand-off is not the script's: it prints nothing.
      warm.child.stdout?.pause();
      warm.child.stderr?.pause();
      // An unused one never keeps the runner alive; when the runner exits, fd 3 closes and it exits too.
      referenced(warm.child, false);
    } catch {
      return undefined;
    }
    return warm;
  }

  /** The process, handed `launch`'s script and environment; undefined when it does not fit or is gone. */
  take(launch: ScriptLaunch): ChildProcess | undefined {
    const child = this.child;
    this.child = undefined;
    if (!child) return undefined;
    const fits =
      !this.failed &&
      child.exitCode === null &&
      child.signalCode === null &&
      launch.command === undefined &&
      launch.node === this.node &&
      sameStartup(this.bootEnv, launch.env);
    const control = child.stdio[3] as Writable | null | undefined;
    if (!fits || !control) {
      child.kill('SIGKILL');
      return undefined;
    }
    referenced(child, true);
    control.on('error', () => undefined);
    control.end(JSON.stringify({ script: launch.script, cwd: launch.cwd, env: launch.env }));
    child.stdout?.resume();
    child.stderr?.resume();
    return child;
  }

  /** Stops it when it was not used. */
  dispose(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}

/** Whether a process and its pipes keep the event loop alive. */
function referenced(child: ChildProcess, keepAlive: boolean): void {
  const handles = [child, ...child.stdio] as Array<{ ref?: () => void; unref?: () => void } | null>;
  for (const handle of handles) (keepAlive ? handle?.ref : handle?.unref)?.call(handle);
}

/**
 * The environment a Node.js started before anything is known gets: the variables Node.js reads while starting (which
 * must then match the phase's) and PATH, HOME, SystemRoot; nothing else, so no credential is in it.
 */
export function startupEnvironment(env: Record<string, string | undefined>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (STARTUP_VARIABLES.test(name) || /^(PATH|HOME|SystemRoot)$/.test(name))) {
      picked[name] = value;
    }
  }
  return picked;
}

function sameStartup(boot: Record<string, string>, env: Record<string, string>): boolean {
  const names = new Set(
    [...Object.keys(boot), ...Object.keys(env)].filter((name) => STARTUP_VARIABLES.test(name)),
  );
  return [...names].every((name) => boot[name] === env[name]);
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
    let child: ChildProcess;
    try {
      child =
        launch.warm?.take(launch) ??
        spawn(launch.command?.file ?? launch.node, launch.command?.args ?? [launch.script], {
          cwd: launch.cwd,
          env: launch.env,
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
          detached: OWN_GROUP,
        });
    } catch (error) {
      resolve({ exitCode: null, signal: null, error: error as Error });
      return;
    }
    const timers: NodeJS.Timeout[] = [];
    let cancelledWith: NodeJS.Signals | undefined;
    const cancel = () => {
      cancelledWith = forwardedSignal(signal?.reason);
      signalGroup(child, cancelledWith);
      for (const [delay, escalation] of ESCALATION) {
        timers.push(setTimeout(() => signalGroup(child, escalation), delay));
      }
    };
    // A cancelled script's leftovers (a background process that ignores SIGINT and SIGTERM, holding its output open)
    // end when it does.
    child.on('exit', () => {
      if (cancelledWith) signalGroup(child, 'SIGKILL');
    });
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

/**
 * Scripts run as leaders of a process group of their own (not on Windows, which has none), so cancelling one reaches
 * every process it started that stayed in its group.
 */
const OWN_GROUP = process.platform !== 'win32';

/**
 * Sends `signal` to the script's process group; to the script alone where it leads none (Windows, or a process not
 * started as a group leader), while it runs.
 */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (OWN_GROUP && child.pid !== undefined) {
    try {
      process.kill(-child.pid, signal);
      return;
    } catch {
      // no such group: the script alone, below
    }
  }
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
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
