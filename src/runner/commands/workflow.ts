// `crosscheck workflow run|matrix|pipelines`: a GitHub workflow's jobs in Bitbucket steps, and the pipelines file for them.
import { resolve } from 'node:path';
import { Option } from 'commander';
import { credentialSecrets, CrosscheckError, InputError, VERSION } from '../../core';
import { connectFromEnvironment } from '../bitbucket-connection';
import type { RunnerContext } from '../context';
import { ExitError } from '../exit-codes';
import { type OptionValues, stringOption } from '../inputs';
import type { CommandRegistration } from '../program';
import type { Reporter } from '../reporter';
import {
  cancelOnSignals,
  CREDENTIAL_VARIABLES,
  debugging,
  postUnfinished,
  postVerdict,
  remoteActionsSettings,
  statusTarget,
  statusTargetOptions,
  terminalLog,
  writing,
} from './action-run';

const repeatable = (value: string, previous: string[]) => [...previous, value];

const RUN_HELP = `
The job runs here, in this Bitbucket step, on the job machinery of 'action run': the step's job directory
($CROSSCHECK_JOB_DIR, else one per BITBUCKET_STEP_UUID, else a temporary one), env and PATH carried from step to step,
masks, posts at the end of the job (--post step: at 'crosscheck action post' in after-script:).
The workflow is validated with GitHub's own parser (@actions/workflow-parser) and every expression checked before
anything runs; container:, services: and Docker actions are refused (use the step's image: and services:).

Examples:
  crosscheck workflow run .github/workflows/ci.yml --job build --matrix node=20 --outputs-file build.env
  crosscheck workflow run .github/workflows/ci.yml --job deploy --needs build.env --secret DEPLOY_TOKEN --var REGION=eu`;

export const workflowCommand: CommandRegistration = (program, action) => {
  const group = program
    .command('workflow')
    .description(
      "run a GitHub workflow's jobs in Bitbucket steps, and draw a bitbucket-pipelines.yml from workflows",
    );
  statusTargetOptions(
    group
      .command('run')
      .description(
        'run one job of a GitHub workflow in this step: run: and uses: steps, if:, env:, contexts, outputs',
      )
      .argument('<file>', 'the workflow file, e.g. .github/workflows/ci.yml')
      .requiredOption('--job <id>', 'the job to run (its key under jobs:)')
      .option(
        '--matrix <name=value>',
        'the matrix combination to run, one value per option (see workflow matrix)',
        repeatable,
        [] as string[],
      )
      .option(
        '--secret <name>',
        'secrets.NAME from the environment variable NAME, masked; steps see it only through env: or with: (repeatable)',
        repeatable,
        [] as string[],
      )
      .option('--var <name=value>', 'vars.NAME (repeatable)', repeatable, [] as string[])
      .option(
        '--input <name=value>',
        'inputs.NAME of workflow_dispatch (repeatable; defaults from the workflow)',
        repeatable,
        [] as string[],
      )
      .option(
        '--needs <files...>',
        'outputs files of the jobs this one needs (written by their --outputs-file)',
      )
      .option(
        '--outputs-file <file>',
        "write the job's outputs (export OUTPUT_NAME=...), for a later step to source or --needs to read",
      )
      .addOption(
        new Option(
          '--post <when>',
          "when the actions' posts run: at the end of the job, or at 'crosscheck action post'",
        )
          .choices(['end', 'step'])
          .default('end'),
      )
      .option(
        '--node <path>',
        'the Node.js to run actions on (default: the newest of $CROSSCHECK_NODE and the one running crosscheck)',
      )
      .option(
        '--actions-url <url>',
        'where owner/repo@ref actions are fetched with git (default $CROSSCHECK_ACTIONS_URL or https://github.com)',
      )
      .option('--debug', 'show ::debug:: lines and set RUNNER_DEBUG=1'),
    {
      key: 'also post a build status for the whole job under this key, with a Code Insights report',
      name: 'the job name',
    },
  )
    .addHelpText('after', RUN_HELP)
    .action(
      action((options, context, reporter, command) =>
        workflowRun(options, context, reporter, command.args[0]!),
      ),
    );
  group
    .command('matrix')
    .description(
      "list a job's matrix combinations (include and exclude applied), each as the --matrix options that pick it",
    )
    .argument('<file>', 'the workflow file')
    .requiredOption('--job <id>', 'the job')
    .action(
      action((options, context, reporter, command) =>
        workflowMatrix(options, context, reporter, command.args[0]!),
      ),
    );
  group
    .command('pipelines')
    .description(
      'print a bitbucket-pipelines.yml that runs these workflows: a step per job, needs as order, matrix as parallel steps',
    )
    .argument('<files...>', 'workflow files, as the steps will name them (relative to the repository root)')
    .option('--image <image>', 'the image of every step (it needs Node.js 20 or later)', 'node:24')
    .option(
      '--tarball <path>',
      `the Crosscheck release tarball: a path in the repository, installed offline (default tools/crosscheck-${VERSION}.tgz), or an https:// URL checked against $CROSSCHECK_TARBALL_SHA256`,
    )
    .addHelpText(
      'after',
      '\nWhat cannot be translated is listed in comments at the top of the file and on stderr.\n\nExample:\n  crosscheck workflow pipelines .github/workflows/ci.yml > bitbucket-pipelines.yml',
    )
    .action(
      action((options, context, reporter, command) =>
        workflowPipelines(options, context, reporter, command.args),
      ),
    );
};

type WorkflowModule = typeof import('../workflow/index.js');

/** Loads the workflow chunk (GitHub's parser with it); its WorkflowError becomes a usage error: nothing was run. */
async function usage<T>(body: (workflow: WorkflowModule) => Promise<T>): Promise<T> {
  const workflow = await import('../workflow/index.js');
  try {
    return await body(workflow);
  } catch (error) {
    if (error instanceof workflow.WorkflowError) {
      throw new InputError(
        error.message,
        'Fix the workflow or the option named and run again; nothing was run.',
      );
    }
    const name = (error as Error | undefined)?.constructor?.name;
    if (name === 'ActionDefinitionError' || name === 'ExpressionError') {
      throw new InputError((error as Error).message, 'Fix the workflow or the action it uses and run again.');
    }
    throw error;
  }
}

function pairs(raw: unknown, option: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of Array.isArray(raw) ? (raw as string[]) : []) {
    const equals = entry.indexOf('=');
    if (equals <= 0)
      throw new InputError(
        `${option} "${entry.slice(0, 40)}" is not NAME=VALUE.`,
        `Give ${option} NAME=VALUE.`,
      );
    result[entry.slice(0, equals).trim()] = entry.slice(equals + 1);
  }
  return result;
}

function list(raw: unknown): string[] {
  return Array.isArray(raw)
    ? (raw as string[])
    : typeof raw === 'string' && raw !== ''
      ? raw.split('\n')
      : [];
}

export async function workflowRun(
  options: OptionValues,
  context: RunnerContext,
  reporter: Reporter,
  file: string,
): Promise<void> {
  const secrets: Record<string, string> = {};
  for (const name of list(options.secret)) {
    const value = context.env[name];
    if (value === undefined)
      throw new InputError(
        `--secret ${name}: ${name} is not set in the environment.`,
        `Set ${name} (a secured variable in Bitbucket), or leave --secret ${name} out.`,
      );
    secrets[name] = value;
  }
  for (const value of Object.values(secrets)) reporter.secret(value);
  const vars = pairs(options.var, '--var');
  const given = pairs(options.input, '--input');
  const target = statusTarget(options, context);
  const connection = target ? connectFromEnvironment(context, reporter, options) : undefined;
  const masked = connection ? credentialSecrets(connection.credential) : [];
  if (context.env.CROSSCHECK_ACTIONS_TOKEN) masked.push(context.env.CROSSCHECK_ACTIONS_TOKEN);
  const engine = await import('../action-engine/index.js');
  const cancellation = cancelOnSignals(context, reporter);
  try {
    const prepared = await usage(async (workflows) => {
      const workflow = await workflows.loadWorkflow(resolve(context.cwd, file), file);
      const job = workflows.findJob(workflow, stringOption(options, 'job') ?? '');
      const matrix = workflows.chooseCombination(job, workflows.parseMatrixOptions(list(options.matrix)));
      // --input makes the run a workflow_dispatch (the drawn custom pipelines pass every input); else no inputs, as GitHub.
      const dispatched = Object.keys(given).length > 0;
      const inputs = dispatched ? dispatchInputs(workflow.on.workflow_dispatch, given) : {};
      const needs = await workflows.readNeeds(
        list(options.needs).map((needed) => resolve(context.cwd, needed)),
      );
      const remoteActions = new engine.RemoteActions({
        ...remoteActionsSettings(options, context.env),
        env: context.env,
        progress: (message) => reporter.progress(message),
      });
      const location = await engine.locateJob(context.env, context.cwd);
      const job$ = await workflows.prepareWorkflowJob({
        workflow,
        job,
        matrix,
        secrets,
        vars,
        inputs,
        needs,
        env: dispatched ? { GITHUB_EVENT_NAME: 'workflow_dispatch', ...context.env } : context.env,
        cwd: context.cwd,
        log: terminalLog(reporter),
        announce: (text) => reporter.progress(text),
        debug: debugging(options, context),
        hidden: CREDENTIAL_VARIABLES,
        masked,
        location,
        remoteActions,
        node: stringOption(options, 'node'),
        post: options.post === 'step' && location ? 'step' : 'end',
        signal: cancellation.signal,
        ...(context.warmNode && { warm: context.warmNode }),
      });
      return { ...job$, workflow, job, matrix, workflows };
    });
    for (const note of prepared.notes) reporter.progress(`note: ${note}`);
    const title = stringOption(options, 'name') ?? prepared.job.name ?? prepared.job.id;
    if (target && connection) {
      await connection.api.setBuildStatus(target.repo, target.commit, {
        ...target.status,
        state: 'INPROGRESS',
        description: 'running',
        name: title,
      });
      reporter.progress(`Marked ${target.status.key} INPROGRESS on ${target.commit.slice(0, 12)}.`);
    }
    let settled = !(target && connection);
    try {
      const run = await usage(() => prepared.run());
      if (run.summary) {
        reporter.line('');
        reporter.line('── Step summary ──');
        reporter.line(run.summary);
      }
      const outputsFile = stringOption(options, 'outputsFile');
      if (outputsFile) {
        const collisions = await writing(engine, '--outputs-file', outputsFile, () =>
          prepared.workflows.writeJobOutputs(
            resolve(context.cwd, outputsFile),
            prepared.job.id,
            run.result,
            run.outputs,
          ),
        );
        for (const collision of collisions) reporter.warn(collision);
      }
      for (const [key, value] of Object.entries(run.outputs)) reporter.output(key, value);
      const combination = prepared.workflows.describeCombination(prepared.matrix);
      reporter.line(
        `${prepared.job.id}${combination ? ` (${combination})` : ''}: ${run.result} (exit ${run.exitCode})`,
      );
      reporter.json({
        job: prepared.job.id,
        matrix: prepared.matrix,
        result: run.result,
        exitCode: run.exitCode,
        outputs: run.outputs,
        steps: run.steps,
        annotations: run.annotations,
      });
      if (target && connection) {
        const asRun = {
          action: { name: title, directory: file, using: 'composite' as const },
          node: { path: process.execPath, version: process.versions.node },
          result: run.result === 'skipped' ? ('success' as const) : run.result,
          exitCode: run.exitCode,
          outputs: run.outputs,
          annotations: run.annotations,
          summary: run.summary,
          phases: [],
          exported: { env: [], path: [] },
          mask: run.mask,
        };
        const settle = () => (settled = true);
        await postVerdict(engine, connection, target, title, asRun, reporter, settle, run.result);
      }
      if (run.exitCode !== 0) throw new ExitError(run.exitCode);
    } catch (error) {
      if (!settled && target && connection) await postUnfinished(connection, target, title, 'the job');
      throw error;
    }
  } finally {
    cancellation.dispose();
  }
}

/** workflow_dispatch inputs: --input values over the workflow's defaults; unknown names and missing required ones refused. */
function dispatchInputs(
  dispatch: Record<string, unknown> | null | undefined,
  given: Record<string, string>,
): Record<string, string> {
  const declared = (dispatch?.inputs ?? {}) as Record<
    string,
    { default?: unknown; required?: unknown; options?: unknown } | null
  >;
  const inputs: Record<string, string> = {};
  for (const [name, input] of Object.entries(declared)) {
    if (input?.default !== undefined) inputs[name] = scalarText(input.default);
  }
  for (const [name, value] of Object.entries(given)) {
    const input = declared[name];
    if (!(name in declared)) {
      throw new InputError(
        `--input ${name}: the workflow's workflow_dispatch declares no input '${name}'${Object.keys(declared).length ? ` (it has ${Object.keys(declared).join(', ')})` : ''}.`,
        'Give only the inputs on.workflow_dispatch.inputs declares.',
      );
    }
    if (Array.isArray(input?.options) && !input.options.map(String).includes(value)) {
      throw new InputError(
        `--input ${name}=${value} is not one of its options (${input.options.join(', ')}).`,
        'Give one of the options.',
      );
    }
    inputs[name] = value;
  }
  for (const [name, input] of Object.entries(declared)) {
    if (input?.required === true && inputs[name] === undefined) {
      throw new InputError(
        `The workflow_dispatch input '${name}' is required and has no default.`,
        `Give --input ${name}=VALUE.`,
      );
    }
  }
  return inputs;
}

async function workflowMatrix(
  options: OptionValues,
  context: RunnerContext,
  reporter: Reporter,
  file: string,
): Promise<void> {
  await usage(async (workflows) => {
    const workflow = await workflows.loadWorkflow(resolve(context.cwd, file), file);
    const job = workflows.findJob(workflow, stringOption(options, 'job') ?? '');
    const combinations = workflows.matrixCombinations(job);
    for (const combination of combinations) {
      const text = workflows.describeCombination(combination);
      reporter.line(
        text
          ? text
              .split(' ')
              .map((pair) => `--matrix ${pair}`)
              .join(' ')
          : '(no matrix: one run)',
      );
    }
    reporter.json({ job: job.id, combinations });
  });
}

async function workflowPipelines(
  options: OptionValues,
  context: RunnerContext,
  reporter: Reporter,
  files: string[],
): Promise<void> {
  await usage(async (workflows) => {
    const loaded = [];
    for (const file of files) loaded.push(await workflows.loadWorkflow(resolve(context.cwd, file), file));
    const drawn = workflows.drawPipelines(loaded, {
      version: VERSION,
      tarball: stringOption(options, 'tarball') ?? `tools/crosscheck-${VERSION}.tgz`,
      image: stringOption(options, 'image') ?? 'node:24',
    });
    const problems = drawn.problems;
    if (problems.length > 0) {
      throw new CrosscheckError(
        `The drawn bitbucket-pipelines.yml would be refused by Bitbucket:\n  ${problems.join('\n  ')}`,
        'Please report this with the workflows given.',
      );
    }
    for (const line of drawn.untranslated) reporter.warn(`not translated: ${line}`);
    context.stdout.write(drawn.yaml);
  });
}

/** A YAML scalar as text (objects as JSON). */
function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}
