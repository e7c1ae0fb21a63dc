// Reads the remotes of a repository from its .git/config text, for when the git extension is not available.
import type { GitRemote } from './remote';

/**
 * Parses `[remote "name"]` sections and their `url` / `pushurl` keys (git config syntax: case-insensitive keys,
 * `;` and `#` comments, optional quotes). Enough to tell a Bitbucket repository without running git.
 */
export function remotesFromGitConfig(text: string): GitRemote[] {
  const remotes = new Map<string, GitRemote>();
  let current: GitRemote | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)[;#].*$/, '').trim();
    if (!line) continue;
    const section = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]$/.exec(line);
    if (section) {
      const name = section[2]?.replace(/\\(.)/g, '$1');
      current = section[1]!.toLowerCase() === 'remote' && name ? (remotes.get(name) ?? { name }) : undefined;
      if (current) remotes.set(current.name, current);
      continue;
    }
    const entry = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/.exec(line);
    if (!current || !entry) continue;
    const value = entry[2]!.replace(/^"(.*)"$/, '$1');
    const key = entry[1]!.toLowerCase();
    if (key === 'url') current.fetchUrl ??= value;
    else if (key === 'pushurl') current.pushUrl ??= value;
  }
  return [...remotes.values()];
}
