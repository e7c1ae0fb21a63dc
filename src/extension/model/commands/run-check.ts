// The Run Central Check command: checks trust, repository, push state, settings and sign-in before anything is sent,
// starts the central pipeline for HEAD, follows the run and offers the panel and the run's page.
import { formatRepository } from '../../../core';
import { isWebUrl } from '../../view/html';
import { startCheck, validateCheckSettings } from '../central-trigger';
import { snapshotOf } from '../check-state';
import { COMMANDS } from '../command-ids';
import { noRepository, notPushed, notSignedIn, restrictedMode } from '../errors';
import { pushedHead } from '../repository';
import type { TrackedRun } from '../runs';
import type { CommandDependencies } from './ports';

const OPEN_PANEL = 'Open Panel';
const OPEN_RUN = 'Open Run';

/** `crosscheck.runCheck`: resolves to the run started (followed by the refresher until it finishes). */
export async function runCheck(
  deps: Pick<
    CommandDependencies,
    'window' | 'commands' | 'log' | 'workspace' | 'connections' | 'refresher' | 'clock'
  >,
): Promise<TrackedRun> {
  if (!deps.workspace.isTrusted()) throw restrictedMode();
  const context = deps.workspace.currentRepository();
  if (!context) throw noRepository();
  const head = pushedHead(context);
  if ('problem' in head) throw notPushed(head.problem);
  const settings = validateCheckSettings(deps.workspace.checkSettings(context.root));
  const connection = await deps.connections.connection();
  if (!connection) throw notSignedIn();
  const known = snapshotOf(deps.refresher.state);
  const statusName =
    known?.context.commit === head.context.commit
      ? known.statuses.find((s) => s.key === settings.checkKey)?.name
      : undefined;
  const short = head.context.commit.slice(0, 7);
  const started = await deps.window.withProgress(
    `Crosscheck: starting ${settings.pipeline} for ${short}`,
    async (report) => {
      report(`in ${formatRepository(settings.central)}`);
      return startCheck(connection.api, head.context, settings, {
        now: deps.clock.now(),
        statusName: statusName ?? undefined,
      });
    },
  );
  deps.log.info(
    `Started ${settings.pipeline} #${started.run.buildNumber ?? '?'} in ${formatRepository(settings.central)} for ${formatRepository(head.context.repo)}@${short}: ${started.run.runUrl}`,
  );
  // The run started; a failed INPROGRESS mark (e.g. the hourly budget spent) is logged, the verdict still comes.
  if (started.started.pendingError) deps.log.error(started.started.pendingError);
  await deps.refresher.follow(started.run);
  const pr = started.pullRequest ? ` (pull request #${started.pullRequest.id})` : '';
  const marked = started.started.pending ? `; ${settings.checkKey} is INPROGRESS` : '';
  void deps.window
    .showInformationMessage(
      `Crosscheck: ${settings.pipeline} started for ${short}${pr}${marked}.`,
      OPEN_PANEL,
      OPEN_RUN,
    )
    .then((choice) => {
      if (choice === OPEN_PANEL) void deps.commands.executeCommand(COMMANDS.openPanel);
      if (choice === OPEN_RUN && isWebUrl(started.run.runUrl))
        void deps.commands.openExternal(started.run.runUrl);
    });
  return started.run;
}
