// Shows the central check's Code Insights annotations as diagnostics on the right files and lines: loads them when the
// commit or its statuses change, places them through git diff and unsaved edits, and counts what it cannot place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BitbucketApi, CommitStatus } from '../../core';
import { Disposable } from '../common/lifecycle';
import { type CheckState, contextOf, snapshotOf, stateErrorOf } from '../model/check-state';
import { BUILTIN_COMMANDS, FINDINGS_STATUS_ID } from '../model/command-ids';
import {
  describeUnplaced,
  type Finding,
  type FindingSeverity,
  placeFindings,
  type Placement,
  unplacedCount,
} from '../model/findings';
import type { TextChange } from '../model/findings-lines';
import { type FindingsTarget, FindingsLoader, type LoadedFindings } from '../model/findings-loader';
import { findGateTable, type GateTable } from '../model/gate-conditions';
import type { RequestBudget } from '../model/request-budget';
import { sameCommit } from '../model/runs';
import { diffWorkingTree, type WorkingTreeDiff } from './git-diff';
import type { OutputLog } from './output-log';

export interface FindingsDependencies {
  onDidChangeState: vscode.Event<CheckState>;
  state(): CheckState;
  connect(): Promise<BitbucketApi | undefined>;
  budget: RequestBudget;
  /** Report ids not shown for the repository at `root` (`*`: none). */
  hiddenReports(root: string): string[];
  log: OutputLog;
  /** Fires when the working tree may have changed (git's repository state). */
  onDidChangeRepository: vscode.Event<void>;
}

/** Where a line's end is unknown (the file is not open), the range runs to here; VS Code clamps it to the line. */
const LINE_END = 10_000;
/** Edits are placed after this pause, so typing does not run git on every key. */
const PLACE_DELAY_MS = 250;

const SEVERITY: Record<FindingSeverity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export class FindingsDiagnostics extends Disposable {
  private readonly collection = this._register(vscode.languages.createDiagnosticCollection('crosscheck'));
  private readonly item = this._register(
    vscode.window.createStatusBarItem(FINDINGS_STATUS_ID, vscode.StatusBarAlignment.Left, 49),
  );
  private readonly loader: FindingsLoader;
  /** For the pull request's tip, when it is not HEAD and HEAD has no reports (HEAD behind the pull request). */
  private readonly tipLoader: FindingsLoader;
  /** What is shown: the analysed commit's findings, for the repository at `root` whose HEAD is `head`. */
  private loaded?: LoadedFindings & { root: string; head: string };
  private diff?: { root: string; commit: string; result: WorkingTreeDiff };
  /** Unsaved changes of open documents since they were last saved, by file path. */
  private readonly unsaved = new Map<string, TextChange[]>();
  private loading?: Promise<void>;
  private loadAgain?: boolean;
  private placeTimer?: ReturnType<typeof setTimeout>;
  private placement?: Placement;
  private readonly changed = this._register(new vscode.EventEmitter<Placement | undefined>());

  /** Fires after findings were placed (or cleared). */
  readonly onDidPlace = this.changed.event;
  private readonly loadedEvent = this._register(new vscode.EventEmitter<void>());
  /** Fires when the reports of the commit shown were read again (the gate table may have changed). */
  readonly onDidLoadReports = this.loadedEvent.event;

  constructor(private readonly deps: FindingsDependencies) {
    super();
    this.item.name = 'Crosscheck findings';
    this.item.command = BUILTIN_COMMANDS.problems;
    this.loader = new FindingsLoader({ now: () => Date.now(), budget: deps.budget });
    this.tipLoader = new FindingsLoader({ now: () => Date.now(), budget: deps.budget });
    this._register(deps.onDidChangeState((state) => this.stateChanged(state)));
    this._register(deps.onDidChangeRepository(() => this.schedulePlace(true)));
    this._register(
      vscode.workspace.onDidChangeTextDocument((event) => {
        const file = this.fileOf(event.document.uri);
        if (!file || event.contentChanges.length === 0) return;
        if (!event.document.isDirty) {
          // Back to what is on disk (undo to the saved text, or reloaded after a change on disk).
          this.unsaved.delete(file);
          this.schedulePlace(true);
          return;
        }
        const changes = this.unsaved.get(file) ?? [];
        // VS Code lists a document's simultaneous changes from the bottom up, so each applies to the text before it.
        for (const change of event.contentChanges) {
          changes.push({
            startLine: change.range.start.line,
            startCharacter: change.range.start.character,
            endLine: change.range.end.line,
            endCharacter: change.range.end.character,
            text: change.text.replace(/\r\n/g, '\n'),
          });
        }
        this.unsaved.set(file, changes);
        this.schedulePlace(false);
      }),
    );
    this._register(
      vscode.workspace.onDidSaveTextDocument((document) => {
        const file = this.fileOf(document.uri);
        if (!file) return;
        this.unsaved.delete(file);
        this.schedulePlace(true);
      }),
    );
    this._register(
      vscode.workspace.onDidCloseTextDocument((document) => {
        const file = this.fileOf(document.uri);
        if (file && this.unsaved.delete(file)) this.schedulePlace(false);
      }),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('crosscheck.findings')) void this.reload(true);
      }),
    );
    this.stateChanged(deps.state());
  }

  /** What is shown now (for the tests' API). */
  get current(): { shown: number; unplaced: number; description?: string } | undefined {
    const placement = this.placement;
    if (!placement) return undefined;
    return {
      shown: placement.placed.length,
      unplaced: unplacedCount(placement.unplaced),
      description: describeUnplaced(placement.unplaced),
    };
  }

  /** The reports on the commit shown (for the command that turns them on and off). */
  reports(): { root: string; reports: LoadedFindings['reports'] } | undefined {
    return this.loaded && { root: this.loaded.root, reports: this.loaded.reports };
  }

  /** The quality gate table shown for HEAD `head` of the repository at `root`, when its reports are loaded and have one. */
  gateTable(root: string, head: string): GateTable | undefined {
    const loaded = this.loaded;
    if (!loaded || loaded.root !== root || loaded.head !== head.toLowerCase()) return undefined;
    return findGateTable(loaded.reports);
  }

  /** Reads again now (the user changed which reports are shown, or asked). */
  reload(user: boolean): Promise<void> {
    return this.load(this.deps.state(), user);
  }

  private stateChanged(state: CheckState): void {
    const context = contextOf(state);
    const commit = context?.commit?.toLowerCase();
    // A different repository, branch or commit: what was shown is about another tree.
    if (this.loaded && (this.loaded.root !== context?.root || this.loaded.head !== commit)) this.clear();
    if (state.kind === 'loaded') void this.load(state, false);
    else if (state.kind !== 'loading' && state.kind !== 'error') this.clear();
  }

  private async load(state: CheckState, user: boolean): Promise<void> {
    if (this.loading) {
      this.loadAgain ||= user;
      return this.loading;
    }
    this.loading = this.loadOnce(state, user).finally(() => {
      this.loading = undefined;
      if (this.loadAgain !== undefined) {
        const again = this.loadAgain;
        this.loadAgain = undefined;
        void this.load(this.deps.state(), again);
      }
    });
    return this.loading;
  }

  private async loadOnce(state: CheckState, user: boolean): Promise<void> {
    const snapshot = snapshotOf(state);
    if (!snapshot || this.isDisposed) return;
    const { context } = snapshot;
    const hidden = this.deps.hiddenReports(context.root);
    const enabled = (id: string) => !hidden.includes('*') && !hidden.includes(id);
    const target: FindingsTarget = {
      repo: context.repo,
      commit: context.commit,
      statusesKey: statusesKey(snapshot.statuses),
    };
    try {
      const api = await this.deps.connect();
      if (!api) return this.clear();
      let outcome = await this.loader.load(api, target, { user, enabled });
      const head = outcome.kind === 'loaded' ? outcome.findings : this.loader.current;
      // HEAD behind its pull request (not pulled yet) and without reports: the pull request's tip has them.
      const tip = snapshot.pullRequest?.source.commit?.hash;
      if (head && head.reports.length === 0 && tip && !sameCommit(tip, context.commit)) {
        const tipTarget = {
          ...target,
          commit: tip,
          statusesKey: statusesKey(snapshot.pullRequestStatuses ?? []),
        };
        outcome = await this.tipLoader.load(api, tipTarget, { user, enabled });
      } else this.tipLoader.clear();
      if (outcome.kind !== 'loaded') return;
      this.loaded = { ...outcome.findings, root: context.root, head: context.commit.toLowerCase() };
      this.loadedEvent.fire();
      const count = outcome.findings.findings.reduce((sum, report) => sum + report.findings.length, 0);
      this.deps.log.info(
        `Findings: ${count} from ${outcome.findings.findings.length} of ${outcome.findings.reports.length} report(s) on ${context.commit.slice(0, 7)}.`,
      );
      this.schedulePlace(true, 0);
    } catch (error) {
      // The check state shows request failures already; here they are only logged.
      try {
        const failure = stateErrorOf(error);
        this.deps.log.info(`Findings not read: ${failure.message}`);
      } catch {
        this.deps.log.error(error);
      }
    }
  }

  private clear(): void {
    this.loader.clear();
    this.tipLoader.clear();
    const had = this.loaded !== undefined;
    this.loaded = undefined;
    if (had) this.loadedEvent.fire();
    this.diff = undefined;
    this.placement = undefined;
    this.collection.clear();
    this.item.hide();
    this.changed.fire(undefined);
  }

  private schedulePlace(rediff: boolean, delay = PLACE_DELAY_MS): void {
    if (rediff) this.diff = undefined;
    if (!this.loaded) return;
    if (this.placeTimer) clearTimeout(this.placeTimer);
    this.placeTimer = setTimeout(() => {
      this.placeTimer = undefined;
      void this.place();
    }, delay);
  }

  private async place(): Promise<void> {
    const loaded = this.loaded;
    if (!loaded || this.isDisposed) return;
    if (!this.diff || this.diff.root !== loaded.root || this.diff.commit !== loaded.commit) {
      const result = await diffWorkingTree(loaded.root, loaded.commit);
      if (this.loaded !== loaded) return;
      this.diff = { root: loaded.root, commit: loaded.commit, result };
      if ('failed' in result) this.deps.log.info(`Findings: git diff failed (${result.failed}).`);
    }
    const result = this.diff.result;
    if ('failed' in result) return;
    const placement = placeFindings(
      loaded.findings,
      'changes' in result ? result.changes : undefined,
      (file) => fs.existsSync(path.join(loaded.root, file)),
      (file) => this.unsavedEdits(path.join(loaded.root, file)),
    );
    this.render(loaded.root, placement);
  }

  /** The edits of a document not saved yet; none once it is saved (git diff then sees them on disk). */
  private unsavedEdits(file: string): TextChange[] | undefined {
    const open = vscode.workspace.textDocuments.find((document) => document.uri.fsPath === file);
    return open?.isDirty ? this.unsaved.get(file) : undefined;
  }

  private render(root: string, placement: Placement): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const placed of placement.placed) {
      const file = path.join(root, placed.path);
      const list = byFile.get(file) ?? [];
      list.push(diagnosticOf(placed.finding, placed.line, this.lineLength(file, placed.line)));
      byFile.set(file, list);
    }
    this.collection.clear();
    for (const [file, diagnostics] of byFile) this.collection.set(vscode.Uri.file(file), diagnostics);
    this.placement = placement;
    this.showStatus(placement);
    this.changed.fire(placement);
  }

  private showStatus(placement: Placement): void {
    const shown = placement.placed.length;
    const missing = unplacedCount(placement.unplaced);
    if (shown === 0 && missing === 0) {
      this.item.hide();
      return;
    }
    const reports = [...new Set(placement.placed.map((placed) => placed.finding.source))].join(', ');
    const unplaced = describeUnplaced(placement.unplaced);
    this.item.text = `$(checklist) ${shown}${missing ? ` $(eye-closed) ${missing}` : ''}`;
    const words = `${shown} ${shown === 1 ? 'finding' : 'findings'} of the central check in Problems${reports ? ` (${reports})` : ''}`;
    this.item.tooltip = `${words}.${unplaced ? `\n${unplaced}.` : ''}\nChoose the reports shown: Crosscheck: Choose Reports Shown in Problems.`;
    this.item.accessibilityInformation = { label: `${words}.${unplaced ? ` ${unplaced}.` : ''}` };
    this.item.show();
  }

  private lineLength(file: string, line: number | undefined): number {
    if (line === undefined) return 0;
    const open = vscode.workspace.textDocuments.find((document) => document.uri.fsPath === file);
    if (open && line <= open.lineCount) return open.lineAt(line - 1).range.end.character;
    return LINE_END;
  }

  /** The path of a file document under the repository shown, else undefined. */
  private fileOf(uri: vscode.Uri): string | undefined {
    if (uri.scheme !== 'file' || !this.loaded) return undefined;
    const relative = path.relative(this.loaded.root, uri.fsPath);
    return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? uri.fsPath : undefined;
  }

  override dispose(): void {
    if (this.placeTimer) clearTimeout(this.placeTimer);
    super.dispose();
  }
}

/** Changes whenever a finished build status does (key, state, update time): INPROGRESS brings no report. */
function statusesKey(statuses: readonly CommitStatus[]): string {
  return statuses
    .filter((status) => status.state !== 'INPROGRESS')
    .map((status) => `${status.key}:${status.state}:${status.updated_on ?? ''}`)
    .sort()
    .join('\n');
}

function diagnosticOf(finding: Finding, line: number | undefined, end: number): vscode.Diagnostic {
  const row = (line ?? 1) - 1;
  const diagnostic = new vscode.Diagnostic(
    new vscode.Range(row, 0, row, line === undefined ? 0 : Math.max(end, 1)),
    finding.message,
    SEVERITY[finding.severity],
  );
  diagnostic.source = finding.source;
  const code = finding.code ?? 'finding';
  diagnostic.code = finding.link ? { value: code, target: vscode.Uri.parse(finding.link, true) } : code;
  return diagnostic;
}

/** `crosscheck.chooseFindingReports`: a pick of the reports on the commit shown; the unpicked are hidden. */
export async function chooseFindingReports(
  findings: FindingsDiagnostics,
  settings: {
    hiddenFindingReports(root?: vscode.Uri): string[];
    setHiddenFindingReports(ids: readonly string[], root?: vscode.Uri): Promise<void>;
  },
): Promise<void> {
  await findings.reload(true);
  const known = findings.reports();
  if (!known || known.reports.length === 0) {
    void vscode.window.showInformationMessage(
      'Crosscheck: the commit shown has no Code Insights reports yet; run the central check to get its findings.',
    );
    return;
  }
  const root = vscode.Uri.file(known.root);
  const hidden = settings.hiddenFindingReports(root);
  const items = known.reports.map((report) => {
    const id = report.external_id || report.uuid;
    return {
      label: report.title,
      description: id,
      detail: report.details?.slice(0, 200),
      picked: !hidden.includes('*') && !hidden.includes(id),
      id,
    };
  });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Crosscheck: reports shown in Problems',
    placeHolder: 'The findings of the checked reports are shown as problems',
    canPickMany: true,
    ignoreFocusOut: true,
  });
  if (!picked) return;
  const shown = new Set(picked.map((item) => item.id));
  // Reports not on this commit keep the choice made for them earlier.
  const others = hidden.filter((id) => id !== '*' && !items.some((item) => item.id === id));
  const next = [...others, ...items.filter((item) => !shown.has(item.id)).map((item) => item.id)];
  await settings.setHiddenFindingReports(next, root);
}
