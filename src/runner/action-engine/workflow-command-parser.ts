// Workflow commands an action prints (`::name props::data`): the parser, the secret masker and the per-run processor.
import * as path from 'node:path';
import type { SecretMasker } from '../../core';
import type { ActionLog, Annotation, AnnotationLevel, PhaseName } from './action-log';
import type { ProblemMatchers } from './problem-matchers';

/** One parsed `::name key=value,…::data` line; property names are lower-cased, values and data unescaped. */
export interface WorkflowCommand {
  name: string;
  properties: Record<string, string>;
  data: string;
}

/**
 * Parses a line the way GitHub's runner does (`ActionCommand.TryParseV2`): leading whitespace ignored, the command
 * ends at the first `::` after the opening one, properties split on `,` and the first `=`, `%25 %0D %0A` unescaped in
 * data and additionally `%3A %2C` in properties. Returns undefined for anything that is not shaped like a command.
 */
export function parseWorkflowCommand(line: string): WorkflowCommand | undefined {
  const text = line.trimStart();
  if (!text.startsWith('::')) return parseLegacyCommand(line);
  const end = text.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = text.slice(2, end);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (name === '') return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const entry of info
      .slice(space + 1)
      .trim()
      .split(',')) {
      const equals = entry.indexOf('=');
      if (equals <= 0 || equals === entry.length - 1) continue;
      properties[entry.slice(0, equals).toLowerCase()] = unescapeProperty(entry.slice(equals + 1));
    }
  }
  return { name, properties, data: unescapeData(text.slice(end + 2)) };
}

/**
 * The older `##[name key=value;key=value]data` form, parsed as GitHub's runner still does (`ActionCommand.TryParse`):
 * `##[` anywhere in the line, the command up to the first `]`, properties split on `;` and the first `=`, and `%3B`
 * `%0D` `%0A` `%5D` `%AZP25` unescaped in properties and data. Only registered names count (`##[section]` and other
 * log markers are text), so a stray `##[` in output stays a line.
 */
function parseLegacyCommand(line: string): WorkflowCommand | undefined {
  const start = line.indexOf('##[');
  if (start < 0) return undefined;
  const end = line.indexOf(']', start);
  if (end < 0) return undefined;
  const info = line.slice(start + 3, end);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (!REGISTERED_COMMANDS.has(name.toLowerCase())) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const entry of info.slice(space + 1).split(';')) {
      const equals = entry.indexOf('=');
      if (equals <= 0 || equals === entry.length - 1) continue;
      properties[entry.slice(0, equals).toLowerCase()] = unescapeLegacy(entry.slice(equals + 1));
    }
  }
  return { name, properties, data: unescapeLegacy(line.slice(end + 1)) };
}

function unescapeLegacy(value: string): string {
  return value
    .replace(/%3B/g, ';')
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%5D/g, ']')
    .replace(/%AZP25/g, '%');
}

function unescapeData(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(value: string): string {
  return value
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%');
}

/** What the commands of one phase asked for, besides what they printed. */
export interface CommandEffects {
  /** From the deprecated `::set-output name=…::`. */
  outputs: Map<string, string>;
  /** From the deprecated `::save-state name=…::`. */
  state: Map<string, string>;
  /** From `::set-env::` (only when ACTIONS_ALLOW_UNSECURE_COMMANDS=true). */
  env: Map<string, string>;
  /** From `::add-path::` (only when ACTIONS_ALLOW_UNSECURE_COMMANDS=true). */
  paths: string[];
  /** A command could not be processed: GitHub fails the step for that. */
  failed: boolean;
}

export interface CommandProcessorOptions {
  log: ActionLog;
  masker: SecretMasker;
  debug: boolean;
  /** GITHUB_WORKSPACE: annotation files inside it are reported relative to it. */
  workspace: string;
  /** ACTIONS_ALLOW_UNSECURE_COMMANDS=true re-enables `::set-env::` and `::add-path::`. */
  allowUnsecureCommands: boolean;
  /** ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS=true accepts any `::stop-commands::` token. */
  allowUnsecureStopTokens: boolean;
  /** The job's problem matchers: `add-matcher` / `remove-matcher` change them, every other line is matched. */
  matchers?: ProblemMatchers;
}

const REGISTERED_COMMANDS = new Set([
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning',
]);

/** Commands GitHub never echoes, because their data is a secret or is shown anyway. */
const NEVER_ECHOED = new Set(['add-mask', 'debug', 'error', 'warning', 'notice']);

const DEPRECATED_COMMAND =
  'The `%s` command is deprecated and will be disabled soon. Please upgrade to using Environment Files. For more information see: https://github.blog/changelog/2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/';
const DISABLED_COMMAND =
  'The `%s` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting the `ACTIONS_ALLOW_UNSECURE_COMMANDS` environment variable to `true`. For more information see: https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/';
const INVALID_STOP_TOKEN =
  "You cannot use a endToken that is an empty string, the string 'pause-logging', or another workflow command. For more information see: https://docs.github.com/actions/learn-github-actions/workflow-commands-for-github-actions#example-stopping-and-starting-workflow-commands or opt into insecure command execution by setting the `ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS` environment variable to `true`.";

/**
 * Turns the lines of one action run (stdout and stderr of every phase) into log calls, annotations and effects,
 * as GitHub's ActionCommandManager does. Stop-commands and echo state last for the whole run, like on GitHub.
 */
export class WorkflowCommandProcessor {
  readonly annotations: Annotation[] = [];
  private phase: PhaseName | undefined;
  private effects = emptyEffects();
  private stopToken: string | undefined;
  private echo: boolean;

  constructor(private readonly options: CommandProcessorOptions) {
    this.echo = options.debug;
  }

  /** Starts collecting effects for a phase; annotations from now on carry its name. */
  beginPhase(phase: PhaseName): void {
    this.phase = phase;
    this.effects = emptyEffects();
  }

  /** Hands over the effects collected since beginPhase. */
  endPhase(): CommandEffects {
    const effects = this.effects;
    this.effects = emptyEffects();
    return effects;
  }

  /** Marks the current phase failed, for problems found outside the command stream (e.g. file commands). */
  failPhase(): void {
    this.effects.failed = true;
  }

  /** Reports a problem of the runner's own, masked, as GitHub adds an issue to the step. */
  report(level: AnnotationLevel, message: string): void {
    this.addAnnotation({ level, message: this.options.masker.mask(message), source: 'runner' });
  }

  processLine(line: string, stream: 'stdout' | 'stderr'): void {
    const command = parseWorkflowCommand(line);
    const name = command?.name.toLowerCase();
    if (this.stopToken !== undefined) {
      if (name === this.stopToken.toLowerCase()) {
        this.stopToken = undefined;
        this.print(line, stream);
        this.debug('Resume processing commands');
      } else {
        this.output(line, stream);
      }
      return;
    }
    if (!command || name === undefined || !REGISTERED_COMMANDS.has(name)) {
      this.output(line, stream);
      return;
    }
    if (this.echo && !NEVER_ECHOED.has(name)) this.print(line, stream);
    try {
      this.apply(name, command, line, stream);
    } catch (error) {
      const what = NEVER_ECHOED.has(name) ? name : line;
      this.report('error', `Unable to process command '${what}' successfully. ${(error as Error).message}`);
      this.effects.failed = true;
    }
  }

  private apply(name: string, command: WorkflowCommand, line: string, stream: 'stdout' | 'stderr'): void {
    const { data, properties } = command;
    switch (name) {
      case 'stop-commands':
        if (!this.options.allowUnsecureStopTokens && !isValidStopToken(data))
          throw new Error(INVALID_STOP_TOKEN);
        if (!this.echo) this.print(line, stream);
        this.stopToken = data;
        this.debug(`Paused processing commands until '::${data}::' is received`);
        return;
      case 'add-mask':
        if (data.trim() === '') {
          this.report('warning', "Can't add secret mask for empty string in ##[add-mask] command.");
          return;
        }
        this.options.masker.add(data);
        if (this.echo) this.options.log.line('::add-mask::***', stream);
        return;
      case 'debug':
        this.debug(data);
        return;
      case 'error':
      case 'warning':
      case 'notice':
        this.addAnnotation(this.annotationFrom(name, command));
        return;
      case 'group':
        this.options.log.startGroup(this.options.masker.mask(data));
        return;
      case 'endgroup':
        this.options.log.endGroup();
        return;
      case 'echo':
        this.setEcho(data);
        return;
      case 'set-output':
      case 'save-state':
        this.report('warning', DEPRECATED_COMMAND.replace('%s', name));
        if (!properties.name) throw new Error(`Required field 'name' is missing in ##[${name}] command.`);
        (name === 'set-output' ? this.effects.outputs : this.effects.state).set(properties.name, data);
        return;
      case 'set-env':
        if (!this.options.allowUnsecureCommands) throw new Error(DISABLED_COMMAND.replace('%s', name));
        if (!properties.name) throw new Error("Required field 'name' is missing in ##[set-env] command.");
        if (properties.name.toUpperCase() === 'NODE_OPTIONS') {
          this.report('error', "Can't update NODE_OPTIONS environment variable using ::set-env:: command.");
          return;
        }
        this.effects.env.set(properties.name, data);
        return;
      case 'add-path':
        if (!this.options.allowUnsecureCommands) throw new Error(DISABLED_COMMAND.replace('%s', name));
        if (data === '') throw new Error("Parameter 'path' cannot be null or empty.");
        this.effects.paths.push(data);
        return;
      case 'add-matcher':
      case 'remove-matcher':
        this.changeMatchers(name, command);
        return;
    }
  }

  private setEcho(value: string): void {
    const setting = value.trim().toUpperCase();
    if (setting !== 'ON' && setting !== 'OFF') {
      throw new Error(
        `Invalid echo command value. Possible values can be: 'on', 'off'. Current value is: '${value}'.`,
      );
    }
    this.echo = setting === 'ON';
  }

  private annotationFrom(level: AnnotationLevel, command: WorkflowCommand): Annotation {
    const mask = (text: string) => this.options.masker.mask(text);
    const { file, title } = command.properties;
    const annotation: Annotation = { level, message: mask(command.data), source: 'action' };
    if (title) annotation.title = mask(title);
    if (file) annotation.file = mask(relativeToWorkspace(file, this.options.workspace));
    return Object.assign(annotation, annotationPosition(command.properties));
  }

  private addAnnotation(annotation: Annotation): void {
    if (this.phase) annotation.phase = this.phase;
    this.annotations.push(annotation);
    this.options.log.annotation(annotation);
  }

  /**
   * `add-matcher FILE` / `remove-matcher owner=…` (or `::remove-matcher::FILE`), as the runner's command extensions:
   * a missing file name or owner is a warning, a bad file fails the command.
   */
  private changeMatchers(name: 'add-matcher' | 'remove-matcher', command: WorkflowCommand): void {
    const matchers = this.options.matchers;
    if (!matchers) return;
    const owner = command.properties.owner;
    if (name === 'add-matcher') {
      if (command.data === '') return this.report('warning', 'File path must be specified.');
      const owners = matchers.addFile(command.data);
      if (owners.length > 0) this.debug(`Added matchers: '${owners.join("', '")}'.`);
      return;
    }
    if (owner && command.data) {
      return this.report(
        'warning',
        'Either specify an owner name or a file path in ##[remove-matcher] command. Both values cannot be set.',
      );
    }
    if (!owner && !command.data) {
      return this.report(
        'warning',
        'Either an owner name or a file path must be specified in ##[remove-matcher] command.',
      );
    }
    matchers.remove(owner, command.data || undefined);
  }

  /** A line that is not a command: printed, and an annotation when a problem matcher matches it. */
  private output(line: string, stream: 'stdout' | 'stderr'): void {
    this.print(line, stream);
    const problem = this.options.matchers?.match(line);
    if (!problem) return;
    const mask = (text: string) => this.options.masker.mask(text);
    const annotation: Annotation = { level: problem.level, message: mask(problem.message), source: 'action' };
    if (problem.code) annotation.title = mask(problem.code);
    if (problem.file) annotation.file = mask(problem.file);
    if (problem.line !== undefined) annotation.line = problem.line;
    if (problem.column !== undefined && problem.line !== undefined) annotation.column = problem.column;
    this.addAnnotation(annotation);
  }

  private print(line: string, stream: 'stdout' | 'stderr'): void {
    this.options.log.line(this.options.masker.mask(line), stream);
  }

  /** A line of the runner's own shown only with debug logging (RUNNER_DEBUG / --debug), masked. */
  debugLine(text: string): void {
    this.debug(text);
  }

  private debug(text: string): void {
    if (this.options.debug) this.options.log.debug(this.options.masker.mask(text));
  }
}

function emptyEffects(): CommandEffects {
  return { outputs: new Map(), state: new Map(), env: new Map(), paths: [], failed: false };
}

function isValidStopToken(token: string): boolean {
  const lower = token.toLowerCase();
  return token !== '' && lower !== 'pause-logging' && !REGISTERED_COMMANDS.has(lower);
}

function relativeToWorkspace(file: string, workspace: string): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(workspace, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return file;
  return relative.split(path.sep).join('/');
}

type Position = Pick<Annotation, 'line' | 'endLine' | 'column' | 'endColumn'>;

/** Line and column properties, corrected as GitHub's `ValidateLinesAndColumns` corrects them. */
function annotationPosition(properties: Record<string, string>): Position {
  const number = (key: string) => (/^\d+$/.test(properties[key] ?? '') ? Number(properties[key]) : undefined);
  let line = number('line');
  let endLine = number('endline');
  let column = number('col');
  let endColumn = number('endcolumn');
  if (endLine !== undefined && line === undefined) line = endLine;
  if (endColumn !== undefined && column === undefined) column = endColumn;
  const dropColumns =
    (line === undefined && column !== undefined) ||
    (endLine !== undefined && endLine !== line && column !== undefined) ||
    (column !== undefined && endColumn !== undefined && endColumn < column);
  if (dropColumns) column = endColumn = undefined;
  if (line !== undefined && endLine !== undefined && endLine < line) line = endLine = undefined;
  const position: Position = {};
  if (line !== undefined) position.line = line;
  if (endLine !== undefined) position.endLine = endLine;
  if (column !== undefined) position.column = column;
  if (endColumn !== undefined) position.endColumn = endColumn;
  return position;
}
