// hashFiles(patterns…) as GitHub's runner computes it: matching workspace files, in walk order, sha256 of their sha256s.
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** One pattern of @actions/glob: include or exclude (`!`), as a regexp over workspace-relative `/` paths. */
interface GlobPattern {
  negate: boolean;
  regexp: RegExp;
  /** `dir/` matches directories only (and, implicitly, what is under them). */
  directoryOnly: boolean;
}

/** The most files hashFiles walks past before it gives up: a bound on a workspace it is pointed at by mistake. */
const WALK_LIMIT = 1_000_000;

/**
 * The runner's hashFiles (src/Misc/expressionFunc/hashFiles): patterns as @actions/glob reads them — relative to the
 * workspace, `*` `?` `[…]` `**`, `!` to exclude, `#` comments, dot files included, a matched directory standing for
 * everything under it — walked depth first with each directory's entries in byte order (libuv's scandir order); each
 * regular file's sha256 fed to one sha256, as hex; '' when nothing matches. Symbolic links to files are hashed by
 * their target; links to directories are not followed (the runner's default without `--follow-symbolic-links`).
 */
export function hashFiles(workspace: string, patterns: readonly string[]): string {
  const root = path.resolve(workspace);
  const globs = patterns
    .flatMap((pattern) => pattern.split('\n'))
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern !== '' && !pattern.startsWith('#'))
    .map((pattern) => toGlob(pattern, root))
    .filter((glob): glob is GlobPattern => glob !== undefined);
  if (!globs.some((glob) => !glob.negate)) return '';
  const result = createHash('sha256');
  let matched = 0;
  let walked = 0;
  const walk = (directory: string, relative: string): void => {
    const names = readdirSync(directory).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      if (++walked > WALK_LIMIT) {
        throw new Error(
          `hashFiles walked more than ${WALK_LIMIT} entries of ${root}; use narrower patterns.`,
        );
      }
      const full = path.join(directory, name);
      const itemPath = relative ? `${relative}/${name}` : name;
      const link = lstatSync(full);
      if (link.isDirectory()) {
        walk(full, itemPath);
        continue;
      }
      if (!matches(globs, itemPath)) continue;
      const target = link.isSymbolicLink() ? statSync(full, { throwIfNoEntry: false }) : link;
      if (!target?.isFile()) continue;
      result.update(fileDigest(full));
      matched++;
    }
  };
  walk(root, '');
  return matched > 0 ? result.digest('hex') : '';
}

/** Whether a file (a workspace-relative path) is selected: the last pattern that matches it or a parent decides. */
function matches(globs: readonly GlobPattern[], itemPath: string): boolean {
  const segments = itemPath.split('/');
  let selected = false;
  for (const glob of globs) {
    if (selected === !glob.negate) continue;
    for (let length = segments.length; length > 0; length--) {
      // A directory-only pattern never matches the file itself, only a directory above it.
      if (glob.directoryOnly && length === segments.length) continue;
      if (glob.regexp.test(`${segments.slice(0, length).join('/')}/`)) {
        selected = !glob.negate;
        break;
      }
    }
  }
  return selected;
}

/** A pattern made relative to the workspace, or undefined when it points outside (the runner ignores such files). */
function toGlob(text: string, root: string): GlobPattern | undefined {
  let pattern = text;
  let negate = false;
  while (pattern.startsWith('!')) {
    negate = !negate;
    pattern = pattern.slice(1).trimStart();
  }
  const directoryOnly = pattern.endsWith('/');
  let absolute = pattern.replace(/\\/g, '/');
  if (!path.isAbsolute(absolute)) absolute = `${root.split(path.sep).join('/')}/${absolute}`;
  const segments = absolute.split('/').filter((segment, index) => segment !== '' || index === 0);
  const rootSegments = root.split(path.sep).filter((segment, index) => segment !== '' || index === 0);
  // Literal `.` and `..` segments are resolved, as @actions/glob normalises patterns.
  const normalised: string[] = [];
  for (const segment of segments) {
    if (segment === '.') continue;
    if (segment === '..' && normalised.length > 1 && normalised.at(-1) !== '**') normalised.pop();
    else normalised.push(segment);
  }
  const prefix = normalised.slice(0, rootSegments.length);
  const insideRoot = prefix.every((segment, index) => segment === rootSegments[index]);
  if (!insideRoot || normalised.length <= rootSegments.length) return undefined;
  const relative = normalised.slice(rootSegments.length);
  return { negate, directoryOnly, regexp: new RegExp(`^${relative.map(segmentSource).join('')}$`) };
}

/**
 * One segment as regexp source followed by `/` (paths are tested with a `/` added): `**` matches any number of
 * whole segments, none included.
 */
function segmentSource(segment: string): string {
  if (segment === '**') return '(?:[^/]+/)*';
  let source = '';
  for (let position = 0; position < segment.length; position++) {
    const char = segment[position]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const close = segment.indexOf(']', position + 2);
      if (close < 0) source += '\\[';
      else {
        let set = segment.slice(position + 1, close).replace(/\\/g, '\\\\');
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        source += `[${set}]`;
        position = close;
      }
    } else source += char.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return `${source}/`;
}

/** sha256 of a file, read in 1 MiB pieces so a large file does not sit in memory whole. */
function fileDigest(file: string): Buffer {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(1024 * 1024);
  const descriptor = openSync(file, 'r');
  try {
    for (let read = readSync(descriptor, buffer); read > 0; read = readSync(descriptor, buffer)) {
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(descriptor);
  }
  return hash.digest();
}
