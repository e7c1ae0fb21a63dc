// What a command gets from the process it runs in: environment, working folder, and the output streams.
export interface TextSink {
  write(text: string): unknown;
}

export interface RunnerContext {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: TextSink;
  stderr: TextSink;
}

/** The context of the real process; tests build their own. */
export function processContext(): RunnerContext {
  return { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr };
}
