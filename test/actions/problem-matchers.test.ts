// Unit tests for problem matchers: the runner's validation, single and multi-line matching, and the processor's commands.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SecretMasker } from '../../src/core/secret-masker';
import { parseMatcherFile, ProblemMatchers } from '../../src/runner/action-engine/problem-matchers';
import { WorkflowCommandProcessor } from '../../src/runner/action-engine/workflow-command-parser';
import { RecordingLog } from './recording-log';

/** setup-node's tsc matcher (actions/setup-node .github/tsc.json). */
const TSC = {
  problemMatcher: [
    {
      owner: 'tsc',
      pattern: [
        {
          regexp:
            '^([^\\s].*)[\\(:](\\d+)[,:](\\d+)(?:\\):\\s+|\\s+-\\s+)(error|warning|info)\\s+TS(\\d+)\\s*:\\s*(.*)$',
          file: 1,
          line: 2,
          column: 3,
          severity: 4,
          code: 5,
          message: 6,
        },
      ],
    },
  ],
};

/** setup-node's eslint-stylish matcher: a file line, then one line per problem (`loop`). */
const ESLINT_STYLISH = {
  problemMatcher: [
    {
      owner: 'eslint-stylish',
      pattern: [
        { regexp: '^([^\\s].*)$', file: 1 },
        {
          regexp: '^\\s+(\\d+):(\\d+)\\s+(error|warning|info)\\s+(.*)\\s\\s+(.*)$',
          line: 1,
          column: 2,
          severity: 3,
          message: 4,
          code: 5,
          loop: true,
        },
      ],
    },
  ],
};

describe('problem matchers', () => {
  let workspace: string;

  beforeEach(async () => {
    workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'crosscheck-matchers-'));
    await fs.mkdir(path.join(workspace, 'src'));
    await fs.writeFile(path.join(workspace, 'src', 'a.ts'), 'let x: number = "no";\n');
    await fs.writeFile(path.join(workspace, 'src', 'b.js'), 'x\n');
    await fs.writeFile(path.join(workspace, 'tsc.json'), JSON.stringify(TSC));
    await fs.writeFile(path.join(workspace, 'eslint.json'), JSON.stringify(ESLINT_STYLISH));
  });

  afterEach(() => fs.rm(workspace, { recursive: true, force: true }));

  function processor() {
    const log = new RecordingLog();
    const matchers = new ProblemMatchers([], workspace);
    const commands = new WorkflowCommandProcessor({
      log,
      masker: new SecretMasker(),
      debug: false,
      workspace,
      allowUnsecureCommands: false,
      allowUnsecureStopTokens: false,
      matchers,
    });
    commands.beginPhase('main');
    return { log, commands, matchers };
  }

  it('validates a file as the runner does', () => {
    const bad = (config: unknown) => () => parseMatcherFile(JSON.stringify({ problemMatcher: [config] }));
    assert.throws(bad({ pattern: [{ regexp: 'x', message: 0 }] }), /Owner must not be empty/);
    assert.throws(bad({ owner: 'a', pattern: [] }), /does not contain any patterns/);
    assert.throws(bad({ owner: 'a', severity: 'fatal', pattern: [{ regexp: 'x', message: 0 }] }), /severity/);
    assert.throws(bad({ owner: 'a', pattern: [{ regexp: '(x)' }] }), /must set 'message'/);
    assert.throws(bad({ owner: 'a', pattern: [{ regexp: '(x)', message: 2 }] }), /out of range/);
    assert.throws(bad({ owner: 'a', pattern: [{ regexp: '(x)', message: 1, loop: true }] }), /loop/);
    assert.throws(
      bad({
        owner: 'a',
        pattern: [
          { regexp: '(x)', message: 1 },
          { regexp: '(y)', message: 1 },
        ],
      }),
      /set twice/,
    );
    assert.throws(
      () =>
        parseMatcherFile(
          JSON.stringify({
            problemMatcher: [
              { owner: 'a', pattern: [{ regexp: '(x)', message: 1 }] },
              { Owner: 'A', Pattern: [{ Regexp: '(x)', Message: 1 }] },
            ],
          }),
        ),
      /Duplicate owner name 'A'/,
    );
  });

  it("turns tsc output into annotations on workspace files, drops files that do not exist and 'info'", () => {
    const { commands, log } = processor();
    commands.processLine('::add-matcher::tsc.json', 'stdout');
    commands.processLine(
      "src/a.ts(1,5): error TS2322: Type 'string' is not assignable to type 'number'.",
      'stdout',
    );
    commands.processLine(
      '\x1b[96msrc/a.ts\x1b[0m:1:5 - \x1b[91merror\x1b[0m TS2304: Cannot find name.',
      'stdout',
    );
    commands.processLine('gone.ts(3,1): warning TS1: from a file that is not there', 'stdout');
    commands.processLine('src/a.ts(2,1): info TS9: not a severity GitHub knows', 'stdout');
    commands.processLine('plain output', 'stdout');
    assert.deepEqual(
      commands.annotations.map(({ level, file, line, column, title, message, source }) => ({
        level,
        file,
        line,
        column,
        title,
        message,
        source,
      })),
      [
        {
          level: 'error',
          file: 'src/a.ts',
          line: 1,
          column: 5,
          title: '2322',
          message: "Type 'string' is not assignable to type 'number'.",
          source: 'action',
        },
        {
          level: 'error',
          file: 'src/a.ts',
          line: 1,
          column: 5,
          title: '2304',
          message: 'Cannot find name.',
          source: 'action',
        },
        {
          level: 'warning',
          file: undefined,
          line: 3,
          column: 1,
          title: '1',
          message: 'from a file that is not there',
          source: 'action',
        },
      ],
    );
    assert.ok(log.entries.includes('stdout: plain output'));
  });

  it('matches multi-line eslint output with loop, each problem under the file line before it', () => {
    const { commands } = processor();
    commands.processLine('::add-matcher::eslint.json', 'stdout');
    for (const line of [
      path.join(workspace, 'src', 'b.js'),
      "  1:1  error    'x' is not defined  no-undef",
      '  2:3  warning  Unexpected console statement  no-console',
      '',
      '✖ 2 problems (1 error, 1 warning)',
    ])
      commands.processLine(line, 'stdout');
    assert.deepEqual(
      commands.annotations.map(({ level, file, line, column, message, title }) => [
        level,
        file,
        line,
        column,
        message,
        title,
      ]),
      [
        ['error', 'src/b.js', 1, 1, "'x' is not defined", 'no-undef'],
        ['warning', 'src/b.js', 2, 3, 'Unexpected console statement', 'no-console'],
      ],
    );
  });

  it('replaces a matcher added again, removes by owner or file, and keeps a fromPath-relative file', async () => {
    const { commands, matchers } = processor();
    commands.processLine('::add-matcher::tsc.json', 'stdout');
    commands.processLine('::add-matcher::eslint.json', 'stdout');
    commands.processLine('::add-matcher::tsc.json', 'stdout');
    assert.deepEqual(matchers.owners, ['tsc', 'eslint-stylish']);
    commands.processLine('::remove-matcher owner=TSC::', 'stdout');
    assert.deepEqual(matchers.owners, ['eslint-stylish']);
    commands.processLine('::remove-matcher::eslint.json', 'stdout');
    assert.deepEqual(matchers.owners, []);
    await fs.writeFile(
      path.join(workspace, 'from.json'),
      JSON.stringify({
        problemMatcher: [
          {
            owner: 'proj',
            severity: 'warning',
            pattern: [{ regexp: '^(\\S+) in (\\S+): (.*)$', file: 1, fromPath: 2, message: 3 }],
          },
        ],
      }),
    );
    commands.processLine('::add-matcher::from.json', 'stdout');
    commands.processLine('a.ts in src/tsconfig.json: from the project', 'stdout');
    assert.deepEqual(
      commands.annotations.map(({ level, file, message }) => ({ level, file, message })),
      [{ level: 'warning', file: 'src/a.ts', message: 'from the project' }],
    );
  });

  it('fails the command for a bad file and warns when remove-matcher names nothing', () => {
    const { commands } = processor();
    commands.processLine('::add-matcher::missing.json', 'stdout');
    commands.processLine('::remove-matcher::', 'stdout');
    assert.equal(commands.endPhase().failed, true);
    assert.match(commands.annotations[0]!.message, /Unable to process command '::add-matcher::missing.json'/);
    assert.match(commands.annotations[1]!.message, /Either an owner name or a file path must be specified/);
  });
});
