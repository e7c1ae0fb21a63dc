// The findings' line mapping: real `git diff` output from the analysed commit to a working tree (insertions,
// deletions, changed lines, renames, deleted, binary and unchanged files), quoted paths, and unsaved edits.
import * as assert from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diffWorkingTree } from '../../src/extension/host/git-diff';
import {
  type FileChange,
  lineAfterEdits,
  mapLine,
  parseGitDiff,
  unquote,
} from '../../src/extension/model/findings-lines';

const lines = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, index) => `${prefix} ${index + 1}`).join('\n') + '\n';

describe('findings line mapping through git diff', () => {
  let root: string;
  let commit: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8').split('\n');

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'crosscheck-findings-'));
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'dev@acme.example');
    git('config', 'user.name', 'Dev');
    git('config', 'commit.gpgsign', 'false');
    write('src/app.ts', lines(30, 'app line'));
    write('src/moved.ts', lines(40, 'moved line'));
    write('src/gone.ts', lines(5, 'gone line'));
    write('src/same.ts', lines(10, 'same line'));
    write('src/odd name ü.ts', lines(10, 'odd line'));
    write('logo.bin', '\u0000\u0001binary\u0000');
    git('add', '-A');
    git('commit', '-q', '-m', 'analysed');
    commit = git('rev-parse', 'HEAD');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  async function changes(): Promise<FileChange[]> {
    const diff = await diffWorkingTree(root, commit);
    assert.ok('changes' in diff, JSON.stringify(diff));
    return diff.changes;
  }

  /** The text now at the mapped place must be the text the finding was on. */
  function assertFollows(all: FileChange[], file: string, line: number, text: string) {
    const mapped = mapLine(all, file, line);
    assert.ok('path' in mapped && mapped.line !== undefined, `${file}:${line} → ${JSON.stringify(mapped)}`);
    assert.equal(read(mapped.path)[mapped.line - 1], text, `${file}:${line} → ${mapped.path}:${mapped.line}`);
  }

  it('moves lines below insertions and deletions, drops changed lines, leaves unchanged files alone', async () => {
    const app = read('src/app.ts');
    // Three lines inserted above line 5, line 10 changed, lines 20-21 deleted, one line appended.
    const edited = [
      ...app.slice(0, 4),
      'new a',
      'new b',
      'new c',
      ...app.slice(4, 9),
      'app line 10 edited',
      ...app.slice(10, 19),
      ...app.slice(21, 30),
      'appended',
      '',
    ];
    write('src/app.ts', edited.join('\n'));
    const all = await changes();
    assertFollows(all, 'src/app.ts', 1, 'app line 1');
    assertFollows(all, 'src/app.ts', 4, 'app line 4');
    assertFollows(all, 'src/app.ts', 5, 'app line 5');
    assertFollows(all, 'src/app.ts', 9, 'app line 9');
    assert.deepEqual(mapLine(all, 'src/app.ts', 10), { unplaced: 'changed' });
    assertFollows(all, 'src/app.ts', 11, 'app line 11');
    assert.deepEqual(mapLine(all, 'src/app.ts', 20), { unplaced: 'changed' });
    assert.deepEqual(mapLine(all, 'src/app.ts', 21), { unplaced: 'changed' });
    assertFollows(all, 'src/app.ts', 22, 'app line 22');
    assertFollows(all, 'src/app.ts', 30, 'app line 30');
    assert.deepEqual(mapLine(all, 'src/same.ts', 7), { path: 'src/same.ts', line: 7 });
  });

  it('follows a renamed file (with edits), drops a deleted one, treats a changed binary as changed', async () => {
    fs.mkdirSync(path.join(root, 'lib'));
    git('mv', 'src/moved.ts', 'lib/renamed.ts');
    const moved = read('lib/renamed.ts');
    write('lib/renamed.ts', ['header', ...moved].join('\n'));
    fs.rmSync(path.join(root, 'src/gone.ts'));
    write('logo.bin', '\u0000\u0002other\u0000');
    const all = await changes();
    assertFollows(all, 'src/moved.ts', 12, 'moved line 12');
    assert.deepEqual(mapLine(all, 'src/moved.ts', undefined), { path: 'lib/renamed.ts' });
    assert.deepEqual(mapLine(all, 'src/gone.ts', 2), { unplaced: 'deleted' });
    assert.deepEqual(mapLine(all, 'logo.bin', 1), { unplaced: 'changed' });
  });

  it('reads paths git quotes (spaces, non-ASCII) and renames between them', async () => {
    git('mv', 'src/odd name ü.ts', 'src/odd "name" é.ts');
    const moved = read('src/odd "name" é.ts');
    write('src/odd "name" é.ts', ['first', ...moved].join('\n'));
    const all = await changes();
    assertFollows(all, 'src/odd name ü.ts', 3, 'odd line 3');
    assert.equal(unquote('"src/\\303\\274 \\"x\\".ts"'), 'src/ü "x".ts');
  });

  it('says when the analysed commit is not in the local repository', async () => {
    const diff = await diffWorkingTree(root, 'f'.repeat(40));
    assert.deepEqual(diff, { missingCommit: true });
  });

  it('parses hunk headers with and without counts', () => {
    const parsed = parseGitDiff(
      [
        'diff --git a/x.ts b/x.ts',
        'index 1..2 100644',
        '--- a/x.ts',
        '+++ b/x.ts',
        '@@ -3 +3 @@',
        '-old',
        '+new',
        '@@ -7,0 +8,2 @@ function f() {',
        '+a',
        '+b',
        '@@ -10,2 +12,0 @@',
        '--- not a header',
        '-y',
      ].join('\n'),
    );
    assert.deepEqual(parsed, [
      {
        oldPath: 'x.ts',
        newPath: 'x.ts',
        binary: false,
        hunks: [
          { oldStart: 3, oldCount: 1, newStart: 3, newCount: 1 },
          { oldStart: 7, oldCount: 0, newStart: 8, newCount: 2 },
          { oldStart: 10, oldCount: 2, newStart: 12, newCount: 0 },
        ],
      },
    ]);
    assert.deepEqual(mapLine(parsed, 'x.ts', 8), { path: 'x.ts', line: 10 });
    assert.deepEqual(mapLine(parsed, 'x.ts', 12), { path: 'x.ts', line: 12 });
  });
});

describe('findings line mapping through unsaved edits', () => {
  const change = (
    startLine: number,
    startCharacter: number,
    endLine: number,
    endCharacter: number,
    text: string,
  ) => ({
    startLine,
    startCharacter,
    endLine,
    endCharacter,
    text,
  });

  it('a line typed above moves the finding down, whether Enter is pressed at the start or the end of a line', () => {
    // Line 10 (1-based) is 0-based 9. Enter at the start of line 9: a new empty line above it.
    assert.equal(lineAfterEdits(10, [change(9, 0, 9, 0, '\n')]), 11);
    // Enter at the end of line 8 (0-based 7): line 8 itself is touched, the finding moves down.
    assert.equal(lineAfterEdits(10, [change(7, 12, 7, 12, '\n')]), 11);
    // Two edits in a row: a line pasted above, then a line deleted above.
    assert.equal(lineAfterEdits(10, [change(0, 0, 0, 0, 'a\nb\n'), change(3, 0, 4, 0, '')]), 11);
  });

  it('an edit on the finding line, or joining it with the line above, drops it; edits below do not move it', () => {
    assert.equal(lineAfterEdits(10, [change(9, 3, 9, 3, 'x')]), undefined);
    assert.equal(lineAfterEdits(10, [change(8, 20, 9, 0, '')]), undefined);
    assert.equal(lineAfterEdits(10, [change(12, 0, 12, 0, 'below\n')]), 10);
  });
});
