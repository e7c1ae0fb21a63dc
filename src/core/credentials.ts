// Picks the one credential to use from what the user supplied, catching every known mistake before anything is sent.
import { CredentialError } from './errors';
import { looksLikeToken, quoteUnlessToken } from './secret-masker';

/** Raw values as the adapter found them (environment, action inputs, SecretStorage). */
export interface CredentialSources {
  email?: string;
  apiToken?: string;
  accessToken?: string;
  oauthClientId?: string;
  oauthClientSecret?: string;
  /** Only used to explain mistakes; never sent. */
  username?: string;
  /** Refused: app passwords were removed on 2026-07-28. */
  appPassword?: string;
}

/** How each source is called where the user set it, for messages (environment variable names by default). */
export type SourceNames = Record<keyof CredentialSources, string>;

export const ENVIRONMENT_NAMES: SourceNames = {
  email: 'ATLASSIAN_ACCOUNT_EMAIL',
  apiToken: 'BITBUCKET_API_TOKEN',
  accessToken: 'BITBUCKET_ACCESS_TOKEN',
  oauthClientId: 'BITBUCKET_OAUTH_CLIENT_ID',
  oauthClientSecret: 'BITBUCKET_OAUTH_CLIENT_SECRET',
  username: 'BITBUCKET_USERNAME',
  appPassword: 'BITBUCKET_APP_PASSWORD',
};

export type Credential =
  | { kind: 'api-token'; email: string; token: string; source: string }
  | { kind: 'access-token'; token: string; source: string }
  | { kind: 'oauth-client'; clientId: string; clientSecret: string; source: string };

export interface ResolvedCredential {
  credential: Credential;
  /** What was decided on the user's behalf (shown with --verbose). */
  notices: string[];
}

export type TokenType = 'api-token' | 'access-token' | 'app-password' | 'unknown';

/** Atlassian prefixes: ATAT API token, ATCT access token, ATBB app password. */
export function tokenTypeOf(value: string): TokenType {
  if (value.startsWith('ATAT')) return 'api-token';
  if (value.startsWith('ATCT')) return 'access-token';
  if (value.startsWith('ATBB')) return 'app-password';
  return 'unknown';
}

export const API_TOKEN_HELP =
  'Create an API token with scopes at https://id.atlassian.com/manage-profile/security/api-tokens ' +
  '("Create API token with scopes", app Bitbucket; for statuses choose read:repository:bitbucket, add ' +
  'read:pullrequest:bitbucket, read:pipeline:bitbucket and write:pipeline:bitbucket as needed), then set ' +
  'ATLASSIAN_ACCOUNT_EMAIL to your Atlassian account email and BITBUCKET_API_TOKEN to the token.';

const APP_PASSWORD_REMOVED =
  'App passwords were removed from Bitbucket Cloud on 2026-07-28 (creation stopped on 2025-09-09), so this credential cannot work.';

/** Describes a credential for people without revealing it: kind, principal, source. */
export function describeCredential(credential: Credential): string {
  switch (credential.kind) {
    case 'api-token':
      return `API token for ${credential.email} (${credential.source}), sent as HTTP Basic email:token`;
    case 'access-token':
      return `access token (${credential.source}), sent as Authorization: Bearer`;
    case 'oauth-client':
      return `OAuth consumer ${credential.clientId} (${credential.source}), client-credentials grant`;
  }
}

/** The secret parts of a credential, for masking: each secret, and the `user:secret` pair sent as HTTP Basic. */
export function credentialSecrets(credential: Credential): string[] {
  switch (credential.kind) {
    case 'api-token':
      return [credential.token, `${credential.email}:${credential.token}`];
    case 'access-token':
      return [credential.token];
    case 'oauth-client':
      return [credential.clientSecret, `${credential.clientId}:${credential.clientSecret}`];
  }
}

/** Chooses the credential to use, or throws a CredentialError that says exactly what to change. */
export function resolveCredential(
  raw: CredentialSources,
  names: SourceNames = ENVIRONMENT_NAMES,
): ResolvedCredential {
  const input = trimAll(raw);
  const notices: string[] = [];
  for (const key of ['apiToken', 'accessToken', 'appPassword', 'oauthClientSecret'] as const) {
    const value = input[key];
    if (value && /\s/.test(value)) {
      throw new CredentialError(
        `${names[key]} contains white space, so it is not a whole token.`,
        'Copy the token again, in one piece, without line breaks or spaces.',
      );
    }
  }

  for (const key of [
    'email',
    'apiToken',
    'accessToken',
    'appPassword',
    'oauthClientId',
    'oauthClientSecret',
  ] as const) {
    const quote = quoteAround(input[key]);
    if (quote) {
      throw new CredentialError(
        `${names[key]} ${quote}, so the quotes were taken as part of the value and Bitbucket would refuse it (401).`,
        `Set ${names[key]} to the bare value, without quotes: in a Bitbucket or GitHub variable paste the value alone; ` +
          'in a .env file, docker --env-file or a YAML value already in quotes, drop the inner quotes.',
      );
    }
  }

  const apiTokens: Array<{ token: string; source: string }> = [];
  const accessTokens: Array<{ token: string; source: string }> = [];
  const appPasswords: string[] = [];
  for (const key of ['apiToken', 'accessToken', 'appPassword'] as const) {
    const value = input[key];
    if (!value) continue;
    const implied =
      key === 'apiToken' ? 'api-token' : key === 'accessToken' ? 'access-token' : 'app-password';
    const actual = tokenTypeOf(value);
    const type = actual === 'unknown' ? implied : actual;
    if (actual !== 'unknown' && actual !== implied) {
      notices.push(
        `${names[key]} holds ${article(type)} (prefix ${value.slice(0, 4)}), so it is used as one.`,
      );
    }
    if (type === 'api-token') apiTokens.push({ token: value, source: names[key] });
    else if (type === 'access-token') accessTokens.push({ token: value, source: names[key] });
    else appPasswords.push(names[key]);
  }

  const hasOAuth = Boolean(input.oauthClientId || input.oauthClientSecret);
  if (appPasswords.length > 0) {
    if (apiTokens.length === 0 && accessTokens.length === 0 && !hasOAuth) {
      throw new CredentialError(
        `${appPasswords.join(' and ')} holds an app password. ${APP_PASSWORD_REMOVED}`,
        API_TOKEN_HELP,
      );
    }
    notices.push(`${appPasswords.join(' and ')} (an app password) is ignored: ${APP_PASSWORD_REMOVED}`);
  }

  const [apiToken] = apiTokens;
  if (apiToken) {
    const chosen = apiToken;
    const email = requireEmail(input, names, chosen.source);
    if (input.username && input.username !== email) {
      notices.push(
        `${names.username}=${quoteUnlessToken(input.username)} is ignored: API tokens authenticate with the account email.`,
      );
    }
    if (accessTokens.length > 0 || hasOAuth)
      notices.push(`Using the API token from ${chosen.source}; other credentials set are ignored.`);
    return { credential: { kind: 'api-token', email, token: chosen.token, source: chosen.source }, notices };
  }

  const [accessToken] = accessTokens;
  if (accessToken) {
    const chosen = accessToken;
    if (input.email) notices.push(`${names.email} is not needed with an access token and is ignored.`);
    if (hasOAuth)
      notices.push(`Using the access token from ${chosen.source}; the OAuth consumer is ignored.`);
    return { credential: { kind: 'access-token', token: chosen.token, source: chosen.source }, notices };
  }

  if (hasOAuth) {
    if (!input.oauthClientId || !input.oauthClientSecret) {
      const missing = input.oauthClientId ? names.oauthClientSecret : names.oauthClientId;
      throw new CredentialError(
        `An OAuth consumer needs both its key and its secret; ${missing} is not set.`,
        `Set ${names.oauthClientId} to the consumer's key and ${names.oauthClientSecret} to its secret (Workspace settings → OAuth consumers).`,
      );
    }
    return {
      credential: {
        kind: 'oauth-client',
        clientId: input.oauthClientId,
        clientSecret: input.oauthClientSecret,
        source: names.oauthClientId,
      },
      notices,
    };
  }

  if (input.email || input.username) {
    throw new CredentialError(
      `${input.email ? names.email : names.username} is set but no token is.`,
      `Set ${names.apiToken} to an Atlassian API token. ${API_TOKEN_HELP}`,
    );
  }
  throw new CredentialError(
    'No Bitbucket credential found.',
    `Set ${names.email} and ${names.apiToken} (an Atlassian API token with scopes), or ${names.accessToken} ` +
      `(a repository, project or workspace access token), or ${names.oauthClientId} and ${names.oauthClientSecret}. ${API_TOKEN_HELP}`,
  );
}

/** Says where a value carries a quote character that no credential holds ("starts with a quote"), if it does. */
function quoteAround(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const quotes = /^["'`\u2018\u2019\u201c\u201d]/;
  if (quotes.test(value)) return `starts with a quote (${value[0]})`;
  if (quotes.test(value.slice(-1))) return `ends with a quote (${value.slice(-1)})`;
  return undefined;
}

function requireEmail(input: CredentialSources, names: SourceNames, tokenSource: string): string {
  const email = input.email;
  if (email && isEmail(email)) return email;
  if (email && looksLikeToken(email)) {
    const swapped = input.apiToken && isEmail(input.apiToken);
    throw new CredentialError(
      `${names.email} holds what looks like a token (not shown), not an email address` +
        (swapped ? `, while ${tokenSource} holds an email: the two look swapped.` : '.'),
      `Set ${names.email} to the email of the Atlassian account that created the token and ${tokenSource} to the token` +
        (swapped ? ' (swap the two values).' : '.'),
    );
  }
  if (email) {
    throw new CredentialError(
      `${names.email}=${quoteUnlessToken(email)} is not an email address, and an Atlassian API token only works with the email of the account that created it.`,
      `Set ${names.email} to that account's email (for example dev@example.com).`,
    );
  }
  const username = input.username;
  if (username === 'x-token-auth') {
    throw new CredentialError(
      `${tokenSource} holds an Atlassian API token, but ${names.username} is x-token-auth. Bitbucket answers 401 ` +
        '"Token is invalid, expired, or not supported for this endpoint." to that: x-token-auth only works with ' +
        'access tokens in git URLs, while an API token is sent as HTTP Basic <account email>:<token>.',
      `Set ${names.email} to the email of the Atlassian account that created the token; ${names.username} is not needed.`,
    );
  }
  if (username && !isEmail(username)) {
    throw new CredentialError(
      `${tokenSource} holds an Atlassian API token, but the only user name set is ${names.username}=${quoteUnlessToken(username)}. ` +
        'API tokens authenticate as the Atlassian account email, not the Bitbucket username, so Bitbucket would answer 401.',
      `Set ${names.email} to the email of the Atlassian account that created the token.`,
    );
  }
  if (username) {
    throw new CredentialError(
      `${tokenSource} holds an Atlassian API token and ${names.username} looks like an email, but the email must be given as ${names.email}.`,
      `Set ${names.email}=${username} (and drop ${names.username}).`,
    );
  }
  throw new CredentialError(
    `${tokenSource} holds an Atlassian API token, which needs the account email beside it.`,
    `Set ${names.email} to the email of the Atlassian account that created the token.`,
  );
}

function isEmail(value: string): boolean {
  return /^[^@\s:]+@[^@\s:]+\.[^@\s:]+$/.test(value);
}

function article(type: TokenType): string {
  return type === 'api-token'
    ? 'an API token'
    : type === 'access-token'
      ? 'an access token'
      : 'an app password';
}

function trimAll(raw: CredentialSources): CredentialSources {
  const out: CredentialSources = {};
  for (const [key, value] of Object.entries(raw) as Array<[keyof CredentialSources, string | undefined]>) {
    const trimmed = value?.trim();
    if (trimmed) out[key] = trimmed;
  }
  return out;
}
