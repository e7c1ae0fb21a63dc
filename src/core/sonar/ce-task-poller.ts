// Waits for SonarQube's background task to process an analysis: adaptive polling, every ending as a value, not a throw.
import { CrosscheckError } from '../errors';
import type { SonarApi } from './api';
import type { CeTask, CeTaskStatus } from './types';

export type CeTaskOutcome =
  | { kind: 'success'; task: CeTask; analysisId: string; polls: number; waitedMs: number }
  | { kind: 'failed'; task: CeTask; message: string; polls: number; waitedMs: number }
  | { kind: 'canceled'; task: CeTask; message: string; polls: number; waitedMs: number }
  | { kind: 'timeout'; task?: CeTask; message: string; polls: number; waitedMs: number }
  | { kind: 'error'; error: CrosscheckError; polls: number; waitedMs: number };

export interface CeTaskPollOptions {
  /** Longest wait in all; one last poll is made at the deadline. */
  timeoutMs: number;
  /** Told about each status change (PENDING → IN_PROGRESS …). */
  onProgress?: (status: CeTaskStatus, waitedMs: number) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const FIRST_POLL_MS = 500;
export const LONGEST_POLL_INTERVAL_MS = 5000;

/**
 * The wait before the next poll: 0.5 s at first, then a tenth of the time already waited on top, up to 5 s.
 * The lag after the task ends stays within about a tenth of its length plus half a second: an 8 s analysis is
 * seen within about 1.2 s with 11 polls, a 2-minute one within 5 s.
 */
export function pollDelayMs(elapsedMs: number): number {
  return Math.min(LONGEST_POLL_INTERVAL_MS, FIRST_POLL_MS + Math.max(0, elapsedMs) / 10);
}

/** Polls `api/ce/task` until the task ends or `timeoutMs` passes; API failures come back as `error`. */
export async function waitForCeTask(
  api: SonarApi,
  taskId: string,
  options: CeTaskPollOptions,
): Promise<CeTaskOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  const deadline = started + options.timeoutMs;
  let polls = 0;
  let last: CeTask | undefined;
  for (;;) {
    const wait = Math.min(pollDelayMs(now() - started), Math.max(0, deadline - now()));
    await sleep(wait);
    let task: CeTask;
    try {
      task = await api.getCeTask(taskId);
    } catch (error) {
      if (!(error instanceof CrosscheckError)) throw error;
      return { kind: 'error', error, polls: polls + 1, waitedMs: now() - started };
    }
    polls++;
    const waitedMs = now() - started;
    if (task.status !== last?.status) options.onProgress?.(task.status, waitedMs);
    last = task;
    switch (task.status) {
      case 'SUCCESS':
        if (task.analysisId) return { kind: 'success', task, analysisId: task.analysisId, polls, waitedMs };
        return {
          kind: 'failed',
          task,
          message: `SonarQube reported task ${taskId} done but gave no analysis id.`,
          polls,
          waitedMs,
        };
      case 'FAILED':
        return {
          kind: 'failed',
          task,
          message: `SonarQube failed to process the analysis (task ${taskId})${task.errorMessage ? `: ${task.errorMessage}` : '.'}`,
          polls,
          waitedMs,
        };
      case 'CANCELED':
        return {
          kind: 'canceled',
          task,
          message: `The analysis was canceled on the SonarQube server before it was processed (task ${taskId}).`,
          polls,
          waitedMs,
        };
    }
    if (now() >= deadline) {
      return {
        kind: 'timeout',
        task,
        message: `The analysis was still ${task.status} after ${Math.round(waitedMs / 1000)} s (task ${taskId}).`,
        polls,
        waitedMs,
      };
    }
  }
}
