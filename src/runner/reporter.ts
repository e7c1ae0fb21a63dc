// Everything a command prints: results on stdout (human or JSON), progress and diagnoses on stderr, secrets masked,
// control characters escaped.
import { ApiError, CrosscheckError, NetworkError } from '../core/errors';
import type { HttpEvent } from '../core/http/client';
import { printable, printableJson } from '../core/display-text';
import { SecretMasker } from '../core/secret-masker';
import type { RunnerContext } from './context';
import { WorkflowCommands } from './workflow-commands';

export interface ReporterOptions {
  json?: boolean;
  verbose?: boolean;
}

export class Reporter {
  private readonly secrets = new Set<string>();
  private readonly masker = new SecretMasker();
  readonly githubActions: boolean;
  private readonly workflow: WorkflowCommands;

  constructor(
    private readonly context: RunnerContext,
    readonly options: ReporterOptions,
  ) {
    this.githubActions = context.env.GITHUB_ACTIONS === 'true';
    this.workflow = new WorkflowCommands((line) => context.stdout.write(`${line}\n`), context.env);
  }

  /**
   * Registers a secret: masked in everything printed from now on (in every spelling the core's masker knows), and
   * announced to an Actions runner, which masks its own encodings of it.
   */
  secret(value: string | undefined): void {
    if (!value || value.trim().length < 4 || this.secrets.has(value)) return;
    this.secrets.add(value);
    this.masker.add(value);
    if (this.githubActions) this.workflow.addMask(value);
  }

  /** Secrets masked, then control characters spelled out, so nothing printed can drive the terminal. */
  private redact(text: string): string {
    return printable(this.masker.mask(text), { multiline: true });
  }

  /** A human line of the result (suppressed with --json). */
  line(text = ''): void {
    if (!this.options.json) this.context.stdout.write(`${this.redact(text)}\n`);
  }

  /** The machine-readable result (only with --json). */
  json(value: unknown): void {
    if (this.options.json)
      this.context.stdout.write(`${printableJson(this.masker.mask(JSON.stringify(value, null, 2)))}\n`);
  }

  /** Progress on a wait; always on stderr so it never mixes with results. */
  progress(text: string): void {
    this.context.stderr.write(`${this.redact(text)}\n`);
  }

  verbose(text: string): void {
    if (this.options.verbose) this.context.stderr.write(`${this.redact(text)}\n`);
  }

  warn(text: string): void {
    if (this.githubActions) this.workflow.warning(this.redact(text));
    else this.context.stderr.write(`warning: ${this.redact(text)}\n`);
  }

  output(name: string, value: string): void {
    if (this.githubActions) this.workflow.setOutput(name, value);
  }

  /** Says what went wrong, why, and what to do; under GitHub Actions also as an ::error:: annotation. */
  failure(error: unknown): void {
    const lines: string[] = [];
    if (error instanceof CrosscheckError) {
      lines.push(`error: ${error.message}`);
      if (error instanceof ApiError) lines.push(`  why: ${error.diagnosis}`);
      if (error.hint) lines.push(`  fix: ${error.hint}`);
      if (error instanceof NetworkError)
        lines.push(`  request: ${error.request.method} ${error.request.url}`);
    } else {
      lines.push(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      lines.push('  This is a bug in Crosscheck; please report it with the output of --verbose.');
    }
    const text = this.redact(lines.join('\n'));
    if (this.githubActions) this.workflow.error(text);
    else this.context.stderr.write(`${text}\n`);
  }

  /** Shows HTTP traffic with --verbose and every retry always (a retry is a wait the user should see). */
  httpEvent(event: HttpEvent): void {
    switch (event.type) {
      case 'request':
        this.verbose(
          `→ ${event.method} ${event.url}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}${event.body ? `\n  ${event.body}` : ''}`,
        );
        break;
      case 'response':
        this.verbose(`← ${event.status} ${event.method} ${event.url} in ${event.ms} ms`);
        break;
      case 'retry':
        this.progress(
          `${event.reason} on ${event.method} ${event.url}; retrying in ${(event.delayMs / 1000).toFixed(1)} s (attempt ${event.attempt + 1} of ${event.of})`,
        );
        break;
    }
  }
}
