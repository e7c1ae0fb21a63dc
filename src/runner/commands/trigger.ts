// `crosscheck trigger`: starts the central repo's custom pipeline for this commit, optionally marks it INPROGRESS and waits.
import {
  type Pipeline,
  type PipelineVariable,
  type CentralCheckRequest,
  followPipeline,
  startCentralCheck,
  triggerVariables,
  InputError,
  formatRepository,
  parseCommit,
  parseKey,
  parseRepository,
  describePipelineState,
} from '../../core';
import { connectFromEnvironment } from '../bitbucket-connection';
import type { RunnerContext } from '../context';
import { EXIT_FAILED, ExitError } from '../exit-codes';
import { type OptionValues, stringOption } from '../inputs';
import type { CommandRegistration } from '../program';
import type { Reporter } from '../reporter';

const VARIABLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const triggerCommand: CommandRegistration = (program, action) => {
  program
    .command('trigger')
    .description(
      "start the central repo's custom pipeline for a commit, passing its coordinates as TRIGGER_* variables",
    )
    .option('--central <workspace/repo>', 'the central repository holding the custom pipeline')
    .option('--pipeline <name>', 'the custom pipeline to run (pipelines: custom: <name>)')
    .option(
      '--ref <branch>',
      'branch of the central repository to run (default $CROSSCHECK_CENTRAL_BRANCH, else its main branch, asked for with one more request)',
    )
    .option('--repo <workspace/repo>', 'repository to check (default $BITBUCKET_REPO_FULL_NAME)')
    .option('--commit <sha>', 'full commit hash to check (default $BITBUCKET_COMMIT)')
    .option('--branch <name>', "the commit's branch, the PR's source branch (default $BITBUCKET_BRANCH)")
    .option('--pr <id>', 'pull request number (default $BITBUCKET_PR_ID)')
    .option(
      '--destination <branch>',
      "the PR's destination branch (default $BITBUCKET_PR_DESTINATION_BRANCH)",
    )
    .option('--var <KEY=VALUE...>', 'further pipeline variables (repeatable)')
    .option(
      '--pending-key <key>',
      'mark the commit INPROGRESS under this status key (use the key the gate will post)',
    )
    .option('--pending-name <text>', 'title of that INPROGRESS status (default: the key)')
    .option('--wait', 'follow the run to its end; exit 0 if it succeeded, 1 otherwise')
    .addHelpText(
      'after',
      '\nThe central pipeline receives TRIGGER_REPO, TRIGGER_COMMIT, TRIGGER_BRANCH, TRIGGER_PR_ID and\n' +
        'TRIGGER_DESTINATION_BRANCH. In a pull-request pipeline every default comes from Bitbucket, so one line does:\n' +
        '  crosscheck trigger --central acme/central-checks --pipeline sonar-pr-check --pending-key sonar --ref main\n' +
        'With --pending-key the run also gets TRIGGER_PENDING_KEY, so `sonar-gate` does not mark the commit again.\n' +
        'Give --ref (or CROSSCHECK_CENTRAL_BRANCH) to save the request that asks for the central main branch.',
    )
    .action(action(trigger));
};

export async function trigger(
  options: OptionValues,
  context: RunnerContext,
  reporter: Reporter,
): Promise<void> {
  const request = triggerRequest(options, context.env);
  const { api } = connectFromEnvironment(context, reporter, options);
  const target = `${formatRepository(request.target.repo)}@${request.target.commit.slice(0, 12)}`;
  const started = await startCentralCheck(api, request);
  const { pipeline, runUrl, ref } = started;
  reporter.line(
    `Started ${request.pipeline} #${pipeline.build_number} on ${formatRepository(request.central)}@${ref} for ${target}`,
  );
  reporter.line(`  ${runUrl}`);
  if (started.pending) reporter.line(`Marked ${target} INPROGRESS as "${started.pending.key}"`);
  if (started.pendingError) {
    reporter.warn(
      `The run started, but ${target} could not be marked INPROGRESS; the central run still posts its verdict. ${started.pendingError.message}`,
    );
  }
  reporter.output('pipeline-uuid', pipeline.uuid);
  reporter.output('build-number', String(pipeline.build_number));
  reporter.output('run-url', runUrl);

  let finished: Pipeline | undefined;
  if (options.wait) {
    finished = await followPipeline(api, request.central, pipeline.uuid, {
      onProgress: (run) => reporter.progress(`  #${run.build_number} ${describePipelineState(run)}`),
    });
  }
  reporter.json({
    central: formatRepository(request.central),
    pipeline: request.pipeline,
    ref,
    uuid: pipeline.uuid,
    buildNumber: pipeline.build_number,
    runUrl,
    variables: request.variables?.map((variable) => variable.key) ?? [],
    target: {
      repo: formatRepository(request.target.repo),
      commit: request.target.commit,
      branch: request.target.branch,
    },
    pending: started.pending ? { key: started.pending.key, state: started.pending.state } : undefined,
    pendingError: started.pendingError?.message,
    result: finished ? (finished.state?.result?.name ?? finished.state?.name) : undefined,
  });
  if (!finished) return;
  const result = finished.state?.result?.name;
  reporter.output('result', result ?? '');
  if (finished.state?.name !== 'COMPLETED') {
    reporter.line(
      `… ${request.pipeline} #${finished.build_number} had not finished when the wait ended (${describePipelineState(finished)})`,
    );
    throw new ExitError(EXIT_FAILED);
  }
  reporter.line(
    `${result === 'SUCCESSFUL' ? '✓' : '✗'} ${request.pipeline} #${finished.build_number} ${result ?? 'COMPLETED'}`,
  );
  if (result !== 'SUCCESSFUL') throw new ExitError(EXIT_FAILED);
}

/** Validates every flag (with Bitbucket Pipelines defaults) before anything is sent. */
function triggerRequest(options: OptionValues, env: Record<string, string | undefined>): CentralCheckRequest {
  const central = parseRepository(stringOption(options, 'central'), '--central');
  const pipeline = stringOption(options, 'pipeline');
  if (!pipeline) {
    throw new InputError(
      '--pipeline is required.',
      'Give the name of the custom pipeline, as under pipelines: custom: in the central bitbucket-pipelines.yml.',
    );
  }
  const repo = parseRepository(stringOption(options, 'repo') ?? env.BITBUCKET_REPO_FULL_NAME);
  const commit = parseCommit(stringOption(options, 'commit') ?? env.BITBUCKET_COMMIT);
  const branch = stringOption(options, 'branch') ?? env.BITBUCKET_BRANCH;
  if (!branch)
    throw new InputError(
      '--branch is required outside Bitbucket Pipelines.',
      "Give the commit's branch (a pull request's source branch).",
    );
  const prText = stringOption(options, 'pr') ?? env.BITBUCKET_PR_ID;
  let pullRequestId: number | undefined;
  if (prText !== undefined) {
    pullRequestId = /^\d{1,9}$/.test(prText) ? Number(prText) : Number.NaN;
    if (!Number.isInteger(pullRequestId) || pullRequestId < 1)
      throw new InputError(
        `--pr "${prText}" is not a pull request number.`,
        'Give the number, e.g. --pr 42.',
      );
  }
  const pendingText = stringOption(options, 'pendingKey');
  const pendingKey = pendingText === undefined ? undefined : parseKey(pendingText, '--pending-key');
  const target = {
    repo,
    commit,
    branch,
    pullRequestId,
    destinationBranch: stringOption(options, 'destination') ?? env.BITBUCKET_PR_DESTINATION_BRANCH,
  };
  const variables = parseVariables(options.var);
  // Refuses a --var that would replace a TRIGGER_* variable now, before any request.
  triggerVariables(target, variables, pendingKey);
  return {
    central,
    pipeline,
    ref: stringOption(options, 'ref') ?? (env.CROSSCHECK_CENTRAL_BRANCH?.trim() || undefined),
    target,
    variables,
    pendingKey,
    pendingName: stringOption(options, 'pendingName'),
    refOption: '--ref',
  };
}

function parseVariables(raw: unknown): PipelineVariable[] {
  const values = Array.isArray(raw) ? (raw as string[]) : [];
  return values.map((text) => {
    const equals = text.indexOf('=');
    const key = equals > 0 ? text.slice(0, equals).trim() : '';
    if (!VARIABLE_KEY.test(key)) {
      throw new InputError(
        `--var "${text}" is not KEY=VALUE with a valid key.`,
        'Keys are letters, digits and underscores, not starting with a digit, e.g. --var SONAR_PROFILE=strict.',
      );
    }
    return { key, value: text.slice(equals + 1) };
  });
}
