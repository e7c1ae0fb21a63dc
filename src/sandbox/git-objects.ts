// Git objects computed in memory (blob, flat tree, commit) so seeded commits have real hashes the sandbox's git host can serve.
import { createHash } from 'node:crypto';

export interface GitObject {
  readonly type: 'blob' | 'tree' | 'commit';
  /** 40-hex SHA-1 of `<type> <size>\0<body>`, as git names it. */
  readonly hash: string;
  readonly body: Buffer;
}

export function gitObject(type: GitObject['type'], body: Buffer): GitObject {
  const hash = createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
  return { type, hash, body };
}

/** A tree of regular files at its root (name → blob), entries in git's order. */
export function flatTree(files: Readonly<Record<string, GitObject>>): GitObject {
  const entries = Object.keys(files)
    .sort()
    .map((name) =>
      Buffer.concat([Buffer.from(`100644 ${name}\0`), Buffer.from((files[name] as GitObject).hash, 'hex')]),
    );
  return gitObject('tree', Buffer.concat(entries));
}

export function commitObject(o: {
  tree: string;
  parents: readonly string[];
  name: string;
  email: string;
  /** Seconds since the epoch (UTC). */
  seconds: number;
  message: string;
}): GitObject {
  const who = `${o.name} <${o.email}> ${o.seconds} +0000`;
  const text = [
    `tree ${o.tree}`,
    ...o.parents.map((parent) => `parent ${parent}`),
    `author ${who}`,
    `committer ${who}`,
    '',
    `${o.message}\n`,
  ].join('\n');
  return gitObject('commit', Buffer.from(text, 'utf8'));
}
