// The CLI's exit codes and the one place that maps an error onto one (only the entry points exit).
import { CrosscheckError, InputError } from '../core';

export const EXIT_OK = 0;
/** Refused by the server, failed after retries, or a failing result (gate failed, a status failed to post). */
export const EXIT_FAILED = 1;
/** Bad usage or input: nothing was sent. */
export const EXIT_USAGE = 2;
/** A bug in Crosscheck: an error no part of it raises on purpose (EX_SOFTWARE in sysexits.h). */
export const EXIT_INTERNAL = 70;

/** Thrown by a command that has already told the user why; the entry point exits with `code`. */
export class ExitError extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * User errors say what to do and exit 2 (usage, input, an unusable credential: nothing was sent) or 1 (the server
 * refused or failed, after retries); any other error is internal, a bug, and exits 70.
 */
export function exitCodeFor(error: unknown): number {
  if (error instanceof ExitError) return error.code;
  if (error instanceof InputError) return EXIT_USAGE;
  if (error instanceof CrosscheckError) return EXIT_FAILED;
  return EXIT_INTERNAL;
}
