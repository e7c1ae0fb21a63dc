// Small checks of an answer's shape: a body stays `unknown` until the check for its endpoint accepts it.

/** What a caller expects of a 2xx body: named in words for messages, checked before it is believed. */
export interface Expect<T> {
  /** What was asked for, e.g. "a build status (JSON with key, state and url)". */
  readonly expected: string;
  /** Undefined when the body is a T; otherwise what is wrong with it, e.g. `"uuid" is missing`. */
  problem(body: unknown): string | undefined;
  /** Only for the type: never set. */
  readonly __type?: T;
}

/** Checks one value; `at` names where it is in the body (e.g. `values[3].key`). */
export type Check = (value: unknown, at: string) => string | undefined;

type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array';

/** A field: a kind (`?` when it may be absent or null), or a nested check. */
export type Field = Kind | `${Kind}?` | Check;

export function expect<T>(expected: string, check: Check): Expect<T> {
  return { expected, problem: (body) => check(body, 'the body') };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An object with these fields (others are allowed). */
export function record(fields: Record<string, Field>): Check {
  return (value, at) => {
    if (!isRecord(value)) return `${at} is ${describeKind(value)}, not an object`;
    for (const [name, field] of Object.entries(fields)) {
      const path = at === 'the body' ? `"${name}"` : `${at}.${name}`;
      const problem = checkField(value[name], field, path);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** An array whose every item passes `item`. */
export function arrayOf(item: Check): Check {
  return (value, at) => {
    if (!Array.isArray(value)) return `${at} is ${describeKind(value)}, not an array`;
    for (let index = 0; index < value.length; index++) {
      const problem = item(value[index], `${at === 'the body' ? '' : at}[${index}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** Absent, null, or passing `check`. */
export function optional(check: Check): Check {
  return (value, at) => (value === undefined || value === null ? undefined : check(value, at));
}

/** One of the given strings. */
export function oneOf(values: readonly string[]): Check {
  return (value, at) =>
    typeof value === 'string' && values.includes(value)
      ? undefined
      : `${at} is ${describeKind(value)}, not one of ${values.join(', ')}`;
}

function checkField(value: unknown, field: Field, at: string): string | undefined {
  if (typeof field === 'function') return field(value, at);
  const optionalField = field.endsWith('?');
  const kind = (optionalField ? field.slice(0, -1) : field) as Kind;
  if (value === undefined || value === null) return optionalField ? undefined : `${at} is missing`;
  const actual = Array.isArray(value) ? 'array' : typeof value;
  if (actual !== kind) return `${at} is ${describeKind(value)}, not ${article(kind)}`;
  return undefined;
}

function describeKind(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.slice(0, 40))}`;
  return article(typeof value);
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}
