// The "Crosscheck" output channel: requests (already redacted by the core's client), errors with their diagnosis, reports.
import * as vscode from 'vscode';
import { ApiError, CrosscheckError } from '../../core/errors';
import type { HttpEvent } from '../../core/http/client';
import { Disposable } from '../common/lifecycle';
import { describeHttpEvent } from '../view/messages';

export class OutputLog extends Disposable {
  private readonly channel = this._register(vscode.window.createOutputChannel('Crosscheck', { log: true }));

  readonly httpEvent = (event: HttpEvent): void => {
    const { level, line } = describeHttpEvent(event);
    this.channel[level](line);
  };

  info(line: string): void {
    this.channel.info(line);
  }

  lines(lines: readonly string[]): void {
    for (const line of lines) this.channel.info(line);
  }

  error(error: unknown): void {
    if (error instanceof ApiError) {
      this.channel.error(`${error.message} — ${error.diagnosis}${error.hint ? ` Fix: ${error.hint}` : ''}`);
    } else if (error instanceof CrosscheckError) {
      this.channel.error(`${error.message}${error.hint ? ` ${error.hint}` : ''}`);
    } else {
      this.channel.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
  }

  show(): void {
    this.channel.show(true);
  }
}
