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
 * As on GitHub, `owner/repo[/path]@ref` always names a repository, even where a folder of that name exists (in the
 * central pipeline the working directory is the pull request's tree); a local action is `./path` or an absolute
 * path. On the command line `./path` is relative to the working directory, in a composite step to the workspace.
 */
export async function locateAction(
  text: string,
  options: { cwd: string; remoteActions?: RemoteActions; fromCommandLine: boolean; where?: string },
): Promise<LocatedAction> {
  const reference = parseActionReference(text, options.where);
  if (
    reference.kind === 'remote' &&
    options.fromCommandLine &&
    (await exists(path.resolve(options.cwd, text)))
  ) {
    options.remoteActions?.notice(
      `'${text}' names the repository ${repositoryName(reference)}, not the folder of that name here; give ./${text} for the folder.`,
    );
  }
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
