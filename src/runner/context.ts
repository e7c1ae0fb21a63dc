// What a command gets from the process it runs in: environment, working folder, output streams and signals.
import type { WarmNode } from './action-engine/script-process';

export interface TextSink {
  write(text: string): unknown;
}

export interface RunnerContext {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: TextSink;
  stderr: TextSink;
  /** Calls `handler` on each `signal` the process receives (instead of dying of it) until the returned function runs. */
  readonly onSignal: (signal: NodeJS.Signals, handler: (signal: NodeJS.Signals) => void) => () => void;
  /** A Node.js the entry point started for `action run` before loading the rest (its start-up overlaps ours). */
  warmNode?: WarmNode;
}

/** The context of the real process; tests build their own. */
export function processContext(): RunnerContext {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    onSignal: (signal, handler) => {
      process.on(signal, handler);
      return () => process.off(signal, handler);
    },
  };
}
