// The Test Connection command: the core's doctor for the current repository (and the central one when it differs),
// a report in the log and a summary message.
import { type DoctorReport, runDoctor, formatRepository, type RepositoryRef } from '../../../core';
import { doctorReportLines, doctorSummary } from '../../view/messages';
import { validateCheckSettings } from '../central-trigger';
import { notSignedIn } from '../errors';
import type { CommandDependencies } from './ports';

const SHOW_DETAILS = 'Show Details';

/** `crosscheck.testConnection`: resolves to one report per repository probed (none in Restricted Mode). */
export async function testConnection(
  deps: Pick<CommandDependencies, 'window' | 'log' | 'workspace' | 'connections'>,
): Promise<DoctorReport[]> {
  const connection = await deps.connections.connection();
  if (!connection) throw notSignedIn();
  const trusted = deps.workspace.isTrusted();
  const context = trusted ? deps.workspace.currentRepository() : undefined;
  const repos: Array<RepositoryRef | undefined> = [context?.repo];
  if (context) {
    const settings = deps.workspace.checkSettings(context.root);
    const central = settings.centralRepository.trim();
    if (central && central !== formatRepository(context.repo))
      repos.push(validateCheckSettings(settings).central);
  }
  const reports = await deps.window.withProgress('Crosscheck: testing the connection', async (report) => {
    const done: DoctorReport[] = [];
    for (const repo of repos) done.push(await runDoctor(connection, repo, report));
    return done;
  });
  reports.forEach((report, index) => {
    const repo = repos[index];
    deps.log.lines(
      doctorReportLines(
        report,
        `Connection test${repo ? ` for ${formatRepository(repo)}` : ''}${trusted ? '' : ' (Restricted Mode: no repository probed)'}:`,
      ),
    );
  });
  const summary = doctorSummary(reports);
  const shown = summary.ok
    ? deps.window.showInformationMessage(summary.message, SHOW_DETAILS)
    : deps.window.showErrorMessage(summary.message, SHOW_DETAILS);
  void shown.then((choice) => choice && deps.log.show());
  return reports;
}
