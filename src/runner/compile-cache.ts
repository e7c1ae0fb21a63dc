// Keeps V8's compiled code of Crosscheck's own bundles (dist/*.js) on disk, taken after a run, so later starts skip compiling them.
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Script } from 'node:vm';
import { untrustedReason } from './action-engine/private-files';

/** What Node.js gives a CommonJS module's wrapper; only `_compile` is replaced, for the bundles alone. */
interface CompilingModule {
  exports: unknown;
  _compile: (this: CompilingModule, content: string, filename: string) => unknown;
}

/**
 * CommonJS's wrapper, with its opening on a line of its own (lineOffset -1): stack frames name the bundle's own lines
 * and columns, as Node.js's loader gives them (Module.wrap would shift the first line's columns).
 */
const WRAPPER_START = '(function (exports, require, module, __filename, __dirname) {\n';
const WRAPPER_END = '\n})';

/** The largest cache file read back (the runtime bundle's is about 100 KB). */
const MAX_CACHE_BYTES = 8 * 1024 * 1024;

/**
 * Replaces Node.js's own compile cache (`module.enableCompileCache`, which keeps only what was compiled before the
 * bundle ran, so every start compiles again each function it calls) for the bundles in `distDirectory`: each is
 * compiled with `vm.Script` from V8's code cache when one is kept for exactly its contents, and the first run that
 * lacks one (or whose one V8 refused) writes, at exit, the code of everything that run compiled. A cache is kept per
 * command (`key`), so each holds what that command runs. Works on Node.js 20, which has no compile cache of its own.
 *
 * The cache folder is `$NODE_COMPILE_CACHE/crosscheck` or `<tmp>/crosscheck-code-cache-<uid>`: created 0700, and used
 * only when it is a real folder of the current user that no one else can write (compiled code is run as it is);
 * files are written 0600 through a temporary name. `NODE_DISABLE_COMPILE_CACHE=1` turns it off. Anything that fails
 * only costs speed: the bundle is then compiled from source as usual.
 */
export function enableCompileCache(
  distDirectory: string,
  key: string,
  env: Record<string, string | undefined>,
): void {
  if (env.NODE_DISABLE_COMPILE_CACHE === '1') return;
  const folder = cacheFolder(env);
  if (!folder) return;
  const pending: Array<{ slot: string; file: string; script: Script }> = [];
  const flags = [...process.execArgv, env.NODE_OPTIONS ?? ''].join(' ');
  const prototype = (nodeModule as unknown as { prototype: CompilingModule }).prototype;
  const compile = prototype._compile;
  prototype._compile = function (this: CompilingModule, content: string, filename: string) {
    if (path.dirname(filename) !== distDirectory || !filename.endsWith('.js')) {
      return compile.call(this, content, filename);
    }
    // <bundle>-<this bundle, command, Node.js and its flags>-<its contents>.v8: a new build replaces its own older
    // entry; V8 refuses code cached under other flags, so each set of flags keeps its own.
    const slot = `${path.basename(filename, '.js')}-${hash([process.version, process.arch, flags, key, filename].join('\0'))}`;
    const file = path.join(folder, `${slot}-${hash(content)}.v8`);
    const cachedData = readCache(file);
    const script = new Script(WRAPPER_START + content + WRAPPER_END, {
      filename,
      lineOffset: -1,
      ...(cachedData && { cachedData }),
    });
    if (!cachedData || script.cachedDataRejected) pending.push({ slot, file, script });
    const wrapper = script.runInThisContext() as (...args: unknown[]) => unknown;
    const require = nodeModule.createRequire(filename);
    return wrapper.call(this.exports, this.exports, require, this, filename, path.dirname(filename));
  };
  // At exit the scripts hold the code of every function this run compiled: that is what the next start skips.
  process.on('exit', () => {
    for (const { slot, file, script } of pending) writeCache(folder, slot, file, script);
  });
}

function cacheFolder(env: Record<string, string | undefined>): string | undefined {
  const uid = process.getuid?.();
  const folder = env.NODE_COMPILE_CACHE
    ? path.join(path.resolve(env.NODE_COMPILE_CACHE), 'crosscheck')
    : path.join(tmpdir(), `crosscheck-code-cache-${uid ?? 'user'}`);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    return untrustedReason(lstatSync(folder), 'directory') ? undefined : folder;
  } catch {
    return undefined;
  }
}

/** The cache file's bytes, when it is a regular file of the current user that no one else can write. */
function readCache(file: string): Buffer | undefined {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    const stat = fstatSync(descriptor);
    if (untrustedReason(stat, 'file') || stat.size > MAX_CACHE_BYTES) return undefined;
    return readFileSync(descriptor);
  } catch {
    return undefined;
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 24);
}

/** Writes the script's code as `file`, and removes the entries of older contents in the same slot. */
function writeCache(folder: string, slot: string, file: string, script: Script): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, script.createCachedData(), { mode: 0o600, flag: 'wx' });
    renameSync(temporary, file);
    for (const name of readdirSync(folder)) {
      const older = path.join(folder, name);
      if (name.startsWith(`${slot}-`) && name.endsWith('.v8') && older !== file)
        rmSync(older, { force: true });
    }
  } catch {
    rmSync(temporary, { force: true });
  }
}
