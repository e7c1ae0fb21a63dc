// A small subset of Bitbucket's query language (`q=`) and `sort=`: comparisons joined by AND/OR over dotted field paths.

type Operator = '=' | '!=' | '~' | '!~' | '>' | '<' | '>=' | '<=';
interface Comparison {
  readonly field: string;
  readonly op: Operator;
  readonly value: string | number | boolean | null;
}
/** Disjunction of conjunctions: AND binds tighter than OR; parentheses are not supported. */
export type Query = Comparison[][];

const COMPARISON =
  /^\s*([A-Za-z_][\w.]*)\s*(!=|!~|>=|<=|=|~|>|<)\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)\s*$/;

/** Parses `q`; throws an Error naming the part it could not read. */
export function parseQuery(q: string): Query {
  return splitOutsideQuotes(q, 'OR').map((disjunct) =>
    splitOutsideQuotes(disjunct, 'AND').map((part) => {
      const m = COMPARISON.exec(part);
      if (!m) throw new Error(`cannot parse "${part.trim()}"`);
      // COMPARISON's three groups are required: each is a string when it matches.
      const raw = m[3]!;
      const value = raw.startsWith('"')
        ? (JSON.parse(raw) as string)
        : raw === 'true' || raw === 'false'
          ? raw === 'true'
          : raw === 'null'
            ? null
            : Number(raw);
      return { field: m[1]!, op: m[2] as Operator, value };
    }),
  );
}

export function matchesQuery(query: Query, item: unknown): boolean {
  return query.some((conj) => conj.every((c) => compare(fieldValue(item, c.field), c.op, c.value)));
}

/** Sorts by a dotted field, descending when prefixed by `-`. */
export function sortBy<T>(items: readonly T[], sort: string): T[] {
  const desc = sort.startsWith('-');
  const field = desc ? sort.slice(1) : sort;
  return [...items].sort((a, b) => {
    const x = fieldValue(a, field);
    const y = fieldValue(b, field);
    const order =
      x === y ? 0 : x === undefined || x === null ? -1 : y === undefined || y === null ? 1 : x < y ? -1 : 1;
    return desc ? -order : order;
  });
}

function fieldValue(item: unknown, path: string): unknown {
  let current: unknown = item;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function compare(actual: unknown, op: Operator, expected: string | number | boolean | null): boolean {
  const a = actual === undefined ? null : actual;
  switch (op) {
    case '=':
      return a === expected;
    case '!=':
      return a !== expected;
    case '~':
    case '!~': {
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the sandbox prints a sent value as Bitbucket does, whatever its type
      const contains = String(a ?? '')
        .toLowerCase()
        .includes(String(expected ?? '').toLowerCase());
      return op === '~' ? contains : !contains;
    }
    default: {
      if (a === null || expected === null) return false;
      const x = a as string | number;
      const y = expected as string | number;
      return op === '>' ? x > y : op === '<' ? x < y : op === '>=' ? x >= y : x <= y;
    }
  }
}

/** Splits on a keyword (case-insensitive, surrounded by spaces) that is not inside a quoted string. */
function splitOutsideQuotes(text: string, keyword: string): string[] {
  const parts: string[] = [];
  let inQuote = false;
  let start = 0;
  const needle = ` ${keyword.toLowerCase()} `;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && inQuote) {
      i++;
    } else if (ch === '"') {
      inQuote = !inQuote;
    } else if (!inQuote && text.slice(i, i + needle.length).toLowerCase() === needle) {
      parts.push(text.slice(start, i));
      start = i + needle.length;
      i += needle.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
