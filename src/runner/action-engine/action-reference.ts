// Parses and validates what `uses:` (or `crosscheck action run`) names: a local folder or owner/repo[/path]@ref.
import { ActionDefinitionError } from './action-definition';

/** A folder on this machine, relative to the workspace (or absolute when given on the command line). */
export interface LocalActionReference {
  kind: 'local';
  path: string;
}

/** An action in a git repository: `owner/repo[/sub/dir]@ref`, or the same after `https://host/`. */
export interface RemoteActionReference {
  kind: 'remote';
  owner: string;
  repo: string;
  /** Folder inside the repository that holds action.yml, `/`-separated; '' for the root. */
  subPath: string;
  /** Branch, tag or full commit SHA. */
  ref: string;
  /** The repository's own base URL when the reference named one (`https://host`), else undefined (the actions URL). */
  baseUrl?: string;
  /** As written, for messages. */
  text: string;
}

export type ActionReference = LocalActionReference | RemoteActionReference;

/** GitHub's owner and repository names: letters, digits, `-`, `_`, `.`; never `.`/`..` or an option-like `-x`. */
const NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,99}$/;
const REMOTE = /^([^/@\s]+)\/([^/@\s]+)((?:\/[^@\s]+)?)@([^@\s]+)$/;
const FULL_URL = /^(https?):\/\/([^/@\s]+)\/(.+)$/;

/** A full commit SHA (SHA-1 or SHA-256): used as is, never re-resolved. */
export function isFullSha(ref: string): boolean {
  return /^[0-9a-f]{40}$/.test(ref) || /^[0-9a-f]{64}$/.test(ref);
}

/**
 * Reads a `uses:` value. `./x`, `../x`, absolute paths and anything that is not `owner/repo@ref` are local;
 * `docker://` is refused. Everything in a remote reference is checked, since it comes from an action file nobody
 * reviewed: names, sub-path (no `..`, no absolute path) and ref (no option-like `-x`, nothing git would refuse).
 */
export function parseActionReference(text: string, where = 'uses'): ActionReference {
  const value = text.trim();
  const fail = (message: string): never => {
    throw new ActionDefinitionError(`${where} '${text}': ${message}`);
  };
  if (value === '') return fail('is empty. Name a folder (./path) or owner/repo@ref.');
  if (/^docker:\/\//i.test(value)) {
    return fail(
      'Docker image actions are not supported, only JavaScript and composite actions. Run the image with docker in the pipeline step instead.',
    );
  }
  if (/^\.\.?([/\\]|$)/.test(value) || value.startsWith('/') || /^[A-Za-z]:[/\\]/.test(value)) {
    return { kind: 'local', path: value };
  }
  const url = FULL_URL.exec(value);
  if (url) {
    // FULL_URL's groups are not optional: each is a string when it matches.
    const [scheme, host, rest] = [url[1]!, url[2]!, url[3]!];
    const remote = REMOTE.exec(rest);
    if (!remote) return fail('is not https://host/owner/repo[/path]@ref.');
    return checkRemote(remote, value, fail, `${scheme}://${host}`);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    return fail('only https:// references (https://host/owner/repo@ref) can name a host.');
  }
  const remote = REMOTE.exec(value);
  if (remote) return checkRemote(remote, value, fail, undefined);
  if (/@/.test(value) || /^[^/]+\/[^/]+$/.test(value)) {
    return fail(
      'is neither a local folder (./path) nor owner/repo[/path]@ref (a branch, tag or full commit SHA).',
    );
  }
  return { kind: 'local', path: value };
}

function checkRemote(
  match: RegExpExecArray,
  text: string,
  fail: (message: string) => never,
  baseUrl: string | undefined,
): RemoteActionReference {
  // REMOTE's groups are not optional (the sub-path group matches '' when there is none).
  const [owner, repo, rawSubPath, ref] = [match[1]!, match[2]!, match[3]!, match[4]!];
  for (const [what, name] of [
    ['owner', owner],
    ['repository', repo],
  ] as const) {
    if (!NAME.test(name) || name === '.' || name === '..') {
      fail(`the ${what} '${name}' is not a valid name (letters, digits, '-', '_' and '.').`);
    }
  }
  const subPath = rawSubPath.replace(/^\//, '');
  if (subPath !== '') {
    const segments = subPath.split('/');
    if (
      segments.some(
        (segment) => segment === '' || segment === '.' || segment === '..' || /[\\:]/.test(segment),
      )
    ) {
      fail(`the path '${subPath}' must stay inside the repository: no '..', '.', empty parts, '\\' or ':'.`);
    }
  }
  if (!isValidRef(ref)) {
    fail(`the ref '${ref}' is not a valid branch, tag or commit SHA.`);
  }
  return {
    kind: 'remote',
    owner,
    repo,
    subPath,
    ref,
    text,
    ...(baseUrl !== undefined && { baseUrl }),
  };
}

/** The rules of `git check-ref-format` that matter here, and no option-like leading `-`. */
function isValidRef(ref: string): boolean {
  if (ref.length > 255 || ref.startsWith('-') || ref.startsWith('/') || ref.endsWith('/')) return false;
  if (
    ref.endsWith('.') ||
    ref.endsWith('.lock') ||
    ref.includes('..') ||
    ref.includes('@{') ||
    ref.includes('//')
  )
    return false;
  if (ref.split('/').some((part) => part.startsWith('.'))) return false;
  // Control characters, space and git's reserved ~ ^ : ? * [ \
  return !/[\x00-\x20\x7f~^:?*[\\]/.test(ref);
}

/** How the reference reads in messages and in `github.action_repository`. */
export function repositoryName(reference: RemoteActionReference): string {
  return `${reference.owner}/${reference.repo}`;
}
