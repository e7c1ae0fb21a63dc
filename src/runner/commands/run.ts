// `crosscheck run`: wraps a command in a build status: INPROGRESS, then SUCCESSFUL, FAILED or STOPPED by how it ended.
import { constants } from 'node:os';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { type BuildStatusInput, CrosscheckError, InputError, formatRepository } from '../../core';
import { toStatusToPost } from '../build-status-input';
import { connectFromEnvironment } from '../bitbucket-connection';
import { ciDefaults } from '../ci-environment';
import type { RunnerContext } from '../context';
import { EXIT_FAILED, ExitError } from '../exit-codes';
import { type OptionValues, stringOption } from '../inputs';
import type { CommandRegistration } from '../program';
import type { Reporter } from '../reporter';

/** The shell's code for a command that could not be started. */
const EXIT_NOT_STARTED = 127;
const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export const runCommand: CommandRegistration = (program, action) => {
  program
    .command('run')
    .description(
      'run a command and post its outcome as a build status: INPROGRESS, then SUCCESSFUL, FAILED or STOPPED',
    )
    .argument('<command...>', 'the command and its arguments, after --')
    .option('--key <key>', 'status key, reused so each run overwrites the last')
    .option('--name <text>', 'status title (default: the key)')
    .option('--url <url>', 'link from the status (default: this CI run, when known)')
    .option('--repo <workspace/repo>', 'repository (default $BITBUCKET_REPO_FULL_NAME)')
    .option('--commit <sha>', 'full commit hash (default $BITBUCKET_COMMIT)')
    .option('--refname <branch>', "the PR's source branch (default $BITBUCKET_BRANCH)")
    .addHelpText(
      'after',
      '\nThe command inherits the terminal; SIGINT and SIGTERM are passed on to it and post STOPPED.\n' +
        "Exits with the command's own exit code (128 + signal number when it was killed by a signal).\n" +
        'Example:\n  crosscheck run --key unit-tests --name "Unit tests" -- npm test',
    )
    .action(action(run));
};

type Ending =
  | { kind: 'exited'; code: number }
  | { kind: 'signalled'; signal: NodeJS.Signals }
  | { kind: 'not-started'; message: string };

export async function run(
  options: OptionValues,
  context: RunnerContext,
  reporter: Reporter,
  command: Command,
): Promise<void> {
  const [program, ...args] = command.args;
  if (!program)
    throw new InputError(
      'No command to run.',
      'Give it after --, e.g. crosscheck run --key tests -- npm test.',
    );
  const label = basename(program);
  const ci = ciDefaults(context.env);
  const fields = ['repo', 'commit', 'key', 'name', 'url', 'refname'] as const;
  const record = Object.fromEntries(fields.map((field) => [field, stringOption(options, field)]));
  const { repo, commit, status } = toStatusToPost(
    { ...record, state: 'INPROGRESS', description: `Running ${label}` },
    {},
    ci,
  );
  const { api } = connectFromEnvironment(context, reporter, options);
  const where = `${formatRepository(repo)}@${commit.slice(0, 12)}`;
  const post = async (state: BuildStatusInput['state'], description: string) => {
    await api.setBuildStatus(repo, commit, { ...status, state, description });
    reporter.progress(`crosscheck: ${state} ${status.key} on ${where} — ${description}`);
  };

  await post('INPROGRESS', `Running ${label}`);
  // Loaded only here: child_process costs every other command a few milliseconds of start-up.
  const { spawn } = await import('node:child_process');
  const started = Date.now();
  let stoppedBy: NodeJS.Signals | undefined;
  const ending = await new Promise<Ending>((resolveEnding) => {
    const child = spawn(program, args, { cwd: context.cwd, env: context.env, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => {
      stoppedBy ??= signal;
      child.kill(signal);
    };
    const unsubscribe = FORWARDED_SIGNALS.map((signal) => context.onSignal(signal, forward));
    const settle = (value: Ending) => {
      for (const off of unsubscribe) off();
      resolveEnding(value);
    };
    child.once('error', (error: NodeJS.ErrnoException) =>
      settle({
        kind: 'not-started',
        message: error.code === 'ENOENT' ? `${label} was not found` : error.message,
      }),
    );
    child.once('exit', (code, signal) =>
      settle(signal ? { kind: 'signalled', signal } : { kind: 'exited', code: code ?? 1 }),
    );
  });
  const took = `after ${((Date.now() - started) / 1000).toFixed(1)} s`;

  const code = exitCodeOf(ending);
  try {
    if (stoppedBy) await post('STOPPED', `${label} stopped by ${stoppedBy} ${took}`);
    else if (ending.kind === 'not-started')
      await post('FAILED', `Could not start ${label}: ${ending.message}`);
    else if (ending.kind === 'signalled')
      await post('FAILED', `${label} was killed by ${ending.signal} ${took}`);
    else if (ending.code === 0) await post('SUCCESSFUL', `${label} succeeded ${took}`);
    else await post('FAILED', `${label} exited with code ${ending.code} ${took}`);
  } catch (error) {
    if (!(error instanceof CrosscheckError)) throw error;
    reporter.failure(error);
    throw new ExitError(code === 0 ? EXIT_FAILED : code);
  }
  if (ending.kind === 'not-started')
    reporter.progress(`crosscheck: could not start ${label}: ${ending.message}`);
  if (code !== 0) throw new ExitError(code);
}

function exitCodeOf(ending: Ending): number {
  switch (ending.kind) {
    case 'exited':
      return ending.code;
    case 'signalled':
      return 128 + (constants.signals[ending.signal] ?? 0);
    case 'not-started':
      return EXIT_NOT_STARTED;
  }
}
