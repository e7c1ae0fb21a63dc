// In-memory stand-ins for the editor ports the command functions take: a window that records what it shows and
// answers as a test scripts it, commands and a browser that record calls, a log, and a workspace with settable state.
import type { CheckSettings } from '../../../src/extension/model/central-trigger';
import type {
  CommandLog,
  EditorCommands,
  EditorWindow,
  EditorWorkspace,
  InputOptions,
  PickItem,
  PickOptions,
} from '../../../src/extension/model/commands/ports';
import type { RepoContext } from '../../../src/extension/model/repository';

export type Tone = 'info' | 'warning' | 'error';

export interface ShownMessage {
  tone: Tone;
  message: string;
  buttons: string[];
}

/** A scripted answer for the next quick pick (the label to pick) or input box (the text typed); undefined dismisses. */
export type Answer = string | undefined;

export class FakeWindow implements EditorWindow {
  readonly messages: ShownMessage[] = [];
  readonly picks: Array<{ items: PickItem[]; options: PickOptions }> = [];
  readonly inputs: InputOptions[] = [];
  readonly progress: Array<{ title: string; reports: string[] }> = [];
  /** The button each message answers with (by default none: dismissed). */
  clickOn: (shown: ShownMessage) => string | undefined = () => undefined;
  /** The answers the next quick picks and input boxes give, in order. */
  private readonly answers: Answer[] = [];
  /** Resolved once every `.then` a command chained on a message has run. */
  private pendingClicks: Array<PromiseLike<unknown>> = [];

  answer(...answers: Answer[]): this {
    this.answers.push(...answers);
    return this;
  }

  showInformationMessage(message: string, ...buttons: string[]): PromiseLike<string | undefined> {
    return this.show('info', message, buttons);
  }

  showWarningMessage(message: string, ...buttons: string[]): PromiseLike<string | undefined> {
    return this.show('warning', message, buttons);
  }

  showErrorMessage(message: string, ...buttons: string[]): PromiseLike<string | undefined> {
    return this.show('error', message, buttons);
  }

  async showQuickPick<T extends PickItem>(items: readonly T[], options: PickOptions): Promise<T | undefined> {
    this.picks.push({ items: [...items], options });
    const label = this.next('quick pick');
    if (label === undefined) return undefined;
    const item = items.find((candidate) => candidate.label === label);
    if (!item) throw new Error(`The quick pick "${options.title}" offers no "${label}".`);
    return item;
  }

  /** Types the scripted text; like VS Code, a value the box's validation refuses cannot be accepted. */
  async showInputBox(options: InputOptions): Promise<string | undefined> {
    this.inputs.push(options);
    const typed = this.next('input box');
    if (typed === undefined) return undefined;
    const problem = options.validateInput(typed);
    if (problem) throw new Error(`The input box "${options.title}" refuses "${typed}": ${problem}`);
    return typed;
  }

  async withProgress<T>(title: string, task: (report: (message: string) => void) => Promise<T>): Promise<T> {
    const shown = { title, reports: [] as string[] };
    this.progress.push(shown);
    return task((message) => shown.reports.push(message));
  }

  /** Waits until what the clicked buttons started has run (commands do not wait for their messages). */
  async clicksSettled(): Promise<void> {
    while (this.pendingClicks.length) await Promise.all(this.pendingClicks.splice(0));
    await new Promise((resolve) => setImmediate(resolve));
  }

  messagesOf(tone: Tone): string[] {
    return this.messages.filter((shown) => shown.tone === tone).map((shown) => shown.message);
  }

  private show(tone: Tone, message: string, buttons: string[]): PromiseLike<string | undefined> {
    const shown = { tone, message, buttons };
    this.messages.push(shown);
    const choice = this.clickOn(shown);
    if (choice !== undefined && !buttons.includes(choice)) {
      throw new Error(`"${message}" has no button "${choice}" (it has ${buttons.join(', ') || 'none'}).`);
    }
    const clicked = Promise.resolve(choice);
    this.pendingClicks.push(clicked);
    return clicked;
  }

  private next(what: string): Answer {
    if (this.answers.length === 0) throw new Error(`No answer scripted for the ${what}.`);
    return this.answers.shift();
  }
}

export class FakeCommands implements EditorCommands {
  readonly executed: unknown[][] = [];
  readonly opened: string[] = [];

  async executeCommand(command: string, ...args: unknown[]): Promise<unknown> {
    this.executed.push([command, ...args]);
    return undefined;
  }

  async openExternal(url: string): Promise<boolean> {
    this.opened.push(url);
    return true;
  }

  /** The values set for a context key, in order. */
  contextValues(key: string): unknown[] {
    return this.executed
      .filter(([command, name]) => command === 'setContext' && name === key)
      .map((call) => call[2]);
  }

  /** The commands run other than setContext. */
  commandsRun(): unknown[][] {
    return this.executed.filter(([command]) => command !== 'setContext');
  }
}

export class FakeLog implements CommandLog {
  readonly written: string[] = [];
  readonly errors: unknown[] = [];
  shown = 0;

  info(line: string): void {
    this.written.push(line);
  }

  lines(lines: readonly string[]): void {
    this.written.push(...lines);
  }

  error(error: unknown): void {
    this.errors.push(error);
    this.written.push(error instanceof Error ? error.message : String(error));
  }

  show(): void {
    this.shown++;
  }
}

export class FakeWorkspace implements EditorWorkspace {
  repository: RepoContext | undefined;
  trusted = true;
  notify = true;
  settings: CheckSettings = {
    centralRepository: 'acme/central-checks',
    centralPipeline: 'sonar-pr-check',
    checkKey: 'sonar',
  };
  /** The roots checkSettings was asked for. */
  readonly settingsRoots: string[] = [];

  constructor(
    private readonly apiUrlValue: () => string,
    repository?: RepoContext,
  ) {
    this.repository = repository;
  }

  currentRepository(): RepoContext | undefined {
    return this.repository;
  }

  isTrusted(): boolean {
    return this.trusted;
  }

  apiUrl(): string {
    return this.apiUrlValue();
  }

  checkSettings(root: string): CheckSettings {
    this.settingsRoots.push(root);
    return { ...this.settings };
  }

  notifyOnFinish(): boolean {
    return this.notify;
  }
}
