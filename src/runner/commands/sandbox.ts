// `crosscheck sandbox`: serves the local stand-in of Bitbucket Cloud and SonarQube, and prints demo credentials.
import type { RunnerContext } from '../context';
import type { CommandRegistration } from '../program';
import { integerOption, type OptionValues } from '../inputs';
import type { Reporter } from '../reporter';

export const sandboxCommand: CommandRegistration = (program, action) => {
  program
    .command('sandbox')
    .description(
      'serve a local stand-in of Bitbucket Cloud and SonarQube with demo credentials, to try Crosscheck',
    )
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', '7990')
    .option('--latency <ms>', 'delay added to every answer', '0')
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
  const server = await startSandbox({
    port,
    latencyMs,
    log: options.verbose ? (line) => reporter.progress(line) : undefined,
  });
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

/** Every credential the sandbox seeded: public values, valid nowhere but in this sandbox. */
function publicDemoValues(demo: object): string[] {
  return Object.values(demo).flatMap((value: unknown) =>
    typeof value === 'string' ? [value] : value && typeof value === 'object' ? publicDemoValues(value) : [],
  );
}
