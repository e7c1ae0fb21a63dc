// Git over smart HTTP for the sandbox's repositories (`git http-backend` per request: clone, fetch and, when enabled, push), with Bitbucket's git credentials.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import type { Credentials, Principal } from './auth';
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
  /**
   * Takes pushes (credentials with write:repository) and is told what each changed: the new commits, oldest first,
   * and the branches moved (`commit` undefined: deleted). Without it, pushes are refused.
   */
  readonly pushed?: (fullName: string, push: PushedChanges, principal: Principal) => void;
}

export interface PushedChanges {
  readonly commits: ReadonlyArray<{ hash: string; parents: string[]; message: string }>;
  readonly branches: ReadonlyArray<{ branch: string; commit?: string }>;
}

/** Bare repositories under a temporary folder, one per sandbox repository, made on first use. */
export class GitHost {
  private readonly root = mkdtempSync(join(tmpdir(), 'crosscheck-sandbox-git-'));
  private readonly made = new Set<string>();
  private readonly children = new Set<ReturnType<typeof spawn>>();

  constructor(private readonly deps: GitHostDeps) {}

  /** Whether pushes are taken. */
  get pushes(): boolean {
    return this.deps.pushed !== undefined;
  }

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

  /** The text of `path` at `commit` of a repository (at most 1 MiB); undefined when there is no such file. */
  fileAt(fullName: string, commit: string, path: string): string | undefined {
    if (!/^[0-9a-f]{40}$/.test(commit)) return undefined;
    try {
      return execFileSync('git', ['show', `${commit}:${path}`], {
        cwd: this.bareRepository(fullName),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 1024 * 1024,
        env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1' },
      });
    } catch {
      return undefined;
    }
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
    const push = service === 'git-receive-pack' || rest === '/git-receive-pack';
    if (push && !this.deps.pushed) return refuse(403, 'The sandbox serves clones and fetches only.');
    const principal = this.deps.credentials.authenticateGit(req.headers.authorization);
    if (!principal) return refuse(401, 'Authentication failed: send an API token or access token.', true);
    const repo = this.deps.repository(fullName);
    if (!repo || !canSeeRepository(principal, workspace, slug)) return refuse(404, 'Repository not found.');
    if (checkScopes(principal, SCOPES.readRepository))
      return refuse(403, 'Your credentials lack the read:repository:bitbucket scope (repository).');
    if (push && checkScopes(principal, SCOPES.writeRepository))
      return refuse(403, 'Your credentials lack the write:repository:bitbucket scope (repository:write).');
    const bare = this.bareRepository(fullName);
    const updating = push && req.method === 'POST';
    const before = updating ? branchHeads(bare) : undefined;
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        // http-backend takes pushes only from an authenticated user.
        ...(push && {
          REMOTE_USER: principal.kind === 'access-token' ? 'x-token-auth' : principal.account.email,
        }),
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
      if (before) {
        try {
          this.recordPush(fullName, bare, before, principal);
        } catch (error) {
          // git could not list what was pushed: the refs moved, the records and pipelines do not follow.
          this.deps.log?.(`push to ${fullName} not recorded: ${(error as Error).message}`);
        }
      }
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

  /** Tells `pushed` what a push changed: branch heads against `before`, and the commits git has that the records lack. */
  private recordPush(
    fullName: string,
    bare: string,
    before: Map<string, string>,
    principal: Principal,
  ): void {
    const after = branchHeads(bare);
    const branches: Array<{ branch: string; commit?: string }> = [];
    for (const [branch, commit] of after)
      if (before.get(branch) !== commit) branches.push({ branch, commit });
    for (const branch of before.keys()) if (!after.has(branch)) branches.push({ branch });
    if (branches.length === 0) return;
    const known = this.deps.repository(fullName)?.commits ?? new Map<string, unknown>();
    const heads = branches.flatMap((move) => (move.commit ? [move.commit] : []));
    const commits = git(bare, ['log', '--reverse', '--topo-order', '--format=%H%x09%P%x09%s', ...heads, '--'])
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [hash = '', parents = '', message = ''] = line.split('\t');
        return { hash, parents: parents.split(' ').filter(Boolean), message };
      })
      .filter((commit) => !known.has(commit.hash));
    this.deps.pushed?.(fullName, { commits, branches }, principal);
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
      replaceFile(ref, `${hash}\n`);
    }
    const main = repo.branches.has(repo.mainBranch) ? repo.mainBranch : undefined;
    if (main) replaceFile(join(bare, 'HEAD'), `ref: refs/heads/${main}\n`);
  }
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    // A pushed history of some 100 000 commits; more is refused with an error rather than held in memory.
    maxBuffer: 16 * 1024 * 1024,
    env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Writes `text` to `file` unless it already holds it, through a rename: a clone reading the ref at that moment (a
 * parallel step's) sees the old or the new content, never an empty file.
 */
function replaceFile(file: string, text: string): void {
  try {
    if (readFileSync(file, 'utf8') === text) return;
  } catch {
    // not there yet
  }
  const temporary = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.lock`; // git skips *.lock names
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/** Branch name → head commit of a bare repository. */
function branchHeads(bare: string): Map<string, string> {
  const heads = new Map<string, string>();
  const listed = git(bare, ['for-each-ref', '--format=%(refname:strip=2) %(objectname)', 'refs/heads']);
  for (const line of listed.split('\n')) {
    const [branch, commit] = line.split(' ');
    if (branch && commit) heads.set(branch, commit);
  }
  return heads;
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
