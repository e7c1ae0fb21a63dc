// Problem matchers (`::add-matcher::`, `::remove-matcher`): turn tool output lines into annotations, as GitHub's runner does.
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { AnnotationLevel } from './action-log';

/** One pattern of a matcher, as the JSON file gives it (GitHub's `IssuePatternConfig`). */
export interface MatcherPattern {
  regexp: string;
  file?: number;
  line?: number;
  column?: number;
  severity?: number;
  code?: number;
  message?: number;
  fromPath?: number;
  loop?: boolean;
}

/** One matcher (`IssueMatcherConfig`): its owner, default severity and patterns. */
export interface MatcherConfig {
  owner: string;
  severity?: string;
  pattern: MatcherPattern[];
}

/** What a matched line becomes: an annotation's fields (file relative to the workspace, when it exists there). */
export interface MatchedProblem {
  level: AnnotationLevel;
  message: string;
  owner: string;
  code?: string;
  file?: string;
  line?: number;
  column?: number;
}

/** The most of a matcher file read, and of a line matched (longer lines are printed unmatched). */
const MATCHER_FILE_LIMIT = 1024 * 1024;
const MATCHED_LINE_LIMIT = 64 * 1024;
const GROUPS = ['file', 'line', 'column', 'severity', 'code', 'message', 'fromPath'] as const;
const COLOR_CODES = /\x1b\[[0-9;]*m?/g;

/**
 * Reads and checks a problem-matcher file as the runner's `IssueMatchersConfig.Validate` does: an owner, a known
 * default severity, at least one pattern, `loop` only on the last of several, every group number within the regexp's
 * groups and set once, `message` set by some pattern, owners distinct. Property names are matched without regard to
 * case, as Newtonsoft.Json reads them. Throws an Error whose message says what is wrong.
 */
export function parseMatcherFile(text: string): MatcherConfig[] {
  const json = JSON.parse(text) as unknown;
  const list = property(json, 'problemMatcher');
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Error("'problemMatcher' must be an array");
  const owners = new Set<string>();
  return list.map((entry: unknown) => {
    const owner = property(entry, 'owner');
    if (typeof owner !== 'string' || owner === '') throw new Error('Owner must not be empty');
    const severity = property(entry, 'severity');
    if (severity !== undefined && severity !== null) {
      if (
        typeof severity !== 'string' ||
        !['', 'error', 'warning', 'notice'].includes(severity.toLowerCase())
      )
        throw new Error(
          `Matcher '${owner}' contains unexpected default severity '${JSON.stringify(severity)}'`,
        );
    }
    const patterns = property(entry, 'pattern');
    if (!Array.isArray(patterns) || patterns.length === 0)
      throw new Error(`Matcher '${owner}' does not contain any patterns`);
    const seen = new Set<string>();
    const pattern = patterns.map((raw: unknown, index) => checkPattern(raw, index, patterns.length, seen));
    if (!seen.has('message')) throw new Error("At least one pattern must set 'message'");
    if (owners.has(owner.toLowerCase())) throw new Error(`Duplicate owner name '${owner}'`);
    owners.add(owner.toLowerCase());
    return { owner, ...(typeof severity === 'string' && severity !== '' && { severity }), pattern };
  });
}

function checkPattern(raw: unknown, index: number, count: number, seen: Set<string>): MatcherPattern {
  const regexp = property(raw, 'regexp');
  if (typeof regexp !== 'string') throw new Error(`Pattern ${index + 1} has no 'regexp'`);
  let compiled: RegExp;
  try {
    compiled = new RegExp(regexp);
  } catch (error) {
    throw new Error(`Pattern ${index + 1}: ${(error as Error).message}`);
  }
  // Group 0 is the whole match: a regexp with n groups has n + 1.
  const groupCount = new RegExp(`${compiled.source}|`).exec('')!.length;
  const pattern: MatcherPattern = { regexp };
  for (const name of GROUPS) {
    const value = property(raw, name);
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value))
      throw new Error(`The property '${name}' must be a group number`);
    if (seen.has(name)) throw new Error(`The property '${name}' is set twice`);
    if (value < 0 || value >= groupCount)
      throw new Error(`The property '${name}' is set to ${value} which is out of range`);
    seen.add(name);
    pattern[name] = value;
  }
  const loop = property(raw, 'loop');
  if (loop === true) {
    if (index === 0 || index !== count - 1)
      throw new Error("Only the last pattern in a multiline matcher may set 'loop'");
    if (pattern.message === undefined) throw new Error("The loop pattern must set 'message'");
    pattern.loop = true;
  }
  return pattern;
}

/** A property of a JSON object, its name matched without regard to case. */
function property(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const key = Object.keys(value).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : (value as Record<string, unknown>)[key];
}

type Captured = Partial<Record<(typeof GROUPS)[number], string>>;

/** One matcher with its running multi-line state (`IssueMatcher`). */
class Matcher {
  private readonly regexps: RegExp[];
  private state: Array<Captured | undefined>;

  constructor(readonly config: MatcherConfig) {
    this.regexps = config.pattern.map((pattern) => new RegExp(pattern.regexp));
    this.state = [];
    this.reset();
  }

  reset(): void {
    this.state = new Array<Captured | undefined>(this.config.pattern.length - 1).fill(undefined);
  }

  /** The runner's algorithm: a single pattern matches alone; several run from the last back to the first. */
  match(line: string): Captured | undefined {
    const patterns = this.config.pattern;
    if (patterns.length === 1) {
      const found = this.regexps[0]!.exec(line);
      return found ? capture(found, patterns[0]!, undefined) : undefined;
    }
    for (let index = patterns.length - 1; index >= 0; index--) {
      const running = index > 0 ? this.state[index - 1] : undefined;
      if (index > 0 && running === undefined) continue;
      const isLast = index === patterns.length - 1;
      const found = this.regexps[index]!.exec(line);
      if (found) {
        const captured = capture(found, patterns[index]!, running);
        if (isLast) {
          this.reset();
          if (patterns[index]!.loop) this.state[index - 1] = running;
          return captured;
        }
        this.state[index] = captured;
      } else if (isLast) this.state[index - 1] = undefined;
      else this.state[index] = undefined;
    }
    return undefined;
  }
}

/** The groups a pattern names, over those an earlier pattern of the same match already captured. */
function capture(found: RegExpExecArray, pattern: MatcherPattern, running: Captured | undefined): Captured {
  const captured: Captured = { ...running };
  for (const name of GROUPS) {
    const group = pattern[name];
    if (captured[name] === undefined && group !== undefined) captured[name] = found[group] ?? '';
  }
  return captured;
}

/**
 * The job's matchers, newest first (a matcher added again replaces the one of the same owner, as GitHub's
 * `OnMatcherChanged` does). `changed` tells the caller to save `configs` to the job.
 */
export class ProblemMatchers {
  private matchers: Matcher[];
  changed = false;

  constructor(
    configs: readonly MatcherConfig[],
    private readonly workspace: string,
  ) {
    this.matchers = configs.map((config) => new Matcher(config));
  }

  get configs(): MatcherConfig[] {
    return this.matchers.map((matcher) => matcher.config);
  }

  get owners(): string[] {
    return this.matchers.map((matcher) => matcher.config.owner);
  }

  /** `::add-matcher::FILE` (relative to the workspace): returns the owners added. Throws when the file is bad. */
  addFile(file: string): string[] {
    const configs = parseMatcherFile(this.readMatcherFile(file));
    for (const config of configs) {
      const others = this.matchers.filter(
        (matcher) => matcher.config.owner.toLowerCase() !== config.owner.toLowerCase(),
      );
      this.matchers = [new Matcher(config), ...others];
    }
    if (configs.length > 0) this.changed = true;
    return configs.map((config) => config.owner);
  }

  /** `::remove-matcher owner=…::` or `::remove-matcher::FILE` (every owner in the file). */
  remove(owner: string | undefined, file: string | undefined): void {
    const owners = owner ? [owner] : parseMatcherFile(this.readMatcherFile(file ?? '')).map((c) => c.owner);
    const lower = owners.map((name) => name.toLowerCase());
    const kept = this.matchers.filter((matcher) => !lower.includes(matcher.config.owner.toLowerCase()));
    if (kept.length !== this.matchers.length) this.changed = true;
    this.matchers = kept;
  }

  /**
   * The problem a line of output shows, or undefined: colour codes stripped, the first matcher (newest first) whose
   * match makes an issue wins and the others' running matches are reset, as in the runner's OutputManager.
   */
  match(line: string): MatchedProblem | undefined {
    if (this.matchers.length === 0 || line.length > MATCHED_LINE_LIMIT) return undefined;
    const stripped = line.includes('\x1b[') ? line.replace(COLOR_CODES, '') : line;
    for (const matcher of this.matchers) {
      const captured = matcher.match(stripped);
      if (!captured) continue;
      for (const other of this.matchers) if (other !== matcher) other.reset();
      const problem = this.toProblem(captured, matcher.config);
      if (problem) return problem;
    }
    return undefined;
  }

  /** The runner's ConvertToIssue: a message is required; severity error/warning/notice; file kept when it exists. */
  private toProblem(captured: Captured, config: MatcherConfig): MatchedProblem | undefined {
    const message = captured.message;
    if (message === undefined || message.trim() === '') return undefined;
    const severity = (captured.severity || config.severity || 'error').toLowerCase();
    if (severity !== 'error' && severity !== 'warning' && severity !== 'notice') return undefined;
    const problem: MatchedProblem = { level: severity, message, owner: config.owner };
    const number = (text: string | undefined) => (text && /^\d+$/.test(text) ? Number(text) : undefined);
    const line = number(captured.line);
    const column = number(captured.column);
    if (line !== undefined) problem.line = line;
    if (column !== undefined) problem.column = column;
    if (captured.code?.trim()) problem.code = captured.code.trim();
    const file = this.workspaceFile(captured.file, captured.fromPath);
    if (file) problem.file = file;
    return problem;
  }

  /** The matched file relative to the workspace, when it exists inside it (else the runner drops it). */
  private workspaceFile(file: string | undefined, fromPath: string | undefined): string | undefined {
    if (!file?.trim()) return undefined;
    let resolved = file;
    if (fromPath?.trim() && !path.isAbsolute(resolved)) {
      const from = path.dirname(fromPath);
      if (from && from !== '.') resolved = path.join(from, resolved);
    }
    resolved = path.resolve(this.workspace, resolved);
    const relative = path.relative(this.workspace, resolved);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
    if (!existsSync(resolved) || !statSync(resolved).isFile()) return undefined;
    return relative.split(path.sep).join('/');
  }

  private readMatcherFile(file: string): string {
    if (file === '') throw new Error('File path must be specified.');
    const resolved = path.resolve(this.workspace, file);
    const size = statSync(resolved).size;
    if (size > MATCHER_FILE_LIMIT)
      throw new Error(`${file} is ${Math.ceil(size / 1024)} KiB; a problem-matcher file may hold 1024 KiB.`);
    return readFileSync(resolved, 'utf8');
  }
}
