// Git over smart HTTP for the sandbox's repositories (`git http-backend` per request, clone and fetch only), with Bitbucket's git credentials.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import type { Credentials } from './auth';
import { relayCgiResponse } from './cgi-response';
import { checkScopes, canSeeRepository, SCOPES } from './auth';
import type { GitObject } from './git-objects';
import type { RepositoryRecord } from './model';

/** `/<workspace>/<slug>.git/<rest>` */
const GIT_PATH = /^\/([\w.-]+)\/([\w.-]+)\.git(\/.*)?$/;
/** A clone of a large repository takes a while; a hung git process never outlives this. */
const GIT_REQUEST_MS = 120_000;

export interface GitHostDeps {
  readonly credentials: Credentials;
  readonly repository: (fullName: string) => RepositoryRecord | undefined;
  /** The seeded objects of a repository, written when it is first served. */
  readonly seededObjects: (fullName: string) => readonly GitObject[];
  readonly log?: (line: string) => void;
}

/** Bare repositories under a temporary folder, one per sandbox repository, made on first use. */
export class GitHost {
  private readonly root = mkdtempSync(join(tmpdir(), 'crosscheck-sandbox-git-'));
  private readonly made = new Set<string>();
  private readonly children = new Set<ReturnType<typeof spawn>>();

  constructor(private readonly deps: GitHostDeps) {}

  /** The bare repository of `fullName`, made (with its seeded objects) if new, branch refs synced to the records. */
  bareRepository(fullName: string): string {
    const bare = join(this.root, `${fullName}.git`);
    if (!this.made.has(fullName)) {
      mkdirSync(dirname(bare), { recursive: true });
      git(this.root, ['init', '--quiet', '--bare', bare]);
      writeLooseObjects(bare, this.deps.seededObjects(fullName));
      this.made.add(fullName);
    }
    this.syncRefs(fullName, bare);
    return bare;
  }

  /**
   * Pushes commit `hash` of the local repository `workTree` into the sandbox's copy of `fullName` (the commit must
   * already be registered with addCommit, so the records and git agree).
   */
  importCommit(fullName: string, workTree: string, hash: string): void {
    const bare = this.bareRepository(fullName);
    git(workTree, ['push', '--quiet', '--force', bare, `${hash}:refs/crosscheck-imported/${hash}`]);
    this.syncRefs(fullName, bare);
  }

  /** Answers a git smart-HTTP request; false when `req` is not one (not a `/<ws>/<repo>.git/…` path). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const match = GIT_PATH.exec(url.pathname);
    if (!match) return false;
    const [, workspace = '', slug = '', rest = ''] = match;
    const fullName = `${workspace}/${slug}`;
    const refuse = (status: number, text: string, challenge = false): true => {
      this.deps.log?.(`${req.method} ${url.pathname} ${status} (git)`);
      res.writeHead(status, {
        'Content-Type': 'text/plain; charset=utf-8',
        ...(challenge ? { 'WWW-Authenticate': 'Basic realm="Bitbucket.org HTTP"' } : {}),
      });
      res.end(`${text}\n`);
      req.resume();
      return true;
    };
    const service = url.searchParams.get('service') ?? rest.replace(/^\//, '');
    if (service === 'git-receive-pack' || rest === '/git-receive-pack')
      return refuse(403, 'The sandbox serves clones and fetches only.');
    const principal = this.deps.credentials.authenticateGit(req.headers.authorization);
    if (!principal) return refuse(401, 'Authentication failed: send an API token or access token.', true);
    const repo = this.deps.repository(fullName);
    if (!repo || !canSeeRepository(principal, workspace, slug)) return refuse(404, 'Repository not found.');
    if (checkScopes(principal, SCOPES.readRepository))
      return refuse(403, 'Your credentials lack the read:repository:bitbucket scope (repository).');
    const bare = this.bareRepository(fullName);
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: dirname(bare),
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: this.root,
        REQUEST_METHOD: req.method,
        PATH_INFO: `/${slug}.git${rest}`,
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_ADDR: '127.0.0.1',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    this.children.add(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), GIT_REQUEST_MS);
    req.pipe(child.stdin);
    child.stdin.on('error', () => undefined);
    const headersSent = relayCgiResponse(child.stdout, res);
    child.on('close', () => {
      clearTimeout(timer);
      this.children.delete(child);
      this.deps.log?.(`${req.method} ${url.pathname} ${res.statusCode} (git)`);
      if (!headersSent()) res.writeHead(500);
      res.end();
    });
    return true;
  }

  close(): void {
    for (const child of this.children) child.kill('SIGKILL');
    rmSync(this.root, { recursive: true, force: true });
  }

  /** Every branch of the record whose head git has points there; branches git cannot resolve are left out. */
  private syncRefs(fullName: string, bare: string): void {
    const repo = this.deps.repository(fullName);
    if (!repo) return;
    for (const [branch, hash] of repo.branches) {
      if (!/^[\w./-]+$/.test(branch) || branch.includes('..')) continue;
      if (!hasObject(bare, hash)) continue;
      const ref = join(bare, 'refs', 'heads', ...branch.split('/'));
      mkdirSync(dirname(ref), { recursive: true });
      writeFileSync(ref, `${hash}\n`);
    }
    const main = repo.branches.has(repo.mainBranch) ? repo.mainBranch : undefined;
    if (main) writeFileSync(join(bare, 'HEAD'), `ref: refs/heads/${main}\n`);
  }
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function hasObject(bare: string, hash: string): boolean {
  if (existsSync(join(bare, 'objects', hash.slice(0, 2), hash.slice(2)))) return true;
  try {
    execFileSync('git', ['cat-file', '-e', `${hash}^{commit}`], {
      cwd: bare,
      stdio: 'ignore',
      env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1' },
    });
    return true;
  } catch {
    return false;
  }
}

/** Writes objects as git's loose objects (zlib of `<type> <size>\0<body>`), which is all a bare repository needs. */
function writeLooseObjects(bare: string, objects: readonly GitObject[]): void {
  for (const object of objects) {
    const file = join(bare, 'objects', object.hash.slice(0, 2), object.hash.slice(2));
    if (existsSync(file)) continue;
    mkdirSync(dirname(file), { recursive: true });
    const header = Buffer.from(`${object.type} ${object.body.length}\0`);
    writeFileSync(file, deflateSync(Buffer.concat([header, object.body])));
  }
}
