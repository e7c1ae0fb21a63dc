// Unit tests for the workflow-command parser and the command processor (the masker's are in test/core/secret-masker).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { SecretMasker } from '../../src/core/secret-masker';
import {
  WorkflowCommandProcessor,
  parseWorkflowCommand,
} from '../../src/runner/action-engine/workflow-command-parser';
import { RecordingLog } from './recording-log';

describe('parseWorkflowCommand', () => {
  it('reads name, properties and data, unescaping as @actions/core escapes', () => {
    assert.deepEqual(
      parseWorkflowCommand('::error file=a%2Cb.js,line=1,title=x%3A y %25 z::100%25 done%0Anext%0D'),
      {
        name: 'error',
        properties: { file: 'a,b.js', line: '1', title: 'x: y % z' },
        data: '100% done\nnext\r',
      },
    );
  });

  it('unescapes %25 last, so escaped escapes survive', () => {
    assert.equal(parseWorkflowCommand('::debug::%250A')?.data, '%0A');
    assert.equal(parseWorkflowCommand('::warning title=%253A::x')?.properties.title, '%3A');
  });

  it('ignores leading whitespace, lower-cases property names and keeps `::` inside the data', () => {
    assert.deepEqual(parseWorkflowCommand('   ::Warning EndLine=4::a::b'), {
      name: 'Warning',
      properties: { endline: '4' },
      data: 'a::b',
    });
  });

  it('skips properties without a name or value, as the runner does', () => {
    assert.deepEqual(parseWorkflowCommand('::notice =x,y=,,line=2::m')?.properties, { line: '2' });
  });

  it('reads the legacy ##[name key=value;…]data form as the runner does, registered names only', () => {
    assert.deepEqual(
      parseWorkflowCommand('##[warning file=a.js;line=3;title=x%3By]50%AZP25 done%0Anext%5D'),
      {
        name: 'warning',
        properties: { file: 'a.js', line: '3', title: 'x;y' },
        data: '50% done\nnext]',
      },
    );
    assert.deepEqual(parseWorkflowCommand('prefix ##[add-mask]s3cret'), {
      name: 'add-mask',
      properties: {},
      data: 's3cret',
    });
    assert.equal(parseWorkflowCommand('##[section]Starting'), undefined);
    assert.equal(parseWorkflowCommand('##[error no closing bracket'), undefined);
  });

  it('returns undefined for lines that are not commands', () => {
    for (const line of ['plain text', ':: no name', '::unterminated', 'x ::error::y', '::::data']) {
      assert.equal(parseWorkflowCommand(line), undefined, line);
    }
  });
});

describe('WorkflowCommandProcessor', () => {
  function processor(
    options: { debug?: boolean; allowUnsecureCommands?: boolean; allowUnsecureStopTokens?: boolean } = {},
  ) {
    const log = new RecordingLog();
    const masker = new SecretMasker();
    const commands = new WorkflowCommandProcessor({
      log,
      masker,
      debug: options.debug ?? false,
      workspace: path.resolve('/work/space'),
      allowUnsecureCommands: options.allowUnsecureCommands ?? false,
      allowUnsecureStopTokens: options.allowUnsecureStopTokens ?? false,
    });
    commands.beginPhase('main');
    return { log, commands };
  }

  it('corrects line and column properties as GitHub does', () => {
    const { commands } = processor();
    const positions = [
      '::error endLine=5::only an end line',
      '::error line=2,endColumn=8::only an end column',
      '::error col=3::a column without a line',
      '::error line=1,endLine=3,col=2,endColumn=4::columns across lines',
      '::error line=5,endLine=3::end before start',
      '::error line=x,col=2::not a number',
    ];
    for (const line of positions) commands.processLine(line, 'stdout');
    assert.deepEqual(
      commands.annotations.map(({ line, endLine, column, endColumn }) => ({
        line,
        endLine,
        column,
        endColumn,
      })),
      [
        { line: 5, endLine: 5, column: undefined, endColumn: undefined },
        { line: 2, endLine: undefined, column: 8, endColumn: 8 },
        { line: undefined, endLine: undefined, column: undefined, endColumn: undefined },
        { line: 1, endLine: 3, column: undefined, endColumn: undefined },
        { line: undefined, endLine: undefined, column: undefined, endColumn: undefined },
        { line: undefined, endLine: undefined, column: undefined, endColumn: undefined },
      ],
    );
  });

  it('reports files inside the workspace relative to it and leaves others alone', () => {
    const { commands } = processor();
    commands.processLine(`::warning file=${path.resolve('/work/space/src/a.ts')}::inside`, 'stdout');
    commands.processLine(`::warning file=${path.resolve('/elsewhere/b.ts')}::outside`, 'stdout');
    assert.deepEqual(
      commands.annotations.map((a) => a.file),
      ['src/a.ts', path.resolve('/elsewhere/b.ts')],
    );
  });

  it('prints unknown commands as plain lines and masks what add-mask registered', () => {
    const { log, commands } = processor();
    commands.processLine('::add-mask::s3cret', 'stdout');
    commands.processLine('::made-up::s3cret', 'stderr');
    commands.processLine('::add-mask::  ', 'stdout');
    assert.deepEqual(log.lines(), ['::made-up::***']);
    assert.equal(
      commands.annotations[0]?.message,
      "Can't add secret mask for empty string in ##[add-mask] command.",
    );
  });

  it('fails the phase for a command it cannot process and tells which one', () => {
    const { commands } = processor();
    commands.processLine('::set-output::no name', 'stdout');
    commands.processLine('::echo::maybe', 'stdout');
    const effects = commands.endPhase();
    assert.equal(effects.failed, true);
    assert.deepEqual(
      commands.annotations.map((a) => a.message).filter((m) => m.startsWith('Unable')),
      [
        "Unable to process command '::set-output::no name' successfully. Required field 'name' is missing in ##[set-output] command.",
        "Unable to process command '::echo::maybe' successfully. Invalid echo command value. Possible values can be: 'on', 'off'. Current value is: 'maybe'.",
      ],
    );
  });

  it('applies ::set-env:: and ::add-path:: only when unsecure commands are allowed, never for NODE_OPTIONS', () => {
    const { commands } = processor({ allowUnsecureCommands: true });
    commands.processLine('::set-env name=A::1', 'stdout');
    commands.processLine('::set-env name=node_options::--inspect', 'stdout');
    commands.processLine('::add-path::/opt/bin', 'stdout');
    const effects = commands.endPhase();
    assert.deepEqual([...effects.env], [['A', '1']]);
    assert.deepEqual(effects.paths, ['/opt/bin']);
    assert.equal(effects.failed, false);
    assert.deepEqual(
      commands.annotations.map((a) => a.message),
      ["Can't update NODE_OPTIONS environment variable using ::set-env:: command."],
    );
  });

  it('accepts any stop token when ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS allows it, resuming case-insensitively', () => {
    const { log, commands } = processor({ allowUnsecureStopTokens: true });
    commands.processLine('::stop-commands::Error', 'stdout');
    commands.processLine('::warning::ignored', 'stdout');
    commands.processLine('::ERROR::', 'stdout');
    commands.processLine('::warning::seen', 'stdout');
    assert.deepEqual(log.lines(), ['::stop-commands::Error', '::warning::ignored', '::ERROR::']);
    assert.deepEqual(
      commands.annotations.map((a) => a.message),
      ['seen'],
    );
  });
});
