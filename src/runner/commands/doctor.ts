// `crosscheck doctor`: which credential is used, its token type, who it is, what it can reach, what to fix.
import { runDoctor } from '../../core/doctor';
import { parseRepository } from '../../core/validation';
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
  const repoName = stringOption(options, 'repo') ?? ciDefaults(context.env).repo;
  const repo = repoName ? parseRepository(repoName) : undefined;
  const connection = connectFromEnvironment(context, reporter, options);
  const report = await runDoctor(connection, repo, (step) => reporter.progress(`Checking ${step}…`));
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
