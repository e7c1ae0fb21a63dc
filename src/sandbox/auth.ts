// Credentials the sandbox accepts and Bitbucket's documented rules for them: which scheme each kind needs, scopes per endpoint, repo limits.
import { atlassianToken, randomAlphanumeric, seededUuid, sha1Hex } from './ids';
import { bitbucketError, type Handler, type Reply, type RequestContext } from './http';

/** An Atlassian account (the owner of API tokens and OAuth consumers). */
export interface Account {
  readonly email: string;
  readonly displayName: string;
  readonly nickname: string;
  readonly uuid: string;
  readonly accountId: string;
  /** Repository admins may overwrite build statuses created by someone else. */
  readonly admin: boolean;
}

/** Who a Bitbucket request was authenticated as. */
export type Principal =
  | { readonly kind: 'api-token'; readonly account: Account; readonly scopes: readonly string[] }
  | {
      readonly kind: 'access-token';
      readonly id: string;
      readonly workspace: string;
      readonly repo?: string;
      readonly scopes: readonly string[];
    }
  | {
      readonly kind: 'oauth';
      readonly clientId: string;
      readonly account: Account;
      readonly scopes: readonly string[];
    };

/** The scopes an endpoint needs: granular names for API tokens, legacy names for access tokens and OAuth. */
export interface ScopeNeed {
  readonly granular: readonly string[];
  readonly legacy: readonly string[];
}

export const SCOPES = {
  readRepository: { granular: ['read:repository:bitbucket'], legacy: ['repository'] },
  writeRepository: {
    granular: ['read:repository:bitbucket', 'write:repository:bitbucket'],
    legacy: ['repository', 'repository:write'],
  },
  readPullRequest: { granular: ['read:pullrequest:bitbucket'], legacy: ['pullrequest'] },
  readPipeline: { granular: ['read:pipeline:bitbucket'], legacy: ['pipeline'] },
  writePipeline: {
    granular: ['read:pipeline:bitbucket', 'write:pipeline:bitbucket'],
    legacy: ['pipeline', 'pipeline:write'],
  },
  readUser: { granular: ['read:user:bitbucket'], legacy: ['account'] },
} as const satisfies Record<string, ScopeNeed>;

/** Legacy scopes imply others (Bitbucket's scope documentation). */
const LEGACY_IMPLIES: Readonly<Record<string, readonly string[]>> = {
  'repository:write': ['repository'],
  'repository:admin': ['repository', 'repository:write'],
  'repository:delete': ['repository'],
  pullrequest: ['repository'],
  'pullrequest:write': ['pullrequest', 'repository', 'repository:write'],
  'pipeline:write': ['pipeline'],
  'pipeline:variable': ['pipeline', 'pipeline:write'],
  'account:write': ['account'],
};

export const MESSAGES = {
  tokenInvalid: 'Token is invalid, expired, or not supported for this endpoint.',
  appPasswordRemoved: 'App passwords are deprecated and must be replaced with API tokens.',
  noCredentials:
    'This endpoint requires authentication. Send an API token as HTTP Basic <email>:<token>, or an access token as Bearer.',
  oauthExpired: 'Access token expired.',
  lackScopes: 'Your credentials lack one or more required privilege scopes.',
  notAccessibleByMechanism: 'This API is not accessible by this authentication mechanism',
} as const;

interface StoredAccessToken {
  readonly id: string;
  readonly workspace: string;
  readonly repo?: string;
  readonly scopes: readonly string[];
}
interface StoredConsumer {
  readonly secret: string;
  readonly scopes: readonly string[];
  readonly ownerEmail: string;
}
interface StoredOAuthToken {
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
}

/** The successful answer of the OAuth token endpoint. */
export interface OAuthGrant {
  readonly access_token: string;
  readonly scopes: string;
  readonly expires_in: number;
  readonly token_type: 'bearer';
  readonly state: string;
  readonly refresh_token: string;
}

export const OAUTH_LIFETIME_SECONDS = 7200;

/** Every credential the sandbox knows, and how a request's Authorization header maps to a principal. */
export class Credentials {
  private readonly accounts = new Map<string, Account>();
  private readonly apiTokens = new Map<string, { email: string; scopes: readonly string[] }>();
  private readonly accessTokens = new Map<string, StoredAccessToken>();
  private readonly consumers = new Map<string, StoredConsumer>();
  private readonly oauthTokens = new Map<string, StoredOAuthToken>();
  private readonly refreshTokens = new Map<string, string>();
  private readonly sonarTokens = new Set<string>();
  private accessTokenCount = 0;

  constructor(private readonly now: () => number = Date.now) {}

  addAccount(account: Account): void {
    this.accounts.set(account.email.toLowerCase(), account);
  }

  /** The account of an email, created (not admin) on first use. */
  account(email: string): Account {
    const key = email.toLowerCase();
    let account = this.accounts.get(key);
    if (!account) {
      const nickname = key.split('@')[0]!; // split returns at least one part
      account = {
        email,
        displayName: nickname.replace(/[._-]+/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase()),
        nickname,
        uuid: seededUuid(`account:${key}`),
        accountId: `557058:${seededUuid(`account-id:${key}`).slice(1, -1)}`,
        admin: false,
      };
      this.accounts.set(key, account);
    }
    return account;
  }

  addApiToken(o: { email: string; scopes: readonly string[] }, seedLabel?: string): string {
    const token = atlassianToken('ATATT', seedLabel);
    this.account(o.email);
    this.apiTokens.set(token, { email: o.email, scopes: [...o.scopes] });
    return token;
  }

  addAccessToken(
    o: { workspace: string; repo?: string; scopes: readonly string[] },
    seedLabel?: string,
  ): string {
    const token = atlassianToken('ATCTT', seedLabel);
    const repo = o.repo?.includes('/') ? o.repo.split('/')[1] : o.repo;
    this.accessTokenCount += 1;
    this.accessTokens.set(token, {
      id: `${o.workspace}/${repo ?? '*'}#${this.accessTokenCount}`,
      workspace: o.workspace,
      repo,
      scopes: [...o.scopes],
    });
    return token;
  }

  addOAuthConsumer(
    o: { scopes: readonly string[]; ownerEmail: string },
    seedLabel?: string,
  ): { clientId: string; clientSecret: string } {
    const clientId = seedLabel ? alnumFrom(`${seedLabel}:key`, 18) : randomAlphanumeric(18);
    const clientSecret = seedLabel ? alnumFrom(`${seedLabel}:secret`, 32) : randomAlphanumeric(32);
    this.account(o.ownerEmail);
    this.consumers.set(clientId, { secret: clientSecret, scopes: [...o.scopes], ownerEmail: o.ownerEmail });
    return { clientId, clientSecret };
  }

  addSonarToken(token: string): void {
    this.sonarTokens.add(token);
  }

  /** Whether an Authorization header carries a known SonarQube token (Bearer, or Basic with the token as user and no password). */
  isSonarAuthorized(authorization: string | undefined): boolean {
    const parsed = parseAuthorization(authorization);
    if (!parsed) return false;
    if (parsed.kind === 'basic') return parsed.password === '' && this.sonarTokens.has(parsed.user);
    return parsed.scheme === 'bearer' && this.sonarTokens.has(parsed.token);
  }

  /** The principal of a Bitbucket request, or the 401 Bitbucket answers. */
  authenticate(authorization: string | undefined): Principal | Reply {
    const parsed = parseAuthorization(authorization);
    if (!parsed) return unauthorized(MESSAGES.noCredentials);
    if (parsed.kind === 'basic') {
      if (parsed.password.startsWith('ATBB')) return unauthorized(MESSAGES.appPasswordRemoved);
      const stored = this.apiTokens.get(parsed.password);
      // API tokens created without scopes do not work at all.
      if (stored && stored.scopes.length > 0 && stored.email.toLowerCase() === parsed.user.toLowerCase()) {
        return { kind: 'api-token', account: this.account(stored.email), scopes: stored.scopes };
      }
      return unauthorized(MESSAGES.tokenInvalid);
    }
    if (parsed.scheme === 'bearer') {
      if (parsed.token.startsWith('ATBB')) return unauthorized(MESSAGES.appPasswordRemoved);
      const access = this.accessTokens.get(parsed.token);
      if (access) return { kind: 'access-token', ...access };
      const oauth = this.oauthTokens.get(parsed.token);
      if (oauth) {
        if (oauth.expiresAt <= this.now()) return unauthorized(MESSAGES.oauthExpired);
        const consumer = this.consumers.get(oauth.clientId);
        if (consumer) {
          return {
            kind: 'oauth',
            clientId: oauth.clientId,
            account: this.account(consumer.ownerEmail),
            scopes: oauth.scopes,
          };
        }
      }
    }
    return unauthorized(MESSAGES.tokenInvalid);
  }

  /**
   * Who a git-over-HTTPS request is: HTTP Basic with user `x-bitbucket-api-token-auth` (or the account's email) and
   * an API token, or `x-token-auth` and an access token, as Bitbucket takes them. Undefined when refused.
   */
  authenticateGit(authorization: string | string[] | undefined): Principal | undefined {
    const parsed = parseAuthorization(headerValue(authorization));
    if (!parsed || parsed.kind !== 'basic') return undefined;
    const api = this.apiTokens.get(parsed.password);
    const user = parsed.user.toLowerCase();
    if (
      api &&
      api.scopes.length > 0 &&
      (user === 'x-bitbucket-api-token-auth' || user === api.email.toLowerCase())
    )
      return { kind: 'api-token', account: this.account(api.email), scopes: api.scopes };
    const access = this.accessTokens.get(parsed.password);
    if (access && user === 'x-token-auth') return { kind: 'access-token', ...access };
    return undefined;
  }

  /** Client-credentials grant (or refresh-token grant when `refreshToken` is given) for a consumer, or why it is refused. */
  grantOAuth(
    clientId: string,
    clientSecret: string,
    refreshToken?: string,
  ): OAuthGrant | 'invalid_client' | 'invalid_grant' {
    const consumer = this.consumers.get(clientId);
    if (!consumer || consumer.secret !== clientSecret) return 'invalid_client';
    if (refreshToken !== undefined) {
      if (this.refreshTokens.get(refreshToken) !== clientId) return 'invalid_grant';
      this.refreshTokens.delete(refreshToken);
    }
    const accessToken = randomAlphanumeric(120);
    const newRefresh = randomAlphanumeric(24);
    this.oauthTokens.set(accessToken, {
      clientId,
      scopes: consumer.scopes,
      expiresAt: this.now() + OAUTH_LIFETIME_SECONDS * 1000,
    });
    this.refreshTokens.set(newRefresh, clientId);
    return {
      access_token: accessToken,
      scopes: consumer.scopes.join(' '),
      expires_in: OAUTH_LIFETIME_SECONDS,
      token_type: 'bearer',
      state: refreshToken === undefined ? 'client_credentials' : 'refresh_token',
      refresh_token: newRefresh,
    };
  }

  /** The Authorization header reduced to its scheme and principal, for recordings (the secret never appears). */
  describeAuthorization(authorization: string | undefined): string | undefined {
    if (authorization === undefined) return undefined;
    const parsed = parseAuthorization(authorization);
    if (!parsed) return `${authorization.split(' ')[0]} [REDACTED]`;
    if (parsed.kind === 'basic') {
      if (parsed.password === '' || looksLikeToken(parsed.user)) return 'Basic [REDACTED]:';
      return `Basic ${parsed.user}:[REDACTED]`;
    }
    if (parsed.scheme === 'bearer') {
      const access = this.accessTokens.get(parsed.token);
      if (access) return `Bearer [REDACTED access token for ${access.workspace}/${access.repo ?? '*'}]`;
      const api = this.apiTokens.get(parsed.token);
      if (api) return `Bearer [REDACTED API token of ${api.email}]`;
      const oauth = this.oauthTokens.get(parsed.token);
      if (oauth) return `Bearer [REDACTED OAuth token of consumer ${oauth.clientId}]`;
      if (this.sonarTokens.has(parsed.token)) return 'Bearer [REDACTED SonarQube token]';
    }
    return `${parsed.scheme === 'bearer' ? 'Bearer' : parsed.scheme} [REDACTED]`;
  }
}

/** The 403 for missing scopes, or undefined when the principal holds every scope the endpoint needs. */
export function checkScopes(principal: Principal, need: ScopeNeed): Reply | undefined {
  const granted = principal.scopes;
  const required = principal.kind === 'api-token' ? need.granular : need.legacy;
  const effective = new Set(principal.kind === 'api-token' ? granted : expandLegacy(granted));
  if (required.every((scope) => effective.has(scope))) return undefined;
  return bitbucketError(403, MESSAGES.lackScopes, {
    detail: { required: [...required], granted: [...granted] },
  });
}

/** Whether the principal may see a repository (access tokens are limited to their workspace or repository). */
export function canSeeRepository(principal: Principal, workspace: string, slug: string): boolean {
  if (principal.kind !== 'access-token') return true;
  return principal.workspace === workspace && (principal.repo === undefined || principal.repo === slug);
}

/** A stable name for the principal: build statuses remember their creator by it. */
export function principalId(principal: Principal): string {
  return principal.kind === 'access-token'
    ? `access-token:${principal.id}`
    : `user:${principal.account.email.toLowerCase()}`;
}

export function isRepositoryAdmin(principal: Principal): boolean {
  return principal.kind === 'access-token'
    ? expandLegacy(principal.scopes).includes('repository:admin')
    : principal.account.admin;
}

export interface AuthOptions {
  /** Cross-workspace endpoints such as /user refuse access tokens. */
  readonly crossWorkspace?: boolean;
}

/** Wraps a Bitbucket handler: 401 without valid credentials, 403 for access tokens on cross-workspace endpoints or missing scopes. */
export function withBitbucketAuth(
  credentials: Credentials,
  need: ScopeNeed,
  handler: (ctx: RequestContext, principal: Principal) => Reply | Promise<Reply>,
  options: AuthOptions = {},
): Handler {
  return (ctx) => {
    const principal = credentials.authenticate(headerValue(ctx.headers.authorization));
    if ('status' in principal) return principal;
    if (options.crossWorkspace && principal.kind === 'access-token') {
      return bitbucketError(403, MESSAGES.notAccessibleByMechanism);
    }
    return checkScopes(principal, need) ?? handler(ctx, principal);
  };
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** An Authorization header: Basic user:password, or another scheme (lower-cased, e.g. bearer) with its token. */
type ParsedAuthorization =
  | { readonly kind: 'basic'; readonly user: string; readonly password: string }
  | { readonly kind: 'token'; readonly scheme: string; readonly token: string };

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'basic', user: decoded, password: '' };
    return { kind: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return { kind: 'token', scheme, token: value };
}

function unauthorized(message: string): Reply {
  return {
    ...bitbucketError(401, message),
    headers: { 'WWW-Authenticate': 'Basic realm="Bitbucket.org HTTP"' },
  };
}

function expandLegacy(scopes: readonly string[]): string[] {
  const out = new Set<string>();
  const visit = (scope: string): void => {
    if (out.has(scope)) return;
    out.add(scope);
    for (const implied of LEGACY_IMPLIES[scope] ?? []) visit(implied);
  };
  scopes.forEach(visit);
  return [...out];
}

function looksLikeToken(value: string): boolean {
  return /^(AT[A-Z]{2}|squ_|sqa_|sqp_)/.test(value) || value.length > 60;
}

function alnumFrom(label: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += sha1Hex(`${label}:${i}`);
  // Mix case so it reads like Bitbucket's alphanumeric keys.
  return out
    .slice(0, length)
    .split('')
    .map((c, i) => (i % 3 === 0 ? c.toUpperCase() : c))
    .join('');
}
