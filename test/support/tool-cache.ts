// Test helper: a runner tool cache laid out as @actions/tool-cache's find() expects, holding Node.js binaries by link.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A RUNNER_TOOL_CACHE with `node/<version>/<arch>/bin/node` linked to a real Node.js binary (by default the one
 * running the tests, whatever version it is listed under) and the `<arch>.complete` marker beside each version's
 * folder: tool-cache's find() ignores a version without it, as a download cut short.
 */
export function prefilledToolCache(versions: Record<string, string> | string[]): string {
  const cache = mkdtempSync(join(tmpdir(), 'crosscheck-tool-cache-'));
  const entries = Array.isArray(versions)
    ? versions.map((version) => [version, process.execPath] as const)
    : Object.entries(versions);
  for (const [version, binary] of entries) {
    const folder = join(cache, 'node', version, process.arch);
    mkdirSync(join(folder, 'bin'), { recursive: true });
    symlinkSync(binary, join(folder, 'bin', 'node'));
    writeFileSync(`${folder}.complete`, '');
  }
  return cache;
}

/**
 * Variables that send every HTTP(S) download (setup-node's manifest from api.github.com, nodejs.org) through a proxy
 * on a loopback port nothing listens on: an attempt fails at once with ECONNREFUSED instead of reaching the network.
 * Loopback itself (the sandbox, the tests' servers) is reached directly.
 */
export async function downloadsRefused(): Promise<{
  https_proxy: string;
  http_proxy: string;
  no_proxy: string;
}> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const proxy = `http://127.0.0.1:${port}`;
  return { https_proxy: proxy, http_proxy: proxy, no_proxy: '127.0.0.1,localhost' };
}
