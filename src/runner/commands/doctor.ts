// `crosscheck doctor`: which credential is used, its token type, who it is, what it can reach, what to fix.
import {
  runDoctor,
  type StatusToInspect,
  InputError,
  parseCommit,
  parseKey,
  parseRepository,
} from '../../core';
import { ciDefaults } from '../ci-environment';
import { connectFromEnvironment } from '../bitbucket-connection';
import type { RunnerContext } from '../context';
import { EXIT_FAILED, ExitError } from '../exit-codes';
import { type OptionValues, stringOption } from '../inputs';
import type { Reporter } from '../reporter';

const MARKS = { ok: '✓', failed: '✗', warning: '!', skipped: '-' } as const;

export async function doctor(
  options: OptionValues,
  context: RunnerContext,
  reporter: Reporter,
): Promise<void> {
  const ci = ciDefaults(context.env);
  const repoName = stringOption(options, 'repo') ?? ci.repo;
  const repo = repoName ? parseRepository(repoName) : undefined;
  const status = statusToInspect(options, ci.commit, repo !== undefined);
  const connection = connectFromEnvironment(context, reporter, options);
  const report = await runDoctor(connection, repo, (step) => reporter.progress(`Checking ${step}…`), status);
  reporter.line(`Credential: ${report.credential}`);
  reporter.line(`Token type: ${report.tokenType}`);
  for (const notice of report.notices) reporter.line(`Note: ${notice}`);
  for (const check of report.checks) {
    reporter.line(`${MARKS[check.outcome]} ${check.name}: ${check.detail}`);
    if (check.fix && check.outcome !== 'ok') reporter.line(`    fix: ${check.fix}`);
  }
  reporter.line(report.ok ? 'All required checks passed.' : 'Some checks failed: see the fixes above.');
  reporter.json(report);
  if (!report.ok) throw new ExitError(EXIT_FAILED);
}

/** --key (with --commit or $BITBUCKET_COMMIT, and a repository) names a build status whose owner to show. */
function statusToInspect(
  options: OptionValues,
  ciCommit: string | undefined,
  hasRepo: boolean,
): StatusToInspect | undefined {
  const key = stringOption(options, 'key');
  const commit = stringOption(options, 'commit');
  if (key === undefined) {
    if (commit !== undefined)
      throw new InputError(
        '--commit needs --key.',
        'Give --key with the status key to inspect, e.g. --key sonar.',
      );
    return undefined;
  }
  if (!hasRepo)
    throw new InputError(
      '--key needs --repo.',
      'Give the repository of the status, e.g. --repo acme/web-app.',
    );
  return { commit: parseCommit(commit ?? ciCommit), key: parseKey(key) };
}
