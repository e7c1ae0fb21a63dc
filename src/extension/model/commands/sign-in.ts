// The Sign In and Sign Out commands: the sign-in dialog (token kind, email, token in a password box), the doctor's
// check before a credential is stored, forgetting it, and what follows a change of credential.
import { CrosscheckError, type RepositoryRef } from '../../../core';
import { doctorReportLines } from '../../view/messages';
import { COMMANDS, SIGNED_IN_CONTEXT } from '../command-ids';
import { ActionableError } from '../errors';
import { EXTENSION_API_TOKEN_HELP, forExtension } from '../extension-messages';
import { catching } from './catching';
import { isSignInInput, type SignInInput, verifyCredential } from '../sign-in';
import type { CommandDependencies, EditorWindow } from './ports';

/** What signing in resolves to (the command, and the test API's scripted sign-in). */
export type SignInResult =
  { signedIn: true; credential: string; warnings: string[] } | { signedIn: false; reason: string };

type CredentialDependencies = Pick<CommandDependencies, 'commands' | 'store' | 'connections' | 'refresher'>;
type SignInDependencies = CredentialDependencies &
  Pick<CommandDependencies, 'window' | 'log' | 'workspace' | 'transport'>;

const API_TOKEN = 'Atlassian API token';
const ACCESS_TOKEN = 'Access token';
const STORE_ANYWAY = 'Store Anyway';
const SHOW_DETAILS = 'Show Details';

/**
 * The `crosscheck.signIn` command: signs in with what the user types in the input boxes, never with a credential
 * from the command's arguments (any extension may run a command, and must not replace the stored token silently).
 * A credential the doctor rejects is not stored; when only a repository probe failed the user may store it anyway.
 */
export async function signIn(
  deps: SignInDependencies,
  typedBefore: { email?: string } = {},
): Promise<SignInResult> {
  const target = signInTarget(deps);
  const typed = await askForCredential(deps.window, typedBefore.email);
  return typed ? signInWith(typed, true, target, deps) : { signedIn: false, reason: 'cancelled' };
}

/**
 * Signs in without the boxes, for the extension's own tests only: the host offers it through the API `activate`
 * returns only when VS Code runs the extension under test (ExtensionMode.Test).
 */
export async function signInForTests(given: unknown, deps: SignInDependencies): Promise<SignInResult> {
  const target = signInTarget(deps);
  if (!isSignInInput(given)) return { signedIn: false, reason: 'not a sign-in input' };
  try {
    return await signInWith(given, false, target, deps);
  } catch (error) {
    // Scripted sign-in (tests, automation) gets the reason as a result; people get a message with buttons.
    if (error instanceof CrosscheckError) {
      deps.log.error(error);
      return { signedIn: false, reason: `${error.message}${error.hint ? ` ${error.hint}` : ''}` };
    }
    throw error;
  }
}

/** The `crosscheck.signOut` command: deletes every stored secret. */
export async function signOut(
  deps: CredentialDependencies & Pick<CommandDependencies, 'window'>,
): Promise<void> {
  await deps.store.clear();
  await credentialChanged(deps);
  void deps.window.showInformationMessage(
    'Signed out of Bitbucket: the stored email and tokens were deleted.',
  );
}

/** Sets the context key the manifest's `when` clauses read: whether a credential is stored. */
export async function updateSignedInContext(
  deps: Pick<CommandDependencies, 'commands' | 'store'>,
): Promise<void> {
  await deps.commands.executeCommand(
    'setContext',
    SIGNED_IN_CONTEXT,
    (await deps.store.read()) !== undefined,
  );
}

/** After a sign-in or sign-out: a new connection, the context key, and the views refreshed. */
async function credentialChanged(deps: CredentialDependencies): Promise<void> {
  deps.connections.invalidate();
  await updateSignedInContext(deps);
  await deps.refresher.refresh();
}

interface SignInTarget {
  apiUrl: string;
  /** The repository to probe; undefined in Restricted Mode or when none is open. */
  repo?: RepositoryRef;
}

/** Where the credential is checked, read before anything is asked (an invalid API URL setting stops here). */
function signInTarget(deps: Pick<CommandDependencies, 'workspace'>): SignInTarget {
  const apiUrl = deps.workspace.apiUrl();
  return { apiUrl, repo: deps.workspace.isTrusted() ? deps.workspace.currentRepository()?.repo : undefined };
}

async function signInWith(
  input: SignInInput,
  interactive: boolean,
  target: SignInTarget,
  deps: SignInDependencies,
): Promise<SignInResult> {
  const verified = await deps.window.withProgress('Crosscheck: checking the credential', (report) =>
    verifyCredential(input, { ...target, transport: deps.transport, onProgress: report }),
  );
  deps.log.lines(doctorReportLines(verified.report, 'Sign-in check:'));
  const { verdict } = verified;
  if (verdict.kind === 'rejected') {
    if (interactive && verdict.identityOk) {
      const choice = await deps.window.showWarningMessage(
        `The credential works, but ${forExtension(verdict.message)}${verdict.fix ? ` ${forExtension(verdict.fix)}` : ''}`,
        STORE_ANYWAY,
        SHOW_DETAILS,
      );
      if (choice === SHOW_DETAILS) deps.log.show();
      if (choice !== STORE_ANYWAY) return { signedIn: false, reason: verdict.message };
    } else {
      // Try Again opens the boxes with the email typed this time (never the token, which is typed again).
      const email = input.kind === 'api-token' ? input.email : undefined;
      const tryAgain = {
        title: 'Try Again',
        command: COMMANDS.signIn,
        run: () => catching(deps, () => signIn(deps, { email }))(),
      };
      throw new ActionableError(
        `Not signed in: ${forExtension(verdict.message)}`,
        forExtension(verdict.fix),
        interactive ? [tryAgain] : [],
      );
    }
  }
  await deps.store.save(verified.credential);
  const warnings = verdict.kind === 'accepted' ? verdict.warnings : [verdict.message];
  const summary = verdict.kind === 'accepted' ? verdict.summary : 'Signed in to Bitbucket.';
  void deps.window.showInformationMessage(
    `${summary}${warnings.length ? ` Note: ${forExtension(warnings.join(' '))}` : ''}`,
  );
  await credentialChanged(deps);
  return { signedIn: true, credential: verified.report.credential, warnings };
}

async function askForCredential(
  window: EditorWindow,
  emailBefore?: string,
): Promise<SignInInput | undefined> {
  const kind = await window.showQuickPick(
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
      window,
      'Access token',
      'Paste the repository, project or workspace access token (ATCT…)',
    );
    return token ? { kind: 'access-token', token } : undefined;
  }
  const email = await window.showInputBox({
    title: 'Sign In to Bitbucket (1/2)',
    prompt: 'The email of the Atlassian account that created the API token (not your Bitbucket username)',
    placeHolder: 'you@example.com',
    ...(emailBefore ? { value: emailBefore } : {}),
    ignoreFocusOut: true,
    validateInput: (value) =>
      /^[^@\s:]+@[^@\s:]+\.[^@\s:]+$/.test(value.trim())
        ? undefined
        : 'Type an email address, e.g. you@example.com.',
  });
  if (!email) return undefined;
  const token = await askToken(
    window,
    'API token (2/2)',
    `Paste the API token (ATAT…). ${EXTENSION_API_TOKEN_HELP.split(', then')[0]}.`,
  );
  return token ? { kind: 'api-token', email: email.trim(), token } : undefined;
}

async function askToken(window: EditorWindow, step: string, prompt: string): Promise<string | undefined> {
  const token = await window.showInputBox({
    title: `Sign In to Bitbucket: ${step}`,
    prompt,
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() ? undefined : 'Paste the token.'),
  });
  return token?.trim() || undefined;
}
