// `crosscheck status get`: one status by key, or every status on a commit with what a merge check would conclude.
import {
  type CommitStatus,
  mergeVerdict,
  formatRepository,
  parseCommit,
  parseKey,
  parseRepository,
} from '../../core';
import { ciDefaults } from '../ci-environment';
import { connectFromEnvironment } from '../bitbucket-connection';
import type { RunnerContext } from '../context';
import { type OptionValues, stringOption } from '../inputs';
import type { Reporter } from '../reporter';
import { stateMark } from '../state-marks';

export async function statusGet(
  options: OptionValues,
  context: RunnerContext,
  reporter: Reporter,
): Promise<void> {
  const ci = ciDefaults(context.env);
  const repo = parseRepository(stringOption(options, 'repo') ?? ci.repo);
  const commit = parseCommit(stringOption(options, 'commit') ?? ci.commit);
  const keyOption = stringOption(options, 'key');
  const key = keyOption === undefined ? undefined : parseKey(keyOption);
  const { api } = connectFromEnvironment(context, reporter, options);
  const where = `${formatRepository(repo)}@${commit.slice(0, 12)}`;

  if (key) {
    const status = await api.getBuildStatus(repo, commit, key);
    reporter.line(formatStatus(status));
    reporter.json(status);
    reporter.output('state', status.state);
    return;
  }
  const statuses = await api.listCommitStatuses(repo, commit);
  const verdict = mergeVerdict(statuses);
  reporter.line(`${statuses.length} build status${statuses.length === 1 ? '' : 'es'} on ${where}:`);
  for (const status of statuses) reporter.line(`  ${formatStatus(status)}`);
  reporter.line(verdict.summary);
  reporter.json({
    repo: formatRepository(repo),
    commit,
    statuses,
    mergeCheck: { verdict: verdict.kind, summary: verdict.summary },
  });
  reporter.output('merge-check', verdict.kind);
}

export function formatStatus(status: CommitStatus): string {
  const name = status.name && status.name !== status.key ? ` ${status.name}` : '';
  const description = status.description ? ` — ${status.description}` : '';
  return `${stateMark(status.state)} ${status.state.padEnd(10)} ${status.key}${name}${description}${status.url ? ` <${status.url}>` : ''}`;
}
