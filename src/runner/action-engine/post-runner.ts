// `crosscheck action post`: runs the posts a job's `action run`s queued, last queued first, then removes the job.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Annotation, PhaseResult, StepResult } from './action-log';
import {
  actionBaseEnvironment,
  combine,
  describe,
  knownSecrets,
  withToken,
  type JobOptions,
} from './action-runner';
import { evaluateCondition, needsEvaluator, type JobStatus } from './conditions';
import { buildContexts, loadExpressionEvaluator, readEventPayload } from './expressions';
import { JobSession } from './job-session';
import { Job, type JobLocation } from './job-state';

export interface PostRunOptions extends JobOptions {
  job: JobLocation;
  /**
   * The status of the job so far, for `post-if` (success(), failure(), cancelled()); by default `failure` when an
   * `action run` of the job failed, else `success`.
   */
  status?: JobStatus;
}

export interface PostRunResult {
  /** The job status after the posts: a failing post fails it, as on GitHub. */
  result: StepResult;
  /** 0 when every post that ran succeeded; 1 otherwise. */
  exitCode: number;
  phases: PhaseResult[];
  annotations: Annotation[];
  summary: string;
  readonly mask: (text: string) => string;
}

/**
 * Runs the queued posts in reverse order (GitHub's post-job stack), each with the inputs, `--env` values and state of
 * the run that queued it and the job's environment as it is now; a post whose `post-if` is false for the job status
 * is skipped. The job directory (RUNNER_TEMP included) is removed afterwards, whatever happened.
 */
export async function runQueuedPosts(options: PostRunOptions): Promise<PostRunResult> {
  const exists = await fs.lstat(options.job.directory).then(
    () => true,
    () => false,
  );
  if (!exists) {
    return {
      result: options.status ?? 'success',
      exitCode: 0,
      phases: [],
      annotations: [],
      summary: '',
      mask: (text) => text,
    };
  }
  // Refused (nothing run, nothing removed) unless it is a private job directory Crosscheck created.
  await Job.peek(options.job);
  const job = await Job.open(options.job);
  const record = await job.read();
  try {
    const workspace = options.env.BITBUCKET_CLONE_DIR ?? options.cwd;
    const session = new JobSession(job, record, {
      log: options.log,
      debug: options.debug ?? false,
      workspace,
      secrets: knownSecrets(options),
      env: options.env,
      allowUnsecureCommands: options.env.ACTIONS_ALLOW_UNSECURE_COMMANDS === 'true',
      allowUnsecureStopTokens: options.env.ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS === 'true',
    });
    let status: StepResult = options.status ?? (record.failures > 0 ? 'failure' : 'success');
    let failed = false;
    for (const post of [...record.posts].reverse()) {
      const baseEnv = await actionBaseEnvironment(options, job, {
        directory: post.action.directory,
        id: post.actionId,
        remote: post.action.remote,
      });
      const expressions = needsEvaluator(post.condition)
        ? {
            evaluator: await loadExpressionEvaluator(),
            contexts: buildContexts(
              withToken({ ...baseEnv, ...(await job.read()).env }, options),
              await readEventPayload(baseEnv.GITHUB_EVENT_PATH),
              { directory: post.action.directory, ...post.action.remote },
              {},
              status,
            ),
            site: { file: post.action.directory, key: 'runs.post-if' },
          }
        : undefined;
      if (!evaluateCondition(post.condition, status, expressions)) {
        const reason = `post-if ${post.condition} is false for a ${describe(status)} job`;
        session.skip('post', post.script, reason, 'skipped', post.action.name);
        continue;
      }
      const outcome = await session.runPhase({
        phase: 'post',
        action: post.action.name,
        script: post.script,
        scriptPath: path.resolve(post.action.directory, post.script),
        node: post.node,
        baseEnv,
        stepEnv: post.stepEnv,
        inputEnv: post.inputs,
        state: new Map(Object.entries(post.state)),
      });
      if (outcome.status !== 'success') failed = true;
      status = combine(status, outcome.status);
    }
    return {
      result: status,
      exitCode: failed ? 1 : 0,
      phases: session.phases,
      annotations: session.annotations,
      summary: session.summary,
      mask: (text) => session.masker.mask(text),
    };
  } finally {
    await job.remove();
  }
}
