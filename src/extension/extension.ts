// Entry point of the VS Code extension: builds Crosscheck on activation and returns its read-only API (plus the
// test hooks when VS Code runs the extension's tests).
import type * as vscode from 'vscode';
import { Crosscheck, type CrosscheckApi } from './host/crosscheck';
import { GitRepositories } from './host/git-repositories';

export type { CrosscheckApi } from './host/crosscheck';

export async function activate(context: vscode.ExtensionContext): Promise<CrosscheckApi> {
  const crosscheck = new Crosscheck(context, await GitRepositories.find());
  context.subscriptions.push(crosscheck);
  crosscheck.registerCommands();
  return crosscheck.api(context.extensionMode);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
