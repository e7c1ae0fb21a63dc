// Where a line of the analysed commit is now: through `git diff -U0 -M <commit>` (renames, insertions, deletions; a
// changed line is dropped) and then through the unsaved edits of an open document.

/** One hunk of a zero-context diff: `@@ -oldStart,oldCount +newStart,newCount @@` (1-based; a count may be 0). */
export interface Hunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
}

/** One file of the diff. `oldPath` undefined: added; `newPath` undefined: deleted. Paths are repository-relative. */
export interface FileChange {
  oldPath?: string;
  newPath?: string;
  hunks: Hunk[];
  /** Git could not compare the contents (binary): every line counts as changed. */
  binary: boolean;
}

/** Why a finding could not be placed. */
export type Unplaced = 'changed' | 'deleted';

export type MappedLine = { path: string; line?: number } | { unplaced: Unplaced };

/**
 * Parses `git diff --no-color --no-ext-diff -U0 -M --src-prefix=a/ --dst-prefix=b/` output. Paths git quoted (C-style,
 * for unusual characters) are unquoted.
 */
export function parseGitDiff(text: string): FileChange[] {
  const files: FileChange[] = [];
  let current: (FileChange & { headerPath?: string }) | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ')) {
      current = { hunks: [], binary: false, headerPath: headerPath(line.slice('diff --git '.length)) };
      current.oldPath = current.headerPath;
      current.newPath = current.headerPath;
      files.push(current);
      continue;
    }
    if (!current) continue;
    if (line.startsWith('@@')) {
      const match = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (match) {
        current.hunks.push({
          oldStart: Number(match[1]),
          oldCount: match[2] === undefined ? 1 : Number(match[2]),
          newStart: Number(match[3]),
          newCount: match[4] === undefined ? 1 : Number(match[4]),
        });
      }
      continue;
    }
    if (current.hunks.length > 0) continue;
    if (line.startsWith('rename from ')) current.oldPath = unquote(line.slice('rename from '.length));
    else if (line.startsWith('rename to ')) current.newPath = unquote(line.slice('rename to '.length));
    else if (line.startsWith('new file mode')) current.oldPath = undefined;
    else if (line.startsWith('deleted file mode')) current.newPath = undefined;
    else if (line.startsWith('--- ')) current.oldPath = sidePath(line.slice(4), 'a/');
    else if (line.startsWith('+++ ')) current.newPath = sidePath(line.slice(4), 'b/');
    else if (line.startsWith('Binary files ')) current.binary = true;
  }
  return files.map(({ oldPath, newPath, hunks, binary }) => ({ oldPath, newPath, hunks, binary }));
}

/** Where `path` at `line` (1-based; undefined for the whole file) of the analysed commit is in the working tree. */
export function mapLine(changes: readonly FileChange[], path: string, line: number | undefined): MappedLine {
  const change = changes.find((candidate) => candidate.oldPath === path);
  if (!change) return { path, line };
  if (change.newPath === undefined) return { unplaced: 'deleted' };
  if (line === undefined) return { path: change.newPath };
  if (change.binary) return { unplaced: 'changed' };
  let shift = 0;
  for (const hunk of change.hunks) {
    if (hunk.oldCount === 0) {
      // Pure insertion after line oldStart.
      if (hunk.oldStart < line) shift += hunk.newCount;
      continue;
    }
    const last = hunk.oldStart + hunk.oldCount - 1;
    if (line >= hunk.oldStart && line <= last) return { unplaced: 'changed' };
    if (last < line) shift += hunk.newCount - hunk.oldCount;
  }
  return { path: change.newPath, line: line + shift };
}

/** One change of an open document's text, as VS Code reports it (0-based positions, the text put in their place). */
export interface TextChange {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
  text: string;
}

/**
 * Where a 1-based line of the saved file is after the document's unsaved changes (in the order they were made), or
 * undefined when a change touched it. A change that replaces whole lines (from column 0 to column 0) touches only
 * those lines, so typing a new line above a finding moves it down instead of dropping it.
 */
export function lineAfterEdits(line: number, changes: readonly TextChange[]): number | undefined {
  let at = line - 1;
  for (const change of changes) {
    const added = change.text.split('\n').length - 1;
    const wholeLines = change.startCharacter === 0 && change.endCharacter === 0 && change.text.endsWith('\n');
    const pureDeletion = change.startCharacter === 0 && change.endCharacter === 0 && change.text === '';
    if (wholeLines || pureDeletion) {
      // Lines startLine…endLine-1 are replaced by `added` lines.
      if (at < change.startLine) continue;
      if (at < change.endLine) return undefined;
      at += added - (change.endLine - change.startLine);
      continue;
    }
    if (at < change.startLine) continue;
    if (at <= change.endLine) return undefined;
    at += added - (change.endLine - change.startLine);
  }
  return at + 1;
}

/** The path of `diff --git a/X b/X` (both sides are the same unless renamed, which later lines tell). */
function headerPath(rest: string): string | undefined {
  if (rest.startsWith('"')) {
    const first = readQuoted(rest);
    return first ? stripPrefix(first.value, 'a/') : undefined;
  }
  // `a/P b/P`: both halves have the same length.
  const length = (rest.length - 5) / 2;
  if (!Number.isInteger(length) || length < 1) return undefined;
  const a = rest.slice(2, 2 + length);
  return rest === `a/${a} b/${a}` ? a : undefined;
}

function sidePath(text: string, prefix: string): string | undefined {
  const value = unquote(text.replace(/\t$/, ''));
  return value === '/dev/null' ? undefined : stripPrefix(value, prefix);
}

function stripPrefix(value: string, prefix: string): string {
  return value.startsWith(prefix) ? value.slice(prefix.length) : value;
}

/** A path as git prints it: as is, or in double quotes with C escapes (octal bytes of UTF-8 included). */
export function unquote(text: string): string {
  if (!text.startsWith('"')) return text;
  return readQuoted(text)?.value ?? text;
}

const ESCAPES = new Map(Object.entries({ n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '"': 34, '\\': 92 }));

function readQuoted(text: string): { value: string; end: number } | undefined {
  const bytes: number[] = [];
  for (let index = 1; index < text.length; index++) {
    const char = text[index] ?? '';
    if (char === '"') return { value: Buffer.from(bytes).toString('utf8'), end: index + 1 };
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
      continue;
    }
    const next = text[index + 1] ?? '';
    const octal = /^[0-7]{3}/.exec(text.slice(index + 1));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      index += 3;
    } else {
      bytes.push(ESCAPES.get(next) ?? next.charCodeAt(0));
      index += 1;
    }
  }
  return undefined;
}
