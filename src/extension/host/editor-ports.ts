// The command functions' ports implemented with the VS Code API: window, commands and browser, workspace (git, trust, settings).
import * as vscode from 'vscode';
import type { EditorCommands, EditorWindow, EditorWorkspace } from '../model/commands/ports';
import type { CheckSettings } from '../model/central-trigger';
import type { RepoContext } from '../model/repository';
import type { Settings } from './settings';

export const editorWindow: EditorWindow = {
  showInformationMessage: (message, ...buttons) => vscode.window.showInformationMessage(message, ...buttons),
  showWarningMessage: (message, ...buttons) => vscode.window.showWarningMessage(message, ...buttons),
  showErrorMessage: (message, ...buttons) => vscode.window.showErrorMessage(message, ...buttons),
  showQuickPick: (items, options) => vscode.window.showQuickPick(items, options),
  showInputBox: (options) => vscode.window.showInputBox(options),
  withProgress: (title, task) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, (progress) =>
      task((message) => progress.report({ message })),
    ),
};

export const editorCommands: EditorCommands = {
  executeCommand: (command, ...args) => vscode.commands.executeCommand(command, ...args),
  openExternal: (url) => vscode.env.openExternal(vscode.Uri.parse(url, true)),
};

export class EditorWorkspaceAdapter implements EditorWorkspace {
  constructor(
    /** The repository commands act on: the one shown (the panel's pick, else the active editor's). */
    private readonly shown: () => RepoContext | undefined,
    private readonly settings: Settings,
  ) {}

  currentRepository(): RepoContext | undefined {
    return this.shown();
  }

  isTrusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  apiUrl(): string {
    return this.settings.apiUrl();
  }

  checkSettings(root: string): CheckSettings {
    return this.settings.check(vscode.Uri.file(root));
  }

  notifyOnFinish(): boolean {
    return this.settings.notifyOnFinish();
  }
}
