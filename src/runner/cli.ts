// Entry point of the `crosscheck` command: runs the CLI on this process and exits with its code.
import { processContext } from './context';
import { runCli } from './program';
import { allCommands } from './registrations';

runCli(process.argv.slice(2), processContext(), allCommands).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`crosscheck: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
