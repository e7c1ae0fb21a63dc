// Builds the Bitbucket connection from the environment and action inputs: credentials, API URL, proxy, retries.
import {
  type BitbucketConnection,
  connectBitbucket,
  CredentialError,
  DEFAULT_API_URL,
  DEFAULT_OAUTH_TOKEN_URL,
  type TransportOptions,
  type CredentialSources,
  describeCredential,
  ENVIRONMENT_NAMES,
  type SourceNames,
  looksLikeToken,
  parseApiUrl,
  parseBitbucketApiUrl,
  proxyFromEnvironment,
  userAgent,
} from '../core';
import type { RunnerContext } from './context';
import { inputVariable, integerOption, type OptionValues } from './inputs';
import type { HttpService, Reporter } from './reporter';

/** Action inputs that may carry credentials, by the credential field they fill. */
const CREDENTIAL_INPUTS: Partial<Record<keyof CredentialSources, string>> = {
  email: 'email',
  apiToken: 'api-token',
  accessToken: 'access-token',
  oauthClientId: 'oauth-client-id',
  oauthClientSecret: 'oauth-client-secret',
};

/** Credentials only ever come from the environment (or action inputs), never from flags. */
export function credentialSources(env: Record<string, string | undefined>): {
  sources: CredentialSources;
  names: SourceNames;
} {
  const sources: CredentialSources = {};
  const names: SourceNames = { ...ENVIRONMENT_NAMES };
  for (const field of Object.keys(ENVIRONMENT_NAMES) as Array<keyof CredentialSources>) {
    const input = CREDENTIAL_INPUTS[field];
    const fromInput = input ? env[inputVariable(input)]?.trim() : undefined;
    if (fromInput) {
      sources[field] = fromInput;
      names[field] = `input ${input}`;
    } else {
      sources[field] = env[ENVIRONMENT_NAMES[field]];
    }
  }
  return { sources, names };
}

/**
 * The transport rules every service call shares: --request-timeout, --retries, proxy, and events shown (and
 * requests counted) by the reporter under the service they went to.
 */
export function transportFromEnvironment(
  context: RunnerContext,
  reporter: Reporter,
  options: OptionValues,
  service: HttpService = 'bitbucket',
): TransportOptions {
  const { env } = context;
  const timeoutSeconds = integerOption(options, 'requestTimeout', '--request-timeout', 1, 3600, 30);
  const retries = integerOption(options, 'retries', '--retries', 0, 10, 4);
  // Tuning for tests and slow links; not a flag because users should rarely need it.
  const baseDelayMs =
    Number(env.CROSSCHECK_RETRY_DELAY_MS) > 0 ? Number(env.CROSSCHECK_RETRY_DELAY_MS) : undefined;
  return {
    userAgent: userAgent('crosscheck'),
    timeoutMs: timeoutSeconds * 1000,
    deadlineMs: Math.max(120_000, timeoutSeconds * 1000 * (retries + 1)),
    retry: { retries, ...(baseDelayMs ? { baseDelayMs, maxDelayMs: baseDelayMs * 16 } : {}) },
    proxy: proxyFromEnvironment(env),
    onEvent: (event) => reporter.httpEvent(event, service),
  };
}

/** BITBUCKET_API_URL checked (https, no query), or undefined for the default. */
export function apiUrlFromEnvironment(env: Record<string, string | undefined>): string | undefined {
  return env.BITBUCKET_API_URL?.trim()
    ? parseBitbucketApiUrl(
        env.BITBUCKET_API_URL,
        'BITBUCKET_API_URL',
        `Leave it unset (${DEFAULT_API_URL}) or give the API base URL of a stand-in, e.g. http://127.0.0.1:8080/2.0.`,
      )
    : undefined;
}

/**
 * Every value that may be a secret, masked before the credential is even resolved (its errors quote variables):
 * the tokens, their Basic pairs with whichever user name was given, and a user name or email that looks like a
 * token (e.g. the email and the token variables swapped).
 */
function candidateSecrets(sources: CredentialSources): string[] {
  const secrets = [sources.apiToken, sources.accessToken, sources.oauthClientSecret, sources.appPassword];
  for (const user of [sources.email, sources.username]) {
    if (user && looksLikeToken(user)) secrets.push(user);
    for (const secret of [sources.apiToken, sources.appPassword])
      if (user && secret) secrets.push(`${user.trim()}:${secret.trim()}`);
  }
  if (sources.oauthClientId && sources.oauthClientSecret)
    secrets.push(`${sources.oauthClientId.trim()}:${sources.oauthClientSecret.trim()}`);
  return secrets.map((secret) => secret?.trim() ?? '').filter(Boolean);
}

/** Connects to Bitbucket with the credentials of the environment and the shared transport rules. */
export function connectFromEnvironment(
  context: RunnerContext,
  reporter: Reporter,
  options: OptionValues,
): BitbucketConnection {
  const { env } = context;
  const { sources, names } = credentialSources(env);
  for (const secret of candidateSecrets(sources)) reporter.secret(secret);
  const connection = withActionTokenHint(env, sources, () =>
    connectBitbucket({
      credentials: sources,
      names,
      apiUrl: apiUrlFromEnvironment(env),
      oauthTokenUrl: env.BITBUCKET_OAUTH_TOKEN_URL?.trim()
        ? parseApiUrl(env.BITBUCKET_OAUTH_TOKEN_URL, 'BITBUCKET_OAUTH_TOKEN_URL', {
            fix: `Leave it unset (${DEFAULT_OAUTH_TOKEN_URL}) or give the token endpoint's https URL.`,
          })
        : undefined,
      onSecret: (secret) => reporter.secret(secret),
      transport: transportFromEnvironment(context, reporter, options),
    }),
  );
  reporter.budgetOwner(describeCredential(connection.credential));
  reporter.verbose(`credential: ${connection.credential.kind} from ${connection.credential.source}`);
  for (const notice of connection.notices) reporter.verbose(`note: ${notice}`);
  return connection;
}

/**
 * Run as an action (GitHub, or `crosscheck action run`, which keeps Crosscheck's credentials from actions unless
 * passed), a credential refused for want of a token gets the fix that applies there: pass the token to the action.
 */
function withActionTokenHint<T>(
  env: Record<string, string | undefined>,
  sources: CredentialSources,
  connect: () => T,
): T {
  try {
    return connect();
  } catch (error) {
    const noToken = !sources.apiToken && !sources.accessToken && !sources.oauthClientSecret;
    if (!(error instanceof CredentialError) || !noToken || env.GITHUB_ACTIONS !== 'true') throw error;
    throw new CredentialError(
      error.message,
      'An action gets a Bitbucket token only when it is passed to it. Under `crosscheck action run`: ' +
        '--with-env api-token=BITBUCKET_API_TOKEN (or --env BITBUCKET_API_TOKEN; likewise BITBUCKET_ACCESS_TOKEN). ' +
        'In a GitHub-style workflow: `api-token: ${{ secrets.BITBUCKET_API_TOKEN }}` under `with:`.',
      { cause: error },
    );
  }
}
