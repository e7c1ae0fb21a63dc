// Checks and normalises user input before anything is sent: repository names, commits, keys, states, URLs, lengths.
import { hasControlCharacters, printable } from './display-text';
import { InputError } from './errors';

export interface RepositoryRef {
  workspace: string;
  slug: string;
}

export type BuildState = 'SUCCESSFUL' | 'FAILED' | 'INPROGRESS' | 'STOPPED';

export const BUILD_STATES: readonly BuildState[] = ['SUCCESSFUL', 'FAILED', 'INPROGRESS', 'STOPPED'];

/** Spellings users write for each state; a Map, so no input can reach an Object prototype key. */
const STATE_ALIASES = new Map<string, BuildState>(
  Object.entries({
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
  } satisfies Record<string, BuildState>),
);

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
  const help =
    `Give the workspace ID and the repository slug as they appear in the URL bitbucket.org/<workspace>/<repo> ` +
    `(letters, digits, _ - and .), e.g. ${option} acme/web-app.`;
  if (!match) throw new InputError(`${option} "${value}" is not of the form workspace/repo.`, help);
  const [workspace, slug] = [match[1]!, match[2]!]; // both groups are required
  if (!isRepositoryName(workspace) || !isRepositoryName(slug)) {
    throw new InputError(
      `${option} "${value}" names a workspace or repository made only of dots, which would send the request to another path.`,
      help,
    );
  }
  return { workspace, slug };
}

/**
 * A workspace ID or repository slug as Bitbucket makes them: ASCII letters, digits, `_`, `-` and `.`, and not made of
 * dots alone (`.` and `..` would turn the request path into another endpoint's).
 */
export function isRepositoryName(value: string): boolean {
  return /^[A-Za-z0-9_.-]+$/.test(value) && !/^\.+$/.test(value);
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
  if (hasControlCharacters(key)) {
    throw new InputError(
      `${option} "${printable(key)}" holds control characters.`,
      'Use a plain key of letters, digits and - _ . (e.g. sonar).',
    );
  }
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
  const state = STATE_ALIASES.get(value.trim().toLowerCase());
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

/** Host names of this machine, the only ones plain http may carry a credential to. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface ApiUrlOptions {
  /** Accept plain http to any host (SonarQube is often served without TLS inside a network). */
  allowPlainHttp?: boolean;
  /** What to do instead, when the URL is refused. */
  fix?: string;
}

/**
 * A base URL that requests are built on and credentials sent to: https (http only to this machine unless allowed),
 * no user name or password, no query or fragment (paths are appended to it). Returned without trailing slashes.
 */
export function parseApiUrl(value: string, option: string, options: ApiUrlOptions = {}): string {
  const text = value.trim();
  const fix = options.fix ?? 'Give the API base URL, e.g. https://api.bitbucket.org/2.0.';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`${option} "${value}" is not a URL.`, fix);
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (loopback || options.allowPlainHttp))) {
    throw new InputError(
      url.protocol === 'http:'
        ? `${option} "${value}" is plain http to another machine, so the credential would cross the network in clear.`
        : `${option} "${value}" is not an http(s) URL.`,
      `${fix} Credentials are only sent over https (plain http only to this machine).`,
    );
  }
  if (url.username || url.password)
    throw new InputError(`${option} contains a user name or password.`, `Remove them. ${fix}`);
  if (url.search || url.hash || /[?#]/.test(text)) {
    throw new InputError(
      `${option} "${value}" has a query or fragment (? or #); request paths are appended to it, so it must end with its path.`,
      fix,
    );
  }
  return text.replace(/\/+$/, '');
}

/** Shortens text to `max` characters with an ellipsis; returns whether it did. */
export function shorten(text: string, max: number): { text: string; shortened: boolean } {
  if (text.length <= max) return { text, shortened: false };
  return { text: `${text.slice(0, max - 1)}…`, shortened: true };
}
