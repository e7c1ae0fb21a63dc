// Checks that an analysis is the one the gate reports on: its project, its pull request or branch, and its commit.
// report-task.txt can come from an untrusted tree, so its task id proves nothing until SonarQube confirms these.
import type { CeTask, ProjectAnalysis } from './types';

/** What the analysis must be of, from trusted sources (flags, the trigger's variables), never from report-task.txt. */
export interface ExpectedAnalysis {
  projectKey: string;
  /** The pull request analysed; when set, a branch analysis does not count. */
  pullRequest?: string;
  /** The branch analysed when there is no pull request (an analysis without a branch is of the main branch). */
  branch?: string;
  /** The full commit hash the status goes on. */
  commit: string;
}

/** Why the CE task is not of the expected project and pull request or branch, or undefined when it is. */
export function taskMismatch(task: CeTask, expected: ExpectedAnalysis): string | undefined {
  const of = `analysis task ${task.id}`;
  if (task.componentKey !== expected.projectKey) {
    return task.componentKey
      ? `${of} is of project "${task.componentKey}", not "${expected.projectKey}"`
      : `SonarQube did not say which project ${of} is of, so it cannot be tied to "${expected.projectKey}"`;
  }
  if (expected.pullRequest !== undefined) {
    if (task.pullRequest !== expected.pullRequest)
      return `${of} is of ${scopeOf(task)}, not pull request ${expected.pullRequest}`;
    return undefined;
  }
  if (task.pullRequest !== undefined) return `${of} is of pull request ${task.pullRequest}, not a branch`;
  if (task.branch !== undefined && expected.branch !== undefined && task.branch !== expected.branch)
    return `${of} is of branch ${task.branch}, not ${expected.branch}`;
  return undefined;
}

/**
 * Compares the analysed revision with the commit. `mismatch` when SonarQube names another commit; `unchecked` says
 * why it could not be compared (SonarQube did not report a revision), which is not a failure.
 */
export function revisionCheck(
  analysis: ProjectAnalysis | undefined,
  expected: ExpectedAnalysis,
): { mismatch?: string; unchecked?: string } {
  if (!analysis) return { unchecked: 'SonarQube did not list the analysis among the latest of its branch' };
  if (!analysis.revision)
    return { unchecked: 'SonarQube reported no revision for the analysis (the scanner sent none)' };
  if (analysis.revision.toLowerCase() !== expected.commit.toLowerCase()) {
    return {
      mismatch: `analysis ${analysis.key} is of commit ${analysis.revision.slice(0, 12)}, not ${expected.commit.slice(0, 12)}`,
    };
  }
  return {};
}

function scopeOf(task: CeTask): string {
  if (task.pullRequest !== undefined) return `pull request ${task.pullRequest}`;
  return task.branch !== undefined ? `branch ${task.branch}` : 'the main branch';
}
