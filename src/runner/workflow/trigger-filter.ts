// Whether a pull-request run is one the workflow's `on.pull_request` branch filters let through (GitHub's filter patterns).
import type { Workflow } from './workflow-model';

/**
 * GitHub's filter pattern as a regular expression: `*` matches any characters but `/`, `**` any characters, `?` one
 * character (or none), `+` one or more of the preceding, `[]` a class; `\` escapes. A leading `!` negates (handled by
 * the caller).
 */
export function filterPattern(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '*' && pattern[index + 1] === '*') {
      source += '.*';
      index++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '.?';
    else if (char === '+') source += '+';
    else if (char === '[' || char === ']') source += char;
    else if (char === '\\' && index + 1 < pattern.length) source += `\\${pattern[++index]!}`;
    else source += char.replace(/[.^$|(){}/-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** GitHub's rule: patterns in order, a later `!pattern` excludes what earlier ones matched; a match is needed. */
export function matchesFilters(name: string, patterns: string[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (matched && filterPattern(pattern.slice(1)).test(name)) matched = false;
    } else if (!matched && filterPattern(pattern).test(name)) matched = true;
  }
  return matched;
}

/**
 * In a pull-request pipeline, why the workflow would not have run on GitHub: its `on.pull_request` `branches` /
 * `branches-ignore` filter the destination branch, which Pipelines' `pull-requests:` patterns cannot. Undefined when
 * it would run (or this is no pull request, or the workflow has no such filter).
 */
export function pullRequestFilteredOut(
  workflow: Workflow,
  destination: string | undefined,
): string | undefined {
  const filter = workflow.on.pull_request;
  if (!destination || !filter) return undefined;
  const list = (value: unknown) => (Array.isArray(value) ? value.map((entry) => String(entry)) : undefined);
  const branches = list(filter.branches);
  const ignored = list(filter['branches-ignore']);
  if (branches && !matchesFilters(destination, branches)) {
    return `the pull request's destination ${destination} is not in on.pull_request.branches (${branches.join(', ')})`;
  }
  if (ignored && matchesFilters(destination, ignored)) {
    return `the pull request's destination ${destination} is in on.pull_request.branches-ignore (${ignored.join(', ')})`;
  }
  return undefined;
}
