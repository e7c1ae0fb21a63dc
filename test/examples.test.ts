// The ready-made bitbucket-pipelines.yml files (only real commands, options, variables, pinned versions) and the demo playing their story.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { triggerVariables } from '../src/core/central-check';
import { ENVIRONMENT_NAMES } from '../src/core/credentials';
import { runCli } from '../src/runner/program';
import { allCommands } from '../src/runner/registrations';
import { processContext, type RunnerContext } from '../src/runner/context';
import { REPO_ROOT, runCrosscheck } from './support/cli';

const CENTRAL = readExample('central');
const INDIVIDUAL = readExample('individual');

/** Variables Bitbucket Pipelines itself sets that the examples may use. */
const PIPELINES_VARIABLES = [
  'BITBUCKET_WORKSPACE',
  'BITBUCKET_REPO_FULL_NAME',
  'BITBUCKET_COMMIT',
  'BITBUCKET_BRANCH',
  'BITBUCKET_PR_ID',
  'BITBUCKET_PR_DESTINATION_BRANCH',
  'BITBUCKET_BUILD_NUMBER',
  'BITBUCKET_CLONE_DIR',
  'BITBUCKET_EXIT_CODE',
];
const TRIGGER_VARIABLES = triggerVariables(
  {
    repo: { workspace: 'acme', slug: 'web-app' },
    commit: 'a'.repeat(40),
    branch: 'feature/login',
    pullRequestId: 7,
    destinationBranch: 'main',
  },
  [],
  'sonar',
).map((variable) => variable.key);

/** Plausible values a pipeline would have, to run each crosscheck line through the real CLI. */
const VALUES: Readonly<Record<string, string>> & { readonly BITBUCKET_CLONE_DIR: string } = {
  BITBUCKET_WORKSPACE: 'acme',
  BITBUCKET_REPO_FULL_NAME: 'acme/web-app',
  BITBUCKET_COMMIT: 'b'.repeat(40),
  BITBUCKET_BRANCH: 'feature/login',
  BITBUCKET_PR_ID: '7',
  BITBUCKET_PR_DESTINATION_BRANCH: 'main',
  BITBUCKET_BUILD_NUMBER: '12',
  BITBUCKET_CLONE_DIR: '/opt/atlassian/pipelines/agent/build',
  BITBUCKET_EXIT_CODE: '1',
  TRIGGER_REPO: 'acme/web-app',
  TRIGGER_COMMIT: 'c'.repeat(40),
  TRIGGER_BRANCH: 'feature/login',
  TRIGGER_PR_ID: '7',
  TRIGGER_DESTINATION_BRANCH: 'main',
  TRIGGER_PENDING_KEY: 'sonar',
  SONAR_HOST_URL: 'https://sonar.example.com',
};

interface Example {
  name: string;
  text: string;
  yaml: { pipelines: Record<string, unknown> };
  /** Every script and after-script line of every step. */
  lines: string[];
  /** The variables the header comment tells users to set. */
  documented: string[];
}

describe('examples/*/bitbucket-pipelines.yml', () => {
  it('the individual repository runs crosscheck trigger on every pull request', () => {
    const steps = INDIVIDUAL.yaml.pipelines['pull-requests'] as Record<string, unknown>;
    assert.ok(steps && '**' in steps, 'a pull-requests: "**" pipeline');
    assert.equal(
      invocations(INDIVIDUAL)
        .map((words) => words[1])
        .join(),
      'trigger',
    );
  });

  it('the individual repository starts a custom pipeline the central repository has, which declares the TRIGGER_* variables', () => {
    const trigger = invocations(INDIVIDUAL).find((words) => words[1] === 'trigger') as string[];
    const pipeline = trigger[trigger.indexOf('--pipeline') + 1];
    assert.ok(pipeline, 'trigger names a --pipeline');
    const custom = CENTRAL.yaml.pipelines.custom as Record<
      string,
      Array<{ variables?: Array<{ name: string }> }>
    >;
    const entries = custom[pipeline];
    assert.ok(entries, `central has custom pipeline ${pipeline}`);
    const declared = entries.flatMap((entry) => entry.variables ?? []).map((variable) => variable.name);
    assert.deepEqual(declared, TRIGGER_VARIABLES);
    assert.ok(
      invocations(CENTRAL).some((words) => words[1] === 'sonar-gate'),
      'the central pipeline runs sonar-gate',
    );
  });

  for (const example of [INDIVIDUAL, CENTRAL]) {
    it(`${example.name}: uses only variables Bitbucket sets, trigger passes, or the header documents`, () => {
      // Lower-case names are the script's own shell variables.
      const used = new Set(
        [...example.lines.join('\n').matchAll(/\$\{?([A-Z_][A-Z0-9_]*)\b/g)].map((match) => match[1]!),
      );
      const known = new Set([...PIPELINES_VARIABLES, ...TRIGGER_VARIABLES, ...example.documented]);
      assert.deepEqual(
        [...used].filter((name) => !known.has(name)),
        [],
      );
    });

    it(`${example.name}: documents only variables Crosscheck or the scanner read, or its own lines use`, async () => {
      const help = await cli(['sonar-gate', '--help'], {}, tmpdir());
      const read = new Set([
        ...Object.values(ENVIRONMENT_NAMES),
        ...['SONAR_TOKEN', 'SONAR_HOST_URL'].filter((name) => help.stdout.includes(name)),
        ...[...example.lines.join('\n').matchAll(/\$\{?([A-Z_][A-Z0-9_]*)\b/g)].map((match) => match[1]!),
      ]);
      assert.ok(example.documented.length > 0, 'the header lists the variables to set');
      assert.deepEqual(
        example.documented.filter((name) => !read.has(name)),
        [],
      );
    });

    it(`${example.name}: every crosscheck line parses and validates in the real CLI (stopping only for credentials)`, async () => {
      const lines = invocations(example);
      assert.ok(lines.length > 0);
      const folder = mkdtempSync(join(tmpdir(), 'crosscheck-example-'));
      // sonar-gate reads the scanner's report before anything else: where the scanner writes it by default, and at
      // the clone folder (outside the checkout), where the central example has it written.
      const reportTask = 'projectKey=web-app\nserverUrl=https://sonar.example.com\nceTaskId=AZexample\n';
      mkdirSync(join(folder, '.scannerwork'));
      writeFileSync(join(folder, '.scannerwork', 'report-task.txt'), reportTask);
      writeFileSync(join(folder, 'report-task.txt'), reportTask);
      // The central example's gate step reads the analyse step's artifact.
      mkdirSync(join(folder, 'analysis'));
      writeFileSync(join(folder, 'analysis', 'report-task.txt'), reportTask);
      for (const line of lines) {
        const words = line.map((word) => word.replace(VALUES.BITBUCKET_CLONE_DIR, folder));
        const result = await cli(words.slice(1), VALUES, folder);
        assert.equal(result.code, 2, `${words.join(' ')}\n${result.stderr}`);
        assert.match(
          result.stderr,
          /No Bitbucket credential found/,
          `${words.join(' ')} stopped for another reason:\n${result.stderr}`,
        );
      }
    });
  }
});

describe('pinned versions in the examples and the README', () => {
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
  const documents = [
    { name: 'README.md', text: readFileSync(join(REPO_ROOT, 'README.md'), 'utf8') },
    ...[INDIVIDUAL, CENTRAL].map((example) => ({ name: example.name, text: example.text })),
  ];

  it('every example runs on node:24 and installs crosscheck at the exact version of package.json', () => {
    for (const example of [INDIVIDUAL, CENTRAL]) {
      assert.equal((example.yaml as { image?: unknown }).image, 'node:24', example.name);
    }
    assert.ok(
      INDIVIDUAL.lines.some((line) => line.includes(`crosscheck@${version}`)),
      `${INDIVIDUAL.name} installs crosscheck@${version}`,
    );
  });

  it('the central example installs the release tarball of this version, checked against its sha256, outside any tree', () => {
    const install = CENTRAL.lines.find((line) => line.includes('.tgz')) ?? '';
    const tarballs = [...CENTRAL.text.matchAll(/crosscheck-(\d[\w.-]*?)\.tgz/g)].map((match) => match[1]);
    assert.ok(tarballs.length > 0, 'names the release tarball');
    assert.deepEqual(
      tarballs.filter((found) => found !== version),
      [],
      `package.json says ${version}`,
    );
    assert.deepEqual(
      [...CENTRAL.text.matchAll(/releases\/download\/v([\w.-]+)\//g)]
        .map((match) => match[1])
        .filter((tag) => tag !== version),
      [],
    );
    assert.match(
      install,
      new RegExp(`crosscheck --version 2>/dev/null\\)" = "${version.replace(/\./g, '\\.')}"`),
    );
    assert.match(install, /sha256sum -c - &&/);
    assert.match(
      install,
      /\(cd \/ && NPM_CONFIG_USERCONFIG=\/dev\/null npm install --global --ignore-scripts/,
    );
    // No npx, and no registry install of crosscheck (the package is not on the public registry).
    assert.doesNotMatch(CENTRAL.lines.join('\n'), /\bnpx\b|npm install[^\n]*\bcrosscheck@/);
  });

  for (const { name, text } of documents) {
    it(`${name}: every crosscheck version, action tag and Node image is the current one`, () => {
      const pinned = [...text.matchAll(/\bcrosscheck@v?(\d[\w.-]*)/g)].map((match) => match[1]);
      assert.ok(name !== 'README.md' || pinned.length > 0, 'the README pins the version it documents');
      assert.deepEqual(
        pinned.filter((found) => found !== version),
        [],
        `package.json says ${version}`,
      );
      assert.deepEqual(
        [...text.matchAll(/image: (node:[\w.-]+)/g)]
          .map((match) => match[1])
          .filter((image) => image !== 'node:24'),
        [],
      );
    });

    it(`${name}: never installs or runs a package without a version`, () => {
      const unpinned = [
        ...text.matchAll(
          /\b(?:npx(?: --yes| -y)*|npm (?:install|i)(?: --global| -g)?) +((?:@[\w.-]+\/)?[\w.-]+)(@[^\s`]*)?/g,
        ),
      ]
        .filter((match) => !/^\.|^-/.test(match[1]!) && !match[2])
        .map((match) => match[0]);
      assert.deepEqual(unpinned, []);
    });
  }

  it('CHANGELOG.md starts with this version under Unreleased, in Keep a Changelog form', () => {
    const headings = [
      ...readFileSync(join(REPO_ROOT, 'CHANGELOG.md'), 'utf8').matchAll(/^## \[([^\]]+)\](?: - (\S+))?$/gm),
    ];
    assert.equal(headings[0]?.[1], 'Unreleased');
    assert.equal(headings[1]?.[1], version);
    assert.match(headings[1]?.[2] ?? '', /^\d{4}-\d{2}-\d{2}$/);
  });
});

describe('crosscheck demo', () => {
  it("plays the examples' story on a sandbox: trigger, gate FAILED with reasons, fix, SUCCESSFUL, merge check passes", async () => {
    const result = await runCrosscheck(['demo', '--analysis-ms', '300']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const story = result.stdout;
    const order = [
      /\$ crosscheck trigger --central acme\/central-checks --pipeline sonar-pr-check --pending-key sonar/,
      /INPROGRESS sonar SonarQube/,
      /\$ crosscheck sonar-gate/,
      /✗ FAILED sonar on acme\/web-app@\w+: Quality gate failed: Coverage on New Code 62\.5% < 80%; New Bugs 3 > 0/,
      /The merge check would block: SonarQube \(FAILED\)/,
      /✓ SUCCESSFUL sonar on acme\/web-app@\w+: Quality gate passed/,
      /the merge check would pass/,
    ];
    let from = 0;
    for (const step of order) {
      const found = step.exec(story.slice(from));
      assert.ok(found, `${step} after position ${from} in:\n${story}`);
      from += found.index + found[0].length;
    }
  });
});

function readExample(name: string): Example {
  const text = readFileSync(join(REPO_ROOT, 'examples', name, 'bitbucket-pipelines.yml'), 'utf8');
  const yaml = parse(text) as Example['yaml'];
  const lines: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'script' || key === 'after-script') && Array.isArray(value))
          lines.push(...value.map(String));
        else visit(value);
      }
    }
  };
  visit(yaml.pipelines);
  const documented = [...text.matchAll(/^#\s+- ([A-Z][A-Z0-9_]*):/gm)].map((match) => match[1]!);
  return { name, text, yaml, lines, documented };
}

/** The crosscheck commands of an example's scripts, as words after shell quoting and variable expansion. */
function invocations(example: Example): string[][] {
  return example.lines
    .flatMap((line) => line.split(/;|&&|\|\||\bthen\b|\belse\b/))
    .map((segment) => shellWords(segment.trim()))
    .filter((words) => words[0] === 'crosscheck');
}

/** Splits a simple shell command into words: quotes, backslashes, $VAR, ${VAR} and ${VAR#pattern} expansion. */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < command.length; index++) {
    const char = command[index]!; // index < command.length
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word = (word ?? '') + char;
    } else if (char === "'" && !quote) {
      quote = "'";
      word ??= '';
    } else if (char === '"') {
      quote = quote ? undefined : '"';
      word ??= '';
    } else if (char === '$') {
      const match =
        /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(#[^}]*)|:-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*)|([?@(]))/.exec(
          command.slice(index),
        );
      if (!match) throw new Error(`cannot expand at ${command.slice(index)}`);
      if (match[5]) {
        // $?, $@ and $( stay as they are: no crosscheck argument is made of them.
        word = (word ?? '') + match[0];
        continue;
      }
      const name = (match[1] ?? match[4])!; // one of the two alternatives matched
      // Unknown variables are reported by the variables test; here they only need to stay visible.
      let value = VALUES[name] ?? match[3] ?? `<${name}>`;
      if (match[2])
        value = value.replace(
          new RegExp(`^${match[2].slice(1).replace(/\*/g, '.*?').replace(/\//g, '\\/')}`),
          '',
        );
      word = (word ?? '') + value;
      index += match[0].length - 1;
    } else if (/\s/.test(char) && !quote) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

async function cli(
  argv: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const context: RunnerContext = {
    ...processContext(),
    env,
    cwd,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  };
  const code = await runCli(argv, context, allCommands);
  return { code, stdout, stderr };
}
