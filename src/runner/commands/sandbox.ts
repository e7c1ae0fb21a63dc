// `crosscheck sandbox`: serves the local stand-in of Bitbucket Cloud and SonarQube, and prints demo credentials.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../../core';
import type { RunnerContext } from '../context';
import type { CommandRegistration } from '../program';
import { integerOption, type OptionValues, stringOption } from '../inputs';
import type { Reporter } from '../reporter';

export const sandboxCommand: CommandRegistration = (program, action) => {
  program
    .command('sandbox')
    .description(
      'serve a local stand-in of Bitbucket Cloud and SonarQube with demo credentials, to try Crosscheck',
    )
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', '7990')
    .option('--latency <ms>', 'delay added to every answer', '0')
    .option(
      '--pipeline-file <path>',
      'the bitbucket-pipelines.yml whose custom pipelines a trigger of the central repository runs (default: the bundled examples/central one)',
    )
    .option(
      '--canned-outcome <state>',
      'failed|successful: run nothing on a trigger, post this SonarQube status about 2 s later (the old stand-in)',
    )
    .addHelpText(
      'after',
      '\nA trigger of acme/central-checks runs its custom pipeline on this host, without Docker: each step in a fresh\n' +
        'folder, with the variables of its place (workspace, repository, the environment it names), artifacts between\n' +
        'steps, the steps and their logs in the pipelines API. The sandbox serves git for its repositories and takes the\n' +
        "analysis of a stand-in scanner (the example's SONAR_SCANNER variable), so the gate step finds a real task.\n" +
        'A push to acme/web-app or acme/api-service (API token with write:repository) runs the pushed\n' +
        'bitbucket-pipelines.yml (branches:, default:, parallel: groups); POST /_sandbox/pull-request\n' +
        '{"repo","source","destination"} opens a pull request and runs its pull-requests: pipeline on the merge.\n' +
        'With --canned-outcome nothing runs: the status is posted as if the pipeline had, and pushes are refused.',
    )
    .action(action(sandbox));
};

export async function sandbox(
  options: OptionValues,
  context: RunnerContext,
  reporter: Reporter,
): Promise<void> {
  // Loaded here: the sandbox is a bundle of its own that other commands never load.
  const { seed, startSandbox } = await import('../../sandbox/index.js');
  const port = integerOption(options, 'port', '--port', 0, 65535, 7990);
  const latencyMs = integerOption(options, 'latency', '--latency', 0, 60_000, 0);
  const canned = cannedOutcome(stringOption(options, 'cannedOutcome'));
  const pipelineFile = stringOption(options, 'pipelineFile');
  if (canned && pipelineFile)
    throw new InputError(
      '--canned-outcome runs no pipeline, so --pipeline-file would not be used.',
      'Give one of the two.',
    );
  const yml = pipelineFile ? readPipelineFile(resolve(context.cwd, pipelineFile)) : undefined;
  const server = await startSandbox({
    port,
    latencyMs,
    log: options.verbose ? (line) => reporter.progress(line) : undefined,
    // Every step finds this very Crosscheck on its PATH as `crosscheck`.
    centralPipeline: canned
      ? undefined
      : { yml, crosscheck: [process.execPath, process.argv[1] ?? 'crosscheck'] },
    // Pushes to the other repositories run their own bitbucket-pipelines.yml, with the same `crosscheck`.
    repositoryPipelines: canned
      ? undefined
      : { crosscheck: [process.execPath, process.argv[1] ?? 'crosscheck'] },
  });
  if (canned) server.setCentralOutcome(canned);
  else server.setCentralOutcome('SUCCESSFUL');
  const { demo } = server;
  // The demo credentials are public (they only open this sandbox): printed in clear so the banner's lines paste.
  reporter.revealPublic(publicDemoValues(demo));
  const info = {
    url: server.url,
    bitbucketApiUrl: server.bitbucketApiUrl,
    oauthTokenUrl: server.oauthTokenUrl,
    sonarUrl: server.sonarUrl,
    pullRequest: { repo: seed.webApp.fullName, ...seed.webApp.pullRequest },
    central: { repo: seed.centralChecks.fullName, pipelines: seed.centralChecks.customPipelines },
    demo,
  };
  reporter.json(info);
  reporter.line(
    `Sandbox of Bitbucket Cloud and SonarQube on ${server.url} (demo values only; Ctrl-C stops it).`,
  );
  reporter.line(
    canned
      ? `A trigger of ${seed.centralChecks.fullName} runs nothing: ${canned} is posted about 2 s later (--canned-outcome).`
      : `A trigger of ${seed.centralChecks.fullName} runs ${pipelineFile ?? 'the bundled examples/central/bitbucket-pipelines.yml'} on this host (steps and logs in the pipelines API); the quality gate passes unless POST /_sandbox/central-outcome {"result":"FAILED"}.`,
  );
  if (!canned)
    reporter.line(
      `A push to ${seed.webApp.fullName} or ${seed.apiService.fullName} (git ${server.gitUrl}/<repo>.git, the API token as x-bitbucket-api-token-auth) runs the pushed bitbucket-pipelines.yml; POST /_sandbox/pull-request {"repo","source","destination"} opens a pull request and runs its pull-requests: pipeline.`,
    );
  reporter.line('');
  reporter.line('# In another shell:');
  reporter.line(`export BITBUCKET_API_URL=${server.bitbucketApiUrl}`);
  reporter.line(`export BITBUCKET_OAUTH_TOKEN_URL=${server.oauthTokenUrl}`);
  reporter.line(`export ATLASSIAN_ACCOUNT_EMAIL=${demo.email}`);
  reporter.line(`export BITBUCKET_API_TOKEN=${demo.apiToken}`);
  reporter.line(`export SONAR_HOST_URL=${server.sonarUrl}`);
  reporter.line(`export SONAR_TOKEN=${demo.sonarToken}`);
  reporter.line('');
  reporter.line(
    `# Open PR #${seed.webApp.pullRequest.id} in ${seed.webApp.fullName}: ${seed.webApp.pullRequest.source} → ${seed.webApp.pullRequest.destination}`,
  );
  reporter.line(
    `crosscheck status set --repo ${seed.webApp.fullName} --commit ${seed.webApp.pullRequest.sourceCommit} --key sonar --state passed --url ${server.sonarUrl} --refname ${seed.webApp.pullRequest.source}`,
  );
  reporter.line(
    `crosscheck status get --repo ${seed.webApp.fullName} --commit ${seed.webApp.pullRequest.sourceCommit}`,
  );
  reporter.line('');
  reporter.line(
    `Other demo credentials: access token for ${seed.webApp.fullName} ${demo.repoAccessToken}, workspace access token ${demo.workspaceAccessToken}.`,
  );
  await new Promise<void>((resolve) => {
    const offs = (['SIGINT', 'SIGTERM'] as const).map((signal) =>
      context.onSignal(signal, () => {
        for (const off of offs) off();
        resolve();
      }),
    );
  });
  reporter.progress('Stopping the sandbox…');
  await server.close();
}

function cannedOutcome(value: string | undefined): 'SUCCESSFUL' | 'FAILED' | undefined {
  if (value === undefined) return undefined;
  const text = value.toLowerCase();
  if (text === 'failed') return 'FAILED';
  if (text === 'successful') return 'SUCCESSFUL';
  throw new InputError(
    `--canned-outcome "${value}" is not failed or successful.`,
    'Give --canned-outcome failed or --canned-outcome successful.',
  );
}

/** The pipeline file, read whole (a bitbucket-pipelines.yml is a few KiB; more than 1 MiB is not one). */
function readPipelineFile(path: string): string {
  let text: string;
  try {
    if (statSync(path).size > 1024 * 1024)
      throw new InputError(
        `${path} is larger than 1 MiB, not a bitbucket-pipelines.yml.`,
        'Give a bitbucket-pipelines.yml.',
      );
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      `Cannot read --pipeline-file ${path}: ${(error as Error).message}`,
      'Give a readable bitbucket-pipelines.yml.',
    );
  }
  return text;
}

/** Every credential the sandbox seeded: public values, valid nowhere but in this sandbox. */
function publicDemoValues(demo: object): string[] {
  return Object.values(demo).flatMap((value: unknown) =>
    typeof value === 'string' ? [value] : value && typeof value === 'object' ? publicDemoValues(value) : [],
  );
}
