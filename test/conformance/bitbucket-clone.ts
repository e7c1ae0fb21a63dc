// Test helper: a Bitbucket repository and the clones Pipelines makes of it (single-branch, --depth 50; PR: destination merged).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const GIT_ENV = {
  PATH: process.env.PATH,
  HOME: tmpdir(),
  GIT_AUTHOR_NAME: 'Ada Lovelace',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Bitbucket',
  GIT_COMMITTER_EMAIL: 'noreply@bitbucket.org',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/**
 * acme/web-app: `main` with two commits, and `feature` (from main) adding src/feature.ts and docs/guide.md; served as
 * a bare repository over file:// (the clone's `origin`), whose HEAD names main.
 */
export class BitbucketRepository {
  readonly root = mkdtempSync(path.join(tmpdir(), 'crosscheck-bitbucket-'));
  readonly bare = path.join(this.root, 'acme', 'web-app.git');
  readonly commits: { main: string; feature: string };

  constructor() {
    const work = path.join(this.root, 'work');
    mkdirSync(work);
    git(work, 'init', '--quiet', '--initial-branch=main');
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      writeFileSync(path.join(work, file), text);
    };
    write('README.md', '# web-app\n');
    write('src/app.ts', 'export const app = 1;\n');
    git(work, 'add', '--all');
    git(work, 'commit', '--quiet', '-m', 'Start');
    write('src/app.ts', 'export const app = 2;\nconst unused: number = "text";\n');
    git(work, 'commit', '--quiet', '--all', '-m', 'Main moves on');
    const main = git(work, 'rev-parse', 'HEAD');
    git(work, 'checkout', '--quiet', '-b', 'feature', 'HEAD~1');
    write('src/feature.ts', 'export const feature = true;\n');
    write('docs/guide.md', '# Guide\n');
    git(work, 'add', '--all');
    git(work, 'commit', '--quiet', '-m', 'Add the feature\n\nWith a guide.');
    const feature = git(work, 'rev-parse', 'HEAD');
    mkdirSync(path.dirname(this.bare), { recursive: true });
    git(this.root, 'clone', '--quiet', '--bare', work, this.bare);
    git(this.bare, 'symbolic-ref', 'HEAD', 'refs/heads/main');
    this.commits = { main, feature };
  }

  /**
   * The clone of a branch pipeline: `git clone --branch=<branch> --depth 50`, then `git reset --hard <commit>`, as the
   * Pipelines log shows; no origin/HEAD.
   */
  pushClone(branch: 'main' | 'feature'): string {
    const clone = path.join(mkdtempSync(path.join(this.root, 'push-')), 'build');
    git(this.root, 'clone', '--quiet', `--branch=${branch}`, '--depth', '50', `file://${this.bare}`, clone);
    git(clone, 'reset', '--quiet', '--hard', this.commits[branch]);
    return clone;
  }

  /** The clone of a PR pipeline (feature → main): the source branch, then the destination commit merged in. */
  pullRequestClone(): string {
    const clone = this.pushClone('feature');
    git(clone, 'fetch', '--quiet', 'origin', 'main');
    git(clone, 'merge', '--quiet', '--no-edit', this.commits.main.slice(0, 12));
    return clone;
  }

  /** The variables Pipelines sets in a step of a branch pipeline. */
  pushVariables(branch: 'main' | 'feature', clone: string): Record<string, string> {
    return {
      BITBUCKET_BUILD_NUMBER: '41',
      BITBUCKET_BRANCH: branch,
      BITBUCKET_COMMIT: this.commits[branch],
      BITBUCKET_CLONE_DIR: clone,
      BITBUCKET_REPO_FULL_NAME: 'acme/web-app',
      BITBUCKET_REPO_SLUG: 'web-app',
      BITBUCKET_WORKSPACE: 'acme',
      BITBUCKET_GIT_HTTP_ORIGIN: 'http://bitbucket.org/acme/web-app',
      BITBUCKET_STEP_UUID: '{5c3d1a3e-9a55-4f1c-9a0e-3a1f0b8e4c11}',
      BITBUCKET_PIPELINE_UUID: '{0f8b8c74-2a8d-4b59-8e48-8b3f8a3b2c10}',
    };
  }

  /** The variables of a PR pipeline step: BITBUCKET_PR_DESTINATION_COMMIT is 12 characters, as Pipelines gives it. */
  pullRequestVariables(clone: string): Record<string, string> {
    return {
      ...this.pushVariables('feature', clone),
      BITBUCKET_PR_ID: '7',
      BITBUCKET_PR_DESTINATION_BRANCH: 'main',
      BITBUCKET_PR_DESTINATION_COMMIT: this.commits.main.slice(0, 12),
    };
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
