// Composition root: wires git, settings, secrets, the refresher, the views and the commands; builds the test API.
import * as vscode from 'vscode';
import {
  type TransportOptions,
  describeCredential,
  resolveCredential,
  proxyFromEnvironment,
  userAgent,
} from '../../core';
import { Disposable } from '../common/lifecycle';
import type { CheckState } from '../model/check-state';
import { COMMANDS, HAS_REPOSITORY_CONTEXT, SETTINGS } from '../model/command-ids';
import { catching } from '../model/commands/catching';
import { notifyFinished } from '../model/commands/finished-run';
import type { CommandDependencies } from '../model/commands/ports';
import { runCheck } from '../model/commands/run-check';
import { type SignInResult, signInForTests, updateSignedInContext } from '../model/commands/sign-in';
import { ConnectionProvider } from '../model/connection';
import { CredentialStore, SECRET_KEYS, STORED_NAMES } from '../model/credential-store';
import { SYSTEM_CLOCK } from '../model/polling';
import { Refresher } from '../model/refresher';
import { RequestBudget } from '../model/request-budget';
import { RunTracker } from '../model/runs';
import type { SignInInput } from '../model/sign-in';
import { bitbucketWebUrl } from '../view/panel-model';
import type { StatusBarView } from '../view/status-bar-view';
import { registerCommands } from './commands';
import { editorCommands, EditorWorkspaceAdapter, editorWindow } from './editor-ports';
import type { GitExtension } from './git-api';
import { GitRepositories } from './git-repositories';
import { OutputLog } from './output-log';
import { chooseFindingReports, FindingsDiagnostics } from './findings-diagnostics';
import { RunLogEditor } from './run-log-editor';
import { DEFAULT_CHECK_KEY, Settings } from './settings';
import { StatusBar, tooltipText } from './status-bar';
import { StatusPanel } from './status-panel';

/** What `activate` returns: read-only views of the state, for the extension-host tests and other extensions. */
export interface CrosscheckApi {
  readonly state: CheckState;
  readonly onDidChangeState: vscode.Event<CheckState>;
  /** What the status bar item shows now. */
  statusBar():
    { visible: boolean; text: string; tooltip: string; command: string; background?: string } | undefined;
  /** Resolves once no refresh is running. */
  settled(): Promise<void>;
  /** The findings shown as problems now, and how many could not be placed. */
  findings(): { shown: number; unplaced: number; description?: string } | undefined;
  /** The open run log tabs: how many lines each holds, whether its run finished. */
  runLogs(): Array<{ uri: string; lines: number; finished: boolean }>;
  /** Describes the stored credential without revealing it (kind and email), or undefined when signed out. */
  storedCredential(): Promise<string | undefined>;
  /**
   * Only when VS Code runs the extension's tests (ExtensionMode.Test): sign in without the input boxes. Never in
   * normal use, where any extension could call it; there credentials come only through the boxes.
   */
  readonly testing?: { signIn(input: SignInInput): Promise<SignInResult> };
}

export class Crosscheck extends Disposable {
  private readonly log = this._register(new OutputLog());
  private readonly settings = new Settings();
  private readonly store: CredentialStore;
  private readonly transport: TransportOptions;
  private readonly connections: ConnectionProvider;
  private readonly repositories: GitRepositories;
  private readonly refresher: Refresher;
  private readonly statusBar = this._register(new StatusBar());
  private readonly budget = new RequestBudget(SYSTEM_CLOCK);
  private readonly panel: StatusPanel;
  private readonly runs: RunTracker;
  private readonly findings: FindingsDiagnostics;
  private readonly runLog: RunLogEditor;
  private readonly stateChanged = this._register(new vscode.EventEmitter<CheckState>());
  /** What the command functions act on. */
  private readonly commandDeps: CommandDependencies;

  constructor(context: vscode.ExtensionContext, git: GitExtension | undefined) {
    super();
    this.store = new CredentialStore(context.secrets);
    this.transport = {
      userAgent: userAgent('crosscheck-vscode'),
      timeoutMs: 20_000,
      deadlineMs: 60_000,
      retry: { retries: 2 },
      proxy: proxySettings(),
      onEvent: (event) => {
        this.log.httpEvent(event);
        this.budget.observe(event);
      },
    };
    this.connections = new ConnectionProvider(this.store, {
      apiUrl: () => this.settings.apiUrl(),
      transport: this.transport,
    });
    this.repositories = this._register(new GitRepositories(git));
    const workspace = new EditorWorkspaceAdapter(this.repositories, this.settings);
    this.refresher = this._register(
      new Refresher({
        locate: () => workspace.currentRepository(),
        isTrusted: () => workspace.isTrusted(),
        connect: async () => (await this.connections.connection())?.api,
        checkKey: (repo) => workspace.checkSettings(repo.root).checkKey.trim() || DEFAULT_CHECK_KEY,
        runs: (this.runs = new RunTracker(context.workspaceState)),
        focused: vscode.window.state.focused,
        budget: this.budget,
      }),
    );
    this.panel = this._register(
      new StatusPanel({
        extensionUri: context.extensionUri,
        actions: {
          refresh: () => this.refresher.refresh(),
          rerun: async () => void (await catching(this.commandDeps, () => runCheck(this.commandDeps))()),
          signIn: async () => void (await vscode.commands.executeCommand(COMMANDS.signIn)),
        },
        webUrl: () => bitbucketWebUrl(this.settings.apiUrlForLinks()),
        onDidChangeOpen: (open) => this.refresher.setPanelOpen(open),
      }),
    );
    this.commandDeps = {
      window: editorWindow,
      commands: editorCommands,
      log: this.log,
      workspace,
      store: this.store,
      connections: this.connections,
      refresher: this.refresher,
      clock: SYSTEM_CLOCK,
      transport: this.transport,
    };

    const connect = async () => (await this.connections.connection())?.api;
    this.findings = this._register(
      new FindingsDiagnostics({
        onDidChangeState: this.refresher.onDidChangeState,
        state: () => this.refresher.state,
        connect,
        budget: this.budget,
        hiddenReports: (root) => this.settings.hiddenFindingReports(vscode.Uri.file(root)),
        log: this.log,
        onDidChangeRepository: this.repositories.onDidChange,
      }),
    );
    this.runLog = this._register(
      new RunLogEditor({ connect, budget: this.budget, runs: this.runs, commandDeps: this.commandDeps }),
    );

    this._register(this.refresher.onDidChangeState((state) => this.render(state)));
    this._register(this.refresher.onDidFinishRun((finished) => notifyFinished(finished, this.commandDeps)));
    this._register(this.repositories.onDidChange(() => void this.refresher.contextChanged()));
    this._register(
      vscode.window.onDidChangeWindowState((window) => this.refresher.setFocused(window.focused)),
    );
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => void this.refresher.refresh()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        // Only the API URL and the check key change what the views show; the others are read when a check starts.
        const shown = [SETTINGS.apiUrl, SETTINGS.checkKey].some((name) =>
          event.affectsConfiguration(`${SETTINGS.section}.${name}`),
        );
        if (!shown) return;
        this.connections.invalidate();
        void this.refresher.refresh();
      }),
    );
    this._register(
      context.secrets.onDidChange((event) => {
        if (!(Object.values(SECRET_KEYS) as string[]).includes(event.key)) return;
        this.connections.invalidate();
        void updateSignedInContext(this.commandDeps);
        void this.refresher.refresh();
      }),
    );
    this.render(this.refresher.state);
    void updateSignedInContext(this.commandDeps);
    void this.refresher.refresh();
  }

  /** The commands, each running its model function through the catch that shows failures. */
  registerCommands(): void {
    for (const command of registerCommands(this.commandDeps, () => this.panel.show(this.refresher.state))) {
      this._register(command);
    }
    for (const command of this.runLog.registerCommands()) this._register(command);
    this._register(
      vscode.commands.registerCommand(
        COMMANDS.chooseFindingReports,
        catching(this.commandDeps, () => chooseFindingReports(this.findings, this.settings)),
      ),
    );
  }

  api(mode: vscode.ExtensionMode): CrosscheckApi {
    const refresher = this.refresher;
    const testing =
      mode === vscode.ExtensionMode.Test
        ? { signIn: (input: SignInInput) => signInForTests(input, this.commandDeps) }
        : undefined;
    return {
      ...(testing ? { testing } : {}),
      get state() {
        return refresher.state;
      },
      onDidChangeState: this.stateChanged.event,
      statusBar: () => describeStatusBar(this.statusBar.view),
      settled: () => this.refresher.settled(),
      findings: () => this.findings.current,
      runLogs: () => this.runLog.describe(),
      storedCredential: async () => {
        const sources = await this.store.read();
        return sources ? describeCredential(resolveCredential(sources, STORED_NAMES).credential) : undefined;
      },
    };
  }

  private render(state: CheckState): void {
    this.statusBar.render(state);
    this.panel.update(state);
    void vscode.commands.executeCommand('setContext', HAS_REPOSITORY_CONTEXT, state.kind !== 'no-repository');
    this.stateChanged.fire(state);
  }
}

function describeStatusBar(view: StatusBarView | undefined): ReturnType<CrosscheckApi['statusBar']> {
  if (!view) return undefined;
  return {
    visible: view.visible,
    text: view.text,
    tooltip: tooltipText(view.tooltip),
    command: view.command,
    background: view.background,
  };
}

/** VS Code's proxy setting first, then the environment the editor was started with. */
function proxySettings(): TransportOptions['proxy'] {
  const http = vscode.workspace.getConfiguration('http');
  const configured = http.get<string>('proxy')?.trim();
  const noProxy = http.get<string[]>('noProxy') ?? [];
  const env = proxyFromEnvironment(process.env);
  return {
    httpsProxy: configured || env.httpsProxy,
    httpProxy: configured || env.httpProxy,
    noProxy: [...noProxy, env.noProxy ?? ''].filter(Boolean).join(','),
  };
}
