// Entry point of the `crosscheck` command: runs the CLI on this process and exits with its code.
import * as nodeModule from 'node:module';

// Node.js 22.1+ keeps the compiled bundles in a cache on disk (NODE_COMPILE_CACHE, else the temp folder), so every run
// after the first skips compiling them; NODE_DISABLE_COMPILE_CACHE=1 turns it off. Before the runtime is required.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// eslint-disable-next-line @typescript-eslint/no-require-imports -- required after the cache is on, not hoisted
const runtime = require('./runtime') as typeof import('./runtime');
const { allCommands, EXIT_INTERNAL, processContext, runCli, withSourceLines } = runtime;

// A reader that stops early (`crosscheck … | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

runCli(process.argv.slice(2), processContext(), allCommands).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `crosscheck: unexpected error: ${error instanceof Error ? withSourceLines(error.stack ?? error.message) : String(error)}\n` +
        '  This is a bug in Crosscheck; please report it with the output of --verbose.\n',
    );
    process.exitCode = EXIT_INTERNAL;
  },
);
