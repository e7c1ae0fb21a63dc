// File commands (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STATE, GITHUB_STEP_SUMMARY): per-phase files and their parsers.
import { closeSync, constants, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** A file command's content broke the documented format; GitHub fails the step for that. */
export class FileCommandError extends Error {
  override readonly name = 'FileCommandError';
}

/**
 * Parses a GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE file as GitHub's runner does (`EnvFileKeyValuePairs`):
 * blank lines skipped; `name=value` (split on the first `=`) or `name<<DELIMITER` followed by value lines and a line
 * holding exactly the delimiter. Line ends may be LF or CRLF. Later entries do not remove earlier ones: the caller
 * applies them in order.
 */
export function parseKeyValueFile(text: string): Array<[string, string]> {
  const lines = splitLines(text)[Symbol.iterator]();
  const pairs: Array<[string, string]> = [];
  for (const { content: line } of lines) {
    if (line === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      const name = line.slice(0, equals);
      if (name === '') throw new FileCommandError(`Invalid format '${line}'. Name must not be empty`);
      pairs.push([name, line.slice(equals + 1)]);
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (name === '' || delimiter === '') {
        throw new FileCommandError(
          `Invalid format '${line}'. Name must not be empty and delimiter must not be empty`,
        );
      }
      const value: string[] = [];
      for (;;) {
        const next = lines.next();
        if (next.done) {
          throw new FileCommandError(`Invalid value. Matching delimiter not found '${delimiter}'`);
        }
        if (next.value.content === delimiter) break;
        if (!next.value.terminated) throw new FileCommandError('Invalid value. EOF marker missing new line.');
        value.push(next.value.content);
      }
      pairs.push([name, value.join('\n')]);
    } else {
      throw new FileCommandError(`Invalid format '${line}'`);
    }
  }
  return pairs;
}

/** Parses a GITHUB_PATH file: one directory per non-empty line. */
export function parsePathFile(text: string): string[] {
  const entries = splitLines(text)
    .map((line) => line.content)
    .filter((line) => line !== '');
  for (const entry of entries) {
    if (entry.includes('\0'))
      throw new FileCommandError(`The path '${printable(entry)}' contains a NUL character.`);
  }
  return entries;
}

/**
 * Refuses what no process environment can hold (GITHUB_ENV, GITHUB_STATE): a NUL character, a name with `=`, or a
 * variable longer than Linux's MAX_ARG_STRLEN, which would make starting every later script fail.
 */
export function checkEnvironmentPairs(pairs: Array<[string, string]>): void {
  for (const [name, value] of pairs) {
    if (name.includes('\0') || value.includes('\0')) {
      throw new FileCommandError(
        `The variable '${printable(name)}' contains a NUL character, which an environment variable cannot hold.`,
      );
    }
    if (name.includes('='))
      throw new FileCommandError(`The variable name '${printable(name)}' contains '='.`);
    if (Buffer.byteLength(name) + Buffer.byteLength(value) + 1 > ENVIRONMENT_VARIABLE_LIMIT) {
      throw new FileCommandError(
        `The variable '${printable(name)}' is ${Math.ceil(Buffer.byteLength(value) / 1024)} KiB; an environment variable holds at most ${ENVIRONMENT_VARIABLE_LIMIT / 1024} KiB. Write large values to a file under RUNNER_TEMP and export its path.`,
      );
    }
  }
}

/**
 * Variables an action may not set through GITHUB_ENV (or `::set-env::`), each with why: the defaults GitHub protects
 * (GITHUB_*, RUNNER_*) and Bitbucket's own (BITBUCKET_*, which name the commit a status goes to), and what would
 * reconfigure Crosscheck or Node.js in a later `crosscheck` command of the step — where its credentials and requests
 * go, which TLS certificates it trusts, which proxy or git transport it uses. Listed in the README.
 */
/**
 * The runner's default variables (GitHub's documented `GITHUB_*`, `RUNNER_*` and `CI`, plus the token): an action
 * cannot overwrite them, as on GitHub. Other names with those prefixes (github-slug-action's `GITHUB_REF_SLUG`…) may be
 * exported, as on GitHub.
 */
const RUNNER_DEFAULTS = new RegExp(
  `^(CI|GITHUB_(${[
    'ACTION',
    'ACTION_PATH',
    'ACTION_REF',
    'ACTION_REPOSITORY',
    'ACTIONS',
    'ACTOR',
    'ACTOR_ID',
    'API_URL',
    'BASE_REF',
    'ENV',
    'EVENT_NAME',
    'EVENT_PATH',
    'GRAPHQL_URL',
    'HEAD_REF',
    'JOB',
    'OUTPUT',
    'PATH',
    'REF',
    'REF_NAME',
    'REF_PROTECTED',
    'REF_TYPE',
    'REPOSITORY',
    'REPOSITORY_ID',
    'REPOSITORY_OWNER',
    'REPOSITORY_OWNER_ID',
    'RETENTION_DAYS',
    'RUN_ATTEMPT',
    'RUN_ID',
    'RUN_NUMBER',
    'SERVER_URL',
    'SHA',
    'STATE',
    'STEP_SUMMARY',
    'TOKEN',
    'TRIGGERING_ACTOR',
    'WORKFLOW',
    'WORKFLOW_REF',
    'WORKFLOW_SHA',
    'WORKSPACE',
  ].join('|')})|RUNNER_(${[
    'ARCH',
    'DEBUG',
    'ENVIRONMENT',
    'NAME',
    'OS',
    'PERFLOG',
    'TEMP',
    'TOOL_CACHE',
    'TRACKING_ID',
    'WORKSPACE',
  ].join('|')}))$`,
  'i',
);

const REFUSED_VARIABLES: Array<[RegExp, string]> = [
  [/^NODE_OPTIONS$/i, "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command."],
  [RUNNER_DEFAULTS, 'it is a default variable of the runner, which cannot be overwritten'],
  [/^BITBUCKET_/i, "it is a Bitbucket Pipelines variable or one of Crosscheck's credentials and settings"],
  [
    /^(CROSSCHECK_|TRIGGER_|SONAR_TOKEN$|SONAR_HOST_URL$|ATLASSIAN_ACCOUNT_EMAIL$)/i,
    "it is one of Crosscheck's settings or credentials",
  ],
  [
    /^(NODE_TLS_REJECT_UNAUTHORIZED|NODE_EXTRA_CA_CERTS|NODE_USE_ENV_PROXY|NODE_USE_SYSTEM_CA|SSL_CERT_FILE|SSL_CERT_DIR|CURL_CA_BUNDLE|HTTPS?_PROXY|ALL_PROXY|NO_PROXY)$/i,
    'it would change which servers and certificates Crosscheck trusts',
  ],
  [
    /^(GIT_CONFIG\w*|GIT_SSL_\w+|GIT_SSH\w*|GIT_PROXY_COMMAND|GIT_ASKPASS|SSH_ASKPASS|GIT_EXEC_PATH|GIT_ALLOW_PROTOCOL)$/i,
    'it would change how Crosscheck fetches actions with git',
  ],
];

/**
 * Whether `name` is one of the runner's defaults: GitHub keeps them without a word when an action writes them (the
 * default wins), so Crosscheck drops them with a debug line only (github-slug-action writes GITHUB_REF_NAME…).
 */
export function isRunnerDefault(name: string): boolean {
  return RUNNER_DEFAULTS.test(name);
}

/** Why an action may not set `name` through GITHUB_ENV (a warning to show), or undefined when it may. */
export function refusedVariable(name: string): string | undefined {
  const match = REFUSED_VARIABLES.find(([pattern]) => pattern.test(name));
  if (!match) return undefined;
  if (match[1].startsWith("Can't")) return match[1];
  return `Can't set ${printable(name)} using '$GITHUB_ENV': ${match[1]}. It was left out.`;
}

/** A name or value as it may be shown: NULs visible, at most 60 characters. */
function printable(text: string): string {
  const shown = text.replace(/\0/g, '\\0');
  return shown.length > 60 ? `${shown.slice(0, 57)}...` : shown;
}

function splitLines(text: string): Array<{ content: string; terminated: boolean }> {
  if (text === '') return [];
  const parts = text.split('\n');
  const lines = parts.map((part, index) => ({
    content: part.endsWith('\r') ? part.slice(0, -1) : part,
    terminated: index < parts.length - 1,
  }));
  const last = lines.at(-1);
  if (last && last.content === '' && !last.terminated) lines.pop();
  return lines;
}

/** GitHub's cap on one step's summary (`CreateStepSummaryCommand.AttachmentSizeLimit`). */
export const STEP_SUMMARY_LIMIT = 1024 * 1024;

/**
 * The most one phase may write to GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STATE or GITHUB_PATH: GitHub's limit on a job's
 * outputs (1 MiB); a larger file fails the phase unread.
 */
export const FILE_COMMAND_LIMIT = 1024 * 1024;

/** Linux's MAX_ARG_STRLEN: the longest `NAME=value` string a process can be started with. */
export const ENVIRONMENT_VARIABLE_LIMIT = 128 * 1024;

/** The five file-command files of one phase; the environment variable name maps to the file's path. */
export type PhaseFiles = {
  GITHUB_OUTPUT: string;
  GITHUB_ENV: string;
  GITHUB_PATH: string;
  GITHUB_STATE: string;
  GITHUB_STEP_SUMMARY: string;
};

/** Creates fresh, empty file-command files for one phase in `directory` (which must exist and be private). */
export async function createPhaseFiles(directory: string): Promise<PhaseFiles> {
  const files: PhaseFiles = {
    GITHUB_OUTPUT: path.join(directory, 'set_output'),
    GITHUB_ENV: path.join(directory, 'set_env'),
    GITHUB_PATH: path.join(directory, 'add_path'),
    GITHUB_STATE: path.join(directory, 'save_state'),
    GITHUB_STEP_SUMMARY: path.join(directory, 'step_summary'),
  };
  // Synchronous: five empty files, where each asynchronous call would cost a round trip through the thread pool.
  for (const file of Object.values(files)) writeFileSync(file, '', { mode: 0o600 });
  return files;
}

/** What a phase wrote to its file commands, and the problems found reading them. */
export interface FileCommandResults {
  outputs: Array<[string, string]>;
  env: Array<[string, string]>;
  paths: string[];
  state: Array<[string, string]>;
  /** Unmasked; empty when the summary exceeded STEP_SUMMARY_LIMIT. */
  summary: string;
  /** `fails` marks the problems GitHub fails the step for (malformed files); the others are only reported. */
  problems: Array<{ message: string; fails: boolean }>;
}

/** Reads back the files of one phase. NODE_OPTIONS in GITHUB_ENV is dropped and reported, as on GitHub. */
export async function readPhaseFiles(files: PhaseFiles): Promise<FileCommandResults> {
  const results: FileCommandResults = {
    outputs: [],
    env: [],
    paths: [],
    state: [],
    summary: '',
    problems: [],
  };
  const command = <T>(name: string, file: string, parse: (text: string) => T[]): T[] => {
    try {
      const read = readCommandFile(file, FILE_COMMAND_LIMIT);
      if (read.text === undefined) {
        throw new FileCommandError(
          `The file is ${(read.size / 1024 / 1024).toFixed(1)} MiB; file commands are read up to ${FILE_COMMAND_LIMIT / 1024 / 1024} MiB per phase.`,
        );
      }
      return parse(read.text);
    } catch (error) {
      if (!(error instanceof FileCommandError)) throw error;
      const message = `Unable to process file command '${name}' successfully. ${error.message}`;
      results.problems.push({ message, fails: true });
      return [];
    }
  };
  const withoutNul = (text: string) => {
    const pairs = parseKeyValueFile(text);
    const bad = pairs.find(([name, value]) => name.includes('\0') || value.includes('\0'));
    if (bad) throw new FileCommandError(`The output '${printable(bad[0])}' contains a NUL character.`);
    return pairs;
  };
  const withEnvironmentCheck = (text: string) => {
    const pairs = parseKeyValueFile(text);
    checkEnvironmentPairs(pairs);
    return pairs;
  };
  const outputs = command('output', files.GITHUB_OUTPUT, withoutNul);
  const env = command('env', files.GITHUB_ENV, withEnvironmentCheck);
  const state = command('state', files.GITHUB_STATE, withEnvironmentCheck);
  const paths = command('add-path', files.GITHUB_PATH, parsePathFile);
  results.outputs = outputs;
  results.state = state;
  results.paths = paths;
  for (const [name, value] of env) {
    if (name.toUpperCase() === 'NODE_OPTIONS') {
      results.problems.push({
        message: "Can't store NODE_OPTIONS output parameter using '$GITHUB_ENV' command.",
        fails: false,
      });
    } else {
      results.env.push([name, value]);
    }
  }
  let summary: { size: number; text?: string };
  try {
    summary = readCommandFile(files.GITHUB_STEP_SUMMARY, STEP_SUMMARY_LIMIT);
  } catch (error) {
    if (!(error instanceof FileCommandError)) throw error;
    results.problems.push({ message: `$GITHUB_STEP_SUMMARY was not read: ${error.message}`, fails: false });
    return results;
  }
  if (summary.text === undefined) {
    results.problems.push({
      message: `$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of ${STEP_SUMMARY_LIMIT / 1024}k, got ${Math.floor(summary.size / 1024)}k. For more information see: https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-markdown-summary`,
      fails: false,
    });
  } else {
    results.summary = summary.text;
  }
  return results;
}

/**
 * A file-command file as the phase left it: its text when it is at most `limit` bytes (none, with its size, when
 * larger); empty when the action deleted it, as GitHub treats it. Read with synchronous calls, at most `limit` + 1
 * bytes whatever the file claims; something other than a regular file (a FIFO, a device) is a FileCommandError.
 */
function readCommandFile(file: string, limit: number): { size: number; text?: string } {
  let descriptor: number;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer.
    descriptor = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { size: 0, text: '' };
    throw error;
  }
  try {
    const stat = fstatSync(descriptor);
    if (!stat.isFile()) throw new FileCommandError('The file is not a regular file.');
    if (stat.size > limit) return { size: stat.size };
    // What fstat said, or more if it grew since: read until the end, or until it is over the limit.
    const chunks: Buffer[] = [];
    let length = 0;
    for (let chunk = Buffer.alloc(Math.min(stat.size, limit) + 1); length <= limit;) {
      const read = readSync(descriptor, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      length += read;
      // A fresh buffer for what follows (the pushed piece must stay as it is); usually the end comes next.
      chunk = Buffer.alloc(Math.min(64 * 1024, limit + 1 - length + 1));
    }
    if (length > limit) return { size: length };
    return { size: length, text: Buffer.concat(chunks, length).toString('utf8') };
  } finally {
    closeSync(descriptor);
  }
}
