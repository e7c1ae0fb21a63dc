// `crosscheck demo`: plays the central Sonar check end to end against a local sandbox, running the real commands.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectBitbucket, parseRepository, userAgent } from '../../core';
import type { PipelineRun, Sandbox, SonarCondition } from '../../sandbox';

type SandboxSeed = (typeof import('../../sandbox'))['seed'];
import type { RunnerContext, TextSink } from '../context';
import { EXIT_FAILED, ExitError } from '../exit-codes';
import { integerOption, type OptionValues } from '../inputs';
import { type CommandRegistration, runCli } from '../program';
import type { Reporter } from '../reporter';
import { sonarGateCommand } from './sonar-gate';
import { triggerCommand } from './trigger';

const CENTRAL_PIPELINE = 'sonar-pr-check';
const FAILING_CONDITIONS: SonarCondition[] = [
  { metricKey: 'new_coverage', comparator: 'LT', errorThreshold: '80', actualValue: '62.5' },
  { metricKey: 'new_bugs', comparator: 'GT', errorThreshold: '0', actualValue: '3' },
  { metricKey: 'new_duplicated_lines_density', comparator: 'GT', errorThreshold: '3', actualValue: '1.2' },
];
const PASSING_CONDITIONS: SonarCondition[] = [
  { metricKey: 'new_coverage', comparator: 'LT', errorThreshold: '80', actualValue: '91.3' },
  { metricKey: 'new_bugs', comparator: 'GT', errorThreshold: '0', actualValue: '0' },
  { metricKey: 'new_duplicated_lines_density', comparator: 'GT', errorThreshold: '3', actualValue: '1.2' },
];

export const demoCommand: CommandRegistration = (program, action) => {
  program
    .command('demo')
    .description(
      'play the whole central check on a local sandbox: PR → trigger → gate FAILED → fix → SUCCESSFUL → merge check',
    )
    .option('--analysis-ms <ms>', 'how long the sandbox SonarQube takes to process each analysis', '2500')
    .action(action(demo));
};

/** One round: what the scanner "finds" for the pushed commit. */
interface Round {
  commit: string;
  label: string;
  conditions: SonarCondition[];
  issues: number;
}

/**
 * The gate step's line exactly as examples/central runs it (the report-task.txt the analyse step passed on as the
 * `analysis` artifact); a test holds the two in step.
 */
export const CENTRAL_GATE_LINE = [
  'sonar-gate',
  '--central',
  '--report',
  '--report-task',
  'analysis/report-task.txt',
];
/** The individual repository's trigger line exactly as examples/individual runs it. */
export const INDIVIDUAL_TRIGGER_LINE = [
  'trigger',
  '--central',
  '"$BITBUCKET_WORKSPACE/central-checks"',
  '--pipeline',
  CENTRAL_PIPELINE,
  '--pending-key',
  'sonar',
  '--pending-name',
  'SonarQube',
  '--ref',
  'main',
];

export async function demo(options: OptionValues, context: RunnerContext, reporter: Reporter): Promise<void> {
  const analysisMs = integerOption(options, 'analysisMs', '--analysis-ms', 0, 120_000, 2500);
  // Loaded here: the sandbox is a bundle of its own that other commands never load.
  const { seed, startSandbox } = await import('../../sandbox/index.js');
  const sandbox = await startSandbox();
  const workspace = mkdtempSync(join(tmpdir(), 'crosscheck-demo-'));
  try {
    await playStory(sandbox, seed, workspace, analysisMs, context, reporter, Boolean(options.json));
  } finally {
    await sandbox.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}

async function playStory(
  sandbox: Sandbox,
  seed: SandboxSeed,
  workspace: string,
  analysisMs: number,
  context: RunnerContext,
  reporter: Reporter,
  json: boolean,
): Promise<void> {
  const pr = seed.webApp.pullRequest;
  const repo = seed.webApp.fullName;
  const credentials = {
    BITBUCKET_API_URL: sandbox.bitbucketApiUrl,
    ATLASSIAN_ACCOUNT_EMAIL: sandbox.demo.email,
    BITBUCKET_API_TOKEN: sandbox.demo.apiToken,
  };
  const { api } = connectBitbucket({
    credentials: { email: sandbox.demo.email, apiToken: sandbox.demo.apiToken },
    apiUrl: sandbox.bitbucketApiUrl,
    transport: { userAgent: userAgent('crosscheck') },
  });
  const fix = pr.sourceCommit;
  const first = (await api.getCommit(parseRepository(repo), fix)).parents?.[0]?.hash ?? fix;
  const rounds: Round[] = [
    { commit: first, label: 'the first push ("Add login form")', conditions: FAILING_CONDITIONS, issues: 14 },
    {
      commit: fix,
      label: 'the fix ("Validate login form input")',
      conditions: PASSING_CONDITIONS,
      issues: 0,
    },
  ];

  // With --json the story goes to stderr and stdout holds the result document alone.
  const story = json ? context.stderr : context.stdout;
  const say = (text = '') => (json ? reporter.progress(text) : reporter.line(text));
  /** Runs `line` (variables expanded from `env`) and prints it as written. */
  const step = async (
    title: string,
    line: string[],
    env: Record<string, string>,
    cwd = workspace,
  ): Promise<number> => {
    say(`  $ crosscheck ${line.map((word) => (/^"\$/.test(word) ? word : quote(word))).join(' ')}`);
    const argv = line.map((word) =>
      word.replace(/^"(.*)"$/, '$1').replace(/\$(\w+)/g, (_, name: string) => env[name] ?? ''),
    );
    // Both streams of the nested command go to stdout, so the story reads in order.
    const indent = (sink: TextSink): TextSink => ({
      write: (text: string) => sink.write(text.replace(/^(?=.)/gm, '    │ ')),
    });
    const code = await runCli(
      argv,
      {
        env: { PATH: context.env.PATH, ...credentials, ...env },
        cwd,
        stdout: indent(story),
        stderr: indent(story),
        onSignal: context.onSignal,
      },
      [triggerCommand, sonarGateCommand],
    );
    say(`    └ ${title} exited ${code}`);
    return code;
  };

  say(
    `Sandbox: Bitbucket ${sandbox.bitbucketApiUrl}, SonarQube ${sandbox.sonarUrl} (demo credentials only).`,
  );
  say(
    'Nothing leaves this machine, and the SonarQube scan is simulated: the sandbox SonarQube is handed the analysis a ' +
      'scanner would upload. Every crosscheck command below is real and runs over HTTP against the sandbox.',
  );
  say(`Pull request #${pr.id} "${pr.title}" in ${repo}: ${pr.source} → ${pr.destination}.`);
  let current: Round | undefined;
  let released: Promise<void> = Promise.resolve();
  let release: () => void = () => undefined;
  let finished: Promise<number> = Promise.resolve(0);
  let finish: (code: number) => void = () => undefined;
  sandbox.onPipelineRun(async (run: PipelineRun, ctl) => {
    // The run stays PENDING until the story reaches it, so the output reads in order.
    await released;
    ctl.start();
    const round = current as Round;
    const variables = Object.fromEntries(run.variables.map((variable) => [variable.key, variable.value]));
    say();
    say(
      `Central pipeline ${run.repo} ${CENTRAL_PIPELINE} #${run.buildNumber} clones ${variables.TRIGGER_REPO} at ${String(variables.TRIGGER_COMMIT).slice(0, 12)}, runs the scanner (simulated here), then the gate line of examples/central/bitbucket-pipelines.yml:`,
    );
    const analysis = sandbox.sonar.submitAnalysis({
      projectKey: seed.webApp.slug,
      pullRequest: variables.TRIGGER_PR_ID,
      revision: variables.TRIGGER_COMMIT,
      processingMs: analysisMs,
      gate: {
        status: round.conditions.some((c) =>
          c.comparator === 'LT'
            ? Number(c.actualValue) < Number(c.errorThreshold)
            : Number(c.actualValue) > Number(c.errorThreshold),
        )
          ? 'ERROR'
          : 'OK',
        conditions: round.conditions,
      },
      issues: round.issues,
    });
    // As in examples/central: the gate step finds the analyse step's report-task.txt in its `analysis` artifact.
    const cloneDir = join(workspace, `run-${run.buildNumber}`);
    mkdirSync(join(cloneDir, 'analysis'), { recursive: true });
    writeFileSync(join(cloneDir, 'analysis', 'report-task.txt'), analysis.reportTask);
    try {
      const code = await step(
        'sonar-gate',
        CENTRAL_GATE_LINE,
        {
          ...variables,
          BITBUCKET_CLONE_DIR: cloneDir,
          BITBUCKET_REPO_FULL_NAME: run.repo,
          BITBUCKET_BUILD_NUMBER: String(run.buildNumber),
          SONAR_HOST_URL: sandbox.sonarUrl,
          SONAR_TOKEN: sandbox.demo.sonarToken,
        },
        cloneDir,
      );
      ctl.complete(code === 0 ? 'SUCCESSFUL' : 'FAILED');
      finish(code);
    } catch (error) {
      ctl.complete('ERROR');
      finish(EXIT_FAILED);
      throw error;
    }
  });

  const verdicts: string[] = [];
  for (const [index, round] of rounds.entries()) {
    current = round;
    released = new Promise<void>((resolve) => (release = resolve));
    finished = new Promise<number>((resolve) => (finish = resolve));
    say();
    say(
      `${index + 1}. ${index === 0 ? 'The pull request is raised' : 'The developer pushes'} with ${round.label}, ${round.commit.slice(0, 12)}.`,
    );
    say(`   Its pull-request pipeline runs the one line of examples/individual/bitbucket-pipelines.yml:`);
    const triggered = await step('trigger', INDIVIDUAL_TRIGGER_LINE, {
      BITBUCKET_REPO_FULL_NAME: repo,
      BITBUCKET_WORKSPACE: seed.workspace,
      BITBUCKET_COMMIT: round.commit,
      BITBUCKET_BRANCH: pr.source,
      BITBUCKET_PR_ID: String(pr.id),
      BITBUCKET_PR_DESTINATION_BRANCH: pr.destination,
      BITBUCKET_BUILD_NUMBER: String(40 + index),
    });
    if (triggered !== 0) throw new ExitError(EXIT_FAILED);
    say('   Meanwhile the merge check sees the commit INPROGRESS:');
    await step('status get', ['status', 'get', '--repo', repo, '--commit', round.commit], {});
    release();
    await finished;
    say();
    say(`   The merge check on ${round.commit.slice(0, 12)} now:`);
    await step('status get', ['status', 'get', '--repo', repo, '--commit', round.commit], {});
    verdicts.push(
      sandbox.buildStatuses(repo, round.commit).find((status) => status.key === 'sonar')?.state ?? 'none',
    );
  }
  say();
  say(
    `Verdicts: first push ${verdicts[0]}, fix ${verdicts[1]}. The pull request's tip is the fix, so the merge check would pass.`,
  );
  say();
  say('What to try next:');
  say(
    '  crosscheck sandbox      # the same sandbox, kept running: paste the lines it prints into another shell',
  );
  say('  crosscheck --help       # every command; each has --help');
  say(
    '  The two pipelines you just watched, ready to copy: examples/individual and examples/central in the repository,',
  );
  say('  and the README: install, credentials and scopes, the central check.');
  reporter.json({
    simulatedScan: true,
    pullRequest: { repo, id: pr.id, source: pr.source, destination: pr.destination },
    rounds: rounds.map((round, index) => ({
      commit: round.commit,
      label: round.label,
      verdict: verdicts[index],
    })),
    mergeCheckWouldPass: verdicts[verdicts.length - 1] === 'SUCCESSFUL',
    // The commands' requests are counted by each of them (their --json), not by the demo.
    requests: undefined,
  });
  if (verdicts.join(',') !== 'FAILED,SUCCESSFUL') throw new ExitError(EXIT_FAILED);
}

function quote(arg: string): string {
  return /^[\w./:@=-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
