// Checks and normalises user input before anything is sent: repository names, commits, keys, states, URLs, lengths.
import { InputError } from './errors';

export interface RepositoryRef {
  workspace: string;
  slug: string;
}

export type BuildState = 'SUCCESSFUL' | 'FAILED' | 'INPROGRESS' | 'STOPPED';

export const BUILD_STATES: readonly BuildState[] = ['SUCCESSFUL', 'FAILED', 'INPROGRESS', 'STOPPED'];

const STATE_ALIASES: Record<string, BuildState> = {
  successful: 'SUCCESSFUL',
  success: 'SUCCESSFUL',
  succeeded: 'SUCCESSFUL',
  passed: 'SUCCESSFUL',
  pass: 'SUCCESSFUL',
  ok: 'SUCCESSFUL',
  failed: 'FAILED',
  failure: 'FAILED',
  fail: 'FAILED',
  error: 'FAILED',
  inprogress: 'INPROGRESS',
  in_progress: 'INPROGRESS',
  'in-progress': 'INPROGRESS',
  pending: 'INPROGRESS',
  running: 'INPROGRESS',
  started: 'INPROGRESS',
  stopped: 'STOPPED',
  cancelled: 'STOPPED',
  canceled: 'STOPPED',
  aborted: 'STOPPED',
};

/** Longest key Bitbucket Cloud accepts for a build status. */
export const MAX_KEY_LENGTH = 40;
/** Lengths beyond which name and description are shortened (Bitbucket shows less anyway). */
export const MAX_NAME_LENGTH = 255;
export const MAX_DESCRIPTION_LENGTH = 255;

export function parseRepository(value: string | undefined, option = '--repo'): RepositoryRef {
  if (!value)
    throw new InputError(
      `${option} is required.`,
      `Give the repository as workspace/repo, e.g. ${option} acme/web-app.`,
    );
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value.trim());
  if (!match) {
    throw new InputError(
      `${option} "${value}" is not of the form workspace/repo.`,
      `Give the workspace ID and the repository slug as they appear in the URL bitbucket.org/<workspace>/<repo>, e.g. ${option} acme/web-app.`,
    );
  }
  return { workspace: match[1], slug: match[2] };
}

export function formatRepository(repo: RepositoryRef): string {
  return `${repo.workspace}/${repo.slug}`;
}

export function parseCommit(value: string | undefined, option = '--commit'): string {
  if (!value)
    throw new InputError(
      `${option} is required.`,
      `Give the full 40-character commit hash, e.g. from git rev-parse HEAD.`,
    );
  const commit = value.trim().toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(commit)) {
    const short = /^[0-9a-f]{4,39}$/.test(commit);
    throw new InputError(
      `${option} "${value}" is not a full 40-character commit hash${short ? ' (it looks abbreviated)' : ''}.`,
      'Give the full hash, e.g. from git rev-parse HEAD or $BITBUCKET_COMMIT.',
    );
  }
  return commit;
}

export function parseKey(value: string | undefined, option = '--key'): string {
  if (!value)
    throw new InputError(
      `${option} is required.`,
      'Give a short stable key, e.g. sonar; reuse it so each run overwrites the last.',
    );
  const key = value.trim();
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new InputError(
      `${option} "${key}" is ${key.length} characters long; Bitbucket Cloud accepts 1 to ${MAX_KEY_LENGTH}.`,
      `Use a shorter key (e.g. a slug of the check name); the same key must be reused so merge checks see one status.`,
    );
  }
  return key;
}

export function parseState(value: string | undefined, option = '--state'): BuildState {
  if (!value) throw new InputError(`${option} is required.`, `Give one of ${BUILD_STATES.join(', ')}.`);
  const state = STATE_ALIASES[value.trim().toLowerCase()];
  if (!state) {
    throw new InputError(
      `${option} "${value}" is not a build state.`,
      `Give one of ${BUILD_STATES.join(', ')} (case-insensitive; passed, success, failure, pending, running and cancelled work too).`,
    );
  }
  return state;
}

export function parseHttpUrl(value: string | undefined, option = '--url'): string {
  if (!value) throw new InputError(`${option} is required.`, 'Give an absolute http(s) URL.');
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new InputError(
      `${option} "${value}" is not a URL.`,
      'Give an absolute http(s) URL, e.g. https://ci.example.com/build/42.',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(`${option} "${value}" is not an http(s) URL.`, 'Give an absolute http(s) URL.');
  }
  if (url.username || url.password) {
    throw new InputError(
      `${option} contains a user name or password.`,
      'Never put credentials in a URL; give the plain link.',
    );
  }
  return url.toString();
}

/** Shortens text to `max` characters with an ellipsis; returns whether it did. */
export function shorten(text: string, max: number): { text: string; shortened: boolean } {
  if (text.length <= max) return { text, shortened: false };
  return { text: `${text.slice(0, max - 1)}…`, shortened: true };
}
