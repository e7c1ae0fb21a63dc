// `crosscheck sandbox`: serves the local stand-in of Bitbucket Cloud and SonarQube, and prints demo credentials.
import { seed, startSandbox } from '../../sandbox';
import type { RunnerContext } from '../context';
import { integerOption, type OptionValues } from '../inputs';
import type { Reporter } from '../reporter';

export async function sandbox(
  options: OptionValues,
  _context: RunnerContext,
  reporter: Reporter,
): Promise<void> {
  const port = integerOption(options, 'port', '--port', 0, 65535, 7990);
  const latencyMs = integerOption(options, 'latency', '--latency', 0, 60_000, 0);
  const server = await startSandbox({
    port,
    latencyMs,
    log: options.verbose ? (line) => reporter.progress(line) : undefined,
  });
  const { demo } = server;
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
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  reporter.progress('Stopping the sandbox…');
  await server.close();
}
