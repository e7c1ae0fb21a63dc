// Turns flags, JSON Lines records and CI defaults into validated build statuses, before anything is sent.
import {
  type BuildStatusInput,
  hasControlCharacters,
  printable,
  stripControlCharacters,
  InputError,
  MAX_DESCRIPTION_LENGTH,
  MAX_NAME_LENGTH,
  parseCommit,
  parseHttpUrl,
  parseKey,
  parseRepository,
  parseState,
  type RepositoryRef,
  shorten,
} from '../core';
import type { CiDefaults } from './ci-environment';

/** One status as the user wrote it: a line of --from, or the flags. */
export interface StatusRecord {
  repo?: string;
  commit?: string;
  key?: string;
  state?: string;
  name?: string;
  url?: string;
  description?: string;
  refname?: string;
}

export interface StatusToPost {
  repo: RepositoryRef;
  commit: string;
  status: BuildStatusInput;
  notices: string[];
}

const FIELDS: ReadonlyArray<keyof StatusRecord> = [
  'repo',
  'commit',
  'key',
  'state',
  'name',
  'url',
  'description',
  'refname',
];

/**
 * Validates one record; fields it lacks come from `fallback` (the flags) and then from the CI. A line of --from
 * (`line`) names its problems by JSON field ("key"), the flags by flag (--key).
 */
export function toStatusToPost(
  record: StatusRecord,
  fallback: StatusRecord,
  ci: CiDefaults,
  line = false,
): StatusToPost {
  const pick = (field: keyof StatusRecord) => record[field] ?? fallback[field];
  /** How a message names a field: where its value came from, or both places it could have. */
  const named = (field: keyof StatusRecord): string => {
    if (!line) return `--${field}`;
    if (record[field] !== undefined) return field;
    return fallback[field] !== undefined ? `--${field}` : `${field} (or --${field})`;
  };
  const notices: string[] = [];
  const repo = parseRepository(pick('repo') ?? ci.repo, named('repo'));
  const commit = parseCommit(pick('commit') ?? ci.commit, named('commit'));
  const key = parseKey(pick('key'), named('key'));
  const state = parseState(pick('state'), named('state'));
  const givenUrl = pick('url') ?? ci.runUrl;
  if (!givenUrl) {
    throw new InputError(
      `${named('url')} is required outside a CI run.`,
      `Bitbucket needs a link for every build status: give ${line ? 'each line a "url" (or --url for all)' : '--url'} with the page of the check (e.g. the report).`,
    );
  }
  const url = parseHttpUrl(givenUrl, named('url'));
  const status: BuildStatusInput = {
    key,
    state,
    url,
    name: withoutControls(pick('name') ?? key, 'name', notices),
  };
  const name = shorten(status.name ?? key, MAX_NAME_LENGTH);
  status.name = name.text;
  if (name.shortened) notices.push(`name shortened to ${MAX_NAME_LENGTH} characters`);
  const given = pick('description');
  if (given !== undefined) {
    const description = withoutControls(given, 'description', notices);
    const shortened = shorten(description, MAX_DESCRIPTION_LENGTH);
    status.description = shortened.text;
    if (shortened.shortened) notices.push(`description shortened to ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  const refname = pick('refname') ?? ci.refname;
  if (refname) status.refname = refname;
  return { repo, commit, status, notices };
}

/**
 * The text without control characters (ESC, OSC, C0, C1, bidi marks), which would reach every terminal that shows
 * the status; a notice says so, with the characters spelled out.
 */
function withoutControls(text: string, field: string, notices: string[]): string {
  if (!hasControlCharacters(text)) return text;
  notices.push(
    `${field} "${printable(text)}" holds control characters (escape sequences could drive a terminal); they were removed`,
  );
  return stripControlCharacters(text);
}

/** Limits of --from: a status line is well under 4 KiB, and Bitbucket's hourly budget is about 1,000 requests. */
export const JSON_LINES_LIMITS = {
  /** Bytes read at most (the reader stops there). */
  bytes: 16 * 1024 * 1024,
  /** Characters in one line. */
  lineLength: 16 * 1024,
  /** Statuses in one run. */
  statuses: 10_000,
  /** Bad lines listed one by one; the rest are counted. */
  problemsShown: 20,
};

/**
 * Parses JSON Lines (blank lines and `#` comments skipped); every bad line is found at once and reported with its
 * number (the first 20, then a count). Over-long lines and more than 10,000 statuses are refused.
 */
export function parseStatusLines(text: string, fallback: StatusRecord, ci: CiDefaults): StatusToPost[] {
  const statuses: StatusToPost[] = [];
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    if (trimmed.length > JSON_LINES_LIMITS.lineLength) {
      problems.push(
        `line ${index + 1}: ${trimmed.length} characters, more than the ${JSON_LINES_LIMITS.lineLength} a status line may have`,
      );
      return;
    }
    if (statuses.length + problems.length >= JSON_LINES_LIMITS.statuses) {
      if (statuses.length + problems.length === JSON_LINES_LIMITS.statuses)
        problems.push(
          `line ${index + 1} and after: more than ${JSON_LINES_LIMITS.statuses} statuses in one run (Bitbucket allows about 1,000 requests an hour)`,
        );
      return;
    }
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new InputError('not a JSON object');
      const record: StatusRecord = {};
      for (const [field, value] of Object.entries(parsed)) {
        if (!FIELDS.includes(field as keyof StatusRecord))
          throw new InputError(`unknown field "${field}" (known: ${FIELDS.join(', ')})`);
        if (typeof value !== 'string') throw new InputError(`field "${field}" must be a string`);
        record[field as keyof StatusRecord] = value;
      }
      statuses.push(toStatusToPost(record, fallback, ci, true));
    } catch (error) {
      const message =
        error instanceof SyntaxError ? `invalid JSON (${error.message})` : (error as Error).message;
      problems.push(`line ${index + 1}: ${message}`);
    }
  });
  if (problems.length) {
    const shown = problems.slice(0, JSON_LINES_LIMITS.problemsShown);
    const more = problems.length - shown.length;
    throw new InputError(
      `${problems.length} line${problems.length === 1 ? '' : 's'} of --from cannot be sent; nothing was sent:\n  ${shown.join('\n  ')}${more ? `\n  … and ${more} more` : ''}`,
      'Fix those lines. Each is a JSON object of strings: "key", "state" and, outside a CI run, "url" (each may come ' +
        'from --key, --state, --url for every line instead); "repo" and "commit" (else --repo, --commit or the CI ' +
        'run\'s); optionally "name", "description", "refname".',
    );
  }
  if (statuses.length === 0)
    throw new InputError('--from holds no statuses.', 'Give one JSON object per line.');
  return statuses;
}
