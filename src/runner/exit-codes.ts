// The CLI's exit codes and the error that carries one to the entry point (the only place that exits).
export const EXIT_OK = 0;
/** Refused by the server, failed after retries, or a failing result (gate failed, a status failed to post). */
export const EXIT_FAILED = 1;
/** Bad usage or input: nothing was sent. */
export const EXIT_USAGE = 2;

/** Thrown by a command that has already told the user why; the entry point exits with `code`. */
export class ExitError extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
