// Shows a failed command's error to the user: the message and what to do, the buttons that fix it, and "Show Logs";
// every command goes through here.
import { CrosscheckError } from '../../../core';
import { ActionableError, type ErrorAction } from '../errors';
import type { CommandDependencies } from './ports';

const SHOW_LOGS = 'Show Logs';

type ErrorUi = Pick<CommandDependencies, 'window' | 'commands' | 'log'>;

/** Logs the error, then shows it without waiting for the user (a command returns as soon as it failed). */
export function showError(error: unknown, ui: ErrorUi): void {
  ui.log.error(error);
  const known = error instanceof CrosscheckError;
  const text = known
    ? `${error.message}${error.hint ? ` ${error.hint}` : ''}`
    : `Crosscheck failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`;
  const actions: readonly ErrorAction[] = error instanceof ActionableError ? error.actions : [];
  void ui.window
    .showErrorMessage(text, ...actions.map((action) => action.title), SHOW_LOGS)
    .then((choice) => {
      if (choice === SHOW_LOGS) ui.log.show();
      const action = actions.find((candidate) => candidate.title === choice);
      if (action?.run) void action.run();
      else if (action) void ui.commands.executeCommand(action.command, ...(action.args ?? []));
    });
}

/** A command handler that never throws: failures are shown, and the command resolves to undefined. */
export function catching<A extends unknown[], R>(
  ui: ErrorUi,
  handler: (...args: A) => Promise<R>,
): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => {
    try {
      return await handler(...args);
    } catch (error) {
      showError(error, ui);
      return undefined;
    }
  };
}
