// Starts the central check for the current branch's HEAD: settings checked first, then pull request lookup, trigger, INPROGRESS mark.
import {
  type BitbucketApi,
  type PullRequest,
  type CentralCheckStarted,
  startCentralCheck,
  InputError,
  parseKey,
  parseRepository,
  type RepositoryRef,
} from '../../core';
import { SETTINGS } from './command-ids';
import { missingSetting } from './errors';
import type { PushedContext } from './repository';
import type { TrackedRun } from './runs';

/** The `crosscheck.*` settings as read for the repository (unvalidated). */
export interface CheckSettings {
  centralRepository: string;
  centralPipeline: string;
  checkKey: string;
  /** Empty: ask Bitbucket for the central repository's main branch (one request more per run). */
  centralBranch?: string;
}

export interface ValidCheckSettings {
  central: RepositoryRef;
  pipeline: string;
  checkKey: string;
  /** The central branch to run, when set. */
  branch?: string;
}

/** Validates the settings before anything is sent; each problem names the setting to change. */
export function validateCheckSettings(settings: CheckSettings): ValidCheckSettings {
  const centralSetting = `${SETTINGS.section}.${SETTINGS.centralRepository}`;
  if (!settings.centralRepository.trim()) {
    throw missingSetting(
      SETTINGS.centralRepository,
      'Set it to the workspace/repo of the repository whose custom pipeline runs the checks, e.g. acme/central-checks.',
    );
  }
  const pipeline = settings.centralPipeline.trim();
  if (!pipeline) {
    throw missingSetting(
      SETTINGS.centralPipeline,
      'Set it to the name under "pipelines: custom:" in the central bitbucket-pipelines.yml.',
    );
  }
  const branch = settings.centralBranch?.trim();
  if (branch && /[\s~^:?*[\\]/.test(branch)) {
    throw new InputError(
      `${SETTINGS.section}.${SETTINGS.centralBranch} "${branch}" is not a branch name.`,
      'Give the branch of the central repository to run, e.g. main, or leave it empty for its main branch.',
    );
  }
  return {
    central: parseRepository(settings.centralRepository, centralSetting),
    pipeline,
    checkKey: parseKey(settings.checkKey, `${SETTINGS.section}.${SETTINGS.checkKey}`),
    ...(branch ? { branch } : {}),
  };
}

export interface StartedCheck {
  run: TrackedRun;
  started: CentralCheckStarted;
  pullRequest?: PullRequest;
  /** Every open pull request from the branch: the status the run posts on HEAD counts for each. */
  pullRequests: PullRequest[];
}

/**
 * Triggers the central custom pipeline with the TRIGGER_* variables for HEAD (and its open pull request, if any),
 * and marks HEAD INPROGRESS under the check key, named as the status already there or after the key.
 */
export async function startCheck(
  api: BitbucketApi,
  context: PushedContext,
  settings: ValidCheckSettings,
  options: {
    now: number;
    statusName?: string;
    /**
     * Picks the pull request the run is for (its id and destination are passed to the central pipeline) when the branch
     * has several open; without it, the most recently updated one.
     */
    choosePullRequest?: (open: readonly PullRequest[]) => Promise<PullRequest | undefined>;
  },
): Promise<StartedCheck> {
  if (!/^[0-9a-f]{40}$/.test(context.commit)) {
    throw new InputError(
      `HEAD ${context.commit} is not a full commit hash.`,
      'Reload the window so git reports HEAD again.',
    );
  }
  const pullRequests = await api.listOpenPullRequestsFrom(context.repo, context.branch);
  const pullRequest =
    pullRequests.length > 1 && options.choosePullRequest
      ? await options.choosePullRequest(pullRequests)
      : pullRequests[0];
  if (pullRequests.length > 1 && !pullRequest) throw new CheckCancelled();
  const started = await startCentralCheck(api, {
    central: settings.central,
    pipeline: settings.pipeline,
    ref: settings.branch,
    target: {
      repo: context.repo,
      commit: context.commit,
      branch: context.branch,
      pullRequestId: pullRequest?.id,
      destinationBranch: pullRequest?.destination.branch.name,
    },
    pendingKey: settings.checkKey,
    pendingName: options.statusName ?? settings.checkKey,
    refOption: `${SETTINGS.section}.${SETTINGS.centralBranch}`,
  });
  const run: TrackedRun = {
    repo: context.repo,
    commit: context.commit,
    branch: context.branch,
    key: settings.checkKey,
    central: settings.central,
    pipeline: settings.pipeline,
    uuid: started.pipeline.uuid,
    buildNumber: started.pipeline.build_number,
    runUrl: started.runUrl,
    startedAt: options.now,
  };
  return { run, started, pullRequest, pullRequests };
}

/** The user dismissed the choice of pull request: nothing was started. */
export class CheckCancelled extends Error {
  constructor() {
    super('No pull request was picked; nothing was started.');
  }
}
