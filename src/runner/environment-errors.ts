// Errors the machine raises (a busy port, a missing or unwritable path, no file handles left): the environment's, not
// a bug in Crosscheck. Each becomes an InputError that says what to change, so the CLI exits 2 instead of 70.
import { InputError } from '../core';

/** What Node.js puts on a failed system call. */
interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
  address?: string;
  port?: number;
}

function isSystemError(error: unknown): error is SystemError {
  return (
    error instanceof Error &&
    typeof (error as Partial<SystemError>).code === 'string' &&
    typeof (error as Partial<SystemError>).syscall === 'string'
  );
}

/** The error as an InputError with the fix when the environment caused it; undefined for anything else. */
export function environmentError(error: unknown): InputError | undefined {
  if (!isSystemError(error)) return undefined;
  const where = error.path ?? (error.address ? `${error.address}:${error.port ?? ''}` : undefined);
  const [message, hint] = describe(error, where) ?? [];
  return message === undefined ? undefined : new InputError(message, hint, { cause: error });
}

function describe(error: SystemError, where: string | undefined): [string, string] | undefined {
  switch (error.code) {
    case 'EADDRINUSE':
      return [
        `Port ${error.port ?? '?'} on ${error.address ?? '127.0.0.1'} is already in use (another crosscheck sandbox?).`,
        'Stop what listens there, or pick another port: --port 0 takes a free one.',
      ];
    case 'EADDRNOTAVAIL':
      return [
        `Cannot listen on ${where ?? 'that address'}: the address is not on this machine.`,
        'Use 127.0.0.1, or another port with --port (0 takes a free one).',
      ];
    case 'EACCES':
    case 'EPERM':
      return error.syscall === 'listen' || error.syscall === 'bind'
        ? [
            `Not allowed to listen on port ${error.port ?? '?'} (ports below 1024 need root).`,
            'Pick a port above 1023 with --port, or --port 0 for a free one.',
          ]
        : [
            `Permission denied: ${error.syscall} ${where ?? ''}`.trim() + '.',
            'Give a path this user may read and write, or fix its permissions.',
          ];
    case 'ENOENT':
    case 'ENOTDIR':
      return [
        `No such file or folder: ${where ?? error.message}.`,
        'Check the path (a folder it should be written into must exist), then run again.',
      ];
    case 'EISDIR':
      return [`${where ?? 'The path'} is a folder, where a file was expected.`, 'Give the path of a file.'];
    case 'EROFS':
      return [`${where ?? 'The path'} is on a read-only file system.`, 'Give a writable path.'];
    case 'ENOSPC':
    case 'EDQUOT':
      return [
        `No space left on the device${where ? ` holding ${where}` : ''}.`,
        'Free some space (or raise the quota), then run again.',
      ];
    case 'EMFILE':
    case 'ENFILE':
      return [
        'Too many open files on this machine or for this process.',
        'Raise the limit (ulimit -n) or run fewer things at once, then run again.',
      ];
    default:
      return undefined;
  }
}
