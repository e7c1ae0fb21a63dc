// Errors that come with a way out: the buttons a message offers (sign in, open a setting, trust the workspace, push).
import { CrosscheckError } from '../../core';
import { BUILTIN_COMMANDS, COMMANDS, SETTINGS } from './command-ids';
import type { PushProblem } from './repository';

export interface ErrorAction {
  title: string;
  command: string;
  args?: unknown[];
  /** Runs instead of the command when given (e.g. Try Again with what the user typed before, but no secret). */
  run?: () => unknown;
}

/** A CrosscheckError whose message offers commands that fix it. */
export class ActionableError extends CrosscheckError {
  constructor(
    message: string,
    hint: string | undefined,
    readonly actions: readonly ErrorAction[],
  ) {
    super(message, hint);
  }
}

export function notSignedIn(): ActionableError {
  return new ActionableError(
    'You are not signed in to Bitbucket.',
    'Sign in with an Atlassian API token or an access token.',
    [{ title: 'Sign In', command: COMMANDS.signIn }],
  );
}

export function restrictedMode(): ActionableError {
  return new ActionableError(
    'Crosscheck sends no requests for an untrusted workspace (Restricted Mode).',
    'Trust this workspace if you want Crosscheck to read and run checks for its repository.',
    [{ title: 'Manage Workspace Trust', command: BUILTIN_COMMANDS.manageTrust }],
  );
}

export function noRepository(): ActionableError {
  return new ActionableError(
    'No open git repository has a Bitbucket Cloud remote.',
    'Open a folder cloned from bitbucket.org (remote such as git@bitbucket.org:workspace/repo.git).',
    [],
  );
}

/** Offers Push only where pushing helps: a branch with commits Bitbucket lacks, never a detached HEAD. */
export function notPushed(problem: PushProblem): ActionableError {
  return new ActionableError(
    problem.message,
    problem.hint,
    problem.pushable ? [{ title: 'Push', command: BUILTIN_COMMANDS.push }] : [],
  );
}

export function missingSetting(setting: string, hint: string): ActionableError {
  const id = `${SETTINGS.section}.${setting}`;
  return new ActionableError(`The setting ${id} is not set.`, hint, [
    { title: 'Open Settings', command: BUILTIN_COMMANDS.openSettings, args: [id] },
  ]);
}
