// GitHub-style workflow commands written by Crosscheck itself: one small function per command over one serialiser.
import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';

export interface AnnotationProperties {
  title?: string;
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
}

/** Escapes a command's message as the Actions runner expects (the same rules as @actions/core). */
function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Formats `::command key=value,…::message`. */
export function formatCommand(
  command: string,
  properties: Record<string, string | number | undefined>,
  message: string,
): string {
  const props = Object.entries(properties)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  return `::${command}${props ? ` ${props}` : ''}::${escapeData(message)}`;
}

/** Writes workflow commands to a stream and file commands to the runner's files. */
export class WorkflowCommands {
  constructor(
    private readonly write: (line: string) => void,
    private readonly env: Record<string, string | undefined>,
  ) {}

  addMask(secret: string): void {
    if (secret) this.write(formatCommand('add-mask', {}, secret));
  }

  error(message: string, properties: AnnotationProperties = {}): void {
    this.write(formatCommand('error', { ...properties }, message));
  }

  warning(message: string, properties: AnnotationProperties = {}): void {
    this.write(formatCommand('warning', { ...properties }, message));
  }

  notice(message: string, properties: AnnotationProperties = {}): void {
    this.write(formatCommand('notice', { ...properties }, message));
  }

  /** Appends `name<<delimiter` … to $GITHUB_OUTPUT; a no-op when the runner gave no output file. */
  setOutput(name: string, value: string): void {
    const file = this.env.GITHUB_OUTPUT;
    if (!file) return;
    // Web Crypto's global is loaded on first use, so only runs that write outputs pay for it.
    const delimiter = `ghadelimiter_${globalThis.crypto.randomUUID()}`;
    if (name.includes(delimiter) || value.includes(delimiter))
      throw new Error('Output value contains the delimiter');
    appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8');
  }
}
