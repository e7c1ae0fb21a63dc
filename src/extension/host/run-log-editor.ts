// The central run's log in a read-only editor tab: follows a live run (each step's log read with Range), within the
// window's request budget and only while the tab is visible; Stop stops the pipeline, Re-run starts the check again.
import * as vscode from 'vscode';
import { type BitbucketApi, formatRepository } from '../../core';
import { Disposable } from '../common/lifecycle';
import { catching } from '../model/commands/catching';
import type { CommandDependencies } from '../model/commands/ports';
import { runCheck } from '../model/commands/run-check';
import { COMMANDS, RUN_LOG_LIVE_CONTEXT, RUN_LOG_SCHEME } from '../model/command-ids';
import { ActionableError, noRepository, notSignedIn, restrictedMode } from '../model/errors';
import { pushedHead } from '../model/repository';
import type { RequestBudget } from '../model/request-budget';
import { RunLog } from '../model/run-log';
import type { RunTracker, TrackedRun } from '../model/runs';

/** A live log is read again after this long (or later, when the request budget says so). */
export const LOG_POLL_MS = 3_000;
/** After a failed read, the next waits this long. */
const LOG_RETRY_MS = 15_000;

interface Tab {
  uri: vscode.Uri;
  log: RunLog;
  timer?: ReturnType<typeof setTimeout>;
  polling?: Promise<void>;
  lastPollAt: number;
  problem?: string;
  followers?: vscode.TextEditor[];
}

export interface RunLogDependencies {
  connect(): Promise<BitbucketApi | undefined>;
  budget: RequestBudget;
  runs: RunTracker;
  commandDeps: CommandDependencies;
}

export class RunLogEditor extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly tabs = new Map<string, Tab>();
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;

  constructor(private readonly deps: RunLogDependencies) {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(RUN_LOG_SCHEME, this));
    this._register(
      vscode.workspace.onDidCloseTextDocument((document) => {
        const tab = this.tabs.get(document.uri.toString());
        if (!tab) return;
        if (tab.timer) clearTimeout(tab.timer);
        this.tabs.delete(document.uri.toString());
      }),
    );
    this._register(
      vscode.window.onDidChangeVisibleTextEditors(() => {
        for (const tab of this.tabs.values()) if (!tab.timer && !tab.polling) this.schedule(tab, 0);
      }),
    );
    this._register(vscode.window.onDidChangeActiveTextEditor(() => this.updateContext()));
    this._register(
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document.uri.scheme === RUN_LOG_SCHEME) this.keepFollowing(event.document);
      }),
    );
    this._register({ dispose: () => this.tabs.forEach((tab) => tab.timer && clearTimeout(tab.timer)) });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const tab = this.tabs.get(uri.toString());
    if (!tab)
      return 'This run log is no longer followed: open it again with Crosscheck: Open Central Run Log.\n';
    return tab.problem ? `${tab.log.render()}\n[${tab.problem}]\n` : tab.log.render();
  }

  /** The commands of the log tab: open it for HEAD's run, Stop, Re-run. */
  registerCommands(): vscode.Disposable[] {
    const ui = this.deps.commandDeps;
    return [
      vscode.commands.registerCommand(
        COMMANDS.openRunLog,
        catching(ui, () => this.openForHead()),
      ),
      vscode.commands.registerCommand(
        COMMANDS.stopRun,
        catching(ui, () => this.stopActive()),
      ),
      vscode.commands.registerCommand(
        COMMANDS.rerunFromLog,
        catching(ui, async () => {
          const run = await runCheck(ui);
          if (run) await this.open(run);
        }),
      ),
    ];
  }

  /** Opens (or shows again) the log of a run and follows it until it finishes. */
  async open(run: TrackedRun): Promise<void> {
    const uri = runLogUri(run);
    let tab = this.tabs.get(uri.toString());
    if (!tab) {
      tab = {
        uri,
        log: new RunLog({
          central: run.central,
          uuid: run.uuid,
          pipeline: run.pipeline,
          buildNumber: run.buildNumber,
        }),
        lastPollAt: 0,
      };
      this.tabs.set(uri.toString(), tab);
    }
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: false });
    this.updateContext();
    if (!tab.timer && !tab.polling) this.schedule(tab, 0);
  }

  /** How many lines the open log tabs hold (for the tests' API). */
  describe(): Array<{ uri: string; lines: number; finished: boolean }> {
    return [...this.tabs.values()].map((tab) => ({
      uri: tab.uri.toString(),
      lines: tab.log.lineCount(),
      finished: tab.log.finished,
    }));
  }

  private async openForHead(): Promise<void> {
    const { workspace } = this.deps.commandDeps;
    if (!workspace.isTrusted()) throw restrictedMode();
    const context = workspace.currentRepository();
    if (!context) throw noRepository();
    const head = pushedHead(context);
    const runs = this.deps.runs
      .all()
      .filter((run) => formatRepository(run.repo) === formatRepository(context.repo));
    const forHead =
      'context' in head ? this.deps.runs.forCommit(context.repo, head.context.commit) : undefined;
    const run = forHead ?? runs.at(-1);
    if (!run) {
      throw new ActionableError(
        `No central run was started from this window for ${formatRepository(context.repo)}.`,
        'Run the central check first; its log opens here.',
        [{ title: 'Run Central Check', command: COMMANDS.runCheck }],
      );
    }
    await this.open(run);
  }

  private async stopActive(): Promise<void> {
    if (!this.deps.commandDeps.workspace.isTrusted()) throw restrictedMode();
    const tab = this.activeTab();
    if (!tab) throw new ActionableError('No central run log is the active editor.', 'Open one first.', []);
    const api = await this.deps.connect();
    if (!api) throw notSignedIn();
    await api.stopPipeline(tab.log.run.central, tab.log.run.uuid);
    this.deps.commandDeps.log.info(
      `Stopped ${tab.log.run.pipeline} #${tab.log.run.buildNumber ?? '?'} in ${formatRepository(tab.log.run.central)}.`,
    );
    if (tab.timer) clearTimeout(tab.timer);
    tab.timer = undefined;
    if (!tab.polling) this.schedule(tab, 0);
  }

  private activeTab(): Tab | undefined {
    const uri = vscode.window.activeTextEditor?.document.uri;
    return uri ? this.tabs.get(uri.toString()) : undefined;
  }

  private updateContext(): void {
    const tab = this.activeTab();
    void vscode.commands.executeCommand(
      'setContext',
      RUN_LOG_LIVE_CONTEXT,
      tab !== undefined && !tab.log.finished,
    );
  }

  /** Polls while the tab is visible; a hidden tab waits until it is shown again. */
  private schedule(tab: Tab, delayMs: number): void {
    if (tab.log.finished || this.isDisposed) return;
    const visible = vscode.window.visibleTextEditors.some(
      (editor) => editor.document.uri.toString() === tab.uri.toString(),
    );
    if (!visible) return;
    const sinceLast = Date.now() - tab.lastPollAt;
    const wait = Math.max(delayMs, this.deps.budget.waitMs(sinceLast));
    tab.timer = setTimeout(() => {
      tab.timer = undefined;
      tab.polling = this.pollOnce(tab).finally(() => (tab.polling = undefined));
    }, wait);
  }

  private async pollOnce(tab: Tab): Promise<void> {
    tab.lastPollAt = Date.now();
    let next = LOG_POLL_MS;
    try {
      const api = await this.deps.connect();
      if (!api) {
        tab.problem = 'Signed out: sign in to follow this run.';
        this.changed.fire(tab.uri);
        return;
      }
      const result = await tab.log.poll(api);
      const hadProblem = tab.problem !== undefined;
      tab.problem = undefined;
      if (result.changed || hadProblem) {
        this.noteFollowers(tab);
        this.changed.fire(tab.uri);
      }
      if (result.finished) this.updateContext();
    } catch (error) {
      tab.problem = `Not read: ${error instanceof Error ? error.message : String(error)}`;
      this.changed.fire(tab.uri);
      next = LOG_RETRY_MS;
    }
    if (this.tabs.has(tab.uri.toString())) this.schedule(tab, next);
  }

  /** Before new lines come: the editors showing the end of the log (they keep following it). */
  private noteFollowers(tab: Tab): void {
    tab.followers = vscode.window.visibleTextEditors.filter(
      (editor) =>
        editor.document.uri.toString() === tab.uri.toString() &&
        (editor.visibleRanges.at(-1)?.end.line ?? 0) >= editor.document.lineCount - 2,
    );
  }

  /** After the new lines came: those editors scroll to the end. */
  private keepFollowing(document: vscode.TextDocument): void {
    const tab = this.tabs.get(document.uri.toString());
    const last = document.lineCount - 1;
    for (const editor of tab?.followers ?? [])
      editor.revealRange(new vscode.Range(last, 0, last, 0), vscode.TextEditorRevealType.Default);
    if (tab) tab.followers = undefined;
  }
}

/** `crosscheck-run-log:/acme/central-checks/sonar-pr-check #12.log?uuid=…`: the tab is titled with the run. */
export function runLogUri(run: TrackedRun): vscode.Uri {
  const name = `${run.pipeline}${run.buildNumber !== undefined ? ` #${run.buildNumber}` : ''}.log`.replace(
    /\//g,
    '-',
  );
  return vscode.Uri.from({
    scheme: RUN_LOG_SCHEME,
    path: `/${run.central.workspace}/${run.central.slug}/${name}`,
    query: new URLSearchParams({ uuid: run.uuid }).toString(),
  });
}
