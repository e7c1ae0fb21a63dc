// The README and `--help` say the same: every command and flag the README names exists, every command and flag of
// `--help` is in the README's synopsis, and every request count the README and the examples state is what the
// sandbox counts.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PipelineRun, seed } from '../../src/sandbox';
import { processContext } from '../../src/runner/context';
import { runCli } from '../../src/runner/program';
import { allCommands } from '../../src/runner/registrations';
import { REPO_ROOT, runCrosscheck } from '../support/cli';
import { apiTokenEnvironment, useSandbox } from '../support/sandbox-suite';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const EXAMPLES = ['central', 'individual'].map((name) => ({
  name: `examples/${name}/bitbucket-pipelines.yml`,
  text: readFileSync(join(REPO_ROOT, 'examples', name, 'bitbucket-pipelines.yml'), 'utf8'),
}));

/** `crosscheck … --help` as printed, run in this process. */
async function helpOf(words: string[]): Promise<string> {
  let stdout = '';
  await runCli(
    [...words, '--help'],
    {
      ...processContext(),
      env: {},
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
    },
    allCommands,
  );
  return stdout;
}

interface HelpEntry {
  /** The command's words, e.g. ['status', 'set']. */
  words: string[];
  /** Its own flags, without --help. */
  flags: string[];
  /** The options every command shares (shown under Global Options). */
  global: string[];
}

/** Every runnable command of `crosscheck --help`, down the tree, with its flags. */
async function commandTree(words: string[] = []): Promise<HelpEntry[]> {
  const help = await helpOf(words);
  const section = (title: string): string => {
    const match = new RegExp(`^${title}:\\n([\\s\\S]*?)(?:\\n\\n|(?![\\s\\S]))`, 'm').exec(help);
    return match?.[1] ?? '';
  };
  const flagsIn = (text: string): string[] =>
    [...text.matchAll(/^ {2}(?:-\w, )?(--[a-z][\w-]*)/gm)]
      .map((match) => match[1]!)
      .filter((flag) => flag !== '--help');
  const subcommands = [...section('Commands').matchAll(/^ {2}([a-z][\w-]*)/gm)]
    .map((match) => match[1]!)
    .filter((name) => name !== 'help');
  if (subcommands.length === 0) {
    return [{ words, flags: flagsIn(section('Options')), global: flagsIn(section('Global Options')) }];
  }
  const nested = await Promise.all(subcommands.map((name) => commandTree([...words, name])));
  return nested.flat();
}

/** The README synopsis: the code block under "## The CLI", one `crosscheck …` line per command. */
function synopsisLines(): string[] {
  const section = README.slice(README.indexOf('## The CLI'));
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  // A line that starts with spaces continues the command above it.
  return block
    .replace(/\n {2,}(?=\[|--)/g, ' ')
    .split('\n')
    .filter((line) => line.startsWith('crosscheck '));
}

/** The command words of a `crosscheck …` line (before the first option, placeholder or comment). */
function wordsOf(line: string, known: HelpEntry[]): string[] {
  const tokens = line.replace(/#.*$/, '').split(/\s+/).slice(1);
  const words: string[] = [];
  for (const token of tokens) {
    const next = [...words, token];
    if (!known.some((entry) => next.every((word, index) => entry.words[index] === word))) break;
    words.push(token);
  }
  return words;
}

/** The --flags a line names (outside its trailing comment), `--no-x` kept as written. */
function flagsOf(line: string): string[] {
  return [...line.replace(/\s#\s.*$/, '').matchAll(/(?<![\w-])(--[a-z][\w-]*)/g)].map((match) => match[1]!);
}

/** Every `crosscheck …` command line the README shows, in code blocks and inline code. */
function readmeCommandLines(): string[] {
  const blocks = [...README.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].flatMap((match) => match[1]!.split('\n'));
  const inline = [...README.matchAll(/`(crosscheck [^`]+)`/g)].map((match) => match[1]!);
  return [...blocks, ...inline]
    .map((line) => line.trim().replace(/^- /, ''))
    .filter((line) => /^crosscheck [a-z]/.test(line));
}

describe('README.md and --help say the same', () => {
  let tree: HelpEntry[];
  before(async () => {
    tree = await commandTree();
  });
  const name = (words: string[]) => `crosscheck ${words.join(' ')}`;

  it('every command of --help has a line in the README synopsis (## The CLI)', () => {
    const lines = synopsisLines();
    const missing = tree
      .filter((entry) => !lines.some((line) => wordsOf(line, tree).join(' ') === entry.words.join(' ')))
      .map(
        (entry) => `"${name(entry.words)}" is in --help but has no line in the README synopsis (## The CLI)`,
      );
    assert.deepEqual(missing, []);
  });

  it('every flag of every command is on its README synopsis line', () => {
    const lines = synopsisLines();
    const missing: string[] = [];
    for (const entry of tree) {
      const own = lines.filter((candidate) => wordsOf(candidate, tree).join(' ') === entry.words.join(' '));
      if (own.length === 0) continue;
      const shown = own.flatMap(flagsOf);
      for (const flag of entry.flags.filter((flag) => !shown.includes(flag)))
        missing.push(`"${name(entry.words)} --help" lists ${flag}, which its README synopsis line lacks`);
    }
    assert.deepEqual(missing, []);
  });

  it('every global option is in the README ("Common options")', () => {
    const global = [...new Set(tree.flatMap((entry) => entry.global))].filter((flag) => flag !== '--version');
    const common = README.slice(README.indexOf('Common options'), README.indexOf('**Exit codes:**'));
    assert.deepEqual(
      global.filter((flag) => !common.includes(`\`${flag}`)),
      [],
      'global options --help lists that the README "Common options" paragraph does not name',
    );
  });

  it('every crosscheck command and flag the README shows exists in --help', () => {
    const unknown: string[] = [];
    for (const line of readmeCommandLines()) {
      const words = wordsOf(line, tree);
      const entry = tree.find((candidate) => candidate.words.join(' ') === words.join(' '));
      if (!entry) {
        unknown.push(`README shows "${line}": no such command in crosscheck --help`);
        continue;
      }
      const allowed = new Set([...entry.flags, ...entry.global, '--help', '--version']);
      for (const flag of flagsOf(line).filter((flag) => !allowed.has(flag)))
        unknown.push(`README shows "${line}": "${name(words)} --help" has no ${flag}`);
    }
    assert.deepEqual(unknown, []);
  });
});

describe('request counts stated in the README and the examples are what the sandbox counts', function () {
  this.timeout(60_000);
  const suite = useSandbox();
  const REPO = seed.webApp.fullName;
  const PR = seed.webApp.pullRequest;
  const CENTRAL = seed.centralChecks.fullName;

  before(() => suite.sandbox.onPipelineRun(async () => undefined));

  /** Bitbucket requests of one trigger (with --ref and --pending-key, as the examples run it). */
  async function triggerCost(): Promise<{ cost: number; run: PipelineRun }> {
    const { sandbox } = suite;
    const result = await runCrosscheck(
      [
        'trigger',
        '--json',
        '--central',
        CENTRAL,
        '--pipeline',
        'sonar-pr-check',
        '--pending-key',
        'sonar',
        '--ref',
        'main',
      ],
      {
        env: {
          ...apiTokenEnvironment(sandbox),
          BITBUCKET_REPO_FULL_NAME: REPO,
          BITBUCKET_COMMIT: PR.sourceCommit,
          BITBUCKET_BRANCH: PR.source,
          BITBUCKET_PR_ID: String(PR.id),
          BITBUCKET_PR_DESTINATION_BRANCH: PR.destination,
        },
      },
    );
    assert.equal(result.code, 0, result.stderr);
    const run = sandbox.pipelines(CENTRAL).at(-1) as PipelineRun;
    return {
      cost: (JSON.parse(result.stdout) as { requests: { bitbucket: number } }).requests.bitbucket,
      run,
    };
  }

  /** Bitbucket requests of the central sonar-gate with `flags`, on an analysis with `issues` open issues. */
  async function gateCost(run: PipelineRun, flags: string[], issues: number): Promise<number> {
    const { sandbox } = suite;
    const variables = Object.fromEntries(run.variables.map((variable) => [variable.key, variable.value]));
    const { reportTask } = sandbox.sonar.submitAnalysis({
      projectKey: 'web-app',
      pullRequest: variables.TRIGGER_PR_ID,
      revision: variables.TRIGGER_COMMIT,
      processingMs: 20,
      issues,
    });
    const folder = mkdtempSync(join(tmpdir(), 'crosscheck-readme-counts-'));
    mkdirSync(join(folder, '.scannerwork'));
    writeFileSync(join(folder, '.scannerwork', 'report-task.txt'), reportTask);
    const result = await runCrosscheck(['sonar-gate', '--json', '--no-fail', ...flags], {
      env: {
        ...apiTokenEnvironment(sandbox),
        SONAR_TOKEN: sandbox.demo.sonarToken,
        SONAR_HOST_URL: sandbox.sonarUrl,
        BITBUCKET_REPO_FULL_NAME: CENTRAL,
        ...variables,
      },
      cwd: folder,
    });
    assert.equal(result.code, 0, result.stderr);
    return (JSON.parse(result.stdout) as { requests: { bitbucket: number } }).requests.bitbucket;
  }

  it('README "Capacity": --report --annotations with 250 issues, --report alone, the bare gate', async () => {
    const stated =
      /With `--report --annotations` and 250 open issues that\s+is \*\*(\d+)\*\*[\s\S]*?`--report` alone, (\d+); the bare gate, (\d+)\./.exec(
        README,
      );
    assert.ok(
      stated,
      'the README no longer states the three costs in the sentence this test reads: update the test',
    );
    const [, both, report, bare] = stated.map(Number);
    const measured = [];
    for (const [flags, issues] of [
      [['--report', '--annotations'], 250],
      [['--report'], 250],
      [[], 250],
    ] as const) {
      const { cost, run } = await triggerCost();
      measured.push(cost + (await gateCost(run, [...flags], issues)));
    }
    assert.deepEqual(
      measured,
      [both, report, bare],
      'README "Capacity" states other counts than the sandbox counts',
    );
  });

  // A count an example states, as "N Bitbucket requests here plus M in the individual repository".
  const COUNT = /(\d+) Bitbucket requests? here plus (\d+) in the individual repository/;
  for (const example of EXAMPLES.filter((candidate) => COUNT.test(candidate.text))) {
    it(`${example.name}: the requests it says a check costs`, async () => {
      const stated = COUNT.exec(example.text) as RegExpExecArray;
      const gateLine =
        example.text
          .split('\n')
          .find((line) => !line.trim().startsWith('#') && /crosscheck sonar-gate/.test(line)) ?? '';
      const flags = flagsOf(gateLine).filter((flag) =>
        ['--report', '--annotations', '--no-pending'].includes(flag),
      );
      const { cost, run } = await triggerCost();
      const central = await gateCost(run, flags, 0);
      assert.deepEqual(
        [Number(stated[1]), Number(stated[2])],
        [central, cost],
        `${example.name} says "${stated[0]}"; the sandbox counts ${central} in the central step (sonar-gate ${flags.join(' ')}) plus ${cost} in the individual repository`,
      );
    });
  }
});
