// Test helper: bare git repositories of fixture actions, served over file:// and over loopback HTTP (git http-backend).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { relayCgiResponse } from '../../src/sandbox/cgi-response';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.com',
  GIT_COMMITTER_NAME: 'Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** A folder of bare repositories laid out as `<root>/<owner>/<repo>.git`, each built from a working copy. */
export class GitFixtureHost {
  readonly root = mkdtempSync(path.join(tmpdir(), 'crosscheck-git-host-'));
  private readonly work = mkdtempSync(path.join(tmpdir(), 'crosscheck-git-work-'));

  /** `file://` base URL: `--actions-url` for these repositories. */
  get fileUrl(): string {
    return `file://${this.root}`;
  }

  /** Creates (or updates) owner/repo from `source` folders' contents and commits; returns the commit SHA. */
  commit(owner: string, repo: string, sources: string[], message = 'update'): string {
    const work = path.join(this.work, owner, repo);
    const bare = path.join(this.root, owner, `${repo}.git`);
    if (!isRepository(work)) {
      mkdirSync(work, { recursive: true });
      git(work, 'init', '--quiet', '--initial-branch=main');
      mkdirSync(path.dirname(bare), { recursive: true });
      git(this.root, 'init', '--quiet', '--bare', bare);
      git(work, 'remote', 'add', 'origin', bare);
    }
    for (const source of sources) cpSync(source, work, { recursive: true });
    git(work, 'add', '--all');
    git(work, 'commit', '--quiet', '--allow-empty', '-m', message);
    git(work, 'push', '--quiet', '--force', 'origin', 'main');
    return git(work, 'rev-parse', 'HEAD');
  }

  /** Points `tag` at the current commit of owner/repo (moving it if it exists). */
  tag(owner: string, repo: string, tag: string): void {
    const work = path.join(this.work, owner, repo);
    git(work, 'tag', '--force', '--annotate', '-m', tag, tag);
    git(work, 'push', '--quiet', '--force', 'origin', `refs/tags/${tag}`);
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
    rmSync(this.work, { recursive: true, force: true });
  }
}

function isRepository(folder: string): boolean {
  try {
    execFileSync('git', ['rev-parse', '--git-dir'], { cwd: folder, stdio: 'ignore' });
    return path.resolve(folder, git(folder, 'rev-parse', '--show-toplevel')) === path.resolve(folder);
  } catch {
    return false;
  }
}

export interface GitHttpServer {
  url: string;
  /** Every request: method, path and the Authorization header it carried. */
  requests: Array<{ method: string; path: string; authorization?: string }>;
  close(): Promise<void>;
}

/**
 * Serves `root` the way a git host does over smart HTTP, by running `git http-backend` as a CGI script per request.
 * With `authorization`, requests without exactly that header get 401 (as a private repository would).
 */
export async function startGitHttpServer(
  root: string,
  options: { authorization?: string } = {},
): Promise<GitHttpServer> {
  const requests: GitHttpServer['requests'] = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    requests.push({
      method: request.method ?? 'GET',
      path: url.pathname,
      authorization: request.headers.authorization,
    });
    if (options.authorization && request.headers.authorization !== options.authorization) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fixture"' });
      response.end('Unauthorized');
      return;
    }
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_NOSYSTEM: '1',
        REQUEST_METHOD: request.method,
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        REMOTE_ADDR: '127.0.0.1',
        GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
        HTTP_CONTENT_ENCODING: String(request.headers['content-encoding'] ?? ''),
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    request.pipe(child.stdin);
    const headersSent = relayCgiResponse(child.stdout, response);
    child.on('close', () => {
      if (!headersSent()) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
