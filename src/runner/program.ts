// The CLI's command registry: every command, its options and help, mapped onto plain async command functions.
import { Command, CommanderError, Option } from 'commander';
import { BUILD_STATES, MAX_KEY_LENGTH, VERSION } from '../core';
import { doctor } from './commands/doctor';
import { statusGet } from './commands/status-get';
import { statusSet } from './commands/status-set';
import type { RunnerContext } from './context';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, ExitError, exitCodeFor } from './exit-codes';
import { environmentError } from './environment-errors';
import { type OptionValues, resolveOptions } from './inputs';
import { Reporter } from './reporter';

/** A command body: options merged from flags and INPUT_*, the process context, and a reporter. */
export type CommandFunction = (
  options: OptionValues,
  context: RunnerContext,
  reporter: Reporter,
  command: Command,
) => Promise<void>;

/** Extra commands registered by later modules (trigger, sonar-gate, run, sandbox…), kept out of this file's imports. */
export type CommandRegistration = (
  program: Command,
  action: (fn: CommandFunction) => (...args: unknown[]) => Promise<void>,
) => void;

const CREDENTIALS_HELP = `
Credentials come only from the environment (or action inputs), never from flags:
  ATLASSIAN_ACCOUNT_EMAIL + BITBUCKET_API_TOKEN   Atlassian API token (ATAT…), sent as HTTP Basic email:token
  BITBUCKET_ACCESS_TOKEN                          repository/project/workspace access token (ATCT…), sent as Bearer
  BITBUCKET_OAUTH_CLIENT_ID + _SECRET             OAuth consumer, client-credentials grant
  BITBUCKET_API_URL                               default https://api.bitbucket.org/2.0

Exit codes: 0 done, 1 refused or failed (after retries), 2 bad usage, input or environment (a busy port,
a missing path; nothing sent), 70 a bug in Crosscheck (please report it with the output of --verbose).`;

export function buildProgram(
  context: RunnerContext,
  registrations: CommandRegistration[] = [],
): { program: Command; exitCode: () => number } {
  let exitCode = EXIT_OK;
  const program = new Command('crosscheck')
    .description(
      'Post Bitbucket Cloud build statuses from any CI: quality gates, central checks, merge checks.',
    )
    .version(VERSION, '-V, --version')
    .option('--json', 'print the result as JSON on stdout, with the requests sent')
    .option('--verbose', 'show every request (redacted), the decisions taken and the requests sent')
    .option('--request-timeout <seconds>', 'per-request timeout', '30')
    .option('--retries <n>', 'retries on 429, 502-504, resets and timeouts', '4')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', CREDENTIALS_HELP)
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .exitOverride();

  const action =
    (fn: CommandFunction) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      let reporter = new Reporter(context, {});
      let failure: unknown;
      try {
        const options = resolveOptions(command, context.env);
        reporter = new Reporter(context, { json: Boolean(options.json), verbose: Boolean(options.verbose) });
        await fn(options, context, reporter, command);
      } catch (thrown) {
        const error = environmentError(thrown) ?? thrown;
        failure = error;
        if (!(error instanceof ExitError)) reporter.failure(error);
        exitCode = exitCodeFor(error);
      }
      reporter.finish(failure);
    };

  const status = program
    .command('status')
    .description('create, overwrite and read build statuses on a commit');
  status
    .command('set')
    .description(
      'create or overwrite a build status (same key overwrites), or many from JSON Lines with --from',
    )
    .option('--repo <workspace/repo>', 'repository (default $BITBUCKET_REPO_FULL_NAME)')
    .option('--commit <sha>', 'full 40-character commit hash (default $BITBUCKET_COMMIT)')
    .option(
      '--key <key>',
      `status key, 1-${MAX_KEY_LENGTH} characters; reuse it so each run overwrites the last`,
    )
    .addOption(
      new Option(
        '--state <state>',
        `${BUILD_STATES.join('|')} (or passed, failed, pending, running, cancelled…)`,
      ),
    )
    .option('--name <text>', 'title shown in Bitbucket (default: the key)')
    .option('--url <url>', 'link from the status (default: this CI run, when known)')
    .option('--description <text>', 'one line of detail')
    .option(
      '--refname <branch>',
      "the PR's source branch, ties the status to the PR (default $BITBUCKET_BRANCH)",
    )
    .option('--from <file>', 'JSON Lines file (or - for stdin): one status per line with the same fields')
    .option('--concurrency <n>', 'parallel requests with --from', '8')
    .option('--dry-run', 'print what would be sent, send nothing')
    .addHelpText(
      'after',
      '\nExample:\n  crosscheck status set --repo acme/web-app --commit $SHA --key sonar --state failed --url https://sonar.example.com/...',
    )
    .action(action(statusSet));
  status
    .command('get')
    .description(
      'show one status by key, or every status on the commit and what a merge check would conclude',
    )
    .option('--repo <workspace/repo>', 'repository (default $BITBUCKET_REPO_FULL_NAME)')
    .option('--commit <sha>', 'full commit hash (default $BITBUCKET_COMMIT)')
    .option('--key <key>', 'only this status')
    .action(action(statusGet));

  program
    .command('doctor')
    .description(
      'check the credential: which one is used, its type, who it is, what it can reach, what to fix',
    )
    .option('--repo <workspace/repo>', 'also check access to this repository')
    .option('--commit <sha>', 'with --key: the commit of the status to inspect (default $BITBUCKET_COMMIT)')
    .option(
      '--key <key>',
      'also say who owns this build status (only its creator or an admin may overwrite it)',
    )
    .action(action(doctor));

  for (const register of registrations) register(program, action);
  return { program, exitCode: () => exitCode };
}

/** Commands registered by later modules, by the word that names them on the command line (`trigger`, `action`…). */
export type NamedRegistrations = Readonly<Record<string, CommandRegistration>>;

/** Global options that take a value: the word after them is not a command. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--request-timeout', '--retries']);

/**
 * The registrations a command line needs: none for the built-in status and doctor, only its own for a named one,
 * every one otherwise (help, a typo to suggest a command for, no command at all). Registering a command builds all
 * its options and help, so `status set` never pays for `action run`'s.
 */
export function registrationsFor(argv: string[], named: NamedRegistrations): CommandRegistration[] {
  let word: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) index++;
    else if (!arg.startsWith('-')) {
      word = arg;
      break;
    }
  }
  if (word === 'status' || word === 'doctor') return [];
  const own = word !== undefined && Object.hasOwn(named, word) ? named[word] : undefined;
  return own ? [own] : Object.values(named);
}

/** Parses argv (without node and script), runs the command, and returns the exit code; never exits itself. */
export async function runCli(
  argv: string[],
  context: RunnerContext,
  registrations: CommandRegistration[] | NamedRegistrations = [],
): Promise<number> {
  const { program, exitCode } = buildProgram(
    context,
    Array.isArray(registrations) ? registrations : registrationsFor(argv, registrations),
  );
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK;
      // Help shown because something was missing (`crosscheck status` without set or get) is a usage error.
      if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
      if (error.code === 'commander.executeSubCommandAsync') return EXIT_FAILED;
      return EXIT_USAGE;
    }
    throw error;
  }
  return exitCode();
}
