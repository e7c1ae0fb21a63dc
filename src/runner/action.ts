// Entry point of the GitHub-style action (action.yml): the `command` input picks the CLI command, inputs fill its options.
import { allCommands, EXIT_INTERNAL, EXIT_USAGE, processContext, runCli, WorkflowCommands } from './runtime';

/** `command` input values and the CLI words they stand for (a Map: `constructor` or `__proto__` are just unknown). */
const COMMANDS = new Map<string, string[]>([
  ['status-set', ['status', 'set']],
  ['status-get', ['status', 'get']],
  ['doctor', ['doctor']],
  ['trigger', ['trigger']],
  ['sonar-gate', ['sonar-gate']],
]);

const context = processContext();
const workflow = new WorkflowCommands((line) => context.stdout.write(`${line}\n`), context.env);
const requested = (context.env.INPUT_COMMAND ?? '').trim() || 'status-set';
const words = COMMANDS.get(requested);
if (!words) {
  workflow.error(`Unknown command input "${requested}". Use one of: ${[...COMMANDS.keys()].join(', ')}.`);
  process.exitCode = EXIT_USAGE;
} else {
  runCli(words, context, allCommands).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      workflow.error(
        `crosscheck: unexpected error: ${error instanceof Error ? error.message : String(error)}. This is a bug in Crosscheck; please report it.`,
      );
      process.exitCode = EXIT_INTERNAL;
    },
  );
}
