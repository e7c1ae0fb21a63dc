// Unit tests for the file-command parsers and the per-phase files.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  FileCommandError,
  createPhaseFiles,
  parseKeyValueFile,
  parsePathFile,
  readPhaseFiles,
  refusedVariable,
} from '../../src/runner/action-engine/file-commands';

describe('parseKeyValueFile', () => {
  it('reads name=value lines, splitting on the first =', () => {
    assert.deepEqual(parseKeyValueFile('a=1\n\nb=x=y\nc=\n'), [
      ['a', '1'],
      ['b', 'x=y'],
      ['c', ''],
    ]);
  });

  it('reads heredocs as @actions/core writes them, with LF or CRLF line ends', () => {
    const delimiter = 'ghadelimiter_6f0c2e7a-0000-4000-8000-000000000000';
    const text = `multi<<${delimiter}\nfirst\n\nthird=not a pair\n${delimiter}\nempty<<EOF\nEOF\nafter=1\n`;
    assert.deepEqual(parseKeyValueFile(text), [
      ['multi', 'first\n\nthird=not a pair'],
      ['empty', ''],
      ['after', '1'],
    ]);
    assert.deepEqual(parseKeyValueFile('x<<EOF\r\na\r\nb\r\nEOF\r\n'), [['x', 'a\nb']]);
  });

  it('picks the form whose marker comes first', () => {
    assert.deepEqual(parseKeyValueFile('a=b<<c\n'), [['a', 'b<<c']]);
    assert.deepEqual(parseKeyValueFile('a<<E=\nv\nE=\n'), [['a', 'v']]);
  });

  it('accepts a delimiter on the last line without a newline', () => {
    assert.deepEqual(parseKeyValueFile('x<<EOF\nv\nEOF'), [['x', 'v']]);
  });

  it("rejects what GitHub's runner rejects, with its messages", () => {
    const cases: Array<[string, string]> = [
      ['x<<EOF\nv\n', "Invalid value. Matching delimiter not found 'EOF'"],
      ['x<<EOF\nv', 'Invalid value. EOF marker missing new line.'],
      ['<<EOF\nEOF\n', "Invalid format '<<EOF'. Name must not be empty and delimiter must not be empty"],
      ['x<<\n', "Invalid format 'x<<'. Name must not be empty and delimiter must not be empty"],
      ['=v\n', "Invalid format '=v'. Name must not be empty"],
      ['just text\n', "Invalid format 'just text'"],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parseKeyValueFile(text),
        (error: Error) => error instanceof FileCommandError && error.message === message,
        text,
      );
    }
  });
});

describe('parsePathFile', () => {
  it('keeps non-empty lines in order', () => {
    assert.deepEqual(parsePathFile('/a\n\n/b c\r\n/a\n'), ['/a', '/b c', '/a']);
  });
});

describe('phase files', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'crosscheck-files-'));
  });
  afterEach(async () => {
    await fs.rm(directory, { recursive: true, force: true });
  });

  it('creates five empty files and reads back what was appended', async () => {
    const files = await createPhaseFiles(directory);
    for (const file of Object.values(files)) assert.equal(await fs.readFile(file, 'utf8'), '');
    await fs.appendFile(files.GITHUB_OUTPUT, 'out=1\n');
    await fs.appendFile(files.GITHUB_ENV, 'E=2\nNode_Options=--inspect\n');
    await fs.appendFile(files.GITHUB_PATH, '/tools\n');
    await fs.appendFile(files.GITHUB_STATE, 's<<X\nkept\nX\n');
    await fs.appendFile(files.GITHUB_STEP_SUMMARY, '# Title\n');
    assert.deepEqual(await readPhaseFiles(files), {
      outputs: [['out', '1']],
      env: [['E', '2']],
      paths: ['/tools'],
      state: [['s', 'kept']],
      summary: '# Title\n',
      problems: [
        { message: "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.", fails: false },
      ],
    });
  });

  it('treats a deleted file as empty and reports a malformed one as failing', async () => {
    const files = await createPhaseFiles(directory);
    await fs.rm(files.GITHUB_OUTPUT);
    await fs.rm(files.GITHUB_STEP_SUMMARY);
    await fs.appendFile(files.GITHUB_STATE, 'oops\n');
    const results = await readPhaseFiles(files);
    assert.deepEqual(results.outputs, []);
    assert.equal(results.summary, '');
    assert.deepEqual(results.problems, [
      { message: "Unable to process file command 'state' successfully. Invalid format 'oops'", fails: true },
    ]);
  });

  it('refuses a file command turned into a FIFO or an endless device, without waiting or reading without end', async () => {
    const files = await createPhaseFiles(directory);
    await fs.rm(files.GITHUB_OUTPUT);
    execFileSync('mkfifo', [files.GITHUB_OUTPUT]);
    await fs.rm(files.GITHUB_ENV);
    await fs.symlink('/dev/zero', files.GITHUB_ENV);
    await fs.rm(files.GITHUB_STEP_SUMMARY);
    await fs.symlink('/dev/urandom', files.GITHUB_STEP_SUMMARY);
    await fs.writeFile(files.GITHUB_PATH, '/opt/tool/bin\n');
    const results = await readPhaseFiles(files);
    assert.deepEqual(results.outputs, []);
    assert.deepEqual(results.env, []);
    assert.deepEqual(results.paths, ['/opt/tool/bin']);
    assert.equal(results.summary, '');
    assert.deepEqual(results.problems, [
      {
        message: "Unable to process file command 'output' successfully. The file is not a regular file.",
        fails: true,
      },
      {
        message: "Unable to process file command 'env' successfully. The file is not a regular file.",
        fails: true,
      },
      { message: '$GITHUB_STEP_SUMMARY was not read: The file is not a regular file.', fails: false },
    ]);
  });
});

describe('refusedVariable', () => {
  it("refuses the runner's defaults, Crosscheck's settings and credentials, and Node.js/TLS/proxy/git transport names", () => {
    for (const name of [
      'GITHUB_SHA',
      'runner_temp',
      'BITBUCKET_API_URL',
      'BITBUCKET_COMMIT',
      'CROSSCHECK_JOB_DIR',
      'TRIGGER_COMMIT',
      'ATLASSIAN_ACCOUNT_EMAIL',
      'SONAR_TOKEN',
      'NODE_TLS_REJECT_UNAUTHORIZED',
      'NODE_EXTRA_CA_CERTS',
      'https_proxy',
      'GIT_SSH_COMMAND',
      'GIT_CONFIG_COUNT',
    ]) {
      assert.match(
        refusedVariable(name) ?? '',
        /^Can't set .* using '\$GITHUB_ENV': .*It was left out\.$/,
        name,
      );
    }
    assert.equal(
      refusedVariable('node_options'),
      "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.",
    );
    for (const name of [
      'JAVA_HOME',
      'SONAR_SCANNER_OPTS',
      'GITHUB',
      'MY_GITHUB_TOKEN',
      'NODE_ENV',
      'GIT_AUTHOR_NAME',
    ])
      assert.equal(refusedVariable(name), undefined, name);
  });
});
