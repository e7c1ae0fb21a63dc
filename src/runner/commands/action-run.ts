// `crosscheck action run`: runs a GitHub-style JavaScript or composite action here, optionally reporting it as a build status.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import {
  credentialSecrets,
  ENVIRONMENT_NAMES,
  CrosscheckError,
  InputError,
  parseCommit,
  parseHttpUrl,
  parseKey,
  parseRepository,
  type BitbucketConnection,
  type RepositoryRef,
} from '../../core';
import type { ActionLog, ActionRunResult } from '../action-engine';
import { connectFromEnvironment } from '../bitbucket-connection';
import { ciDefaults } from '../ci-environment';
import type { RunnerContext } from '../context';
import type { CommandRegistration } from '../program';
import { ExitError } from '../exit-codes';
import { type OptionValues, stringOption } from '../inputs';
import type { Reporter } from '../reporter';

const STATES = { success: 'SUCCESSFUL', failure: 'FAILED', cancelled: 'STOPPED' } as const;

/**
 * Crosscheck's own credential variables and GITHUB_TOKEN: an action never sees them unless passed with --env or as an
 * input (on GitHub a secret reaches an action only through `with:` or `env:`; GITHUB_TOKEN is `github.token`), and
 * their values are masked in everything, `action post` included.
 */
export const CREDENTIAL_VARIABLES = [
  ENVIRONMENT_NAMES.apiToken,
  ENVIRONMENT_NAMES.accessToken,
  ENVIRONMENT_NAMES.oauthClientSecret,
  ENVIRONMENT_NAMES.appPassword,
  'SONAR_TOKEN',
  'CROSSCHECK_ACTIONS_TOKEN',
  'GITHUB_TOKEN',
];

const JOB_HELP = `
Job: every action run of one Bitbucket step shares a job directory ($CROSSCHECK_JOB_DIR, else
.git/crosscheck/jobs/<step uuid> in the clone, else a temporary one whose post runs at once). What an action
exports (GITHUB_ENV, GITHUB_PATH) reaches every later action run; its post is queued for 'crosscheck action post'
(put it under after-script:), which also removes RUNNER_TEMP.`;

const repeatable = (value: string, previous: string[]) => [...previous, value];

export const actionCommand: CommandRegistration = (program, action) => {
  const actionGroup = program
    .command('action')
    .description(
      'run GitHub-style JavaScript and composite actions (local or remote) outside GitHub, e.g. in Bitbucket Pipelines',
    );
  statusTargetOptions(
    actionGroup
      .command('run')
      .description(
        "run a JavaScript or composite action, local or remote (what uses: takes), with GitHub's runner protocol (pre and main now, post queued)",
      )
      .argument(
        '<action>',
        'folder holding action.yml, or owner/repo[/path]@ref, or https://host/owner/repo@ref',
      )
      .option('--with <name=value>', 'an input of the action (repeatable)', repeatable, [] as string[])
      .option(
        '--with-env <name=variable>',
        'an input whose value is read from an environment variable and masked: a secret without putting it in argv (repeatable)',
        repeatable,
        [] as string[],
      )
      .option(
        '--env <name[=value]>',
        "a variable for the action, like a step's env: (repeatable); NAME alone takes the value from the environment, the only way a Crosscheck credential variable reaches an action",
        repeatable,
        [] as string[],
      )
      .option(
        '--exports-file <file>',
        'append what the action exported (GITHUB_ENV, GITHUB_PATH) as export lines a later script line can `. FILE` (not --env-file: node itself reads that flag anywhere on its command line)',
      )
      .option(
        '--outputs-file <file>',
        'write the outputs as a dotenv file (export OUTPUT_NAME=...) a later step can source',
      )
      .addOption(
        new Option(
          '--post <when>',
          "when the action's post runs: at 'crosscheck action post', or now, after main",
        )
          .choices(['end', 'now'])
          .default('end'),
      )
      .option(
        '--node <path>',
        'the Node.js to run the action on (default: the newest of $CROSSCHECK_NODE and the one running crosscheck)',
      )
      .option(
        '--actions-url <url>',
        'where owner/repo@ref actions are fetched with git: any git URL, e.g. a mirror (default $CROSSCHECK_ACTIONS_URL or https://github.com)',
      )
      .option('--debug', 'show ::debug:: lines and set RUNNER_DEBUG=1'),
    {
      key: 'also post a build status under this key (INPROGRESS, then the result) with a Code Insights report',
      name: 'the action name',
    },
  )
    .addHelpText(
      'after',
      [
        JOB_HELP,
        '',
        'Examples:',
        '  crosscheck action run ./actions/setup-tool --with version=1.2 --exports-file .git/actions.env && . .git/actions.env',
        '  crosscheck action run ./checks/license-scan --with fail-on=high --outputs-file outputs.env --key license',
        '  crosscheck action run my-org/quality-gate@v2 --with project=web',
        '',
        'owner/repo@ref always names a repository; a local action is ./path or an absolute path. Remote actions are',
        'cached by commit in $CROSSCHECK_ACTIONS_CACHE (default ~/.cache/crosscheck/actions), checked against the commit',
        'before each run, and run from the cache when the host cannot be reached. A credential for the actions host: $CROSSCHECK_ACTIONS_TOKEN',
        '(user name $CROSSCHECK_ACTIONS_USERNAME, default x-access-token); nothing is sent to it otherwise.',
      ].join('\n'),
    )
    .action(
      // <action> is a required argument: commander refuses the command line before calling this without it.
      action((options, context, reporter, command) =>
        actionRun(options, context, reporter, command.args[0]!),
      ),
    );
  actionGroup
    .command('post')
    .description(
      "run the posts the job's action runs queued, last first, with post-if judged by $BITBUCKET_EXIT_CODE; then remove the job",
    )
    .addOption(
      new Option(
        '--job-status <status>',
        'the job status post-if sees (default: from $BITBUCKET_EXIT_CODE, else failure when an action run failed)',
      ).choices(['success', 'failure', 'cancelled']),
    )
    .option('--debug', 'show ::debug:: lines and set RUNNER_DEBUG=1')
    .addHelpText(
      'after',
      `${JOB_HELP}\n\nExample (bitbucket-pipelines.yml):\n  after-script:\n    - crosscheck action post   # the crosscheck installed earlier in the step`,
    )
    .action(action((options, context, reporter) => actionPost(options, context, reporter)));
};

export async function actionRun(
  options: OptionValues,
  context: RunnerContext,
  reporter: Reporter,
  path: string,
): Promise<void> {
  // Loaded here: the action engine (and its YAML parser) is a bundle of its own.
  const engine = await import('../action-engine/index.js');
  const inputs = parseWith(options.with);
  const { inputs: secretInputs, variables: secretVariables } = parseWithEnv(options.withEnv, context.env);
  Object.assign(inputs, secretInputs);
  const stepEnv = parseEnv(options.env, context.env);
  const remoteActions = new engine.RemoteActions({
    ...remoteActionsSettings(options, context.env),
    env: context.env,
    progress: (message) => reporter.progress(message),
  });
  const target = statusTarget(options, context);
  const connection = target ? connectFromEnvironment(context, reporter, options) : undefined;
  const secrets = connection ? credentialSecrets(connection.credential) : [];
  const name = stringOption(options, 'name');
  // Files a later step sources are checked before anything runs (and again, without following links, when written).
  for (const [option, key] of [
    ['--outputs-file', 'outputsFile'],
    ['--exports-file', 'exportsFile'],
  ] as const) {
    const file = stringOption(options, key);
    if (file) await usageErrors(engine, () => engine.checkUserFile(resolve(context.cwd, file), option));
  }
  const cancellation = cancelOnSignals(context, reporter);
  try {
    const prepared = await usageErrors(engine, async () =>
      engine.prepareAction({
        actionPath: path,
        remoteActions,
        inputs,
        stepEnv,
        env: context.env,
        cwd: context.cwd,
        log: terminalLog(reporter),
        debug: debugging(options, context),
        hidden: CREDENTIAL_VARIABLES,
        secrets,
        secretVariables,
        job: await engine.locateJob(context.env, context.cwd),
        post: options.post === 'now' ? 'now' : 'queue',
        node: stringOption(options, 'node'),
        signal: cancellation.signal,
        ...(context.warmNode && { warm: context.warmNode }),
      }),
    );
    if (target && connection) {
      await connection.api.setBuildStatus(target.repo, target.commit, {
        ...target.status,
        state: 'INPROGRESS',
        description: 'running',
        name: name ?? target.status.key,
      });
      reporter.progress(`Marked ${target.status.key} INPROGRESS on ${target.commit.slice(0, 12)}.`);
    }
    // Whatever goes wrong from here on, the status must not stay INPROGRESS.
    let settled = !(target && connection);
    try {
      const run = await midRunErrors(engine, () => prepared.run());
      if (run.summary) {
        reporter.line('');
        reporter.line('── Step summary ──');
        reporter.line(run.summary);
      }
      const outputsFile = stringOption(options, 'outputsFile');
      if (outputsFile) {
        const collisions = await writing(engine, '--outputs-file', outputsFile, () =>
          engine.writeOutputsFile(resolve(context.cwd, outputsFile), run.outputs),
        );
        for (const collision of collisions) reporter.warn(collision);
      }
      const exportsFile = stringOption(options, 'exportsFile');
      if (exportsFile) {
        const skipped = await writing(engine, '--exports-file', exportsFile, () =>
          engine.appendEnvExports(resolve(context.cwd, exportsFile), run.exported),
        );
        for (const skippedName of skipped) {
          reporter.warn(
            `'${skippedName}' is not a shell variable name, so ${exportsFile} leaves it out; later action runs still see it.`,
          );
        }
      }
      for (const [key, value] of Object.entries(run.outputs)) reporter.output(key, value);
      reporter.line(`${run.action.name}: ${run.result} (exit ${run.exitCode})`);
      reporter.json(engine.actionRunToJson(run));
      if (target && connection) {
        await postVerdict(engine, connection, target, name ?? run.action.name, run, reporter, () => {
          settled = true;
        });
      }
      if (run.exitCode !== 0) throw new ExitError(run.exitCode);
    } catch (error) {
      if (!settled && target && connection) {
        await postUnfinished(connection, target, name ?? prepared.definition.name, 'the action run');
      }
      throw error;
    }
  } finally {
    cancellation.dispose();
  }
}

export async function actionPost(
  options: OptionValues,
  context: RunnerContext,
  reporter: Reporter,
): Promise<void> {
  const engine = await import('../action-engine/index.js');
  const status = jobStatus(options, context.env);
  const job = await usageErrors(engine, () => engine.locateJob(context.env, context.cwd));
  if (!job) {
    throw new InputError(
      'There is no job to run posts for: BITBUCKET_STEP_UUID and CROSSCHECK_JOB_DIR are both unset.',
      "Run 'crosscheck action post' in the after-script of the Bitbucket step that ran the actions, or set CROSSCHECK_JOB_DIR to the same directory for both.",
    );
  }
  const result = await usageErrors(engine, () =>
    engine.runQueuedPosts({
      env: context.env,
      cwd: context.cwd,
      log: terminalLog(reporter),
      debug: debugging(options, context),
      hidden: CREDENTIAL_VARIABLES,
      job,
      ...(status && { status }),
    }),
  );
  if (result.summary) {
    reporter.line('');
    reporter.line('── Step summary ──');
    reporter.line(result.summary);
  }
  const ran = result.phases.filter((phase) => phase.status !== 'skipped').length;
  reporter.line(
    result.phases.length === 0
      ? `No posts were queued in ${job.directory}.`
      : `Posts: ${ran} ran, ${result.phases.length - ran} skipped; job ${result.result} (exit ${result.exitCode})`,
  );
  const { mask, ...json } = result;
  reporter.json({ ...json, summary: mask(json.summary) });
  if (result.exitCode !== 0) throw new ExitError(result.exitCode);
}

/**
 * Runs the action, turning an ActionDefinitionError met halfway (an expression too large to evaluate, a file of the
 * job that is not safe to use) into a usage error (exit 2); its message is already masked by the engine.
 */
async function midRunErrors<T>(
  engine: { ActionDefinitionError: new (...args: never[]) => Error },
  body: () => Promise<T>,
  fix = 'Fix it and run again; the action stopped there.',
): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof engine.ActionDefinitionError) throw new InputError(error.message, fix);
    throw error;
  }
}

/** Runs a write of a file the user named, explaining a failure (a folder, no permission) instead of a stack trace. */
export async function writing<T>(
  engine: { ActionDefinitionError: new (...args: never[]) => Error },
  option: string,
  file: string,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await midRunErrors(
      engine,
      write,
      `Give ${option} a new file of your own; the action itself has run.`,
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code) throw error;
    throw new CrosscheckError(
      `Could not write ${option} ${file} (${code}).`,
      `Give ${option} a file in a folder you can write; the action itself has run.`,
    );
  }
}

/** --job-status, else BITBUCKET_EXIT_CODE (0: success, anything else: failure), else undefined (the job decides). */
function jobStatus(
  options: OptionValues,
  env: Record<string, string | undefined>,
): 'success' | 'failure' | 'cancelled' | undefined {
  const given = stringOption(options, 'jobStatus');
  if (given === 'success' || given === 'failure' || given === 'cancelled') return given;
  const exit = env.BITBUCKET_EXIT_CODE?.trim();
  if (!exit) return undefined;
  if (!/^\d+$/.test(exit)) {
    throw new InputError(
      `BITBUCKET_EXIT_CODE is '${exit}', not an exit code.`,
      'Leave BITBUCKET_EXIT_CODE to Bitbucket, or pass --job-status success|failure|cancelled.',
    );
  }
  return exit === '0' ? 'success' : 'failure';
}

export function debugging(options: OptionValues, context: RunnerContext): boolean {
  return (
    Boolean(options.debug) || context.env.RUNNER_DEBUG === '1' || context.env.ACTIONS_STEP_DEBUG === 'true'
  );
}

/**
 * Runs `body`, turning the engine's ActionDefinitionError (nothing was run) into a usage error (exit 2) and a remote
 * action that could not be fetched into a failure with what to do.
 */
async function usageErrors<T>(
  engine: {
    ActionDefinitionError: new (...args: never[]) => Error;
    ActionFetchError: new (...args: never[]) => Error;
  },
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof engine.ActionDefinitionError) {
      throw new InputError(
        error.message,
        'Fix it (action.yml, the path to the action, or the option named) and run again; nothing was run.',
      );
    }
    if (error instanceof engine.ActionFetchError) {
      throw new CrosscheckError(
        error.message,
        'Check that the actions host can be reached (--actions-url), or run once where it can so the cache holds the action.',
      );
    }
    throw error;
  }
}

/** SIGINT / SIGTERM cancel the action (forwarded to its script) instead of killing crosscheck. */
export function cancelOnSignals(
  context: RunnerContext,
  reporter: Reporter,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const offs = (['SIGINT', 'SIGTERM'] as const).map((name) => {
    const off = context.onSignal(name, (signal) => {
      off();
      reporter.progress(`${signal} received: stopping the action…`);
      controller.abort(signal);
    });
    return off;
  });
  return { signal: controller.signal, dispose: () => offs.forEach((off) => off()) };
}

/** `--env NAME=VALUE`, or `--env NAME` for the value in the environment (refused when unset). */
function parseEnv(raw: unknown, env: Record<string, string | undefined>): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const entry of Array.isArray(raw) ? (raw as string[]) : []) {
    const equals = entry.indexOf('=');
    const name = (equals < 0 ? entry : entry.slice(0, equals)).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new InputError(
        `--env "${entry.slice(0, 40)}" does not start with a variable name.`,
        'Give --env NAME (value from the environment) or --env NAME=VALUE.',
      );
    }
    const value = equals < 0 ? env[name] : entry.slice(equals + 1);
    if (value === undefined) {
      throw new InputError(
        `--env ${name}: ${name} is not set in the environment.`,
        `Set ${name}, or give the value: --env ${name}=VALUE.`,
      );
    }
    variables[name] = value;
  }
  return variables;
}

/** Where remote actions come from and are kept, and the credential for that host (only when one is given). */
export function remoteActionsSettings(
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

/**
 * `--with-env NAME=VARIABLE`: the input NAME gets the value of the environment variable VARIABLE (refused when unset).
 * The variables are returned too: the job remembers their names, not their values, to mask them in `action post`.
 */
function parseWithEnv(
  raw: unknown,
  env: Record<string, string | undefined>,
): { inputs: Record<string, string>; variables: string[] } {
  const inputs: Record<string, string> = {};
  const variables: string[] = [];
  for (const entry of Array.isArray(raw) ? (raw as string[]) : []) {
    const equals = entry.indexOf('=');
    const variable = entry.slice(equals + 1).trim();
    if (equals <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
      throw new InputError(
        `--with-env "${entry.slice(0, 60)}" is not NAME=VARIABLE.`,
        'Give the input name and the environment variable holding its value, e.g. --with-env ssh-private-key=DEPLOY_KEY.',
      );
    }
    const value = env[variable];
    if (value === undefined) {
      throw new InputError(
        `--with-env ${entry}: ${variable} is not set.`,
        `Set ${variable} in the step's environment.`,
      );
    }
    inputs[entry.slice(0, equals).trim()] = value;
    variables.push(variable);
  }
  return { inputs, variables };
}

/**
 * With --key: the run's verdict as a build status, then its Code Insights report and annotations (an action's run, or
 * a workflow job's). `settled` is called once the status is set, so a later failure leaves it as it is; `outcome` is the
 * word the description starts with (a workflow job's `skipped` posts SUCCESSFUL and says so).
 */
export async function postVerdict(
  engine: Pick<typeof import('../action-engine/index.js'), 'reportFor' | 'annotationsFor'>,
  connection: BitbucketConnection,
  target: StatusTarget,
  title: string,
  run: ActionRunResult,
  reporter: Reporter,
  settled: () => void,
  outcome: string = run.result,
): Promise<void> {
  const errors = run.annotations.filter((annotation) => annotation.level === 'error').length;
  await connection.api.setBuildStatus(target.repo, target.commit, {
    ...target.status,
    name: title,
    state: STATES[run.result],
    description: `${outcome}${errors ? `, ${errors} error${errors === 1 ? '' : 's'}` : ''}`,
  });
  settled();
  await connection.api.putReport(target.repo, target.commit, target.status.key, engine.reportFor(run, title));
  const sent = await connection.api.postAnnotations(
    target.repo,
    target.commit,
    target.status.key,
    engine.annotationsFor(run),
  );
  reporter.progress(
    `Posted ${STATES[run.result]} under ${target.status.key} with a Code Insights report${sent ? ` and ${sent} annotation${sent === 1 ? '' : 's'}` : ''}.`,
  );
}

/** With --key, when a run stops before its verdict was posted: FAILED, so the commit is never left INPROGRESS. */
export async function postUnfinished(
  connection: BitbucketConnection,
  target: StatusTarget,
  title: string,
  what: string,
): Promise<void> {
  await connection.api
    .setBuildStatus(target.repo, target.commit, {
      ...target.status,
      name: title,
      state: 'FAILED',
      description: `crosscheck could not finish ${what}`,
    })
    .catch(() => undefined);
}

export interface StatusTarget {
  repo: RepositoryRef;
  commit: string;
  status: { key: string; url: string; refname?: string };
}

/** The options statusTarget reads: --key and where the status goes, for action run and workflow run alike. */
export function statusTargetOptions(command: Command, help: { key: string; name: string }): Command {
  return command
    .option('--key <key>', help.key)
    .option('--name <text>', `status and report title (default: ${help.name})`)
    .option('--url <url>', 'link from the status (default: this CI run, when known)')
    .option('--repo <workspace/repo>', 'repository for the status (default $BITBUCKET_REPO_FULL_NAME)')
    .option('--commit <sha>', 'commit for the status (default $BITBUCKET_COMMIT)')
    .option('--refname <branch>', 'branch for the status (default $BITBUCKET_BRANCH)');
}

/** With --key, where the status goes; checked before the action runs so bad input stops everything. */
export function statusTarget(options: OptionValues, context: RunnerContext): StatusTarget | undefined {
  const keyOption = stringOption(options, 'key');
  if (!keyOption) return undefined;
  const ci = ciDefaults(context.env);
  const given = stringOption(options, 'url') ?? ci.runUrl;
  if (!given)
    throw new InputError(
      '--url is required with --key outside a CI run.',
      'Give --url with a link to this run or its report.',
    );
  const url = parseHttpUrl(given);
  const refname = stringOption(options, 'refname') ?? ci.refname;
  return {
    repo: parseRepository(stringOption(options, 'repo') ?? ci.repo),
    commit: parseCommit(stringOption(options, 'commit') ?? ci.commit),
    status: { key: parseKey(keyOption), url, ...(refname ? { refname } : {}) },
  };
}

/**
 * Renders what the action printed: its lines as they are, annotations and groups in a readable form. With --json the
 * lines go to stderr, so stdout holds the JSON document alone.
 */
export function terminalLog(reporter: Reporter): ActionLog {
  let depth = 0;
  const indent = () => '  '.repeat(depth);
  const print = (text: string) =>
    reporter.options.json ? reporter.progress(`${indent()}${text}`) : reporter.line(`${indent()}${text}`);
  return {
    line: print,
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
      print(`▶ ${title}`);
      depth++;
    },
    endGroup: () => {
      depth = Math.max(0, depth - 1);
    },
    phaseStarted: (phase, script, action) =>
      reporter.progress(`── ${phase}${action ? ` of ${action}` : ''}: ${script}`),
    phaseFinished: (result) => {
      const of = result.action ? ` of ${result.action}` : '';
      if (result.status === 'skipped')
        reporter.progress(`── ${result.phase}${of} skipped${result.reason ? `: ${result.reason}` : ''}`);
      if (result.status === 'queued')
        reporter.progress(`── ${result.phase}${of} queued: ${result.reason ?? ''}`);
    },
  };
}
