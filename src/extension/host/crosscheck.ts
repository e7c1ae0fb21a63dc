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
import { type CheckState, contextOf } from '../model/check-state';
import { COMMANDS, HAS_REPOSITORY_CONTEXT, SETTINGS } from '../model/command-ids';
import { catching } from '../model/commands/catching';
import { notifyFinished } from '../model/commands/finished-run';
import type { CommandDependencies } from '../model/commands/ports';
import { runCheck } from '../model/commands/run-check';
import { type SignInResult, signInForTests, updateSignedInContext } from '../model/commands/sign-in';
import { ConnectionProvider } from '../model/connection';
import { CredentialStore, SECRET_KEYS, STORED_NAMES } from '../model/credential-store';
import { SYSTEM_CLOCK } from '../model/polling';
import type { ProxyInEffect } from '../model/extension-messages';
import { FollowedRepositories } from '../model/followed-repositories';
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
  /** One refresher per Bitbucket repository of the window; the shown one drives the panel and the commands. */
  private readonly followed: FollowedRepositories;
  private readonly proxy: ProxyInEffect;
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
    const proxy = proxySettings();
    this.proxy = proxy.inEffect;
    this.transport = {
      userAgent: userAgent('crosscheck-vscode'),
      timeoutMs: 20_000,
      deadlineMs: 60_000,
      retry: { retries: 2 },
      proxy: proxy.options,
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
    const workspace = new EditorWorkspaceAdapter(() => this.followed.selectedContext(), this.settings);
    const runs = (this.runs = new RunTracker(context.workspaceState));
    this.followed = this._register(
      new FollowedRepositories({
        contexts: () => this.repositories.contexts(),
        activeRoot: () => this.repositories.activeRoot(),
        createRefresher: (locate) =>
          new Refresher({
            locate,
            isTrusted: () => workspace.isTrusted(),
            connect: async () => (await this.connections.connection())?.api,
            checkKey: (repo) => workspace.checkSettings(repo.root).checkKey.trim() || DEFAULT_CHECK_KEY,
            runs,
            focused: vscode.window.state.focused,
            // Every repository's automatic polls draw on the one per-window budget.
            budget: this.budget,
            messageSettings: () => ({ proxy: this.proxy }),
          }),
      }),
    );
    const refresher = this.followed;
    this.panel = this._register(
      new StatusPanel({
        extensionUri: context.extensionUri,
        actions: {
          refresh: async () => refresher.selected?.refresh(),
          rerun: async () => void (await catching(this.commandDeps, () => runCheck(this.commandDeps))()),
          signIn: async () => void (await vscode.commands.executeCommand(COMMANDS.signIn)),
          selectRepository: async (index) => {
            const chosen = refresher.list()[index];
            if (chosen) await refresher.select(chosen.root);
          },
          choosePullRequest: async (id) => refresher.selected?.choosePullRequest(id),
        },
        webUrl: () => bitbucketWebUrl(this.settings.apiUrlForLinks()),
        onDidChangeOpen: (open) => refresher.setPanelOpen(open),
        repositories: () => {
          const list = refresher.list();
          const shown = refresher.selectedContext()?.root;
          return {
            names: list.map((repository) => repository.name),
            selected: list.findIndex((repository) => repository.root === shown),
          };
        },
        gate: (state) => {
          const context = contextOf(state);
          return context?.commit ? this.findings.gateTable(context.root, context.commit) : undefined;
        },
      }),
    );
    this.commandDeps = {
      window: editorWindow,
      commands: editorCommands,
      log: this.log,
      workspace,
      store: this.store,
      connections: this.connections,
      refresher: {
        get state() {
          return refresher.state;
        },
        // Refresh reads the commit's Code Insights reports again too.
        refresh: async () => {
          await refresher.refreshAll();
          await this.findings.reload(true);
        },
        follow: (run) => refresher.follow(run),
        chosenPullRequest: () => refresher.chosenPullRequest(),
      },
      clock: SYSTEM_CLOCK,
      transport: this.transport,
    };

    const connect = async () => (await this.connections.connection())?.api;
    this.findings = this._register(
      new FindingsDiagnostics({
        onDidChangeState: refresher.onDidChangeState,
        state: () => refresher.state,
        connect,
        budget: this.budget,
        hiddenReports: (root) => this.settings.hiddenFindingReports(vscode.Uri.file(root)),
        log: this.log,
        onDidChangeRepository: this.repositories.onDidChange,
      }),
    );
    this._register(this.findings.onDidLoadReports(() => this.panel.update(refresher.state)));
    this.runLog = this._register(
      new RunLogEditor({ connect, budget: this.budget, runs: this.runs, commandDeps: this.commandDeps }),
    );

    this._register(refresher.onDidChangeState((state) => this.render(state)));
    this._register(refresher.onDidChangeAny(() => this.renderStatusBar()));
    // Whichever editor is active: a run followed in any repository of the window is notified when it finishes.
    this._register(refresher.onDidFinishRun((finished) => notifyFinished(finished, this.commandDeps)));
    this._register(this.repositories.onDidChange(() => void refresher.sync()));
    this._register(vscode.window.onDidChangeWindowState((window) => refresher.setFocused(window.focused)));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => void refresher.refreshAll()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        // Only the API URL and the check key change what the views show; the others are read when a check starts.
        const shown = [SETTINGS.apiUrl, SETTINGS.checkKey].some((name) =>
          event.affectsConfiguration(`${SETTINGS.section}.${name}`),
        );
        if (!shown) return;
        this.connections.invalidate();
        void refresher.refreshAll();
      }),
    );
    this._register(
      context.secrets.onDidChange((event) => {
        if (!(Object.values(SECRET_KEYS) as string[]).includes(event.key)) return;
        this.connections.invalidate();
        void updateSignedInContext(this.commandDeps);
        void refresher.refreshAll();
      }),
    );
    this.render(refresher.state);
    void updateSignedInContext(this.commandDeps);
    void refresher.sync();
  }

  /** The commands, each running its model function through the catch that shows failures. */
  registerCommands(): void {
    for (const command of registerCommands(this.commandDeps, () => this.panel.show(this.followed.state))) {
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
    const refresher = this.followed;
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
      settled: () => this.followed.settled(),
      findings: () => this.findings.current,
      runLogs: () => this.runLog.describe(),
      storedCredential: async () => {
        const sources = await this.store.read();
        return sources ? describeCredential(resolveCredential(sources, STORED_NAMES).credential) : undefined;
      },
    };
  }

  private render(state: CheckState): void {
    this.renderStatusBar();
    this.panel.update(state);
    void vscode.commands.executeCommand('setContext', HAS_REPOSITORY_CONTEXT, state.kind !== 'no-repository');
    this.stateChanged.fire(state);
  }

  /** The shown repository's check, naming it and summing up the others when the window follows several. */
  private renderStatusBar(): void {
    const shown = this.followed.selectedContext()?.root;
    const others = this.followed.list().filter((repository) => repository.root !== shown);
    this.statusBar.render(this.followed.state, others);
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

/** VS Code's proxy setting first, then the environment the editor was started with; and which one is in effect. */
function proxySettings(): { options: TransportOptions['proxy']; inEffect: ProxyInEffect } {
  const http = vscode.workspace.getConfiguration('http');
  const configured = http.get<string>('proxy')?.trim();
  const noProxy = http.get<string[]>('noProxy') ?? [];
  const env = proxyFromEnvironment(process.env);
  const used = configured || env.httpsProxy || env.httpProxy;
  return {
    options: {
      httpsProxy: configured || env.httpsProxy,
      httpProxy: configured || env.httpProxy,
      noProxy: [...noProxy, env.noProxy ?? ''].filter(Boolean).join(','),
    },
    inEffect: {
      source: configured ? 'setting' : used ? 'environment' : 'none',
      host: proxyHost(used),
    },
  };
}

/** host:port of a proxy URL, never its credentials. */
function proxyHost(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}
