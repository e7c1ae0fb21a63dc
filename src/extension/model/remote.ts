// Finds the Bitbucket Cloud repository (workspace/slug) behind git remotes: scp-like ssh, ssh:// and https forms.
import { isRepositoryName, type RepositoryRef } from '../../core';

/** Host names that serve Bitbucket Cloud repositories over git. */
const BITBUCKET_HOSTS = new Set(['bitbucket.org', 'www.bitbucket.org', 'altssh.bitbucket.org']);

const URL_SCHEMES = new Set(['ssh:', 'git+ssh:', 'ssh+git:', 'https:', 'http:', 'git:']);

const NAME = '[A-Za-z0-9_.-]+';
const REPOSITORY_PATH = new RegExp(`^/?(${NAME})/(${NAME}?)(?:\\.git)?/?$`);

/** The repository a remote URL points to, or undefined when it is not a Bitbucket Cloud repository URL. */
export function parseBitbucketRemote(url: string): RepositoryRef | undefined {
  const location = splitRemote(url.trim());
  if (!location || !BITBUCKET_HOSTS.has(location.host.toLowerCase())) return undefined;
  const match = REPOSITORY_PATH.exec(location.path);
  if (!match) return undefined;
  const [workspace, slug] = [match[1]!, match[2]!]; // both groups are required
  if (!isRepositoryName(workspace) || !isRepositoryName(slug)) return undefined;
  return { workspace, slug };
}

function splitRemote(url: string): { host: string; path: string } | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    if (!URL_SCHEMES.has(parsed.protocol.toLowerCase())) return undefined;
    let path: string;
    try {
      path = decodeURIComponent(parsed.pathname);
    } catch {
      return undefined;
    }
    return { host: parsed.hostname, path };
  }
  // scp-like syntax: [user@]host:path — the host has no slash and the path does not start with //.
  const scp = /^(?:[^@/\s]+@)?([^:/\s@]+):(?!\/\/)(\S+)$/.exec(url);
  return scp ? { host: scp[1]!, path: scp[2]! } : undefined;
}

/** A git remote as the git extension reports it. */
export interface GitRemote {
  name: string;
  fetchUrl?: string;
  pushUrl?: string;
}

export interface BitbucketRemote {
  /** The remote's name, e.g. origin. */
  remote: string;
  repo: RepositoryRef;
}

/**
 * The Bitbucket repository among a repository's remotes: the one the current branch tracks, else `origin`,
 * else the first remote that points to Bitbucket Cloud.
 */
export function pickBitbucketRemote(
  remotes: readonly GitRemote[],
  tracked?: string,
): BitbucketRemote | undefined {
  const found: BitbucketRemote[] = [];
  for (const remote of remotes) {
    const repo = parseBitbucketRemote(remote.fetchUrl ?? '') ?? parseBitbucketRemote(remote.pushUrl ?? '');
    if (repo) found.push({ remote: remote.name, repo });
  }
  return (
    found.find((candidate) => candidate.remote === tracked) ??
    found.find((candidate) => candidate.remote === 'origin') ??
    found[0]
  );
}
