// Follows every Bitbucket repository open in the window (multi-root): one refresher each, sharing the window's request
// budget; the one shown is the panel's pick, else the active editor's.
import { formatRepository } from '../../core';
import { Disposable, type DisposableLike } from '../common/lifecycle';
import { Signal } from '../common/signal';
import type { CheckState } from './check-state';
import type { TrackedRun } from './runs';
import type { FinishedRun, Refresher } from './refresher';
import type { RepoContext } from './repository';

export interface FollowedRepositoriesDependencies {
  /** Every open repository with a Bitbucket Cloud remote, read from git at each call (no request). */
  contexts(): RepoContext[];
  /** The root of the repository holding the active editor's file, if any. */
  activeRoot(): string | undefined;
  /** A refresher for the repository at a root; `locate` gives its context as git sees it now. */
  createRefresher(locate: () => RepoContext | undefined): Refresher;
}

/** One repository followed, and what it shows now. */
export interface FollowedRepository {
  root: string;
  /** `workspace/slug`. */
  name: string;
  state: CheckState;
}

interface Followed {
  refresher: Refresher;
  listeners: DisposableLike[];
}

/**
 * The refreshers of the window's repositories. Automatic polls all draw on the one per-window request budget (the
 * refreshers share it); the repositories not shown poll `count` times less often when idle, so adding repositories
 * does not multiply the idle cost, while a run followed in any of them stays fast and its finish is notified.
 */
export class FollowedRepositories extends Disposable {
  private readonly followed = new Map<string, Followed>();
  private readonly changed = this._register(new Signal<CheckState>());
  private readonly anyChanged = this._register(new Signal<void>());
  private readonly finished = this._register(new Signal<FinishedRun>());
  /** Picked in the panel; dropped when the active editor moves to another repository. */
  private pinned?: string;
  private lastActive?: string;
  private selectedRoot?: string;
  private focused = true;
  private panelOpen = false;

  /** The shown repository's state changed (or another repository became the shown one). */
  readonly onDidChangeState = this.changed.event;
  /** Any followed repository's state changed (the status bar sums them up). */
  readonly onDidChangeAny = this.anyChanged.event;
  /** A run started from this window finished in any repository, whichever editor is active. */
  readonly onDidFinishRun = this.finished.event;

  constructor(private readonly deps: FollowedRepositoriesDependencies) {
    super();
    this._register({ dispose: () => this.unfollowAll() });
  }

  /** The repository shown: the panel's pick, else the active editor's, else the one shown before, else the first. */
  get selected(): Refresher | undefined {
    return this.selectedRoot === undefined ? undefined : this.followed.get(this.selectedRoot)?.refresher;
  }

  get state(): CheckState {
    return this.selected?.state ?? { kind: 'no-repository' };
  }

  /** The context of the repository shown (what commands act on). */
  selectedContext(): RepoContext | undefined {
    return this.contextAt(this.selectedRoot);
  }

  /** Every followed repository, in the order git lists them. */
  list(): FollowedRepository[] {
    return [...this.followed].map(([root, { refresher }]) => ({
      root,
      name: nameOf(refresher.state, root, this.deps.contexts()),
      state: refresher.state,
    }));
  }

  /** Repositories opened, closed or moved, or the active editor changed: follows the new set, refreshes what moved. */
  async sync(): Promise<void> {
    const contexts = this.deps.contexts();
    const roots = new Set(contexts.map((context) => context.root));
    for (const [root, followed] of this.followed) {
      if (roots.has(root)) continue;
      this.unfollow(root, followed);
    }
    const added: Refresher[] = [];
    for (const root of roots) {
      if (this.followed.has(root)) continue;
      added.push(this.followRoot(root));
    }
    const active = this.deps.activeRoot();
    if (active !== undefined && active !== this.lastActive) this.pinned = undefined;
    this.lastActive = active;
    const previous = this.selectedRoot;
    this.selectedRoot = [this.pinned, active, previous, contexts[0]?.root].find(
      (root) => root !== undefined && this.followed.has(root),
    );
    this.applyRoles();
    if (this.selectedRoot !== previous) this.changed.fire(this.state);
    this.anyChanged.fire();
    await Promise.all(
      [...this.followed.values()].map(({ refresher }) =>
        added.includes(refresher) ? refresher.refresh() : refresher.contextChanged(),
      ),
    );
  }

  /** The panel switched repository: it (and the status bar, and the commands) show that one until the editor moves. */
  async select(root: string): Promise<void> {
    if (!this.followed.has(root) || root === this.selectedRoot) return;
    this.pinned = root;
    this.selectedRoot = root;
    this.applyRoles();
    this.changed.fire(this.state);
    this.anyChanged.fire();
    await this.selected?.refresh();
  }

  /** Refreshes every repository (Refresh command, sign-in, settings change). */
  async refreshAll(): Promise<void> {
    await Promise.all([...this.followed.values()].map(({ refresher }) => refresher.refresh()));
  }

  /** A run just started: the refresher of its repository follows it, whichever is shown. */
  async follow(run: TrackedRun): Promise<void> {
    const name = formatRepository(run.repo);
    const root =
      this.deps.contexts().find((context) => formatRepository(context.repo) === name)?.root ??
      this.selectedRoot;
    const refresher = root === undefined ? undefined : this.followed.get(root)?.refresher;
    await refresher?.follow(run);
  }

  /** The pull request picked for the shown repository's branch, when it has several. */
  chosenPullRequest(): number | undefined {
    return this.selected?.chosenPullRequest();
  }

  private followRoot(root: string): Refresher {
    const refresher = this.deps.createRefresher(() => this.contextAt(root));
    refresher.setFocused(this.focused);
    const listeners = [
      refresher.onDidChangeState((state) => {
        if (root === this.selectedRoot) this.changed.fire(state);
        this.anyChanged.fire();
      }),
      refresher.onDidFinishRun((finished) => this.finished.fire(finished)),
    ];
    this.followed.set(root, { refresher, listeners });
    return refresher;
  }

  setFocused(focused: boolean): void {
    this.focused = focused;
    for (const { refresher } of this.followed.values()) refresher.setFocused(focused);
  }

  setPanelOpen(open: boolean): void {
    this.panelOpen = open;
    this.applyRoles();
  }

  /** Resolves when no repository is refreshing. */
  async settled(): Promise<void> {
    await Promise.all([...this.followed.values()].map(({ refresher }) => refresher.settled()));
  }

  private contextAt(root: string | undefined): RepoContext | undefined {
    return root === undefined ? undefined : this.deps.contexts().find((context) => context.root === root);
  }

  /** Only the shown repository reads its pull request (for the panel) and polls at the idle pace of one. */
  private applyRoles(): void {
    const count = this.followed.size;
    for (const [root, { refresher }] of this.followed) {
      const shown = root === this.selectedRoot;
      refresher.setIdleFactor(shown ? 1 : count);
      refresher.setPanelOpen(shown && this.panelOpen);
    }
  }

  private unfollow(root: string, followed: Followed): void {
    for (const listener of followed.listeners) listener.dispose();
    followed.refresher.dispose();
    this.followed.delete(root);
  }

  private unfollowAll(): void {
    for (const [root, followed] of [...this.followed]) this.unfollow(root, followed);
  }
}

function nameOf(state: CheckState, root: string, contexts: readonly RepoContext[]): string {
  const context = contexts.find((candidate) => candidate.root === root);
  if (context) return formatRepository(context.repo);
  if (state.kind === 'loaded') return formatRepository(state.snapshot.context.repo);
  return root;
}
