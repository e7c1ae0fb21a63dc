// Lets Node.js 22.1+ keep the compiled bundles on disk, so later starts skip compiling them.
import * as nodeModule from 'node:module';

/**
 * `module.enableCompileCache()` (Node.js 22.1+; absent on 20): V8's code for dist/*.js is cached under
 * `$NODE_COMPILE_CACHE` or the temporary directory, keyed by the files' contents, so the runtime and the action
 * engine chunk load without being compiled again — most of what a start costs after Node.js itself.
 * `NODE_DISABLE_COMPILE_CACHE=1` turns it off. Call it before the chunks are loaded.
 */
export function enableCompileCache(): void {
  const enable = (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache;
  try {
    enable?.();
  } catch {
    // A cache that cannot be written only costs speed.
  }
}
