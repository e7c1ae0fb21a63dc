// `crosscheck status set`: create or overwrite build statuses, one from flags or many from JSON Lines.
import { closeSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DEFAULT_API_URL,
  describeCredential,
  CredentialError,
  CrosscheckError,
  InputError,
  formatRepository,
  buildStatusPostUrl,
} from '../../core';
import {
  JSON_LINES_LIMITS,
  type StatusRecord,
  type StatusToPost,
  parseStatusLines,
  toStatusToPost,
} from '../build-status-input';
import { ciDefaults } from '../ci-environment';
import { apiUrlFromEnvironment, connectFromEnvironment } from '../bitbucket-connection';
import { mapWithConcurrency } from '../concurrency';
import type { RunnerContext } from '../context';
import { EXIT_FAILED, ExitError } from '../exit-codes';
import { integerOption, type OptionValues, stringOption } from '../inputs';
import type { Reporter } from '../reporter';
import { stateMark } from '../state-marks';

export async function statusSet(
  options: OptionValues,
  context: RunnerContext,
  reporter: Reporter,
): Promise<void> {
  const flags: StatusRecord = {};
  for (const field of ['repo', 'commit', 'key', 'state', 'name', 'url', 'description', 'refname'] as const) {
    flags[field] = stringOption(options, field);
  }
  const ci = ciDefaults(context.env);
  const from = stringOption(options, 'from');
  const concurrency = integerOption(options, 'concurrency', '--concurrency', 1, 32, 8);
  const statuses = from
    ? parseStatusLines(readSource(from, context), flags, ci)
    : [toStatusToPost(flags, {}, ci)];
  for (const item of statuses)
    for (const notice of item.notices) reporter.warn(`${describe(item)}: ${notice}`);

  if (options.dryRun) return dryRun(statuses, context, reporter, options);

  const connection = connectFromEnvironment(context, reporter, options);
  if (statuses.length > 1)
    reporter.progress(
      `Posting ${statuses.length} statuses, ${Math.min(concurrency, statuses.length)} at a time…`,
    );
  let done = 0;
  const failures = new FailureLog(reporter);
  const outcomes = await mapWithConcurrency(statuses, concurrency, async (item) => {
    try {
      const posted = await connection.api.setBuildStatus(item.repo, item.commit, item.status);
      done++;
      if (statuses.length > 1 && (done % 10 === 0 || done === statuses.length))
        reporter.progress(`  ${done}/${statuses.length} posted`);
      const state = posted.state ?? item.status.state;
      reporter.line(
        `${stateMark(state)} ${state} ${item.status.key} on ${describe(item)}${item.status.name && item.status.name !== item.status.key ? ` (${item.status.name})` : ''}`,
      );
      return { ok: true as const, item, posted };
    } catch (error) {
      if (!(error instanceof CrosscheckError)) throw error;
      failures.report(error, `${item.status.key} on ${describe(item)}`);
      return { ok: false as const, item, error };
    }
  });
  const failed = outcomes.filter((outcome) => !outcome.ok);
  reporter.json({
    posted: outcomes
      .filter((outcome) => outcome.ok)
      .map((outcome) => ({
        repo: formatRepository(outcome.item.repo),
        commit: outcome.item.commit,
        ...outcome.item.status,
      })),
    failed: failed.map((outcome) => ({
      repo: formatRepository(outcome.item.repo),
      commit: outcome.item.commit,
      key: outcome.item.status.key,
      error: outcome.ok ? '' : outcome.error.message,
    })),
  });
  const [only] = outcomes;
  if (outcomes.length === 1 && only?.ok) {
    reporter.output('key', only.item.status.key);
    reporter.output('state', only.item.status.state);
  }
  if (failed.length > 0) {
    if (statuses.length > 1)
      reporter.progress(
        `${failed.length} of ${statuses.length} statuses could not be posted${failures.summary()}.`,
      );
    throw new ExitError(EXIT_FAILED);
  }
}

/**
 * Reports failed posts without flooding the log: the full diagnosis once per distinct error (up to 5), one line per
 * failure for the first 20, then only a count; --json still lists every failed status.
 */
class FailureLog {
  private static readonly DIAGNOSES = 5;
  private static readonly LINES = 20;
  private readonly counts = new Map<string, number>();
  private lines = 0;

  constructor(private readonly reporter: Reporter) {}

  report(error: CrosscheckError, what: string): void {
    const seen = this.counts.get(error.message) ?? 0;
    this.counts.set(error.message, seen + 1);
    if (seen === 0 && this.counts.size <= FailureLog.DIAGNOSES) this.reporter.failure(error);
    else if (++this.lines <= FailureLog.LINES) this.reporter.progress(`✗ ${what}: ${error.message}`);
    else if (this.lines === FailureLog.LINES + 1)
      this.reporter.progress('… further failures are only counted (--json lists each)');
  }

  /** The failures grouped by error, most frequent first, e.g. ": 1990 × Bitbucket's rate limit…". */
  summary(): string {
    if (this.counts.size <= 1) return '';
    const groups = [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, FailureLog.DIAGNOSES);
    return `:\n${groups.map(([message, count]) => `  ${count} × ${message}`).join('\n')}`;
  }
}

function describe(item: StatusToPost): string {
  return `${formatRepository(item.repo)}@${item.commit.slice(0, 12)}`;
}

/** Reads --from (a file, or - for standard input) in chunks, refusing it past JSON_LINES_LIMITS.bytes. */
function readSource(from: string, context: RunnerContext): string {
  const limit = JSON_LINES_LIMITS.bytes;
  let fd: number | undefined;
  try {
    fd = from === '-' ? 0 : openSync(resolve(context.cwd, from), 'r');
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      total += read;
      if (total > limit) {
        throw new InputError(
          `--from ${from} is larger than ${limit / (1024 * 1024)} MiB; nothing was sent.`,
          `Split it: one run takes at most ${JSON_LINES_LIMITS.statuses} statuses (a line is one status).`,
        );
      }
      chunks.push(chunk.subarray(0, read));
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      `Cannot read --from ${from}: ${(error as Error).message}`,
      'Give a readable JSON Lines file, or - for standard input.',
    );
  } finally {
    if (fd !== undefined && fd !== 0) closeSync(fd);
  }
}

function dryRun(
  statuses: StatusToPost[],
  context: RunnerContext,
  reporter: Reporter,
  options: OptionValues,
): void {
  const apiUrl = apiUrlFromEnvironment(context.env) ?? DEFAULT_API_URL;
  let credential: string;
  try {
    credential = describeCredential(connectFromEnvironment(context, reporter, options).credential);
  } catch (error) {
    if (!(error instanceof CredentialError)) throw error;
    credential = `none usable — a real run would stop here: ${error.message}`;
  }
  const requests = statuses.map((item) => ({
    method: 'POST',
    url: buildStatusPostUrl(apiUrl, item.repo, item.commit),
    body: item.status,
  }));
  reporter.line(`Dry run: nothing is sent. Authorization: ${credential}`);
  for (const request of requests)
    reporter.line(`${request.method} ${request.url}\n${JSON.stringify(request.body, null, 2)}`);
  reporter.json({ dryRun: true, authorization: credential, requests });
}
