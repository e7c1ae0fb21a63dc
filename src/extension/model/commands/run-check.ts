// The Run Central Check command: checks trust, repository, push state, settings and sign-in before anything is sent,
// starts the central pipeline for HEAD, follows the run and offers the panel and the run's page.
import { formatRepository, type PullRequest } from '../../../core';
import { isWebUrl } from '../../view/html';
import { CheckCancelled, startCheck, validateCheckSettings } from '../central-trigger';
import { snapshotOf } from '../check-state';
import { COMMANDS } from '../command-ids';
import { noRepository, notPushed, notSignedIn, restrictedMode } from '../errors';
import { pushedHead } from '../repository';
import type { TrackedRun } from '../runs';
import type { CommandDependencies } from './ports';

const OPEN_PANEL = 'Open Panel';
const OPEN_RUN = 'Open Run';

/**
 * `crosscheck.runCheck`: resolves to the run started (followed by the refresher until it finishes), or undefined
 * when the user dismissed the choice of pull request.
 */
export async function runCheck(
  deps: Pick<
    CommandDependencies,
    'window' | 'commands' | 'log' | 'workspace' | 'connections' | 'refresher' | 'clock'
  >,
): Promise<TrackedRun | undefined> {
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
  const chosen = deps.refresher.chosenPullRequest?.();
  let started;
  try {
    started = await deps.window.withProgress(
      `Crosscheck: starting ${settings.pipeline} for ${short}`,
      async (report) => {
        report(`in ${formatRepository(settings.central)}`);
        return startCheck(connection.api, head.context, settings, {
          now: deps.clock.now(),
          statusName: statusName ?? undefined,
          choosePullRequest: async (open) =>
            open.find((candidate) => candidate.id === chosen) ??
            (await pickPullRequest(deps.window, open, head.context.branch)),
        });
      },
    );
  } catch (error) {
    if (error instanceof CheckCancelled) return undefined;
    throw error;
  }
  deps.log.info(
    `Started ${settings.pipeline} #${started.run.buildNumber ?? '?'} in ${formatRepository(settings.central)} for ${formatRepository(head.context.repo)}@${short}: ${started.run.runUrl}`,
  );
  // The run started; a failed INPROGRESS mark (e.g. the hourly budget spent) is logged, the verdict still comes.
  if (started.started.pendingError) deps.log.error(started.started.pendingError);
  await deps.refresher.follow(started.run);
  const others = started.pullRequests.filter((candidate) => candidate.id !== started.pullRequest?.id);
  const pr = started.pullRequest
    ? ` (pull request #${started.pullRequest.id}${others.length ? `; the status counts for ${others.map((other) => `#${other.id}`).join(', ')} too` : ''})`
    : '';
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

/** A branch with several open pull requests: the user picks the one the central check is run for. */
async function pickPullRequest(
  window: CommandDependencies['window'],
  open: readonly PullRequest[],
  branch: string,
): Promise<PullRequest | undefined> {
  const items = open.map((pullRequest) => ({
    label: `#${pullRequest.id} ${pullRequest.title}`,
    description: `${branch} → ${pullRequest.destination.branch.name}`,
    detail: pullRequest.author?.display_name ? `by ${pullRequest.author.display_name}` : undefined,
    pullRequest,
  }));
  const picked = await window.showQuickPick(items, {
    title: `${branch} has ${open.length} open pull requests`,
    placeHolder: 'Which pull request is the check for? Its status on the commit counts for all of them.',
    ignoreFocusOut: true,
  });
  return picked?.pullRequest;
}
