// Names src/…ts lines in the stack of an internal error, reading the bundles' source maps only when one is reported.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `stack` with each frame in a bundle that has a source map beside it (dist/*.js.map) rewritten to the original file,
 * line and column; other frames stay as they are. Enabling Node's own source-map support at start-up would cost every
 * command's start-up far more (measured: +40 ms on `--version`) than this costs the rare internal error.
 */
export function withSourceLines(stack: string): string {
  const maps = new Map<string, SourceMap | undefined>();
  return stack.replace(
    /(?<=\(|at )((?:file:\/\/)?[^\s()]+\.[cm]?js):(\d+):(\d+)/g,
    (frame: string, location: string, line: string, column: string) => {
      const file = location.startsWith('file://') ? fileURLToPath(location) : location;
      if (!maps.has(file)) maps.set(file, readSourceMap(file));
      const entry = maps.get(file)?.findEntry(Number(line) - 1, Number(column) - 1);
      if (!entry || !('originalSource' in entry) || !entry.originalSource) return frame;
      const source = entry.originalSource.startsWith('file://')
        ? fileURLToPath(entry.originalSource)
        : resolve(dirname(file), entry.originalSource);
      return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    },
  );
}

function readSourceMap(file: string): SourceMap | undefined {
  try {
    return existsSync(`${file}.map`)
      ? new SourceMap(
          JSON.parse(readFileSync(`${file}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0],
        )
      : undefined;
  } catch {
    return undefined;
  }
}
