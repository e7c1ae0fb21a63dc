// Entry point of the GitHub-style action (action.yml): the `command` input picks the CLI command, inputs fill its options.
import { processContext } from './context';
import { runCli } from './program';
import { allCommands } from './registrations';

/** `command` input values and the CLI words they stand for (a Map: `constructor` or `__proto__` are just unknown). */
const COMMANDS = new Map<string, string[]>([
  ['status-set', ['status', 'set']],
  ['status-get', ['status', 'get']],
  ['doctor', ['doctor']],
  ['trigger', ['trigger']],
  ['sonar-gate', ['sonar-gate']],
]);

const context = processContext();
const requested = (context.env.INPUT_COMMAND ?? '').trim() || 'status-set';
const words = COMMANDS.get(requested);
if (!words) {
  process.stdout.write(
    `::error::Unknown command input "${requested}". Use one of: ${[...COMMANDS.keys()].join(', ')}.\n`,
  );
  process.exitCode = 2;
} else {
  runCli(words, context, allCommands).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stdout.write(
        `::error::crosscheck: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
