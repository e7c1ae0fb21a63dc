// The document `crosscheck action run --json` prints: a finished run with its output values masked.
import type { Annotation, PhaseResult, StepResult } from './action-log';
import type { ActionRunResult } from './action-runner';

export interface ActionRunJson {
  action: ActionRunResult['action'];
  result: StepResult;
  exitCode: number;
  /** Masked like the log: an output holding a secret shows `***`. The outputs file keeps the real values. */
  outputs: Record<string, string>;
  annotations: Annotation[];
  summary: string;
  phases: PhaseResult[];
}

export function actionRunToJson(run: ActionRunResult): ActionRunJson {
  const outputs = Object.fromEntries(
    Object.entries(run.outputs).map(([name, value]) => [name, run.mask(value)]),
  );
  return {
    action: run.action,
    result: run.result,
    exitCode: run.exitCode,
    outputs,
    annotations: run.annotations,
    summary: run.summary,
    phases: run.phases,
  };
}
