// Registers the extension's commands: each runs its model function over the editor's ports, wrapped so a failure
// is shown (with its fix and "Show Logs") instead of thrown.
import * as vscode from 'vscode';
import { COMMANDS } from '../model/command-ids';
import type { CommandDependencies } from '../model/commands/ports';
import { runCheck } from '../model/commands/run-check';
import { showStatus } from '../model/commands/show-status';
import { signIn, signOut } from '../model/commands/sign-in';
import { testConnection } from '../model/commands/test-connection';
import { catching } from './error-ui';
import type { OutputLog } from './output-log';

/** What the commands act on besides the ports: the panel and the log channel. */
export interface CommandHost {
  log: OutputLog;
  openPanel(): void;
}

export function registerCommands(deps: CommandDependencies, host: CommandHost): vscode.Disposable[] {
  const register = <R>(id: string, handler: () => Promise<R>) =>
    // Arguments are never passed on: another extension must not be able to hand in a credential, or anything else.
    vscode.commands.registerCommand(id, catching(host.log, handler));
  return [
    register(COMMANDS.signIn, () => signIn(deps)),
    register(COMMANDS.signOut, () => signOut(deps)),
    register(COMMANDS.testConnection, () => testConnection(deps)),
    register(COMMANDS.runCheck, () => runCheck(deps)),
    register(COMMANDS.showStatus, () => showStatus(deps)),
    register(COMMANDS.openPanel, async () => host.openPanel()),
    register(COMMANDS.refresh, () => deps.refresher.refresh()),
    register(COMMANDS.showLog, async () => host.log.show()),
  ];
}
