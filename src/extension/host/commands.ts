// Registers the extension's commands: each runs its model function over the editor's ports, wrapped so a failure
// is shown (with its fix and "Show Logs") instead of thrown.
import * as vscode from 'vscode';
import { COMMANDS } from '../model/command-ids';
import { catching } from '../model/commands/catching';
import type { CommandDependencies } from '../model/commands/ports';
import { runCheck } from '../model/commands/run-check';
import { showStatus } from '../model/commands/show-status';
import { signIn, signOut } from '../model/commands/sign-in';
import { testConnection } from '../model/commands/test-connection';

/** The commands the manifest declares; `openPanel` shows the status panel (a webview, host-side only). */
export function registerCommands(deps: CommandDependencies, openPanel: () => void): vscode.Disposable[] {
  const register = <R>(id: string, handler: () => Promise<R>) =>
    // Arguments are never passed on: another extension must not be able to hand in a credential, or anything else.
    vscode.commands.registerCommand(id, catching(deps, handler));
  return [
    register(COMMANDS.signIn, () => signIn(deps)),
    register(COMMANDS.signOut, () => signOut(deps)),
    register(COMMANDS.testConnection, () => testConnection(deps)),
    register(COMMANDS.runCheck, () => runCheck(deps)),
    register(COMMANDS.showStatus, () => showStatus(deps)),
    register(COMMANDS.openPanel, async () => openPanel()),
    register(COMMANDS.refresh, () => deps.refresher.refresh()),
    register(COMMANDS.showLog, async () => deps.log.show()),
  ];
}
