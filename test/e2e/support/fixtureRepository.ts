// A real git repository made at test time, as if cloned from Bitbucket and pushed, for the workbench to open.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** One commit of the fixture and its parents, oldest first in `commits()`. */
export interface FixtureCommit {
  readonly hash: string;
  readonly parents: readonly string[];
  readonly message: string;
}

/** What to build: the remote the clone came from and the commit messages of each branch (main first). */
export interface FixtureLayout {
  /** e.g. https://bitbucket.org/acme/web-app.git */
  readonly remoteUrl: string;
  /** Commit messages on main. */
  readonly main: readonly string[];
  /** Branch name → commit messages on top of main. */
  readonly branches: Readonly<Record<string, readonly string[]>>;
  /** The branch checked out at the end. */
  readonly checkedOut: string;
}

/**
 * A git working tree under `root` whose every branch is "pushed": `refs/remotes/origin/<branch>` points at its head
 * and is its upstream, as after `git push -u origin <branch>`, without a network.
 */
export class FixtureRepository {
  private constructor(readonly root: string) {}

  static create(root: string, layout: FixtureLayout): FixtureRepository {
    fs.mkdirSync(root, { recursive: true });
    const repository = new FixtureRepository(root);
    repository.git('init', '-q', '-b', 'main');
    repository.git('config', 'user.email', 'dev@acme.example');
    repository.git('config', 'user.name', 'Dana Developer');
    repository.git('config', 'commit.gpgsign', 'false');
    repository.git('remote', 'add', 'origin', layout.remoteUrl);
    layout.main.forEach((message, index) => repository.commitFile(`main-${index}.md`, message));
    repository.push('main');
    for (const [branch, messages] of Object.entries(layout.branches)) {
      repository.git('checkout', '-q', '-b', branch, 'main');
      messages.forEach((message, index) =>
        repository.commitFile(`${branch.replace(/\W+/g, '-')}-${index}.md`, message),
      );
      repository.push(branch);
    }
    repository.checkout(layout.checkedOut);
    return repository;
  }

  git(...args: string[]): string {
    return execFileSync('git', args, {
      cwd: this.root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  }

  /** The full hash HEAD (or `ref`) points at. */
  head(ref = 'HEAD'): string {
    return this.git('rev-parse', ref);
  }

  /** Every commit, parents before children. */
  commits(): FixtureCommit[] {
    return this.git('log', '--all', '--topo-order', '--reverse', '--format=%H %P%x09%s')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [hashes = '', message = ''] = line.split('\t');
        const [hash, ...parents] = hashes.trim().split(' ').filter(Boolean);
        if (!hash) throw new Error(`git log printed a line without a hash: ${line}`);
        return { hash, parents, message };
      });
  }

  /** Local branch name → head hash. */
  branches(): Map<string, string> {
    return new Map(
      this.git('for-each-ref', 'refs/heads', '--format=%(refname:short) %(objectname)')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ') as [string, string]),
    );
  }

  /** `git checkout <branch>`, as a developer switching branch outside the editor. */
  checkout(branch: string): void {
    this.git('checkout', '-q', branch);
  }

  /** The branch checked out, undefined on a detached HEAD. */
  currentBranch(): string | undefined {
    const name = this.git('rev-parse', '--abbrev-ref', 'HEAD');
    return name === 'HEAD' ? undefined : name;
  }

  private commitFile(file: string, message: string): void {
    fs.writeFileSync(path.join(this.root, file), `${message}\n`);
    this.git('add', file);
    this.git('commit', '-q', '-m', message);
  }

  /** As after `git push -u origin <branch>`: the remote-tracking ref at the branch head, and set as its upstream. */
  private push(branch: string): void {
    this.git('update-ref', `refs/remotes/origin/${branch}`, branch);
    this.git('branch', '-q', `--set-upstream-to=origin/${branch}`, branch);
  }
}
