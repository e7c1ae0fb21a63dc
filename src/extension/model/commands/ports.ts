// The editor as the command functions see it: small interfaces the host implements with the VS Code API and the
// Node-side tests with in-memory fakes.
import type { BitbucketConnection, TransportOptions } from '../../../core';
import type { CheckSettings } from '../central-trigger';
import type { CheckState } from '../check-state';
import type { CredentialStore } from '../credential-store';
import type { RepoContext } from '../repository';
import type { TrackedRun } from '../runs';

export interface PickItem {
  label: string;
  description?: string;
  detail?: string;
}

export interface PickOptions {
  title: string;
  placeHolder: string;
  ignoreFocusOut?: boolean;
  matchOnDescription?: boolean;
  matchOnDetail?: boolean;
}

export interface InputOptions {
  title: string;
  prompt: string;
  placeHolder?: string;
  password?: boolean;
  /** Filled in when the box opens (e.g. the email typed before, on Try Again). */
  value?: string;
  ignoreFocusOut: boolean;
  /** A message saying what is wrong with the value, or undefined when it is acceptable. */
  validateInput(value: string): string | undefined;
}

/** Messages, pickers and progress (vscode.window); a message resolves to the button chosen, undefined if dismissed. */
export interface EditorWindow {
  showInformationMessage(message: string, ...buttons: string[]): PromiseLike<string | undefined>;
  showWarningMessage(message: string, ...buttons: string[]): PromiseLike<string | undefined>;
  showErrorMessage(message: string, ...buttons: string[]): PromiseLike<string | undefined>;
  showQuickPick<T extends PickItem>(items: readonly T[], options: PickOptions): PromiseLike<T | undefined>;
  showInputBox(options: InputOptions): PromiseLike<string | undefined>;
  /** Runs `task` under a notification titled `title`; `report` sets the message below the title. */
  withProgress<T>(title: string, task: (report: (message: string) => void) => Promise<T>): PromiseLike<T>;
}

/** Other commands (the extension's, VS Code's, `setContext`) and the browser. */
export interface EditorCommands {
  executeCommand(command: string, ...args: unknown[]): PromiseLike<unknown>;
  /** Opens an http(s) URL outside the editor. */
  openExternal(url: string): PromiseLike<boolean>;
}

/** The "Crosscheck" output channel. */
export interface CommandLog {
  info(line: string): void;
  lines(lines: readonly string[]): void;
  error(error: unknown): void;
  show(): void;
}

/** The open repository (from git), the workspace's trust, and the settings, all read at each use. */
export interface EditorWorkspace {
  /** The repository to act on, undefined when none with a Bitbucket Cloud remote is open. */
  currentRepository(): RepoContext | undefined;
  /** False in Restricted Mode: then nothing is sent on the workspace's behalf. */
  isTrusted(): boolean;
  /** `crosscheck.apiUrl` (user settings only); throws an InputError when it is not valid. */
  apiUrl(): string;
  /** The check settings for the repository at `root` (folder settings apply). */
  checkSettings(root: string): CheckSettings;
  notifyOnFinish(): boolean;
}

/** The core's Bitbucket connection built from the stored credential. */
export interface Connections {
  /** Undefined when signed out; throws the core's CredentialError when the stored values cannot work. */
  connection(): Promise<BitbucketConnection | undefined>;
  /** The stored credential changed. */
  invalidate(): void;
}

/** The refresher's side the commands use. */
export interface CheckRefresher {
  readonly state: CheckState;
  refresh(): Promise<void>;
  follow(run: TrackedRun): Promise<void>;
  /** The pull request picked in the panel for the current branch, when it has several. */
  chosenPullRequest?(): number | undefined;
}

export interface Clock {
  now(): number;
}

/** Everything a command may use; each command function takes only the part it needs. */
export interface CommandDependencies {
  window: EditorWindow;
  commands: EditorCommands;
  log: CommandLog;
  workspace: EditorWorkspace;
  /** The credential in SecretStorage. */
  store: CredentialStore;
  connections: Connections;
  refresher: CheckRefresher;
  clock: Clock;
  /** How sign-in reaches Bitbucket to check a typed credential (the connections use the same). */
  transport: TransportOptions;
}
