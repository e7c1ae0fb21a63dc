// The Show Build Statuses command: the statuses on HEAD in a quick pick, each opening its link.
import { CrosscheckError, formatRepository } from '../../../core';
import { isWebUrl } from '../../view/html';
import { relativeTime } from '../../view/relative-time';
import { STATE_ICONS } from '../../view/status-bar-view';
import { type CheckState, snapshotOf } from '../check-state';
import { noRepository, notPushed, notSignedIn, restrictedMode } from '../errors';
import type { CommandDependencies } from './ports';

/** `crosscheck.showStatus`: loads the statuses first when none are shown yet. */
export async function showStatus(
  deps: Pick<CommandDependencies, 'window' | 'commands' | 'workspace' | 'refresher' | 'clock'>,
): Promise<void> {
  if (!deps.workspace.isTrusted()) throw restrictedMode();
  if (!snapshotOf(deps.refresher.state)) await deps.refresher.refresh();
  const state = deps.refresher.state;
  const snapshot = snapshotOf(state);
  if (!snapshot) throw stateProblem(state);
  const now = deps.clock.now();
  const items = snapshot.statuses.map((status) => ({
    label: `$(${STATE_ICONS.get(status.state) ?? 'question'}) ${status.name || status.key}`,
    description: [status.state, relativeTime(status.updated_on ?? status.created_on, now)]
      .filter(Boolean)
      .join(' · '),
    detail: status.description ?? undefined,
    url: status.url,
  }));
  if (items.length === 0) {
    void deps.window.showInformationMessage(
      `No build statuses on ${snapshot.context.commit.slice(0, 7)} yet.`,
    );
    return;
  }
  const picked = await deps.window.showQuickPick(items, {
    title: `Build statuses on ${formatRepository(snapshot.context.repo)} ${snapshot.context.commit.slice(0, 7)}`,
    placeHolder: 'Pick a status to open its link',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (picked && isWebUrl(picked.url)) await deps.commands.openExternal(picked.url);
}

/** Why a state has no statuses to show, as an error with its way out. */
function stateProblem(state: CheckState): CrosscheckError {
  switch (state.kind) {
    case 'no-repository':
      return noRepository();
    case 'restricted':
      return restrictedMode();
    case 'signed-out':
      return notSignedIn();
    case 'not-pushed':
      return notPushed(state.problem);
    default:
      return state.kind === 'error'
        ? new CrosscheckError(state.error.message, state.error.hint)
        : new CrosscheckError('The statuses are still loading.', 'Try again in a moment.');
  }
}
