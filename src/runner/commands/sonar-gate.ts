// `crosscheck sonar-gate`: waits for the SonarQube analysis, reads its quality gate and posts the verdict on the commit.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  InputError,
  conditionsTable,
  connectSonar,
  parseGatePolicy,
  type GateCheckEvent,
  type GateCheckRequest,
  type GateCheckResult,
  type InsightsWritten,
  runGateCheck,
  VerdictNotPostedError,
  parseReportTask,
  REPORT_TASK_LOCATIONS,
  type ReportTask,
  formatRepository,
  parseCommit,
  parseApiUrl,
  parseHttpUrl,
  parseKey,
  parseRepository,
  type RepositoryRef,
} from '../../core';
import { connectFromEnvironment, transportFromEnvironment } from '../bitbucket-connection';
import { ciDefaults } from '../ci-environment';
import type { RunnerContext } from '../context';
import { EXIT_FAILED, ExitError } from '../exit-codes';
import { integerOption, type OptionValues, stringOption } from '../inputs';
import type { CommandRegistration } from '../program';
import type { Reporter } from '../reporter';

const DEFAULT_WAIT_SECONDS = 300;

/** A real report-task.txt is a few hundred bytes; a larger file is not one (and is never read whole). */
const MAX_REPORT_TASK_BYTES = 64 * 1024;

export const sonarGateCommand: CommandRegistration = (program, action) => {
  program
    .command('sonar-gate')
    .description(
      'wait for the SonarQube analysis, read its quality gate and post it as a build status on the checked commit',
    )
    .option(
      '--report-task <path>',
      `the scanner's report-task.txt (default: ${REPORT_TASK_LOCATIONS.map((location) => location.path).join(', ')})`,
    )
    .option(
      '--repo <workspace/repo>',
      'repository of the commit (default $TRIGGER_REPO, else $BITBUCKET_REPO_FULL_NAME)',
    )
    .option('--commit <sha>', 'full commit hash (default $TRIGGER_COMMIT, else $BITBUCKET_COMMIT)')
    .option('--refname <branch>', "the PR's source branch (default $TRIGGER_BRANCH, else $BITBUCKET_BRANCH)")
    .option(
      '--project-key <key>',
      "the SonarQube project the analysis must be of (default: report-task.txt's projectKey)",
    )
    .option(
      '--pr <id>',
      'the pull request the analysis must be of (default $TRIGGER_PR_ID, else $BITBUCKET_PR_ID; none: a branch)',
    )
    .option('--key <key>', 'status key (default sonar; the key trigger --pending-key used)')
    .option('--name <text>', 'status title (default SonarQube)')
    .option(
      '--timeout <seconds>',
      `longest wait for the analysis to be processed (default ${DEFAULT_WAIT_SECONDS})`,
    )
    .option('--on-warn <policy>', 'failed|successful: what a WARN gate posts (default failed)')
    .option(
      '--on-none <policy>',
      'failed|successful: what a project without a quality gate posts (default failed)',
    )
    .option(
      '--central',
      'the commit is of another repository, whose pull request wrote the analysed tree (implied by $TRIGGER_REPO or $TRIGGER_COMMIT): SONAR_HOST_URL is required and report-task.txt must name that server',
    )
    .option('--report', 'also write a Code Insights report with the gate and its conditions')
    .option(
      '--annotations',
      "also post the analysis' open issues as Code Insights annotations (implies --report)",
    )
    .option('--no-fail', 'exit 0 even when the gate fails (the status is still FAILED)')
    .option(
      '--no-pending',
      'do not mark the commit INPROGRESS before the wait (skipped anyway when $TRIGGER_PENDING_KEY is --key)',
    )
    .addHelpText(
      'after',
      "\nSONAR_TOKEN (a SonarQube user token with Browse on the project) and SONAR_HOST_URL (overrides the report's\n" +
        'serverUrl) come from the environment. Checking another repository (--central, $TRIGGER_REPO or $TRIGGER_COMMIT),\n' +
        "SONAR_HOST_URL is required and the report's serverUrl must be that server: the token never goes to a server\n" +
        'a file of the checked tree names. In the central pipeline started by `crosscheck trigger`, one line does:\n' +
        '  crosscheck sonar-gate\n' +
        'It marks the commit INPROGRESS first, unless `crosscheck trigger --pending-key` already did under the same key\n' +
        '(it passes TRIGGER_PENDING_KEY): one Bitbucket request less per check.\n' +
        'Before believing the gate it checks that SonarQube says the analysis is of the project (--project-key), the\n' +
        'pull request (--pr) or branch (--refname), and, where SonarQube reports it, the commit (--commit); otherwise\n' +
        'it posts FAILED with the reason. In a central pipeline, let the scanner write report-task.txt outside the\n' +
        'checked-out tree (-Dsonar.scanner.metadataFilePath=…) and give that file to --report-task.\n' +
        "Exit codes: 0 gate passed (or --no-fail), 1 gate failed, analysis failed or not this commit's, or Bitbucket\n" +
        'refused the verdict (it is printed; run the step again), 2 bad input (nothing sent).',
    )
    .action(action(sonarGate));
};

export async function sonarGate(
  options: OptionValues,
  context: RunnerContext,
  reporter: Reporter,
): Promise<void> {
  const { env } = context;
  reporter.secret(env.SONAR_TOKEN);
  const task = readReportTask(stringOption(options, 'reportTask'), context.cwd);
  const target = gateTarget(options, env);
  const key = parseKey(stringOption(options, 'key') ?? 'sonar');
  const name = stringOption(options, 'name') ?? 'SonarQube';
  const waitSeconds = integerOption(options, 'timeout', '--timeout', 1, 86_400, DEFAULT_WAIT_SECONDS);
  const policies = {
    onWarn: parseGatePolicy(stringOption(options, 'onWarn'), '--on-warn'),
    onNone: parseGatePolicy(stringOption(options, 'onNone'), '--on-none'),
  };
  const expected = expectedAnalysis(options, env, task, target.refname);
  const central = options.central === true || Boolean(env.TRIGGER_REPO?.trim() || env.TRIGGER_COMMIT?.trim());
  if (central && !env.SONAR_HOST_URL?.trim())
    throw new InputError(
      `SONAR_HOST_URL is not set, and this gate checks a commit of another repository (${options.central === true ? '--central' : 'TRIGGER_* variables are set'}): SONAR_TOKEN would go to ${task.serverUrl}, the server named in ${task.source}, which the checked pull request can write.`,
      "Set SONAR_HOST_URL to your SonarQube server (a variable of the central repository or of the gate step's environment), e.g. https://sonarqube.example.com.",
    );
  if (!central && !env.SONAR_HOST_URL?.trim())
    reporter.warn(
      `SONAR_TOKEN goes to ${task.serverUrl}, the server named in ${task.source}; set SONAR_HOST_URL so that a file from the checked-out tree cannot choose where the token is sent.`,
    );
  const hostUrl = env.SONAR_HOST_URL?.trim()
    ? parseApiUrl(env.SONAR_HOST_URL, 'SONAR_HOST_URL', {
        allowPlainHttp: true,
        fix: 'Give the SonarQube server URL, e.g. https://sonarqube.example.com.',
      })
    : parseApiUrl(task.serverUrl, `serverUrl in ${task.source}`, {
        allowPlainHttp: true,
        fix: 'Set SONAR_HOST_URL to the SonarQube server URL, e.g. https://sonarqube.example.com.',
      });
  if (central) assertSameServer(hostUrl, task);
  const url = task.dashboardUrl
    ? parseHttpUrl(task.dashboardUrl, `dashboardUrl in ${task.source}`)
    : `${hostUrl}/dashboard?id=${encodeURIComponent(task.projectKey)}`;
  const bitbucket = connectFromEnvironment(context, reporter, options);
  const sonar = connectSonar({
    hostUrl,
    token: env.SONAR_TOKEN,
    transport: transportFromEnvironment(context, reporter, options, 'sonar'),
  });
  const where = `${formatRepository(target.repo)}@${target.commit.slice(0, 12)}`;

  const markPending = options.pending !== false && !markedByTrigger(env, target, key);
  if (!markPending)
    reporter.verbose(
      `not marking ${where} INPROGRESS: ${options.pending === false ? '--no-pending' : `the trigger marked it as "${key}"`}`,
    );
  const result = await runGateCheck(
    {
      bitbucket: bitbucket.api,
      sonar: sonar.api,
      hostUrl,
      onEvent: (event) => reportEvent(event, reporter, where),
    },
    {
      task,
      expected,
      ...target,
      key,
      name,
      url,
      policies,
      timeoutMs: waitSeconds * 1000,
      report: Boolean(options.report || options.annotations),
      annotations: Boolean(options.annotations),
      markPending,
    },
  ).catch((error: unknown) => {
    if (!(error instanceof VerdictNotPostedError)) throw error;
    reporter.json({
      ...resultBase(task, target, key, url),
      state: error.state,
      description: error.description,
      posted: false,
      error: error.failure.message,
    });
    reporter.line(`✗ ${error.state} ${key} on ${where} was reached but NOT posted: ${error.description}`);
    reporter.failure(error.failure);
    reporter.progress(`The verdict is not lost: ${error.hint}`);
    throw new ExitError(EXIT_FAILED);
  });
  reporter.json(resultJson(result, task, target, key, url));
  reporter.output('state', result.status.state);
  if (result.kind === 'no-verdict') {
    if (result.error) reporter.failure(result.error);
    reporter.line(`✗ FAILED ${key} on ${where}: ${result.reason}`);
    throw new ExitError(EXIT_FAILED);
  }
  const { verdict } = result;
  reporter.output('quality-gate', verdict.gate);
  reporter.line(`${verdict.summary} (${task.projectKey}${scopeText(result.outcome.task)})`);
  if (verdict.conditions.length) reporter.line(conditionsTable(verdict.conditions).replace(/^/gm, '  '));
  reporter.line(
    `${verdict.state === 'SUCCESSFUL' ? '✓' : '✗'} ${verdict.state} ${key} on ${where}: ${result.status.description ?? verdict.description}`,
  );
  reporter.line(`  ${url}`);
  if (result.insights) reportInsights(result.insights, reporter, where);
  if (result.insightsError) {
    reporter.failure(result.insightsError);
    throw new ExitError(EXIT_FAILED);
  }
  if (verdict.state === 'FAILED' && options.fail !== false) throw new ExitError(EXIT_FAILED);
}

/** Refuses a report naming another SonarQube server than SONAR_HOST_URL (scheme, host, port and path compared). */
function assertSameServer(hostUrl: string, task: ReportTask): void {
  const normal = (text: string): string | undefined => {
    try {
      const url = new URL(text.trim());
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
    } catch {
      return undefined;
    }
  };
  if (normal(task.serverUrl) === normal(hostUrl)) return;
  throw new InputError(
    `${task.source} names the SonarQube server ${task.serverUrl}, not SONAR_HOST_URL ${hostUrl}: it is not the report of an analysis on your server, so nothing is asked of either.`,
    'Run the scanner with -Dsonar.host.url="$SONAR_HOST_URL" and -Dsonar.scanner.metadataFilePath outside the checked-out tree, and give that file to --report-task.',
  );
}

/** The given report-task.txt, or the first one found where the scanners write it. */
function readReportTask(given: string | undefined, cwd: string): ReportTask {
  const candidates = given ? [given] : REPORT_TASK_LOCATIONS.map((location) => location.path);
  const found = candidates.map((path) => resolve(cwd, path)).find((path) => existsSync(path));
  if (!found) {
    throw new InputError(
      given
        ? `--report-task ${given} does not exist.`
        : `No report-task.txt found in ${cwd} (looked in ${candidates.join(', ')}).`,
      'Run the SonarQube scanner first, in the same folder, or give --report-task the file it wrote.',
    );
  }
  let text: string;
  try {
    const size = statSync(found).size;
    if (size > MAX_REPORT_TASK_BYTES) {
      throw new InputError(
        `${found} is ${size} bytes, not a report-task.txt (those are a few hundred bytes; at most ${MAX_REPORT_TASK_BYTES} are read).`,
        'Give the report-task.txt the SonarQube scanner wrote in this run.',
      );
    }
    text = readFileSync(found, 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      `Cannot read ${found}: ${(error as Error).message}`,
      'Give a readable report-task.txt.',
    );
  }
  return parseReportTask(text, found);
}

function gateTarget(
  options: OptionValues,
  env: Record<string, string | undefined>,
): { repo: RepositoryRef; commit: string; refname?: string } {
  const ci = ciDefaults(env);
  const pick = (
    option: string,
    flag: string,
    variable: string,
    fallback: string | undefined,
  ): [string | undefined, string] => {
    const given = stringOption(options, option);
    if (given !== undefined) return [given, flag];
    const triggered = env[variable]?.trim();
    return triggered ? [triggered, variable] : [fallback, flag];
  };
  const repo = parseRepository(...pick('repo', '--repo', 'TRIGGER_REPO', ci.repo));
  const commit = parseCommit(...pick('commit', '--commit', 'TRIGGER_COMMIT', ci.commit));
  const [refname] = pick('refname', '--refname', 'TRIGGER_BRANCH', ci.refname);
  return { repo, commit, refname };
}

/**
 * What the analysis must be of, from flags and the trigger's variables. The project key falls back to
 * report-task.txt's (SonarQube then still has to confirm the pull request or branch and the commit).
 */
function expectedAnalysis(
  options: OptionValues,
  env: Record<string, string | undefined>,
  task: ReportTask,
  refname: string | undefined,
): GateCheckRequest['expected'] {
  const projectKey = stringOption(options, 'projectKey') ?? task.projectKey;
  const prOption = stringOption(options, 'pr');
  const prText =
    prOption ??
    (env.TRIGGER_PR_ID?.trim() || (env.TRIGGER_REPO?.trim() ? undefined : env.BITBUCKET_PR_ID?.trim()));
  if (prText !== undefined && prText !== '' && !/^[1-9]\d{0,9}$/.test(prText)) {
    throw new InputError(
      `${prOption !== undefined ? '--pr' : 'TRIGGER_PR_ID'} "${prText}" is not a pull request number.`,
      'Give the number, e.g. --pr 42.',
    );
  }
  return prText ? { projectKey, pullRequest: prText } : { projectKey, branch: refname };
}

function reportEvent(event: GateCheckEvent, reporter: Reporter, where: string): void {
  switch (event.type) {
    case 'origin':
      reporter.progress(`The analysis is of ${event.confirmed}.`);
      if (event.unchecked)
        reporter.warn(`The analysed commit was not compared with ${where}: ${event.unchecked}.`);
      break;
    case 'waiting':
      reporter.progress(`Waiting for SonarQube to process the analysis (task ${event.taskId})…`);
      break;
    case 'task':
      reporter.progress(`  ${event.status} after ${(event.waitedMs / 1000).toFixed(1)} s`);
      break;
    case 'posted':
      reporter.verbose(`posted ${event.status.state} ${event.status.key} on ${where}`);
      break;
  }
}

function reportInsights(insights: InsightsWritten, reporter: Reporter, where: string): void {
  reporter.line(`Code Insights report "${insights.reportId}" written on ${where}`);
  const annotations = insights.annotations;
  if (!annotations) return;
  const more =
    annotations.total > annotations.posted
      ? ` (of ${annotations.total} open issues; Bitbucket keeps at most 1000 per report)`
      : '';
  reporter.line(`${annotations.posted} annotation${annotations.posted === 1 ? '' : 's'} posted${more}`);
}

function scopeText(task: { pullRequest?: string; branch?: string }): string {
  if (task.pullRequest) return `, pull request ${task.pullRequest}`;
  return task.branch ? `, branch ${task.branch}` : '';
}

/** True when `crosscheck trigger --pending-key` marked this very commit INPROGRESS under this key. */
function markedByTrigger(
  env: Record<string, string | undefined>,
  target: { repo: RepositoryRef; commit: string },
  key: string,
): boolean {
  return (
    env.TRIGGER_PENDING_KEY?.trim() === key &&
    env.TRIGGER_COMMIT?.trim() === target.commit &&
    env.TRIGGER_REPO?.trim() === formatRepository(target.repo)
  );
}

function resultBase(
  task: ReportTask,
  target: { repo: RepositoryRef; commit: string },
  key: string,
  url: string,
) {
  return {
    projectKey: task.projectKey,
    ceTaskId: task.ceTaskId,
    repo: formatRepository(target.repo),
    commit: target.commit,
    key,
    url,
  };
}

function resultJson(
  result: GateCheckResult,
  task: ReportTask,
  target: { repo: RepositoryRef; commit: string; refname?: string },
  key: string,
  url: string,
) {
  const base = {
    ...resultBase(task, target, key, url),
    state: result.status.state,
    description: result.status.description,
    polls: result.outcome.polls,
    waitedMs: result.outcome.waitedMs,
  };
  if (result.kind === 'no-verdict')
    return {
      ...base,
      analysis: result.foreign ? 'not-this-commit' : result.outcome.kind,
      reason: result.reason,
    };
  return {
    ...base,
    analysis: 'success',
    analysisId: result.outcome.analysisId,
    qualityGate: result.verdict.gate,
    conditions: result.verdict.conditions,
    failing: result.verdict.failing.map((condition) => condition.text),
    insights: result.insights,
    insightsError: result.insightsError?.message,
  };
}
