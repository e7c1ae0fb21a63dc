// Which pipeline of a bitbucket-pipelines.yml a run plays (custom, branches, pull-requests, default, glob patterns as Pipelines matches them) and its steps in groups.
import { parse } from 'yaml';

export interface StepDefinition {
  name?: string;
  script?: unknown[];
  'after-script'?: unknown[];
  artifacts?: unknown;
  environment?: string;
  deployment?: string;
  clone?: { enabled?: boolean };
  image?: unknown;
  'fail-fast'?: unknown;
}

/** Steps that start together: one step, or the steps of a `parallel:` group. */
export interface StepGroup {
  readonly steps: StepDefinition[];
  readonly parallel: boolean;
  /** `fail-fast: true` on the group: the first failed step stops the group's other steps. */
  readonly failFast: boolean;
}

export interface RunPlan {
  readonly groups: StepGroup[];
  /** Variable names the custom pipeline declares (`- variables:`): the only trigger variables its steps get. */
  readonly declared: string[];
  /** Declared variables' `default:` values: what a step gets when the trigger leaves one out. */
  readonly defaults: Readonly<Record<string, string>>;
  readonly image?: string;
  readonly cloneEnabled: boolean;
}

/** What started the run, which decides the pipeline it plays. */
export type PipelineChoice =
  | { readonly kind: 'custom'; readonly pattern: string }
  | { readonly kind: 'branch'; readonly branch: string }
  | { readonly kind: 'pull-request'; readonly source: string };

/**
 * The section and pattern of the pipeline a trigger selects, or undefined when none applies (no run is made):
 * custom by its name; a push by `branches:` (an exact name before any pattern, then the most specific pattern) or
 * else `default:`; a pull request by `pull-requests:` matched against its source branch (no default).
 */
export function selectPipeline(
  yml: string,
  choice: PipelineChoice,
): { section: string; pattern?: string } | undefined {
  let pipelines: Record<string, unknown> | undefined;
  try {
    pipelines = (parse(yml) as { pipelines?: Record<string, unknown> } | null)?.pipelines;
  } catch {
    return undefined;
  }
  if (!pipelines || typeof pipelines !== 'object') return undefined;
  const patterns = (section: string): string[] => {
    const value = pipelines[section];
    return value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
  };
  switch (choice.kind) {
    case 'custom':
      return patterns('custom').includes(choice.pattern)
        ? { section: 'custom', pattern: choice.pattern }
        : undefined;
    case 'branch': {
      const pattern = bestMatch(patterns('branches'), choice.branch);
      if (pattern !== undefined) return { section: 'branches', pattern };
      return Array.isArray(pipelines.default) ? { section: 'default' } : undefined;
    }
    case 'pull-request': {
      const pattern = bestMatch(patterns('pull-requests'), choice.source);
      return pattern === undefined ? undefined : { section: 'pull-requests', pattern };
    }
  }
}

/** The exact name if listed, else the matching glob with the most literal characters (the first of equals). */
export function bestMatch(patterns: readonly string[], name: string): string | undefined {
  if (patterns.includes(name)) return name;
  let best: string | undefined;
  let bestScore = -1;
  for (const pattern of patterns) {
    if (!branchGlob(pattern).test(name)) continue;
    const score = pattern.replace(/[*?{},]/g, '').length;
    if (score > bestScore) {
      best = pattern;
      bestScore = score;
    }
  }
  return best;
}

/**
 * A glob of Pipelines' branch patterns: `*` any characters but `/`, `**` any characters, `?` one character but `/`,
 * `{a,b}` either.
 */
export function branchGlob(pattern: string): RegExp {
  let source = '';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '{') {
      braces++;
      source += '(?:';
    } else if (char === '}' && braces > 0) {
      braces--;
      source += ')';
    } else if (char === ',' && braces > 0) source += '|';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  if (braces > 0) return /(?!)/;
  return new RegExp(`^${source}$`);
}

/** The steps of the pipeline at `section`/`pattern`, or why it cannot run (a Bitbucket-like setup error). */
export function planRun(yml: string, section: string, pattern?: string): RunPlan | { error: string } {
  let document: Record<string, unknown>;
  try {
    document = parse(yml) as Record<string, unknown>;
  } catch (error) {
    return { error: `bitbucket-pipelines.yml is not valid YAML: ${(error as Error).message}` };
  }
  const place = (document?.pipelines as Record<string, unknown> | undefined)?.[section];
  const entries = pattern === undefined ? place : (place as Record<string, unknown> | undefined)?.[pattern];
  const where = pattern === undefined ? section : `${section} "${pattern}"`;
  if (!Array.isArray(entries)) {
    return {
      error:
        section === 'custom'
          ? `bitbucket-pipelines.yml has no custom pipeline "${pattern}".`
          : `bitbucket-pipelines.yml has no steps in ${where}.`,
    };
  }
  const groups: StepGroup[] = [];
  const declared: string[] = [];
  const defaults: Record<string, string> = {};
  const checked = (step: unknown): StepDefinition | { error: string } => {
    if (!step || typeof step !== 'object') return { error: `An entry of ${where} is not a step.` };
    const definition = step as StepDefinition;
    if (!Array.isArray(definition.script) || definition.script.length === 0)
      return { error: `A step of ${where} has no script.` };
    return definition;
  };
  for (const [index, entry] of (entries as Array<Record<string, unknown>>).entries()) {
    if (Array.isArray(entry?.variables) && section === 'custom' && index === 0) {
      for (const v of entry.variables as Array<{ name?: unknown; default?: unknown }>) {
        if (typeof v?.name !== 'string') continue;
        declared.push(v.name);
        if (['string', 'number', 'boolean'].includes(typeof v.default)) defaults[v.name] = String(v.default);
      }
    } else if (entry?.step !== undefined) {
      const step = checked(entry.step);
      if ('error' in step) return step;
      groups.push({ steps: [step], parallel: false, failFast: false });
    } else if (entry?.parallel !== undefined) {
      // `parallel:` is a list of steps, or a mapping with `steps:` and `fail-fast:`.
      const parallel = entry.parallel as unknown;
      const list = Array.isArray(parallel) ? parallel : (parallel as { steps?: unknown } | null)?.steps;
      if (!Array.isArray(list) || list.length === 0)
        return { error: `A parallel group of ${where} has no steps.` };
      const steps: StepDefinition[] = [];
      for (const item of list as Array<{ step?: unknown }>) {
        const step = checked(item?.step);
        if ('error' in step) return step;
        steps.push(step);
      }
      const failFast =
        !Array.isArray(parallel) && (parallel as { 'fail-fast'?: unknown })['fail-fast'] === true;
      groups.push({ steps, parallel: true, failFast });
    } else {
      const key = Object.keys(entry ?? {})[0] ?? 'an empty entry';
      return {
        error: `The sandbox plays steps and parallel groups; "${key}" in ${where} is not supported.`,
      };
    }
  }
  const options = document.clone as { enabled?: boolean } | undefined;
  return {
    groups,
    declared,
    defaults,
    image: typeof document.image === 'string' ? document.image : undefined,
    cloneEnabled: options?.enabled ?? true,
  };
}
