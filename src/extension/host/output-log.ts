// The "Crosscheck" output channel: requests (already redacted by the core's client), errors with their diagnosis,
// reports; control characters from server text (status names, messages) are spelled out, never passed through.
import * as vscode from 'vscode';
import { printable, ApiError, CrosscheckError, type HttpEvent } from '../../core';
import { Disposable } from '../common/lifecycle';
import { describeHttpEvent } from '../view/messages';

type Level = 'debug' | 'info' | 'warn' | 'error';

export class OutputLog extends Disposable {
  private readonly channel = this._register(vscode.window.createOutputChannel('Crosscheck', { log: true }));

  readonly httpEvent = (event: HttpEvent): void => {
    const { level, line } = describeHttpEvent(event);
    this.write(level, line);
  };

  info(line: string): void {
    this.write('info', line);
  }

  lines(lines: readonly string[]): void {
    for (const line of lines) this.write('info', line);
  }

  error(error: unknown): void {
    if (error instanceof ApiError) {
      this.write('error', `${error.message} — ${error.diagnosis}${error.hint ? ` Fix: ${error.hint}` : ''}`);
    } else if (error instanceof CrosscheckError) {
      this.write('error', `${error.message}${error.hint ? ` ${error.hint}` : ''}`);
    } else {
      this.write('error', error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
  }

  show(): void {
    this.channel.show(true);
  }

  private write(level: Level, text: string): void {
    this.channel[level](printable(text, { multiline: true }));
  }
}
