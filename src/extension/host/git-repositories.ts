// Follows the repositories the git extension has open, and which one holds the active editor's file.
import * as vscode from 'vscode';
import { Disposable, type DisposableLike } from '../common/lifecycle';
import { remotesFromGitConfig } from '../model/git-config';
import { chooseRepository, isInside, type RepoContext, repoContextOf } from '../model/repository';
import type { GitApi, GitExtension, Repository } from './git-api';

export class GitRepositories extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  private readonly watched = new Map<Repository, DisposableLike>();
  private readonly apiListeners: DisposableLike[] = [];
  private api?: GitApi;
  /** Repositories read from the workspace folders' .git/config, used while the git extension is off. */
  private configContexts: RepoContext[] = [];

  /** Fires when a repository opens or closes, a repository's HEAD or remotes change, or the active editor changes. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly extension: GitExtension | undefined) {
    super();
    this._register({ dispose: () => this.unwatchAll() });
    this._register(vscode.window.onDidChangeActiveTextEditor(() => this.changed.fire()));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => void this.readGitConfigs()));
    if (extension) {
      this._register(extension.onDidChangeEnablement(() => this.connect()));
      this.connect();
    }
    void this.readGitConfigs();
  }

  /**
   * The git extension's exports, activated. It is not an extensionDependency: VS Code disables git in Restricted Mode,
   * and a dependency would then keep Crosscheck from activating and telling the user why nothing is shown.
   */
  static async find(): Promise<GitExtension | undefined> {
    const extension = vscode.extensions.getExtension<GitExtension>('vscode.git');
    if (!extension) return undefined;
    try {
      return extension.isActive ? extension.exports : await extension.activate();
    } catch {
      return undefined;
    }
  }

  /** Every open repository that has a Bitbucket Cloud remote. */
  contexts(): RepoContext[] {
    if (!this.api) return this.configContexts;
    const contexts: RepoContext[] = [];
    for (const repository of this.api?.repositories ?? []) {
      const head = repository.state.HEAD;
      const context = repoContextOf({
        root: repository.rootUri.fsPath,
        remotes: repository.state.remotes,
        head: head && { name: head.name, commit: head.commit, upstream: head.upstream, ahead: head.ahead },
      });
      if (context) contexts.push(context);
    }
    return contexts;
  }

  /** The root of the repository holding the active editor's file (the innermost), if any. */
  activeRoot(): string | undefined {
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active?.scheme !== 'file') return undefined;
    const contexts = this.contexts();
    const chosen = chooseRepository(contexts, active.fsPath);
    return chosen && isInside(chosen.root, active.fsPath) ? chosen.root : undefined;
  }

  /**
   * Without the git extension (VS Code turns it off in Restricted Mode), the workspace folders' .git/config still
   * tell which Bitbucket repository is open, so Crosscheck can say why it shows nothing. Reading a file sends nothing.
   */
  private async readGitConfigs(): Promise<void> {
    const contexts: RepoContext[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      try {
        const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, '.git', 'config'));
        const remotes = remotesFromGitConfig(new TextDecoder().decode(bytes));
        const context = repoContextOf({ root: folder.uri.fsPath, remotes });
        if (context) contexts.push(context);
      } catch {
        // Not the root of a git working tree: nothing to show for this folder.
      }
    }
    if (this.isDisposed) return;
    this.configContexts = contexts;
    if (!this.api) this.changed.fire();
  }

  private connect(): void {
    this.unwatchAll();
    this.api = this.extension?.enabled ? this.extension.getAPI(1) : undefined;
    const api = this.api;
    if (api) {
      this.apiListeners.push(
        api.onDidOpenRepository((repository) => {
          this.watch(repository);
          this.changed.fire();
        }),
        api.onDidCloseRepository((repository) => {
          this.watched.get(repository)?.dispose();
          this.watched.delete(repository);
          this.changed.fire();
        }),
      );
      for (const repository of api.repositories) this.watch(repository);
    }
    this.changed.fire();
  }

  private watch(repository: Repository): void {
    if (this.watched.has(repository)) return;
    this.watched.set(
      repository,
      repository.state.onDidChange(() => this.changed.fire()),
    );
  }

  private unwatchAll(): void {
    for (const disposable of [...this.apiListeners.splice(0), ...this.watched.values()]) disposable.dispose();
    this.watched.clear();
  }
}
