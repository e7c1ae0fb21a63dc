// `pre-if` / `post-if` conditions: checked when action.yml is read, evaluated against the job status before a phase.

/** The job status the status functions see: `success()`, `failure()`, `cancelled()`. */
export type JobStatus = 'success' | 'failure' | 'cancelled';

const STATUS_FUNCTION = /^(always|success|failure|cancelled)\(\s*\)$/;

function bare(condition: string): string {
  return condition
    .trim()
    .replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    .trim();
}

/**
 * Why this runner cannot evaluate `condition` (only the status functions, optionally inside `${{ }}`), or undefined
 * when it can; checked when action.yml is read so the problem is found before anything runs.
 */
export function conditionProblem(condition: string): string | undefined {
  if (STATUS_FUNCTION.test(bare(condition))) return undefined;
  return 'only always(), success(), failure() and cancelled() are supported';
}

/** Whether a phase guarded by `condition` runs when the job's status is `status` (GitHub's status functions). */
export function evaluateCondition(condition: string, status: JobStatus): boolean {
  const name = STATUS_FUNCTION.exec(bare(condition))?.[1];
  switch (name) {
    case 'always':
      return true;
    case 'success':
      return status === 'success';
    case 'failure':
      return status === 'failure';
    case 'cancelled':
      return status === 'cancelled';
    default:
      throw new Error(`The condition '${condition}' cannot be evaluated: ${conditionProblem(condition)}.`);
  }
}
