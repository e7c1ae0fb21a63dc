// Fetches remote actions with git (spawned, no shell) into a cache keyed by resolved commit, usable offline.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ActionDefinitionError, valueText } from './action-definition';
import { isFullSha, repositoryName, type RemoteActionReference } from './action-reference';
import { untrustedReason, writeNoFollow } from './private-files';

/** The host cannot be reached or git failed, and nothing usable is cached: a runtime failure (exit 1). */
export class ActionFetchError extends Error {
  override readonly name = 'ActionFetchError';
}

/** The host answered that the repository does not exist (or is not visible without a credential): exit 2. */
export class UnknownRepositoryError extends ActionDefinitionError {}

export interface RemoteActionsOptions {
  /** Base URL the `owner/repo` of a reference is appended to: https://github.com, a mirror, file:///srv/actions… */
  actionsUrl: string;
  /** Root of the cache (`$CROSSCHECK_ACTIONS_CACHE`). */
  cacheDirectory: string;
  /** Environment for git (proxies, HOME); credentials of the caller are not passed on unless `credential` is given. */
  env: Record<string, string | undefined>;
  /** A credential for the actions host, sent as an HTTP header through git's environment, never argv or URL. */
  credential?: { username: string; token: string };
  /** Deadline of `git ls-remote` (ms). */
  resolveTimeoutMs?: number;
  /** Deadline of one `git fetch` (ms). */
  fetchTimeoutMs?: number;
  /** Progress and notices for the user (stderr in the CLI). */
  progress: (message: string) => void;
  git?: string;
}

export interface FetchedAction {
  /** The checked-out repository at `commit` (read-only cache entry). */
  root: string;
  /** The folder holding action.yml: `root` plus the reference's sub-path. */
  directory: string;
  commit: string;
  /** Where the commit came from: the network, the cache (SHA or offline), for messages and JSON. */
  source: 'fetched' | 'cache';
}

const LS_REMOTE_LIMIT = 4 * 1024 * 1024;
/** The config of a cached action's .git, as `git init` writes it: nothing that changes how git reads the tree. */
const CACHE_GIT_CONFIG =
  '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n';
const STDERR_LIMIT = 64 * 1024;

interface RefsFile {
  [ref: string]: { commit: string; resolvedAt: string };
}

/** Resolves `owner/repo@ref` to a commit and a folder on disk; one instance per run. */
export class RemoteActions {
  private readonly git: string;

  constructor(private readonly options: RemoteActionsOptions) {
    this.git = options.git ?? 'git';
  }

  /** The repository's clone URL: the reference's own host, else the actions URL, plus owner/repo. */
  repositoryUrl(reference: RemoteActionReference): string {
    const base = (reference.baseUrl ?? this.options.actionsUrl).replace(/\/+$/, '');
    return `${base}/${reference.owner}/${reference.repo}`;
  }

  /** Tells the user something they should know about how an action was found (stderr in the CLI). */
  notice(message: string): void {
    this.options.progress(`notice: ${message}`);
  }

  async fetch(reference: RemoteActionReference): Promise<FetchedAction> {
    const url = this.repositoryUrl(reference);
    const cache = this.repositoryCache(url, reference);
    await this.checkCacheFolders(cache);
    const name = `${repositoryName(reference)}@${reference.ref}`;
    let commit: string;
    let wanted: string;
    if (isFullSha(reference.ref)) {
      commit = reference.ref;
      wanted = commit;
      if (await this.verified(cache, commit, name)) return this.found(reference, cache, commit, 'cache');
    } else {
      const refs = await readRefs(cache);
      let resolved: { commit: string; refName: string } | undefined;
      try {
        resolved = await this.resolve(url, reference);
      } catch (error) {
        // A mirror that is gone looks like a repository that is gone: either way the cache keeps the step running.
        if (!(error instanceof ActionFetchError || error instanceof UnknownRepositoryError)) throw error;
        const cached = refs[reference.ref];
        if (cached && (await this.verified(cache, cached.commit, name))) {
          this.options.progress(
            `notice: ${url} could not be reached (${firstLine(error.message)}); using the cached ${name} = ${cached.commit}, resolved ${cached.resolvedAt}.`,
          );
          return this.found(reference, cache, cached.commit, 'cache');
        }
        throw error;
      }
      commit = resolved.commit;
      wanted = resolved.refName;
      const known = refs[reference.ref];
      if (known?.commit !== commit) {
        if (known) {
          this.options.progress(`${name} moved from ${known.commit.slice(0, 12)} to ${commit.slice(0, 12)}.`);
        }
        refs[reference.ref] = { commit, resolvedAt: new Date().toISOString() };
        await writeRefs(cache, refs);
      }
      if (await this.verified(cache, commit, name)) return this.found(reference, cache, commit, 'cache');
    }
    this.options.progress(`Fetching ${name} from ${url}…`);
    const fetched = await this.download(url, cache, wanted, commit, name);
    if (fetched !== commit) {
      // The ref moved between ls-remote and fetch: remember what was really fetched.
      const refs = await readRefs(cache);
      refs[reference.ref] = { commit: fetched, resolvedAt: new Date().toISOString() };
      await writeRefs(cache, refs);
    }
    return this.found(reference, cache, fetched, 'fetched');
  }

  private async found(
    reference: RemoteActionReference,
    cache: string,
    commit: string,
    source: FetchedAction['source'],
  ): Promise<FetchedAction> {
    const root = path.join(cache, commit);
    const directory = path.join(root, ...reference.subPath.split('/').filter(Boolean));
    const real = await fs.realpath(directory).catch(() => undefined);
    const realRoot = await fs.realpath(root);
    if (!real || !(await isDirectory(real))) {
      throw new ActionDefinitionError(
        `${reference.text}: the folder '${reference.subPath}' does not exist in ${repositoryName(reference)} at ${commit}. Check the path after the repository name.`,
      );
    }
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
      throw new ActionDefinitionError(
        `${reference.text}: '${reference.subPath}' leads outside the repository.`,
      );
    }
    return { root, directory: real, commit, source };
  }

  /** `git ls-remote`: a tag (peeled) wins over a branch of the same name, as git's own ref lookup order has it. */
  private async resolve(
    url: string,
    reference: RemoteActionReference,
  ): Promise<{ commit: string; refName: string }> {
    const { ref } = reference;
    const result = await this.runGit(
      ['ls-remote', url, `refs/tags/${ref}`, `refs/tags/${ref}^{}`, `refs/heads/${ref}`],
      undefined,
      this.options.resolveTimeoutMs ?? 60_000,
      LS_REMOTE_LIMIT,
    );
    if (result.code !== 0) throw this.gitFailure(`git ls-remote ${url}`, result, reference);
    const refs = new Map<string, string>();
    for (const line of result.stdout.split('\n')) {
      const [sha, name] = line.trim().split(/\s+/);
      if (sha && name) refs.set(name, sha);
    }
    const tag = refs.get(`refs/tags/${ref}^{}`) ?? refs.get(`refs/tags/${ref}`);
    if (tag) return { commit: tag, refName: `refs/tags/${ref}` };
    const branch = refs.get(`refs/heads/${ref}`);
    if (branch) return { commit: branch, refName: `refs/heads/${ref}` };
    if (/^[0-9a-f]{7,39}$/.test(ref)) {
      throw new ActionDefinitionError(
        `Unable to resolve action '${reference.text}': '${ref}' is a shortened commit SHA, which is not supported (as on GitHub). Use the full 40-character commit SHA.`,
      );
    }
    throw new ActionDefinitionError(
      `Unable to resolve action '${reference.text}': ${repositoryName(reference)} at ${url} has no tag or branch '${ref}'. Use an existing tag, branch or a full commit SHA.`,
    );
  }

  /** Fetches one commit (shallow where the host allows) into a fresh folder, then moves it into the cache. */
  private async download(
    url: string,
    cache: string,
    wanted: string,
    commit: string,
    name: string,
  ): Promise<string> {
    await fs.mkdir(cache, { recursive: true });
    const work = await fs.mkdtemp(path.join(cache, '.fetch-'));
    try {
      const timeout = this.options.fetchTimeoutMs ?? 300_000;
      const init = await this.runGit(['init', '--quiet', work], undefined, timeout, 0);
      if (init.code !== 0) throw this.gitFailure('git init', init);
      let fetch = await this.runGit(
        ['fetch', '--quiet', '--no-tags', '--depth=1', url, wanted],
        work,
        timeout,
        0,
      );
      if (fetch.code !== 0 && wanted === commit) {
        // Hosts that refuse a bare SHA in a shallow fetch still serve the whole history.
        fetch = await this.runGit(
          [
            'fetch',
            '--quiet',
            '--no-tags',
            url,
            '+refs/heads/*:refs/remotes/origin/*',
            '+refs/tags/*:refs/tags/*',
          ],
          work,
          timeout,
          0,
        );
        if (fetch.code === 0) {
          const has = await this.runGit(['cat-file', '-e', `${commit}^{commit}`], work, timeout, 0);
          if (has.code !== 0) {
            throw new ActionDefinitionError(
              `Unable to resolve action '${name}': no commit ${commit} in ${url}. Check the SHA.`,
            );
          }
        }
      }
      if (fetch.code !== 0) throw this.gitFailure(`git fetch ${url}`, fetch);
      const target = wanted === commit ? commit : 'FETCH_HEAD';
      const parsed = await this.runGit(['rev-parse', '--verify', `${target}^{commit}`], work, timeout, 4096);
      if (parsed.code !== 0) throw this.gitFailure('git rev-parse', parsed);
      const fetched = parsed.stdout.trim();
      const checkout = await this.runGit(
        ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', fetched],
        work,
        timeout,
        0,
      );
      if (checkout.code !== 0) throw this.gitFailure('git checkout', checkout);
      // .git stays: every later run checks the tree against the commit's objects before running it.
      const destination = path.join(cache, fetched);
      await fs.rename(work, destination).catch(async (error: NodeJS.ErrnoException) => {
        // Another run cached the same commit meanwhile: theirs is as good as ours.
        if (!(await isDirectory(destination))) throw error;
      });
      return fetched;
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }

  /**
   * Refuses a cache that another local user could have filled or can still change: every folder from the cache root
   * down to the repository's must be a real directory (no symlink) of the current user that nobody else can write.
   * Missing folders are created private.
   */
  private async checkCacheFolders(cache: string): Promise<void> {
    const root = this.options.cacheDirectory;
    await fs.mkdir(root, { recursive: true, mode: 0o700 });
    const relative = path.relative(root, cache).split(path.sep);
    let folder = root;
    for (const part of ['', ...relative]) {
      folder = part === '' ? folder : path.join(folder, part);
      await fs.mkdir(folder, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      const problem = untrustedReason(await fs.lstat(folder), 'directory');
      if (problem) {
        throw new ActionDefinitionError(
          `The actions cache folder ${folder} ${problem}, so Crosscheck does not run actions from it: another user could change their code. Point CROSSCHECK_ACTIONS_CACHE at a folder of your own.`,
        );
      }
    }
  }

  /**
   * Whether `<cache>/<commit>` holds exactly that commit: a private folder of the current user whose files match the
   * commit's tree, checked with git against a fresh index (no stat shortcut) after git has checked the objects
   * themselves. A cached tree that fails (changed by an earlier action, or left by an older Crosscheck without its
   * .git) is removed, so it is fetched again; false when there is nothing usable.
   */
  private async verified(cache: string, commit: string, name: string): Promise<boolean> {
    const entry = path.join(cache, commit);
    const stat = await fs.lstat(entry).catch(() => undefined);
    if (!stat) return false;
    const problem = untrustedReason(stat, 'directory');
    if (problem) {
      throw new ActionDefinitionError(
        `The cached ${name} at ${entry} ${problem}, so Crosscheck does not run it. Remove it, or point CROSSCHECK_ACTIONS_CACHE at a folder of your own.`,
      );
    }
    const gitDirectory = path.join(entry, '.git');
    const gitStat = await fs.lstat(gitDirectory).catch(() => undefined);
    if (gitStat?.isDirectory()) {
      // What an earlier action could have added to make git see what is not there: a config with filters, sparse
      // checkout or fsmonitor, attributes, grafts, alternates. The config is rewritten as `git init` made it; replace refs are off.
      writeNoFollow(path.join(gitDirectory, 'config'), CACHE_GIT_CONFIG, 'replace');
      for (const file of [
        'info/attributes',
        'info/grafts',
        'info/sparse-checkout',
        'objects/info/alternates',
      ])
        await fs.rm(path.join(gitDirectory, ...file.split('/')), { force: true });
    }
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'crosscheck-verify-'));
    try {
      const git = (args: string[]) =>
        runGit(
          this.git,
          [
            '-c',
            'core.fsmonitor=false',
            '-c',
            'core.untrackedCache=false',
            `--git-dir=${path.join(entry, '.git')}`,
            `--work-tree=${entry}`,
            ...args,
          ],
          {
            cwd: entry,
            env: {
              ...this.gitEnvironment(),
              GIT_INDEX_FILE: path.join(scratch, 'index'),
              GIT_NO_REPLACE_OBJECTS: '1',
            },
            timeoutMs: this.options.fetchTimeoutMs ?? 300_000,
            stdoutLimit: 64 * 1024,
          },
        );
      const head = await git(['rev-parse', '--verify', '--quiet', `${commit}^{commit}`]);
      const fsck = head.code === 0 ? await git(['fsck', '--full', '--no-dangling', '--no-progress']) : head;
      const tree = fsck.code === 0 ? await git(['read-tree', commit]) : fsck;
      const status =
        tree.code === 0 ? await git(['status', '--porcelain', '--ignored', '--untracked-files=all']) : tree;
      if (status.code === 0 && status.stdout.trim() === '') return true;
      const gitObjects = await isDirectory(path.join(entry, '.git'));
      this.notice(
        gitObjects
          ? `the cached ${name} at ${commit.slice(0, 12)} no longer matches its commit${status.stdout ? ` (${firstLine(status.stdout)})` : ''}; it is removed and fetched again.`
          : `the cached ${name} at ${commit.slice(0, 12)} was cached without its git objects (by an older Crosscheck), so it cannot be checked; it is removed and fetched again.`,
      );
      await fs.rm(entry, { recursive: true, force: true });
      return false;
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  }

  /** `<cache>/<host>/<owner>/<repo>-<hash of the URL>`: readable, and two mirrors of one repository never mix. */
  private repositoryCache(url: string, reference: RemoteActionReference): string {
    let host = 'local';
    try {
      const parsed = new URL(url);
      if (parsed.host) host = parsed.host.replace(/[^A-Za-z0-9.-]/g, '_');
    } catch {
      // scp-like ssh URLs (git@host:path) keep the 'local' bucket; the hash still tells them apart
    }
    const hash = createHash('sha256').update(url).digest('hex').slice(0, 10);
    return path.join(this.options.cacheDirectory, host, reference.owner, `${reference.repo}-${hash}`);
  }

  private gitFailure(what: string, result: GitResult, reference?: RemoteActionReference): Error {
    const detail = result.timedOut
      ? `no answer within ${Math.round(result.timeoutMs / 1000)} s`
      : result.error
        ? result.error.message
        : firstLine(result.stderr) || `exit ${result.code}`;
    if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
      return new ActionFetchError(
        `${what}: git is not installed (or not on PATH); remote actions are fetched with git.`,
      );
    }
    if (
      reference &&
      !result.timedOut &&
      /not found|does not appear to be a git repository|does not exist|returned error: 40[134]|could not read Username|Authentication failed|Could not read from remote/i.test(
        result.stderr,
      ) &&
      !/Could not resolve host|Connection refused|timed out/i.test(result.stderr)
    ) {
      return new UnknownRepositoryError(
        `Unable to resolve action '${reference.text}': repository ${repositoryName(reference)} not found (${detail}). Check the name, --actions-url, or the credential for that host.`,
      );
    }
    return new ActionFetchError(`${what} failed: ${detail}`);
  }

  private runGit(
    args: string[],
    cwd: string | undefined,
    timeoutMs: number,
    stdoutLimit: number,
  ): Promise<GitResult> {
    return runGit(this.git, args, { cwd, env: this.gitEnvironment(), timeoutMs, stdoutLimit });
  }

  /**
   * git without prompts or stored credentials: helpers are reset, so a credential reaches the host only when one is
   * given, and then as an `http.<url>.extraHeader` set through GIT_CONFIG_* variables (never argv or a URL).
   */
  private gitEnvironment(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.options.env)) {
      if (
        value !== undefined &&
        !/^(GIT_ASKPASS|SSH_ASKPASS|GIT_CONFIG_(COUNT|KEY_\d+|VALUE_\d+|PARAMETERS))$/.test(name)
      )
        env[name] = value;
    }
    const config: Array<[string, string]> = [['credential.helper', '']];
    if (this.options.credential) {
      const { username, token } = this.options.credential;
      const basic = Buffer.from(`${username}:${token}`).toString('base64');
      config.push([
        `http.${this.options.actionsUrl.replace(/\/*$/, '/')}.extraHeader`,
        `Authorization: Basic ${basic}`,
      ]);
    }
    config.forEach(([key, value], index) => {
      env[`GIT_CONFIG_KEY_${index}`] = key;
      env[`GIT_CONFIG_VALUE_${index}`] = value;
    });
    env.GIT_CONFIG_COUNT = String(config.length);
    env.GIT_TERMINAL_PROMPT = '0';
    env.GCM_INTERACTIVE = 'never';
    env.GIT_ALLOW_PROTOCOL = 'https:http:file:ssh';
    env.GIT_SSH_COMMAND ??= 'ssh -o BatchMode=yes';
    return env;
  }
}

interface GitResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  timeoutMs: number;
  error?: Error;
}

/** Runs git with a deadline (SIGKILL when it passes) and bounded output. */
function runGit(
  git: string,
  args: string[],
  options: { cwd: string | undefined; env: Record<string, string>; timeoutMs: number; stdoutLimit: number },
): Promise<GitResult> {
  return new Promise((resolve) => {
    // Its own process group, so the deadline also ends the helpers git starts (git-remote-http keeps the pipes open).
    const group = process.platform !== 'win32';
    const child = spawn(git, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
      detached: group,
    });
    const kill = () => {
      try {
        if (group && child.pid) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let error: Error | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < options.stdoutLimit) stdout += chunk.toString('utf8');
      else if (options.stdoutLimit > 0) kill();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < STDERR_LIMIT) stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    child.on('error', (cause) => {
      error = cause;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code: timedOut || error ? null : code,
        stdout,
        stderr,
        timedOut,
        timeoutMs: options.timeoutMs,
        error,
      });
    });
  });
}

async function readRefs(cache: string): Promise<RefsFile> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(path.join(cache, 'refs.json'), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const refs: RefsFile = {};
    for (const [ref, entry] of Object.entries(parsed as Record<string, unknown>)) {
      const value = entry as { commit?: unknown; resolvedAt?: unknown };
      if (typeof value?.commit === 'string' && isFullSha(value.commit)) {
        refs[ref] = { commit: value.commit, resolvedAt: valueText(value.resolvedAt ?? '') };
      }
    }
    return refs;
  } catch {
    return {};
  }
}

async function writeRefs(cache: string, refs: RefsFile): Promise<void> {
  await fs.mkdir(cache, { recursive: true });
  const temporary = path.join(cache, `.refs-${process.pid}-${Date.now()}.json`);
  await fs.writeFile(temporary, JSON.stringify(refs, null, 2));
  await fs.rename(temporary, path.join(cache, 'refs.json'));
}

async function isDirectory(target: string): Promise<boolean> {
  return fs.stat(target).then(
    (stat) => stat.isDirectory(),
    () => false,
  );
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .find(Boolean) ?? ''
  );
}
