// Files and folders another local user could have planted or can still change: how to tell, and reading and writing without links.
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  type Stats,
  writeFileSync,
} from 'node:fs';

/**
 * Why `stat` (from lstat or an open handle) may not be trusted: a symbolic link, not a `kind`, another user's, or
 * writable by group or others; undefined when it is the current user's own. Ownership is not checked on Windows.
 */
export function untrustedReason(stat: Stats, kind: 'directory' | 'file'): string | undefined {
  if (stat.isSymbolicLink()) return 'is a symbolic link';
  if (kind === 'directory' ? !stat.isDirectory() : !stat.isFile()) {
    return kind === 'directory' ? 'is not a directory' : 'is not a regular file';
  }
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  if (stat.uid !== uid) return `belongs to another user (uid ${stat.uid})`;
  if ((stat.mode & 0o022) !== 0) return 'is writable by other users';
  return undefined;
}

/**
 * Writes `text` to `file` without following a symlink at its name, creating it 0600: `new` (it must not exist),
 * `replace` or `append`. `check` sees what was opened before anything is written, and may throw. Synchronous: the
 * files are small, and each asynchronous call would cost a round trip through libuv's thread pool.
 */
export function writeNoFollow(
  file: string,
  text: string,
  how: 'new' | 'replace' | 'append',
  check?: (stat: Stats) => void,
): void {
  const mode = { new: constants.O_EXCL, replace: constants.O_TRUNC, append: constants.O_APPEND }[how];
  const descriptor = openSync(
    file,
    constants.O_WRONLY | constants.O_CREAT | mode | (constants.O_NOFOLLOW ?? 0),
    0o600,
  );
  try {
    check?.(fstatSync(descriptor));
    writeFileSync(descriptor, text);
  } finally {
    closeSync(descriptor);
  }
}

/**
 * Reads `file` without following a symlink at its name; undefined when it does not exist. `check` sees what was
 * opened (or, for a symlink at the name, what lstat finds) before anything is read, and may throw.
 */
export function readNoFollow(file: string, check: (stat: Stats) => void): Buffer | undefined {
  let descriptor: number;
  try {
    descriptor = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') check(lstatSync(file));
    throw error;
  }
  try {
    check(fstatSync(descriptor));
    return readFileSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}
