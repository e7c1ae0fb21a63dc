// A job's `strategy.matrix` expanded as GitHub expands it (product, exclude, include), and one combination chosen.
import { WorkflowError, type WorkflowJob } from './workflow-model';

export type Combination = Record<string, unknown>;

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const same = (left: unknown, right: unknown) => JSON.stringify(left) === JSON.stringify(right);

/**
 * The combinations of a matrix, in GitHub's order: the product of the vectors (first key outermost), less every
 * combination matching an `exclude` entry (all of its keys), then each `include` entry added to every combination
 * whose original values it does not change, or appended as a combination of its own when it fits none.
 * A job without a matrix has one empty combination.
 */
export function matrixCombinations(job: WorkflowJob): Combination[] {
  const matrix = job.matrix;
  if (matrix === undefined) return [{}];
  if (!isMapping(matrix)) {
    throw new WorkflowError(
      `Job '${job.id}': strategy.matrix is computed by an expression, so its combinations are known only when it runs; give each value with --matrix NAME=VALUE.`,
    );
  }
  let combinations: Combination[] = [{}];
  const vectors = Object.entries(matrix).filter(([key]) => key !== 'include' && key !== 'exclude');
  for (const [key, values] of vectors) {
    if (!Array.isArray(values)) {
      throw new WorkflowError(
        `Job '${job.id}': strategy.matrix.${key} is not a list (an expression?); it cannot be expanded.`,
      );
    }
    combinations = combinations.flatMap((combination) =>
      (values as unknown[]).map((value) => ({ ...combination, [key]: value })),
    );
  }
  if (vectors.length === 0) combinations = [];
  const excludes = Array.isArray(matrix.exclude) ? matrix.exclude.filter(isMapping) : [];
  combinations = combinations.filter(
    (combination) =>
      !excludes.some((exclude) =>
        Object.entries(exclude).every(([key, value]) => same(combination[key], value)),
      ),
  );
  const originalKeys = new Set(vectors.map(([key]) => key));
  const base = combinations.map((combination) => ({ ...combination }));
  const added: Combination[] = [];
  for (const include of Array.isArray(matrix.include) ? matrix.include.filter(isMapping) : []) {
    let fitted = false;
    base.forEach((original, index) => {
      const fits = Object.entries(include).every(
        ([key, value]) => !originalKeys.has(key) || same(original[key], value),
      );
      if (fits) {
        fitted = true;
        Object.assign(combinations[index]!, include);
      }
    });
    if (!fitted) added.push({ ...include });
  }
  return [...combinations, ...added];
}

/** `name=value` pairs as a combination of strings. */
export function parseMatrixOptions(entries: string[]): Record<string, string> {
  const chosen: Record<string, string> = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw new WorkflowError(`--matrix "${entry}" is not NAME=VALUE.`);
    chosen[entry.slice(0, equals).trim()] = entry.slice(equals + 1);
  }
  return chosen;
}

/** How a combination is shown and given on the command line: `node=20 os=linux`. */
export function describeCombination(combination: Combination): string {
  return Object.entries(combination)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

/** A value as --matrix gives it: strings as they are, anything else as JSON. */
const asOption = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** The one combination `--matrix` picks out; an error listing them all when it picks none or several. */
export function chooseCombination(job: WorkflowJob, given: Record<string, string>): Combination {
  if (job.matrix !== undefined && !isMapping(job.matrix)) {
    // A computed matrix: the values given are the combination (numbers and booleans read back as JSON).
    const combination: Combination = {};
    for (const [key, value] of Object.entries(given)) {
      try {
        combination[key] = /^(-?\d+(\.\d+)?|true|false|null|\{.*\}|\[.*\])$/.test(value)
          ? JSON.parse(value)
          : value;
      } catch {
        combination[key] = value;
      }
    }
    return combination;
  }
  const all = matrixCombinations(job);
  if (job.matrix === undefined) {
    if (Object.keys(given).length > 0)
      throw new WorkflowError(`Job '${job.id}' has no matrix; leave out --matrix.`);
    return {};
  }
  const matching = all.filter((combination) =>
    Object.entries(given).every(([key, value]) => key in combination && asOption(combination[key]) === value),
  );
  if (matching.length === 1) return matching[0]!;
  const list = all
    .map((combination) => `  --matrix ${describeCombination(combination).split(' ').join(' --matrix ')}`)
    .join('\n');
  throw new WorkflowError(
    `${matching.length === 0 ? 'No' : `${matching.length}`} combination${matching.length === 1 ? '' : 's'} of job '${job.id}' match${matching.length === 1 ? 'es' : ''} ${Object.keys(given).length ? describeCombination(given) : 'no --matrix'}; choose one of:\n${list}`,
  );
}
