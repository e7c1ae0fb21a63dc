// The document `crosscheck action run --json` prints: a finished run with its values masked.
import type { ActionRunResult } from './action-runner';

/** The finished run without its mask function; outputs and exported values masked like the log. */
export type ActionRunJson = Omit<ActionRunResult, 'mask'>;

export function actionRunToJson(run: ActionRunResult): ActionRunJson {
  const { mask, ...rest } = run;
  return {
    ...rest,
    outputs: Object.fromEntries(Object.entries(run.outputs).map(([name, value]) => [name, mask(value)])),
    exported: {
      env: run.exported.env.map(([name, value]) => [name, mask(value)]),
      path: run.exported.path.map(mask),
    },
  };
}
