// The notification when a run started from this workspace finished, with a button to the panel.
import { finishedRunMessage } from '../../view/messages';
import { COMMANDS } from '../command-ids';
import type { FinishedRun } from '../refresher';
import type { CommandDependencies } from './ports';

/** Shown unless `crosscheck.notifyOnFinish` is off; the tone follows the run's verdict. */
export function notifyFinished(
  finished: FinishedRun,
  deps: Pick<CommandDependencies, 'window' | 'commands' | 'workspace'>,
): void {
  if (!deps.workspace.notifyOnFinish()) return;
  const { tone, message } = finishedRunMessage(finished);
  const window = deps.window;
  const shown =
    tone === 'info'
      ? window.showInformationMessage(message, 'Open Panel')
      : tone === 'warning'
        ? window.showWarningMessage(message, 'Open Panel')
        : window.showErrorMessage(message, 'Open Panel');
  void shown.then((choice) => choice && deps.commands.executeCommand(COMMANDS.openPanel));
}
