// `crosscheck action run`: runs a GitHub-style JavaScript action here, optionally reporting it as a build status.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { credentialSecrets } from '../../core/credentials';
import { CrosscheckError, InputError } from '../../core/errors';
import { parseCommit, parseKey, parseRepository, type RepositoryRef } from '../../core/validation';
import type { ActionLog } from '../actions';
import { connectFromEnvironment } from '../bitbucket-connection';
import { ciDefaults } from '../ci-environment';
import type { RunnerContext } from '../context';
import type { CommandRegistration } from '../program';
import { ExitError } from '../exit-codes';
import { type OptionValues, stringOption } from '../inputs';
import type { Reporter } from '../reporter';

const STATES = { success: 'SUCCESSFUL', failure: 'FAILED', cancelled: 'STOPPED' } as const;

export const actionCommand: CommandRegistration = (program, action) => {
  program
    .command('action')
    .description('run GitHub-style JavaScript actions outside GitHub, e.g. in Bitbucket Pipelines')
    .command('run')
    .description(
      "run a JavaScript or composite action, local or remote (what uses: takes), with GitHub's runner protocol",
    )
    .argument(
      '<action>',
      'folder holding action.yml, or owner/repo[/path]@ref, or https://host/owner/repo@ref',
    )
    .option(
      '--with <name=value>',
      'an input of the action (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--outputs-file <file>',
      'write the outputs as a dotenv file (export OUTPUT_NAME=...) a later step can source',
    )
    .option(
      '--actions-url <url>',
      'where owner/repo@ref actions are fetched with git: any git URL, e.g. a mirror (default $CROSSCHECK_ACTIONS_URL or https://github.com)',
    )
    .option('--debug', 'show ::debug:: lines and set RUNNER_DEBUG=1')
    .option(
      '--key <key>',
      'also post a build status under this key (INPROGRESS, then the result) with a Code Insights report',
    )
    .option('--name <text>', 'status and report title (default: the action name)')
    .option('--url <url>', 'link from the status (default: this CI run, when known)')
    .option('--repo <workspace/repo>', 'repository for the status (default $BITBUCKET_REPO_FULL_NAME)')
    .option('--commit <sha>', 'commit for the status (default $BITBUCKET_COMMIT)')
    .option('--refname <branch>', 'branch for the status (default $BITBUCKET_BRANCH)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  crosscheck action run ./checks/license-scan --with fail-on=high --outputs-file outputs.env --key license',
        '  crosscheck action run my-org/quality-gate@v2 --with project=web',
        '',
        'Remote actions are cached by commit in $CROSSCHECK_ACTIONS_CACHE (default ~/.cache/crosscheck/actions) and run',
        'from the cache when the host cannot be reached. A credential for the actions host: $CROSSCHECK_ACTIONS_TOKEN',
        '(user name $CROSSCHECK_ACTIONS_USERNAME, default x-access-token); nothing is sent to it otherwise.',
      ].join('\n'),
    )
    .action(
      action((options, context, reporter, command) => actionRun(options, context, reporter, command.args[0])),
    );
};

export async function actionRun(
  options: OptionValues,
  context: RunnerContext,
  reporter: Reporter,
  path: string,
): Promise<void> {
  // Loaded here: the action engine (and its YAML parser) is a bundle of its own.
  const {
    ActionDefinitionError,
    ActionFetchError,
    RemoteActions,
    actionRunToJson,
    annotationsFor,
    reportFor,
    runAction,
    writeOutputsFile,
  } = await import('../actions/index.js');
  const inputs = parseWith(options.with);
  const remoteActions = new RemoteActions({
    ...remoteActionsSettings(options, context.env),
    env: context.env,
    progress: (message) => reporter.progress(message),
  });
  const target = statusTarget(options, context);
  const connection = target ? connectFromEnvironment(context, reporter, options) : undefined;
  const secrets = connection ? credentialSecrets(connection.credential) : [];
  if (context.env.CROSSCHECK_ACTIONS_TOKEN) secrets.push(context.env.CROSSCHECK_ACTIONS_TOKEN);
  const controller = new AbortController();
  const cancel = (signal: NodeJS.Signals) => {
    reporter.progress(`${signal} received: stopping the action…`);
    controller.abort(signal);
  };
  const onInt = () => cancel('SIGINT');
  const onTerm = () => cancel('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  const name = stringOption(options, 'name');
  try {
    if (target && connection) {
      await connection.api.setBuildStatus(target.repo, target.commit, {
        ...target.status,
        state: 'INPROGRESS',
        description: 'running',
        name: name ?? target.status.key,
      });
      reporter.progress(`Marked ${target.status.key} INPROGRESS on ${target.commit.slice(0, 12)}.`);
    }
    let run;
    try {
      run = await runAction({
        actionPath: path,
        remoteActions,
        inputs,
        env: context.env,
        cwd: context.cwd,
        log: terminalLog(reporter),
        debug:
          Boolean(options.debug) ||
          context.env.RUNNER_DEBUG === '1' ||
          context.env.ACTIONS_STEP_DEBUG === 'true',
        signal: controller.signal,
        secrets,
      });
    } catch (error) {
      if (error instanceof ActionDefinitionError)
        throw new InputError(
          error.message,
          'Fix action.yml (or the path to the action) and run again; nothing was run.',
        );
      if (error instanceof ActionFetchError)
        throw new CrosscheckError(
          error.message,
          'Check that the actions host can be reached (--actions-url), or run once where it can so the cache holds the action.',
        );
      throw error;
    }
    if (run.summary) {
      reporter.line('');
      reporter.line('── Step summary ──');
      reporter.line(run.summary);
    }
    const outputsFile = stringOption(options, 'outputsFile');
    if (outputsFile) {
      const collisions = await writeOutputsFile(resolve(context.cwd, outputsFile), run.outputs);
      for (const collision of collisions) reporter.warn(collision);
    }
    for (const [key, value] of Object.entries(run.outputs)) reporter.output(key, value);
    reporter.line(`${run.action.name}: ${run.result} (exit ${run.exitCode})`);
    reporter.json(actionRunToJson(run));
    if (target && connection) {
      const title = name ?? run.action.name;
      const errors = run.annotations.filter((annotation) => annotation.level === 'error').length;
      await connection.api.setBuildStatus(target.repo, target.commit, {
        ...target.status,
        name: title,
        state: STATES[run.result],
        description: `${run.result}${errors ? `, ${errors} error${errors === 1 ? '' : 's'}` : ''}`,
      });
      await connection.api.putReport(target.repo, target.commit, target.status.key, reportFor(run, title));
      const sent = await connection.api.postAnnotations(
        target.repo,
        target.commit,
        target.status.key,
        annotationsFor(run),
      );
      reporter.progress(
        `Posted ${STATES[run.result]} under ${target.status.key} with a Code Insights report${sent ? ` and ${sent} annotation${sent === 1 ? '' : 's'}` : ''}.`,
      );
    }
    if (run.exitCode !== 0) throw new ExitError(run.exitCode);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

/** Where remote actions come from and are kept, and the credential for that host (only when one is given). */
function remoteActionsSettings(
  options: OptionValues,
  env: Record<string, string | undefined>,
): { actionsUrl: string; cacheDirectory: string; credential?: { username: string; token: string } } {
  const actionsUrl =
    stringOption(options, 'actionsUrl') ?? env.CROSSCHECK_ACTIONS_URL ?? 'https://github.com';
  let parsed: URL | undefined;
  try {
    parsed = new URL(actionsUrl);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['https:', 'http:', 'file:', 'ssh:'].includes(parsed.protocol)) {
    throw new InputError(
      `--actions-url '${actionsUrl}' is not an https://, http://, file:// or ssh:// URL.`,
      'Give the base URL owner/repo is appended to, e.g. https://github.com or file:///srv/actions.',
    );
  }
  if (parsed.username || parsed.password) {
    throw new InputError(
      '--actions-url must not hold a credential.',
      'Put the token in CROSSCHECK_ACTIONS_TOKEN (and the user name in CROSSCHECK_ACTIONS_USERNAME); it is sent as a header, never in the URL.',
    );
  }
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  const cacheDirectory = resolve(
    env.CROSSCHECK_ACTIONS_CACHE ?? join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'crosscheck', 'actions'),
  );
  const token = env.CROSSCHECK_ACTIONS_TOKEN;
  return {
    actionsUrl,
    cacheDirectory,
    ...(token
      ? { credential: { username: env.CROSSCHECK_ACTIONS_USERNAME || 'x-access-token', token } }
      : {}),
  };
}

function parseWith(raw: unknown): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const entry of Array.isArray(raw) ? (raw as string[]) : []) {
    const equals = entry.indexOf('=');
    if (equals <= 0)
      throw new InputError(`--with "${entry}" is not NAME=VALUE.`, 'Give each input as --with name=value.');
    inputs[entry.slice(0, equals).trim()] = entry.slice(equals + 1);
  }
  return inputs;
}

interface StatusTarget {
  repo: RepositoryRef;
  commit: string;
  status: { key: string; url: string; refname?: string };
}

/** With --key, where the status goes; checked before the action runs so bad input stops everything. */
function statusTarget(options: OptionValues, context: RunnerContext): StatusTarget | undefined {
  const keyOption = stringOption(options, 'key');
  if (!keyOption) return undefined;
  const ci = ciDefaults(context.env);
  const url = stringOption(options, 'url') ?? ci.runUrl;
  if (!url)
    throw new InputError(
      '--url is required with --key outside a CI run.',
      'Give --url with a link to this run or its report.',
    );
  const refname = stringOption(options, 'refname') ?? ci.refname;
  return {
    repo: parseRepository(stringOption(options, 'repo') ?? ci.repo),
    commit: parseCommit(stringOption(options, 'commit') ?? ci.commit),
    status: { key: parseKey(keyOption), url, ...(refname ? { refname } : {}) },
  };
}

/** Renders what the action printed: its lines as they are, annotations and groups in a readable form. */
function terminalLog(reporter: Reporter): ActionLog {
  let depth = 0;
  const indent = () => '  '.repeat(depth);
  return {
    line: (text) => reporter.line(`${indent()}${text}`),
    annotation: (annotation) => {
      const where = annotation.file
        ? `${annotation.file}${annotation.line ? `:${annotation.line}` : ''}: `
        : '';
      reporter.progress(
        `${indent()}${annotation.level}: ${where}${annotation.title ? `${annotation.title}: ` : ''}${annotation.message}`,
      );
    },
    debug: (text) => reporter.progress(`${indent()}debug: ${text}`),
    startGroup: (title) => {
      reporter.line(`${indent()}▶ ${title}`);
      depth++;
    },
    endGroup: () => {
      depth = Math.max(0, depth - 1);
    },
    phaseStarted: (phase, script) => reporter.progress(`── ${phase}: ${script}`),
    phaseFinished: (result) => {
      if (result.status === 'skipped')
        reporter.progress(`── ${result.phase} skipped${result.reason ? `: ${result.reason}` : ''}`);
    },
  };
}
