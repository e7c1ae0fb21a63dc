// Who may overwrite a build status: only the account that created it, or a repository admin; what the API tells of it.
import type { CommitStatus } from './types';

/**
 * What Bitbucket tells about who owns a status. Its OpenAPI `commitstatus` has no creator field; Atlassian's 2021
 * change notice says the author's account "will be added to the API response" without naming the field, so any
 * property holding an account object (`type` user/team/app_user, or a display_name with an account_id/uuid) counts.
 */
export interface StatusOwnership {
  /** The creating account, only when the response carries one. */
  account?: string;
  createdOn?: string;
  updatedOn?: string;
  url?: string;
}

const ACCOUNT_TYPES = new Set(['user', 'team', 'app_user', 'account']);

export function statusOwnership(status: CommitStatus): StatusOwnership {
  const ownership: StatusOwnership = {};
  for (const value of Object.values(status as unknown as Record<string, unknown>)) {
    const account = accountName(value);
    if (account) {
      ownership.account = account;
      break;
    }
  }
  if (typeof status.created_on === 'string') ownership.createdOn = status.created_on;
  if (typeof status.updated_on === 'string') ownership.updatedOn = status.updated_on;
  if (typeof status.url === 'string' && status.url) ownership.url = status.url;
  return ownership;
}

function accountName(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const text = (key: string) => (typeof record[key] === 'string' && record[key] ? record[key] : undefined);
  const typed = typeof record.type === 'string' && ACCOUNT_TYPES.has(record.type);
  const identified = text('account_id') ?? text('uuid') ?? text('nickname');
  const name = text('display_name') ?? text('nickname') ?? text('username');
  if (!name || !(typed || identified)) return undefined;
  const extra = text('nickname') && text('nickname') !== name ? text('nickname') : text('account_id');
  return extra ? `${name} (${extra})` : name;
}

/** One sentence on who owns the status, honest about what the API does not say. */
export function describeOwnership(ownership: StatusOwnership): string {
  const who = ownership.account
    ? `created by ${ownership.account}`
    : 'created by an account Bitbucket does not name in its API';
  const when = ownership.createdOn ? ` on ${ownership.createdOn}` : '';
  const updated =
    ownership.updatedOn && ownership.updatedOn !== ownership.createdOn
      ? `, last updated ${ownership.updatedOn}`
      : '';
  const link = ownership.url ? `; its link (likely the build that posted it): ${ownership.url}` : '';
  return `${who}${when}${updated}${link}`;
}

/** The rule, for hints: who may overwrite, and what to do. */
export function overwriteRuleHint(credentialDescription: string): string {
  return (
    'Only the account that created a build status (or a repository admin) may overwrite it. Post this key with the ' +
    `same credential everywhere it is posted — the central pipeline and the individual repository alike (this run used ` +
    `${credentialDescription}) — or post under a key of your own.`
  );
}
