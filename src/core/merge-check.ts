// What a Bitbucket merge check would conclude from the build statuses on a pull request's tip commit.
import type { CommitStatus } from './bitbucket/types';

export type MergeVerdict =
  | { kind: 'pass'; summary: string }
  | { kind: 'blocked'; summary: string; blocking: CommitStatus[] }
  | { kind: 'none'; summary: string };

/**
 * Bitbucket's "minimum successful builds / no failed builds" checks count every status on the tip commit:
 * any FAILED, INPROGRESS or STOPPED status blocks the merge.
 */
export function mergeVerdict(statuses: readonly CommitStatus[]): MergeVerdict {
  if (statuses.length === 0)
    return {
      kind: 'none',
      summary: 'No build statuses on this commit: a merge check requiring builds would block.',
    };
  const blocking = statuses.filter((status) => status.state !== 'SUCCESSFUL');
  if (blocking.length === 0) {
    return {
      kind: 'pass',
      summary: `All ${statuses.length} build status${statuses.length === 1 ? '' : 'es'} successful: the merge check would pass.`,
    };
  }
  const names = blocking.map((status) => `${status.name || status.key} (${status.state})`).join(', ');
  return { kind: 'blocked', summary: `The merge check would block: ${names}.`, blocking };
}
