// The document `crosscheck action run --json` prints: a finished run with its output values masked.
import type { ActionRunResult } from './action-runner';

/** The finished run without its mask function; `outputs` are masked like the log (the outputs file keeps them real). */
export type ActionRunJson = Omit<ActionRunResult, 'mask'>;

export function actionRunToJson(run: ActionRunResult): ActionRunJson {
  const { mask, ...rest } = run;
  return {
    ...rest,
    outputs: Object.fromEntries(Object.entries(run.outputs).map(([name, value]) => [name, mask(value)])),
  };
}
