// `pre-if` / `post-if` and step `if:` conditions: the plain status functions at once, anything else with GitHub's evaluator.
import {
  plainStatusCondition,
  type ExpressionContexts,
  type ExpressionEvaluator,
  type ExpressionSite,
} from './expressions';

/** The job status the status functions see: `success()`, `failure()`, `cancelled()`. */
export type JobStatus = 'success' | 'failure' | 'cancelled';

/** What a condition beyond one status function needs: the evaluator, the contexts, and where it was written. */
export interface ConditionExpressions {
  evaluator: ExpressionEvaluator;
  contexts: ExpressionContexts;
  site: ExpressionSite;
}

/**
 * Whether a phase or step guarded by `condition` runs when the status so far is `status`. `always()`, `success()`…
 * (bare or in `${{ }}`) need nothing more; any other condition needs `expressions` (checked when action.yml is read).
 */
export function evaluateCondition(
  condition: string,
  status: JobStatus,
  expressions?: ConditionExpressions,
): boolean {
  const plain = plainStatusCondition(condition, status);
  if (plain !== undefined) return plain;
  if (!expressions) {
    throw new Error(`The condition '${condition}' cannot be evaluated without the expression evaluator.`);
  }
  return expressions.evaluator.evaluateCondition(condition, expressions.contexts, status, expressions.site);
}

/** Whether `condition` is more than one status function, so the evaluator must be loaded for it. */
export function needsEvaluator(condition: string): boolean {
  return plainStatusCondition(condition, 'success') === undefined;
}
