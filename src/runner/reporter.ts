// Everything a command prints: results on stdout (human or JSON), progress and diagnoses on stderr, secrets masked,
// control characters escaped.
import {
  ApiError,
  CrosscheckError,
  InputError,
  NetworkError,
  type HttpEvent,
  nearLimitWarning,
  RequestTally,
  printable,
  printableJson,
  SecretMasker,
} from '../core';
import type { RunnerContext } from './context';
import { withSourceLines } from './stack-trace';
import { WorkflowCommands } from './workflow-command-writer';

export interface ReporterOptions {
  json?: boolean;
  verbose?: boolean;
}

/** The services a command sends requests to; each gets its own tally. */
export type HttpService = 'bitbucket' | 'sonar';

/** Requests sent, as `--json` reports them. */
export interface RequestCounts {
  /** HTTP requests sent to Bitbucket (REST API and OAuth token endpoint), each retry counted. */
  bitbucket: number;
  /** Of those, how many Bitbucket answered 429 (rate limited). */
  rateLimited: number;
  /** HTTP requests sent to SonarQube, each retry counted; they do not spend Bitbucket's budget. */
  sonar: number;
}

export class Reporter {
  private readonly secrets = new Set<string>();
  private readonly masker = new SecretMasker();
  /** Values known to be public (the sandbox's demo credentials): printed in clear even when token-shaped. */
  private readonly publicValues: string[] = [];
  readonly githubActions: boolean;
  private readonly workflow: WorkflowCommands;
  private readonly tallies: Record<HttpService, RequestTally>;
  private budgetCredential = 'the credential';
  private jsonWritten = false;

  constructor(
    private readonly context: RunnerContext,
    readonly options: ReporterOptions,
  ) {
    this.githubActions = context.env.GITHUB_ACTIONS === 'true';
    this.workflow = new WorkflowCommands((line) => context.stdout.write(`${line}\n`), context.env);
    this.tallies = {
      bitbucket: new RequestTally((info) => this.warn(nearLimitWarning(info, this.budgetCredential))),
      sonar: new RequestTally(),
    };
  }

  /** Names the Bitbucket credential whose hourly budget the warnings speak of (never its secret). */
  budgetOwner(credential: string): void {
    this.budgetCredential = credential;
  }

  /** Requests sent so far by this command. */
  requestCounts(): RequestCounts {
    return {
      bitbucket: this.tallies.bitbucket.sent,
      rateLimited: this.tallies.bitbucket.rateLimited,
      sonar: this.tallies.sonar.sent,
    };
  }

  /** Ends a command: with --verbose, the requests it sent; with --json after a failure, the error and the counts. */
  finish(error?: unknown): void {
    const counts = this.requestCounts();
    const budget = this.tallies.bitbucket.latest;
    this.verbose(
      `requests: ${counts.bitbucket} to Bitbucket${counts.rateLimited ? ` (${counts.rateLimited} rate limited)` : ''}, ${counts.sonar} to SonarQube` +
        (budget?.limit
          ? `; Bitbucket budget ${budget.limit} per hour${budget.nearLimit ? ', nearly spent' : ''}`
          : ''),
    );
    if (error instanceof CrosscheckError && !(error instanceof InputError) && !this.jsonWritten) {
      this.json({
        error: {
          message: error.message,
          ...(error instanceof ApiError ? { status: error.status, diagnosis: error.diagnosis } : {}),
          hint: error.hint,
        },
      });
    }
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

  /**
   * Declares values that are public by design (the sandbox's demo credentials, which the banner must print so that
   * its lines can be pasted): they print in clear, while every other secret or token-shaped value stays masked.
   */
  revealPublic(values: Iterable<string>): void {
    for (const value of values) if (value.length > 0) this.publicValues.push(value);
  }

  /** Masks secrets, except the public values, which are set aside before masking and put back after. */
  private mask(text: string): string {
    if (this.publicValues.length === 0) return this.masker.mask(text);
    const placeholder = (index: number): string => `\u0000${index}\u0000`;
    let swapped = text;
    this.publicValues.forEach((value, index) => (swapped = swapped.split(value).join(placeholder(index))));
    let masked = this.masker.mask(swapped);
    this.publicValues.forEach((value, index) => (masked = masked.split(placeholder(index)).join(value)));
    return masked;
  }

  /** Secrets masked, then control characters spelled out, so nothing printed can drive the terminal. */
  private redact(text: string): string {
    return printable(this.mask(text), { multiline: true });
  }

  /** A human line of the result (suppressed with --json). */
  line(text = ''): void {
    if (!this.options.json) this.context.stdout.write(`${this.redact(text)}\n`);
  }

  /** The machine-readable result (only with --json); an object also gets `requests`, the requests sent so far. */
  json(value: unknown): void {
    if (!this.options.json) return;
    this.jsonWritten = true;
    const withCounts =
      typeof value === 'object' && value !== null && !Array.isArray(value) && !('requests' in value)
        ? { ...value, requests: this.requestCounts() }
        : value;
    this.context.stdout.write(`${printableJson(this.mask(JSON.stringify(withCounts, null, 2)))}\n`);
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
    // An Actions runner shows an ::error:: as an error already (and `crosscheck action run` prints it as "error: …").
    const prefix = this.githubActions ? '' : 'error: ';
    if (error instanceof CrosscheckError) {
      lines.push(`${prefix}${error.message}`);
      if (error instanceof ApiError) lines.push(`  why: ${error.diagnosis}`);
      if (error.hint) lines.push(`  fix: ${error.hint}`);
      if (error instanceof NetworkError)
        lines.push(`  request: ${error.request.method} ${error.request.url}`);
    } else {
      lines.push(
        `${prefix}${error instanceof Error ? withSourceLines(error.stack ?? error.message) : String(error)}`,
      );
      lines.push('  This is a bug in Crosscheck; please report it with the output of --verbose.');
    }
    const text = this.redact(lines.join('\n'));
    if (this.githubActions) this.workflow.error(text);
    else this.context.stderr.write(`${text}\n`);
  }

  /** Shows HTTP traffic with --verbose and every retry always (a retry is a wait the user should see). */
  httpEvent(event: HttpEvent, service: HttpService = 'bitbucket'): void {
    this.tallies[service].observe(event);
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
