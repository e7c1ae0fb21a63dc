// Entry point of the `crosscheck` command: runs the CLI on this process and exits with its code.
import { enableCompileCache } from './compile-cache';

// A reader that stops early (`crosscheck … | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

// The runtime chunk is loaded once the compile cache is on, so a second start does not compile it again.
enableCompileCache();
void import('./runtime.js').then(({ allCommands, EXIT_INTERNAL, processContext, runCli, withSourceLines }) =>
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
  ),
);
