// The PR status panel: one webview, fed the rendered state after its ready handshake, answering its typed requests.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { CrosscheckError } from '../../core';
import { Disposable } from '../common/lifecycle';
import type { CheckState } from '../model/check-state';
import { PANEL_VIEW_TYPE } from '../model/command-ids';
import { PanelSession } from '../model/panel-protocol';
import { isWebUrl } from '../view/html';
import type { GateTable } from '../model/gate-conditions';
import { gateView } from '../view/gate-table';
import { renderPanelBody, renderPanelDocument } from '../view/panel-html';
import { announcementOf, type PanelModel, panelModel } from '../view/panel-model';

export interface PanelActions {
  refresh(): Promise<void>;
  rerun(): Promise<void>;
  signIn(): Promise<void>;
  /** Shows the repository at this index of `repositories()`. */
  selectRepository(index: number): Promise<void>;
  choosePullRequest(id: number): Promise<void>;
}

export interface PanelOptions {
  extensionUri: vscode.Uri;
  actions: PanelActions;
  /** Bitbucket's web address, for links the API does not give. */
  webUrl(): string;
  onDidChangeOpen(open: boolean): void;
  /** The repositories the window follows (names) and which one is shown; the panel lists them when there are several. */
  repositories(): { names: string[]; selected: number };
  /** The quality gate table of the commit shown, from its Code Insights report, when there is one. */
  gate?(state: CheckState): GateTable | undefined;
  now?: () => number;
}

/** Folders the webview may load from: the extension's media (its CSS, script and the codicon font). */
export function mediaRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'media');
}

export class StatusPanel extends Disposable {
  private panel?: vscode.WebviewPanel;
  private session?: PanelSession;
  private model?: PanelModel;
  private state?: CheckState;
  private busy = 0;

  constructor(private readonly options: PanelOptions) {
    super();
    this._register({ dispose: () => void this.panel?.dispose() });
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** The state last rendered, as the panel's model (for the extension's test API). */
  get currentModel(): PanelModel | undefined {
    return this.model;
  }

  show(state: CheckState): void {
    this.state = state;
    if (this.panel) {
      this.panel.reveal();
      this.render();
      return;
    }
    const root = mediaRoot(this.options.extensionUri);
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'PR Status', vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [root],
    });
    panel.iconPath = vscode.Uri.joinPath(root, 'icon.png');
    this.panel = panel;
    this.session = new PanelSession(
      (message) => panel.webview.postMessage(message),
      {
        refresh: () => this.options.actions.refresh(),
        rerun: () => this.whileBusy(() => this.options.actions.rerun()),
        signIn: () => this.options.actions.signIn(),
        openLink: ({ link }) => this.openLink(link),
        selectRepository: ({ index }) => this.options.actions.selectRepository(index),
        choosePullRequest: ({ id }) => this.options.actions.choosePullRequest(id),
      },
      (error) =>
        error instanceof CrosscheckError
          ? `${error.message}${error.hint ? ` ${error.hint}` : ''}`
          : 'Something went wrong; see the Crosscheck output.',
    );
    const listeners = [
      panel.webview.onDidReceiveMessage((message: unknown) => void this.session?.receive(message)),
      panel.onDidDispose(() => {
        for (const listener of listeners) listener.dispose();
        this.panel = undefined;
        this.session = undefined;
        this.options.onDidChangeOpen(false);
      }),
    ];
    this.model = this.modelOf(state);
    panel.webview.html = renderPanelDocument({
      cspSource: panel.webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'panel.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'panel.css')).toString(),
      codiconsUri: panel.webview
        .asWebviewUri(vscode.Uri.joinPath(root, 'codicons', 'codicon.css'))
        .toString(),
      body: renderPanelBody(this.model),
    });
    this.options.onDidChangeOpen(true);
  }

  /** Renders a new state if the panel is open. */
  update(state: CheckState): void {
    this.state = state;
    if (this.panel) this.render();
  }

  private render(): void {
    if (!this.state || !this.session) return;
    const previous = this.model;
    this.model = this.modelOf(this.state);
    const announce = announcementOf(previous, this.model);
    this.session.push({
      type: 'state',
      html: renderPanelBody(this.model).markup,
      busy: this.busy > 0,
      ...(announce ? { announce } : {}),
    });
  }

  private modelOf(state: CheckState): PanelModel {
    const model = panelModel(state, (this.options.now ?? Date.now)(), this.options.webUrl());
    const { names, selected } = this.options.repositories();
    if (names.length > 1)
      model.repositories = names.map((label, index) => ({ label, selected: index === selected }));
    model.gate = gateView(this.options.gate?.(state), model.links);
    return model;
  }

  private async whileBusy(action: () => Promise<void>): Promise<void> {
    this.busy++;
    this.render();
    try {
      await action();
    } finally {
      this.busy--;
      this.render();
    }
  }

  /** Opens a link of the model last rendered; the webview can only name an index, so it cannot open anything else. */
  private async openLink(index: number): Promise<void> {
    const url = this.model?.links[index];
    if (!isWebUrl(url))
      throw new CrosscheckError('That link is no longer shown.', 'Refresh the panel and try again.');
    await vscode.env.openExternal(vscode.Uri.parse(url, true));
  }
}
