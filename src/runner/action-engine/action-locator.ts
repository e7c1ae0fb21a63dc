// Turns what `action run` or a composite `uses:` names into a folder on disk, fetching remote actions when needed.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ActionDefinitionError } from './action-definition';
import { parseActionReference, repositoryName, type RemoteActionReference } from './action-reference';
import type { RemoteActions } from './remote-actions';

export interface LocatedAction {
  /** The folder holding action.yml. */
  directory: string;
  /** For remote actions: what `github.action_repository` / `github.action_ref` report, and the commit run. */
  remote?: { repository: string; ref: string; commit: string; source: 'fetched' | 'cache' };
}

/**
 * On the command line an existing folder always wins (so `action run my-org/tool` can still mean a local folder);
 * in a composite step (`fromCommandLine` false) `./path` is relative to the workspace, as on GitHub.
 */
export async function locateAction(
  text: string,
  options: { cwd: string; remoteActions?: RemoteActions; fromCommandLine: boolean; where?: string },
): Promise<LocatedAction> {
  if (options.fromCommandLine && (await exists(path.resolve(options.cwd, text)))) {
    return { directory: path.resolve(options.cwd, text) };
  }
  const reference = parseActionReference(text, options.where);
  if (reference.kind === 'local') return { directory: path.resolve(options.cwd, reference.path) };
  return fetchRemote(reference, options.remoteActions);
}

async function fetchRemote(
  reference: RemoteActionReference,
  remoteActions: RemoteActions | undefined,
): Promise<LocatedAction> {
  if (!remoteActions) {
    throw new ActionDefinitionError(
      `'${reference.text}' is a remote action, and remote actions are not enabled here.`,
    );
  }
  const fetched = await remoteActions.fetch(reference);
  return {
    directory: fetched.directory,
    remote: {
      repository: repositoryName(reference),
      ref: reference.ref,
      commit: fetched.commit,
      source: fetched.source,
    },
  };
}

async function exists(target: string): Promise<boolean> {
  return fs.stat(target).then(
    () => true,
    () => false,
  );
}
