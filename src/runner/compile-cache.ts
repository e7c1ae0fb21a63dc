// Keeps V8's compiled code of Crosscheck's own bundles (dist/*.js) on disk, taken after a run, so later starts skip compiling them.
import { lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Script } from 'node:vm';
import { readNoFollow, untrustedReason } from './action-engine/private-files';

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
 * An entry holds the source it was made from and is used only when that is byte for byte the bundle's (V8 itself
 * checks only the length): no hashing, so commands that need no crypto never load node:crypto.
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
  const pending: Array<{ file: string; content: string; script: Script }> = [];
  const flags = [...process.execArgv, env.NODE_OPTIONS ?? ''].join(' ');
  const prototype = (nodeModule as unknown as { prototype: CompilingModule }).prototype;
  const compile = prototype._compile;
  prototype._compile = function (this: CompilingModule, content: string, filename: string) {
    if (path.dirname(filename) !== distDirectory || !filename.endsWith('.js')) {
      return compile.call(this, content, filename);
    }
    // One entry per bundle, command, Node.js and flags (V8 refuses code cached under other flags); a new build
    // replaces it.
    const file = path.join(
      folder,
      `${path.basename(filename, '.js')}-${fnv1a([process.version, process.arch, flags, key, filename].join('\0'))}.v8`,
    );
    const cachedData = readCache(file, content);
    const script = new Script(WRAPPER_START + content + WRAPPER_END, {
      filename,
      lineOffset: -1,
      ...(cachedData && { cachedData }),
    });
    if (!cachedData || script.cachedDataRejected) pending.push({ file, content, script });
    const wrapper = script.runInThisContext() as (...args: unknown[]) => unknown;
    const require = nodeModule.createRequire(filename);
    return wrapper.call(this.exports, this.exports, require, this, filename, path.dirname(filename));
  };
  // At exit the scripts hold the code of every function this run compiled: that is what the next start skips.
  process.on('exit', () => {
    for (const { file, content, script } of pending) writeCache(file, content, script);
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

/**
 * An entry: the byte length of the source (4 bytes, little-endian), the source, then V8's code cache. Read only
 * when it is a regular file of the current user that no one else can write.
 */
const HEADER_BYTES = 4;

/** V8's code cache from `file`, when the entry was made from exactly `content`. */
function readCache(file: string, content: string): Buffer | undefined {
  let entry: Buffer | undefined;
  try {
    entry = readNoFollow(file, (stat) => {
      if (untrustedReason(stat, 'file') || stat.size > MAX_CACHE_BYTES) throw new Error('not a usable entry');
    });
  } catch {
    return undefined;
  }
  if (!entry || entry.length < HEADER_BYTES) return undefined;
  const sourceBytes = entry.readUInt32LE(0);
  if (HEADER_BYTES + sourceBytes > entry.length) return undefined;
  const source = entry.toString('utf8', HEADER_BYTES, HEADER_BYTES + sourceBytes);
  return source === content ? entry.subarray(HEADER_BYTES + sourceBytes) : undefined;
}

/** A name for an entry's slot (32-bit FNV-1a, twice): a collision only makes two slots take turns. */
function fnv1a(text: string): string {
  let low = 0x811c9dc5;
  let high = 0x01000193 ^ text.length;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    low = Math.imul(low ^ code, 0x01000193) >>> 0;
    high = Math.imul(high ^ code, 0x01000197) >>> 0;
  }
  return low.toString(16).padStart(8, '0') + high.toString(16).padStart(8, '0');
}

/** Writes the entry for `content` as `file`, through a temporary name. */
function writeCache(file: string, content: string, script: Script): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const source = Buffer.from(content, 'utf8');
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(source.length, 0);
    writeFileSync(temporary, Buffer.concat([header, source, script.createCachedData()]), {
      mode: 0o600,
      flag: 'wx',
    });
    renameSync(temporary, file);
  } catch {
    rmSync(temporary, { force: true });
  }
}
