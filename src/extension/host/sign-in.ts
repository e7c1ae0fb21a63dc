// The sign-in dialog: token kind, email, token in a password box; the credential is checked with the doctor before it is stored.
import * as vscode from 'vscode';
import type { TransportOptions } from '../../core/bitbucket/connection';
import { API_TOKEN_HELP } from '../../core/credentials';
import { CrosscheckError } from '../../core/errors';
import type { RepositoryRef } from '../../core/validation';
import { COMMANDS } from '../model/command-ids';
import type { CredentialStore } from '../model/credential-store';
import { ActionableError } from '../model/errors';
import { isSignInInput, type SignInInput, verifyCredential } from '../model/sign-in';
import { doctorReportLines } from '../view/messages';
import type { OutputLog } from './output-log';

/** What signing in resolves to (the command, and the test API's scripted sign-in). */
export type SignInResult =
  { signedIn: true; credential: string; warnings: string[] } | { signedIn: false; reason: string };

export interface SignInOptions {
  store: CredentialStore;
  log: OutputLog;
  apiUrl: string;
  transport: TransportOptions;
  /** The repository to probe; undefined in Restricted Mode or when none is open. */
  repo?: RepositoryRef;
}

const API_TOKEN = 'Atlassian API token';
const ACCESS_TOKEN = 'Access token';
const STORE_ANYWAY = 'Store Anyway';
const SHOW_DETAILS = 'Show Details';

/**
 * The `crosscheck.signIn` command: signs in with what the user types in the input boxes, never with a credential
 * from the command's arguments (any extension may run a command, and must not replace the stored token silently).
 * A credential the doctor rejects is not stored; when only a repository probe failed the user may store it anyway.
 */
export async function signIn(options: SignInOptions): Promise<SignInResult> {
  const typed = await askForCredential();
  return typed ? signInWith(typed, true, options) : { signedIn: false, reason: 'cancelled' };
}

/**
 * Signs in without the boxes, for the extension's own tests only: it is reachable through the API `activate`
 * returns only when VS Code runs the extension under test (ExtensionMode.Test).
 */
export async function signInForTests(given: unknown, options: SignInOptions): Promise<SignInResult> {
  if (!isSignInInput(given)) return { signedIn: false, reason: 'not a sign-in input' };
  try {
    return await signInWith(given, false, options);
  } catch (error) {
    // Scripted sign-in (tests, automation) gets the reason as a result; people get a message with buttons.
    if (error instanceof CrosscheckError) {
      options.log.error(error);
      return { signedIn: false, reason: `${error.message}${error.hint ? ` ${error.hint}` : ''}` };
    }
    throw error;
  }
}

async function signInWith(
  input: SignInInput,
  interactive: boolean,
  options: SignInOptions,
): Promise<SignInResult> {
  const verified = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Crosscheck: checking the credential' },
    (progress) =>
      verifyCredential(input, {
        apiUrl: options.apiUrl,
        transport: options.transport,
        repo: options.repo,
        onProgress: (step) => progress.report({ message: step }),
      }),
  );
  options.log.lines(doctorReportLines(verified.report, 'Sign-in check:'));
  const { verdict } = verified;
  if (verdict.kind === 'rejected') {
    if (interactive && verdict.identityOk) {
      const choice = await vscode.window.showWarningMessage(
        `The credential works, but ${verdict.message}${verdict.fix ? ` ${verdict.fix}` : ''}`,
        STORE_ANYWAY,
        SHOW_DETAILS,
      );
      if (choice === SHOW_DETAILS) options.log.show();
      if (choice !== STORE_ANYWAY) return { signedIn: false, reason: verdict.message };
    } else {
      throw new ActionableError(
        `Not signed in: ${verdict.message}`,
        verdict.fix,
        interactive ? [{ title: 'Try Again', command: COMMANDS.signIn }] : [],
      );
    }
  }
  await options.store.save(verified.credential);
  const warnings = verdict.kind === 'accepted' ? verdict.warnings : [verdict.message];
  const summary = verdict.kind === 'accepted' ? verdict.summary : 'Signed in to Bitbucket.';
  void vscode.window.showInformationMessage(
    `${summary}${warnings.length ? ` Note: ${warnings.join(' ')}` : ''}`,
  );
  return { signedIn: true, credential: verified.report.credential, warnings };
}

async function askForCredential(): Promise<SignInInput | undefined> {
  const kind = await vscode.window.showQuickPick(
    [
      {
        label: API_TOKEN,
        description: 'ATAT…, with your Atlassian account email',
        detail:
          'Recommended. Scopes: read:repository, read:pullrequest, read:pipeline, write:pipeline (Bitbucket).',
      },
      {
        label: ACCESS_TOKEN,
        description: 'ATCT…, repository, project or workspace',
        detail: 'Works only inside its repository, project or workspace.',
      },
    ],
    { title: 'Sign In to Bitbucket', placeHolder: 'Which kind of token?', ignoreFocusOut: true },
  );
  if (!kind) return undefined;
  if (kind.label === ACCESS_TOKEN) {
    const token = await askToken(
      'Access token',
      'Paste the repository, project or workspace access token (ATCT…)',
    );
    return token ? { kind: 'access-token', token } : undefined;
  }
  const email = await vscode.window.showInputBox({
    title: 'Sign In to Bitbucket (1/2)',
    prompt: 'The email of the Atlassian account that created the API token (not your Bitbucket username)',
    placeHolder: 'you@example.com',
    ignoreFocusOut: true,
    validateInput: (value) =>
      /^[^@\s:]+@[^@\s:]+\.[^@\s:]+$/.test(value.trim())
        ? undefined
        : 'Type an email address, e.g. you@example.com.',
  });
  if (!email) return undefined;
  const token = await askToken(
    'API token (2/2)',
    `Paste the API token (ATAT…). ${API_TOKEN_HELP.split(', then')[0]}.`,
  );
  return token ? { kind: 'api-token', email: email.trim(), token } : undefined;
}

async function askToken(step: string, prompt: string): Promise<string | undefined> {
  const token = await vscode.window.showInputBox({
    title: `Sign In to Bitbucket: ${step}`,
    prompt,
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() ? undefined : 'Paste the token.'),
  });
  return token?.trim() || undefined;
}
