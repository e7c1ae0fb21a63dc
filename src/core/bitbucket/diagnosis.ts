// Turns Bitbucket Cloud error answers (400/401/403/404/429/5xx) into a diagnosis in words with the likely fix.
import { API_TOKEN_HELP, type Credential, describeCredential } from '../credentials';
import { type Diagnoser, type Diagnosis, type FailedResponse, retryWords } from '../http/client';
import { bitbucketApiUrlProblem } from './api-url';
import { overwriteRuleHint } from './status-owner';

interface BitbucketErrorBody {
  type?: string;
  error?: {
    message?: string;
    detail?: unknown;
    fields?: Record<string, unknown>;
  };
}

/** A diagnoser that knows which credential was used, so a 401 or 403 can name it and its fix. */
export function createBitbucketDiagnoser(credential: Credential | undefined): Diagnoser {
  return (failure) => diagnoseBitbucket(failure, credential);
}

export function diagnoseBitbucket(failure: FailedResponse, credential: Credential | undefined): Diagnosis {
  const { status, spec } = failure;
  const body = (typeof failure.body === 'object' ? failure.body : undefined) as
    BitbucketErrorBody | undefined;
  const said =
    body?.error?.message ??
    (typeof failure.body === 'string' ? failure.body.trim().slice(0, 200) : undefined);
  const quoted = said ? ` Bitbucket said: "${said}".` : '';
  const what = `${spec.method} ${spec.resource ?? failure.request.url}`;
  const used = credential ? describeCredential(credential) : 'no credential';

  if (status === 400) {
    const fields = fieldErrors(body?.error?.fields);
    return {
      message: `Bitbucket rejected the request (${what}): ${fields || said || 'bad request'}`,
      diagnosis: `400 Bad Request.${quoted}${fields ? ` Field errors: ${fields}.` : ''}`,
      hint: 'Correct the values named above and send again.',
    };
  }
  if (status === 401) {
    const mechanism = said && /not accessible by this authentication mechanism/i.test(said);
    return {
      message: mechanism
        ? `Bitbucket does not accept this kind of credential for ${what}`
        : `Bitbucket did not accept the credential (${used})`,
      diagnosis: `401 Unauthorized.${quoted}`,
      hint: mechanism
        ? 'Access tokens work only inside their repository, project or workspace; cross-workspace endpoints such as /user need an API token.'
        : unauthorizedHint(credential),
    };
  }
  if (status === 403) {
    const detail = body?.error?.detail as { required?: string[]; granted?: string[] } | undefined;
    const required = Array.isArray(detail?.required) ? detail.required : undefined;
    if (required || (said && /scope/i.test(said))) {
      const needed = required ?? neededScopes(spec.scopes, credential);
      const granted = Array.isArray(detail?.granted) ? detail.granted : [];
      const missing = needed.filter((scope) => !granted.includes(scope));
      return {
        message: `The credential lacks the scope${missing.length === 1 ? '' : 's'} ${missing.join(', ') || needed.join(', ')} needed for ${what}`,
        diagnosis: `403 Forbidden.${quoted} Required: ${needed.join(', ') || 'unknown'}; granted: ${granted.join(', ') || 'none listed'}.`,
        hint: scopeHint(credential, missing.length ? missing : needed),
      };
    }
    if (/\/statuses\/build(\/|$)/.test(spec.path) && (spec.method === 'POST' || spec.method === 'PUT')) {
      return {
        message: `Bitbucket refused to write the build status (${what}): only the account that created a status under this key may overwrite it`,
        diagnosis: `403 Forbidden.${quoted}`,
        hint: overwriteRuleHint(used),
      };
    }
    return {
      message: `Bitbucket refused ${what}: the account behind the credential lacks permission`,
      diagnosis: `403 Forbidden.${quoted}`,
      hint:
        'Check that the account (or access token) has at least read access to the repository; a build status can only be ' +
        'changed by the one who created it or an administrator.',
    };
  }
  if (status === 404) {
    // A 404 from a URL that is not Cloud's API (Data Center, or no /2.0) says nothing about the commit or repository.
    const wrongApi = bitbucketApiUrlProblem(
      failure.request.url
        .replace(/[?#].*$/, '')
        .replace(/\/(repositories|user|workspaces|pullrequests)(\/.*)?$/, ''),
    );
    if (wrongApi) {
      return {
        message: `Not found: ${what} — ${wrongApi.problem}`,
        diagnosis: `404 Not Found.${quoted}`,
        hint: wrongApi.fix,
      };
    }
    return {
      message: `Not found: ${spec.resource ?? failure.request.url}`,
      diagnosis: `404 Not Found.${quoted} Bitbucket also answers 404 when the credential cannot see a private repository.`,
      hint: `Check the workspace/repository, the commit hash (full 40 characters, pushed to Bitbucket) and the key; and that ${used} can read that repository.`,
    };
  }
  if (status === 429) return rateLimited(what, quoted, credential);
  if (status >= 500) {
    return {
      message: `Bitbucket failed to answer ${what} (${status})`,
      diagnosis: `${status} from Bitbucket.${quoted}`,
      hint: [
        "This is on Bitbucket's side.",
        retryWords(failure),
        'Check https://bitbucket.status.atlassian.com and run again later.',
      ]
        .filter(Boolean)
        .join(' '),
    };
  }
  return { message: `Bitbucket answered ${status} to ${what}`, diagnosis: `${status}.${quoted}` };
}

function fieldErrors(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([name, problems]) => `${name}: ${Array.isArray(problems) ? problems.join(' ') : String(problems)}`)
    .join('; ');
}

function neededScopes(
  scopes: { api: readonly string[]; legacy: readonly string[] } | undefined,
  credential: Credential | undefined,
): string[] {
  if (!scopes) return [];
  return [...(credential?.kind === 'api-token' ? scopes.api : scopes.legacy)];
}

function unauthorizedHint(credential: Credential | undefined): string {
  switch (credential?.kind) {
    case 'api-token':
      return (
        `Check that ${credential.email} is the email of the Atlassian account that created the token, that the token is ` +
        'not expired or revoked, and that it was created "with scopes" for Bitbucket. ' +
        API_TOKEN_HELP
      );
    case 'access-token':
      return 'The access token may be revoked or expired; create a new repository, project or workspace access token.';
    case 'oauth-client':
      return "The OAuth consumer's token was refused; check the consumer still exists and is not set as public-only.";
    default:
      return API_TOKEN_HELP;
  }
}

function scopeHint(credential: Credential | undefined, scopes: string[]): string {
  const list = scopes.join(', ');
  switch (credential?.kind) {
    case 'api-token':
      return `An API token's scopes cannot be changed: create a new API token with scopes including ${list}. ${API_TOKEN_HELP}`;
    case 'access-token':
      return `Create a new access token with the ${list} permission (Repository/Workspace settings → Access tokens); its scopes cannot be edited.`;
    case 'oauth-client':
      return `Give the OAuth consumer the ${list} permission (Workspace settings → OAuth consumers → Edit).`;
    default:
      return `Use a credential with ${list}.`;
  }
}

/**
 * A 429 that outlasted the retries: the credential's hourly budget is spent. Says whose budget (never the secret),
 * how Bitbucket counts it, and what to do.
 */
function rateLimited(what: string, quoted: string, credential: Credential | undefined): Diagnosis {
  const window =
    'Bitbucket counts requests to /2.0/repositories/* over a rolling hour and sends no Retry-After: the budget returns ' +
    'gradually as requests older than an hour drop out of the window.';
  switch (credential?.kind) {
    case 'api-token':
      return {
        message: `Bitbucket's hourly rate limit is spent for the API tokens of ${credential.email} (${what} was refused)`,
        diagnosis:
          `429 Too Many Requests.${quoted} Requests with an API token count against its ` +
          `Atlassian account: every API token of ${credential.email} (from ${credential.source}) shares 1,000 requests per hour. ${window}`,
        hint:
          'Run again in a while (a re-run posts what this one could not). To keep it from recurring: spend fewer ' +
          'requests per check (crosscheck trigger --ref), spread the repositories across bot accounts, or use access ' +
          'tokens, which each have their own allowance.',
      };
    case 'access-token':
      return {
        message: `Bitbucket's hourly rate limit is spent for the access token from ${credential.source} (${what} was refused)`,
        diagnosis:
          `429 Too Many Requests.${quoted} An access token has its own allowance (1,000 requests ` +
          `per hour, scaled up to 10,000 with the workspace's paid seats; see X-RateLimit-Limit). ${window}`,
        hint:
          'Run again in a while (a re-run posts what this one could not). To keep it from recurring: use one ' +
          'repository access token per repository, so that each repository spends its own allowance.',
      };
    case 'oauth-client':
      return {
        message: `Bitbucket's hourly rate limit is spent for OAuth consumer ${credential.clientId} (${what} was refused)`,
        diagnosis: `429 Too Many Requests.${quoted} Requests with an OAuth consumer count against the consumer, whoever created it. ${window}`,
        hint:
          'Run again in a while (a re-run posts what this one could not). To keep it from recurring: spread the ' +
          'work across consumers or accounts, or use access tokens, which each have their own allowance.',
      };
    default:
      return {
        message: `Bitbucket's rate limit was hit for ${what}`,
        diagnosis: `429 Too Many Requests.${quoted} Anonymous requests get 60 per hour. ${window}`,
        hint: 'Send a credential: authenticated requests get 1,000 per hour or more.',
      };
  }
}
