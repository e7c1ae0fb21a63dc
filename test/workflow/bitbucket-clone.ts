// Test helper: a project in a local origin, cloned as Bitbucket Pipelines clones it (push, or PR with the destination merged).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.com',
  GIT_COMMITTER_NAME: 'Pipelines',
  GIT_COMMITTER_EMAIL: 'pipelines@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** package.json, lock file and test of a small Node project (the stand-in the vendored workflows run in). */
export function writeNodeProject(directory: string): void {
  writeFileSync(
    join(directory, 'package.json'),
    JSON.stringify(
      { name: 'web-app', version: '1.2.3', private: true, scripts: { test: 'node test.js' } },
      null,
      2,
    ),
  );
  writeFileSync(
    join(directory, 'package-lock.json'),
    JSON.stringify(
      {
        name: 'web-app',
        version: '1.2.3',
        lockfileVersion: 3,
        requires: true,
        packages: { '': { name: 'web-app', version: '1.2.3' } },
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(directory, 'test.js'),
    "const cached = process.env.PATH.split(':').find((entry) => entry.includes('tool-cache'));\nconsole.log(`tests pass on node ${process.version}; tool cache on PATH ${cached}`);\n",
  );
}

export interface PipelinesClone {
  directory: string;
  /** The variables Bitbucket sets in the step. */
  env: Record<string, string>;
  /** BITBUCKET_COMMIT: the branch's commit (in a PR clone HEAD is its merge with the destination). */
  commit: string;
}

/**
 * An origin with the project on `main` and, for a PR, a `feature/login` branch while main moved on; then the clone
 * Bitbucket makes: `git clone --branch=<branch> --depth 50` (single branch, no origin/HEAD) and, for a PR, the
 * destination fetched and merged in.
 */
export function pipelinesClone(sources: string[], kind: 'push' | 'pull-request'): PipelinesClone {
  const root = mkdtempSync(join(tmpdir(), 'crosscheck-wf-'));
  const origin = join(root, 'origin');
  mkdirSync(origin);
  git(origin, 'init', '--quiet', '--initial-branch=main');
  for (const source of sources) cpSync(source, origin, { recursive: true });
  writeNodeProject(origin);
  git(origin, 'add', '--all');
  git(origin, 'commit', '--quiet', '-m', 'project');
  let branch = 'main';
  if (kind === 'pull-request') {
    git(origin, 'checkout', '--quiet', '-b', 'feature/login');
    writeFileSync(join(origin, 'login.js'), 'module.exports = {};\n');
    git(origin, 'add', '--all');
    git(origin, 'commit', '--quiet', '-m', 'login');
    git(origin, 'checkout', '--quiet', 'main');
    writeFileSync(join(origin, 'CHANGES.md'), 'main moved on\n');
    git(origin, 'add', '--all');
    git(origin, 'commit', '--quiet', '-m', 'changes');
    branch = 'feature/login';
  }
  const directory = join(root, 'clone');
  git(root, 'clone', '--quiet', `--branch=${branch}`, '--depth', '50', `file://${origin}`, directory);
  const commit = git(directory, 'rev-parse', 'HEAD');
  const env: Record<string, string> = {
    BITBUCKET_BUILD_NUMBER: '42',
    BITBUCKET_CLONE_DIR: directory,
    BITBUCKET_COMMIT: commit,
    BITBUCKET_BRANCH: branch,
    BITBUCKET_REPO_FULL_NAME: 'acme/web-app',
    BITBUCKET_WORKSPACE: 'acme',
    BITBUCKET_STEP_UUID: `{${kind === 'push' ? '1' : '2'}b2c3d4e-0000-4000-8000-000000000000}`,
  };
  if (kind === 'pull-request') {
    git(directory, 'fetch', '--quiet', 'origin', '+refs/heads/main:refs/remotes/origin/main');
    git(directory, 'merge', '--quiet', '--no-edit', 'origin/main');
    Object.assign(env, {
      BITBUCKET_PR_ID: '7',
      BITBUCKET_PR_DESTINATION_BRANCH: 'main',
      BITBUCKET_PR_DESTINATION_COMMIT: git(directory, 'rev-parse', 'origin/main').slice(0, 12),
    });
  }
  return { directory, env, commit };
}

/** The tool cache moved to test/support (the conformance tests use it too); still importable from here. */
export { prefilledToolCache } from '../support/tool-cache';
