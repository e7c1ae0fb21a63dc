// Checks a credential against Bitbucket: who it is, what it can reach, and what to fix for what it cannot.
import type { BitbucketConnection } from './bitbucket/connection';
import { SCOPES } from './bitbucket/scopes';
import { describeOwnership, statusOwnership } from './bitbucket/status-owner';
import { describeCredential, tokenTypeOf } from './credentials';
import { printable } from './display-text';
import { ApiError, CrosscheckError } from './errors';
import { formatRepository, type RepositoryRef } from './validation';

export type CheckOutcome = 'ok' | 'failed' | 'warning' | 'skipped';

export interface DoctorCheck {
  name: string;
  outcome: CheckOutcome;
  detail: string;
  fix?: string;
}

export interface DoctorReport {
  credential: string;
  tokenType: string;
  notices: string[];
  checks: DoctorCheck[];
  /** False when any check failed. */
  ok: boolean;
}

/** A build status to look up: who owns it decides who may overwrite it. */
export interface StatusToInspect {
  commit: string;
  key: string;
}

/**
 * Runs read-only probes; nothing is written. `onProgress` hears about each probe before it starts. With `status`
 * (and a repository), also says who owns that build status, as only its creator or an admin may overwrite it.
 */
export async function runDoctor(
  connection: BitbucketConnection,
  repo: RepositoryRef | undefined,
  onProgress: (step: string) => void = () => undefined,
  status?: StatusToInspect,
): Promise<DoctorReport> {
  const { api, credential } = connection;
  const checks: DoctorCheck[] = [];
  const token = credential.kind === 'oauth-client' ? undefined : credential.token;
  const tokenType = token
    ? describeTokenType(tokenTypeOf(token), credential.kind)
    : 'OAuth consumer (client credentials)';

  onProgress('who the credential belongs to');
  try {
    const user = await api.getCurrentUser();
    checks.push({
      name: 'identity',
      outcome: 'ok',
      detail: `authenticated as ${user.display_name ?? user.username ?? user.account_id ?? 'an account'}`,
    });
  } catch (error) {
    if (
      credential.kind !== 'api-token' &&
      error instanceof ApiError &&
      (error.status === 401 || error.status === 403)
    ) {
      checks.push({
        name: 'identity',
        outcome: 'skipped',
        detail:
          'access tokens and OAuth consumers cannot read /user (expected); the checks below tell what they reach',
      });
    } else {
      checks.push(
        failedCheck(
          'identity',
          error,
          error instanceof ApiError && error.status === 403 ? 'warning' : 'failed',
        ),
      );
    }
  }

  if (!repo) {
    checks.push({
      name: 'repository',
      outcome: 'skipped',
      detail: 'no repository given',
      fix: 'Pass --repo workspace/repo to check access to a repository.',
    });
  } else {
    const name = formatRepository(repo);
    onProgress(`read access to ${name}`);
    await probe(
      checks,
      `read ${name} (statuses, Code Insights: ${scopeNames(credential.kind, SCOPES.repository)})`,
      async () => {
        const repository = await api.getRepository(repo);
        return `main branch ${repository.mainbranch?.name ?? 'unknown'}; build statuses can be posted`;
      },
    );
    onProgress(`pull requests of ${name}`);
    await probe(checks, `pull requests (${scopeNames(credential.kind, SCOPES.pullRequest)})`, async () => {
      const [first] = await api.listOpenPullRequests(repo, 1);
      return first ? `readable; e.g. #${first.id} ${first.title}` : 'readable; none open';
    });
    onProgress(`pipelines of ${name}`);
    await probe(
      checks,
      `pipelines (${scopeNames(credential.kind, SCOPES.pipelineRead)})`,
      async () => {
        const [latest] = await api.listRecentPipelines(repo, 1);
        return latest ? `readable; latest #${latest.build_number}` : 'readable; no runs yet';
      },
      'warning',
    );
    checks.push({
      name: `trigger pipelines (${scopeNames(credential.kind, SCOPES.pipelineWrite)})`,
      outcome: 'skipped',
      detail: 'not probed: it cannot be tested without starting a pipeline',
    });
    if (status) {
      onProgress(`build status ${status.key} on ${status.commit.slice(0, 12)}`);
      checks.push(await statusOwnerCheck(connection, repo, status));
    }
  }

  // Details quote what the server said (names, titles, error texts): never a secret, never a control character.
  const shown = (text: string) => printable(connection.http.redact(text));
  return {
    credential: describeCredential(credential),
    tokenType,
    notices: connection.notices.map(shown),
    checks: checks.map((check) => ({
      ...check,
      detail: shown(check.detail),
      ...(check.fix !== undefined ? { fix: shown(check.fix) } : {}),
    })),
    ok: checks.every((check) => check.outcome !== 'failed'),
  };
}

async function statusOwnerCheck(
  connection: BitbucketConnection,
  repo: RepositoryRef,
  { commit, key }: StatusToInspect,
): Promise<DoctorCheck> {
  const name = `build status "${key}" on ${formatRepository(repo)}@${commit.slice(0, 12)}`;
  try {
    const found = await connection.api.getBuildStatus(repo, commit, key);
    return {
      name,
      outcome: 'ok',
      detail:
        `${found.state}, ${describeOwnership(statusOwnership(found))}. Only that account (or a repository admin) ` +
        `can overwrite it: post this key with the same credential everywhere (this one is the ` +
        `${describeCredential(connection.credential)}).`,
    };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      return {
        name,
        outcome: 'ok',
        detail: 'no status under this key yet: the first credential to post it will own it',
      };
    }
    return failedCheck(name, error, 'failed');
  }
}

async function probe(
  checks: DoctorCheck[],
  name: string,
  run: () => Promise<string>,
  onFailure: CheckOutcome = 'failed',
): Promise<void> {
  try {
    checks.push({ name, outcome: 'ok', detail: await run() });
  } catch (error) {
    checks.push(failedCheck(name, error, onFailure));
  }
}

function failedCheck(name: string, error: unknown, outcome: CheckOutcome): DoctorCheck {
  if (error instanceof CrosscheckError) {
    const detail = error instanceof ApiError ? `${error.message} — ${error.diagnosis}` : error.message;
    return { name, outcome, detail, fix: error.hint };
  }
  throw error;
}

function scopeNames(kind: string, scopes: { api: readonly string[]; legacy: readonly string[] }): string {
  return (kind === 'api-token' ? scopes.api : scopes.legacy).join(' + ');
}

function describeTokenType(type: ReturnType<typeof tokenTypeOf>, kind: string): string {
  switch (type) {
    case 'api-token':
      return 'Atlassian API token (ATAT…)';
    case 'access-token':
      return 'repository/project/workspace access token (ATCT…)';
    default:
      return kind === 'api-token' ? 'API token (unrecognised prefix)' : 'access token (unrecognised prefix)';
  }
}
