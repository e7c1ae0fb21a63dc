// Composition root and the operations behind the commands: wires git, settings, secrets, the refresher and the views.
import * as vscode from 'vscode';
import type { TransportOptions } from '../../core/bitbucket/connection';
import { describeCredential, resolveCredential } from '../../core/credentials';
import { type DoctorReport, runDoctor } from '../../core/doctor';
import { CrosscheckError } from '../../core/errors';
import { formatRepository } from '../../core/validation';
import { Disposable } from '../common/lifecycle';
import { startCheck, validateCheckSettings } from '../model/central-trigger';
import { type CheckState, snapshotOf } from '../model/check-state';
import { COMMANDS, HAS_REPOSITORY_CONTEXT, SIGNED_IN_CONTEXT, SETTINGS } from '../model/command-ids';
import { ConnectionProvider } from '../model/connection';
import { CredentialStore, SECRET_KEYS, STORED_NAMES } from '../model/credential-store';
import { noRepository, notPushed, notSignedIn, restrictedMode } from '../model/errors';
import { SYSTEM_CLOCK } from '../model/polling';
import { type FinishedRun, Refresher } from '../model/refresher';
import { RequestBudget } from '../model/request-budget';
import { pushedHead } from '../model/repository';
import { RunTracker, type TrackedRun } from '../model/runs';
import type { SignInInput } from '../model/sign-in';
import { isWebUrl } from '../view/html';
import { doctorReportLines, doctorSummary, finishedRunMessage } from '../view/messages';
import { bitbucketWebUrl } from '../view/panel-model';
import { relativeTime } from '../view/relative-time';
import { STATE_ICONS, type StatusBarView } from '../view/status-bar-view';
import { catching } from './error-ui';
import type { GitExtension } from './git-api';
import { GitRepositories } from './git-repositories';
import { OutputLog } from './output-log';
import { DEFAULT_CHECK_KEY, Settings } from './settings';
import { signIn, signInForTests, type SignInOptions, type SignInResult } from './sign-in';
import { StatusBar, tooltipText } from './status-bar';
import { StatusPanel } from './status-panel';
import { USER_AGENT } from './version';

/** What `activate` returns: read-only views of the state, for the extension-host tests and other extensions. */
export interface CrosscheckApi {
  readonly state: CheckState;
  readonly onDidChangeState: vscode.Event<CheckState>;
  /** What the status bar item shows now. */
  statusBar():
    { visible: boolean; text: string; tooltip: string; command: string; background?: string } | undefined;
  /** Resolves once no refresh is running. */
  settled(): Promise<void>;
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
  private readonly stateChanged = this._register(new vscode.EventEmitter<CheckState>());

  constructor(context: vscode.ExtensionContext, git: GitExtension | undefined) {
    super();
    this.store = new CredentialStore(context.secrets);
    this.transport = {
      userAgent: USER_AGENT,
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
    this.refresher = this._register(
      new Refresher({
        locate: () => this.repositories.current(),
        isTrusted: () => vscode.workspace.isTrusted,
        connect: async () => (await this.connections.connection())?.api,
        checkKey: (repo) =>
          this.settings.check(vscode.Uri.file(repo.root)).checkKey.trim() || DEFAULT_CHECK_KEY,
        runs: new RunTracker(context.workspaceState),
        focused: vscode.window.state.focused,
        budget: this.budget,
      }),
    );
    this.panel = this._register(
      new StatusPanel({
        extensionUri: context.extensionUri,
        actions: {
          refresh: () => this.refresh(),
          rerun: async () => void (await catching(this.log, () => this.runCheck())()),
          signIn: async () => void (await vscode.commands.executeCommand(COMMANDS.signIn)),
        },
        webUrl: () => bitbucketWebUrl(this.settings.apiUrlForLinks()),
        onDidChangeOpen: (open) => this.refresher.setPanelOpen(open),
      }),
    );

    this._register(this.refresher.onDidChangeState((state) => this.render(state)));
    this._register(this.refresher.onDidFinishRun((finished) => this.notifyFinished(finished)));
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
        void this.updateSignedInContext();
        void this.refresher.refresh();
      }),
    );
    this.render(this.refresher.state);
    void this.updateSignedInContext();
    void this.refresher.refresh();
  }

  /** The commands, each wrapped so a failure is shown (with its fix) instead of thrown. */
  registerCommands(): void {
    const register = <A extends unknown[], R>(id: string, handler: (...args: A) => Promise<R>) =>
      this._register(vscode.commands.registerCommand(id, catching(this.log, handler)));
    // Arguments are ignored: another extension must not be able to hand in a credential.
    register(COMMANDS.signIn, () => this.signIn((options) => signIn(options)));
    register(COMMANDS.signOut, () => this.signOut());
    register(COMMANDS.testConnection, () => this.testConnection());
    register(COMMANDS.runCheck, () => this.runCheck());
    register(COMMANDS.showStatus, () => this.showStatus());
    register(COMMANDS.openPanel, async () => this.panel.show(this.refresher.state));
    register(COMMANDS.refresh, () => this.refresh());
    register(COMMANDS.showLog, async () => this.log.show());
  }

  api(mode: vscode.ExtensionMode): CrosscheckApi {
    const refresher = this.refresher;
    const testing =
      mode === vscode.ExtensionMode.Test
        ? { signIn: (input: SignInInput) => this.signIn((options) => signInForTests(input, options)) }
        : undefined;
    return {
      ...(testing ? { testing } : {}),
      get state() {
        return refresher.state;
      },
      onDidChangeState: this.stateChanged.event,
      statusBar: () => describeStatusBar(this.statusBar.view),
      settled: () => this.refresher.settled(),
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

  private async updateSignedInContext(): Promise<void> {
    await vscode.commands.executeCommand(
      'setContext',
      SIGNED_IN_CONTEXT,
      (await this.store.read()) !== undefined,
    );
  }

  private async refresh(): Promise<void> {
    await this.refresher.refresh();
  }

  /** Signs in the way `how` asks (the boxes, or the test hook), then refreshes what depends on the credential. */
  private async signIn(how: (options: SignInOptions) => Promise<SignInResult>): Promise<SignInResult> {
    const context = this.repositories.current();
    const result = await how({
      store: this.store,
      log: this.log,
      apiUrl: this.settings.apiUrl(),
      transport: this.transport,
      repo: vscode.workspace.isTrusted ? context?.repo : undefined,
    });
    if (result.signedIn) {
      this.connections.invalidate();
      await this.updateSignedInContext();
      await this.refresher.refresh();
    }
    return result;
  }

  private async signOut(): Promise<void> {
    await this.store.clear();
    this.connections.invalidate();
    await this.updateSignedInContext();
    await this.refresher.refresh();
    void vscode.window.showInformationMessage(
      'Signed out of Bitbucket: the stored email and tokens were deleted.',
    );
  }

  private async testConnection(): Promise<DoctorReport[]> {
    const connection = await this.connections.connection();
    if (!connection) throw notSignedIn();
    const trusted = vscode.workspace.isTrusted;
    const context = trusted ? this.repositories.current() : undefined;
    const repos = [context?.repo];
    if (trusted && context) {
      const central = this.settings.check(vscode.Uri.file(context.root)).centralRepository.trim();
      if (central && central !== formatRepository(context.repo)) {
        repos.push(validateCheckSettings(this.settings.check(vscode.Uri.file(context.root))).central);
      }
    }
    const reports = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Crosscheck: testing the connection' },
      async (progress) => {
        const done: DoctorReport[] = [];
        for (const repo of repos)
          done.push(await runDoctor(connection, repo, (step) => progress.report({ message: step })));
        return done;
      },
    );
    reports.forEach((report, index) => {
      const repo = repos[index];
      this.log.lines(
        doctorReportLines(
          report,
          `Connection test${repo ? ` for ${formatRepository(repo)}` : ''}${trusted ? '' : ' (Restricted Mode: no repository probed)'}:`,
        ),
      );
    });
    const summary = doctorSummary(reports);
    const show = summary.ok ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
    void show(summary.message, 'Show Details').then((choice) => choice && this.log.show());
    return reports;
  }

  private async runCheck(): Promise<TrackedRun> {
    if (!vscode.workspace.isTrusted) throw restrictedMode();
    const context = this.repositories.current();
    if (!context) throw noRepository();
    const head = pushedHead(context);
    if ('problem' in head) throw notPushed(head.problem);
    const settings = validateCheckSettings(this.settings.check(vscode.Uri.file(context.root)));
    const connection = await this.connections.connection();
    if (!connection) throw notSignedIn();
    const known = snapshotOf(this.refresher.state);
    const statusName =
      known?.context.commit === head.context.commit
        ? known.statuses.find((s) => s.key === settings.checkKey)?.name
        : undefined;
    const short = head.context.commit.slice(0, 7);
    const started = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Crosscheck: starting ${settings.pipeline} for ${short}`,
      },
      async (progress) => {
        progress.report({ message: `in ${formatRepository(settings.central)}` });
        return startCheck(connection.api, head.context, settings, {
          now: Date.now(),
          statusName: statusName ?? undefined,
        });
      },
    );
    this.log.info(
      `Started ${settings.pipeline} #${started.run.buildNumber ?? '?'} in ${formatRepository(settings.central)} for ${formatRepository(head.context.repo)}@${short}: ${started.run.runUrl}`,
    );
    // The run started; a failed INPROGRESS mark (e.g. the hourly budget spent) is logged, the verdict still comes.
    if (started.started.pendingError) this.log.error(started.started.pendingError);
    await this.refresher.follow(started.run);
    const pr = started.pullRequest ? ` (pull request #${started.pullRequest.id})` : '';
    const marked = started.started.pending ? `; ${settings.checkKey} is INPROGRESS` : '';
    void vscode.window
      .showInformationMessage(
        `Crosscheck: ${settings.pipeline} started for ${short}${pr}${marked}.`,
        'Open Panel',
        'Open Run',
      )
      .then((choice) => {
        if (choice === 'Open Panel') void vscode.commands.executeCommand(COMMANDS.openPanel);
        if (choice === 'Open Run' && isWebUrl(started.run.runUrl))
          void vscode.env.openExternal(vscode.Uri.parse(started.run.runUrl, true));
      });
    return started.run;
  }

  private async showStatus(): Promise<void> {
    if (!vscode.workspace.isTrusted) throw restrictedMode();
    if (!snapshotOf(this.refresher.state)) await this.refresher.refresh();
    const state = this.refresher.state;
    const snapshot = snapshotOf(state);
    if (!snapshot) throw stateProblem(state);
    const now = Date.now();
    const items = snapshot.statuses.map((status) => ({
      label: `$(${STATE_ICONS.get(status.state) ?? 'question'}) ${status.name || status.key}`,
      description: [status.state, relativeTime(status.updated_on ?? status.created_on, now)]
        .filter(Boolean)
        .join(' · '),
      detail: status.description ?? undefined,
      url: status.url,
    }));
    if (items.length === 0) {
      void vscode.window.showInformationMessage(
        `No build statuses on ${snapshot.context.commit.slice(0, 7)} yet.`,
      );
      return;
    }
    const picked = await vscode.window.showQuickPick(items, {
      title: `Build statuses on ${formatRepository(snapshot.context.repo)} ${snapshot.context.commit.slice(0, 7)}`,
      placeHolder: 'Pick a status to open its link',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (picked && isWebUrl(picked.url)) await vscode.env.openExternal(vscode.Uri.parse(picked.url, true));
  }

  private notifyFinished(finished: FinishedRun): void {
    if (!this.settings.notifyOnFinish()) return;
    const { tone, message } = finishedRunMessage(finished);
    const show =
      tone === 'info'
        ? vscode.window.showInformationMessage
        : tone === 'warning'
          ? vscode.window.showWarningMessage
          : vscode.window.showErrorMessage;
    void show(message, 'Open Panel').then(
      (choice) => choice && vscode.commands.executeCommand(COMMANDS.openPanel),
    );
  }
}

/** Why a state has no statuses to show, as an error with its way out. */
function stateProblem(state: CheckState): CrosscheckError {
  switch (state.kind) {
    case 'no-repository':
      return noRepository();
    case 'restricted':
      return restrictedMode();
    case 'signed-out':
      return notSignedIn();
    case 'not-pushed':
      return notPushed(state.problem);
    default:
      return state.kind === 'error'
        ? new CrosscheckError(state.error.message, state.error.hint)
        : new CrosscheckError('The statuses are still loading.', 'Try again in a moment.');
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
  const env = process.env;
  return {
    httpsProxy: configured || env.HTTPS_PROXY || env.https_proxy,
    httpProxy: configured || env.HTTP_PROXY || env.http_proxy,
    noProxy: [...noProxy, env.NO_PROXY ?? env.no_proxy ?? ''].filter(Boolean).join(','),
  };
}
