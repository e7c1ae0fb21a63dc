// Escaping for HTML text and attribute values: every string from an API goes through here before it reaches a webview.

const ENTITIES = new Map([
  ['&', '&amp;'],
  ['<', '&lt;'],
  ['>', '&gt;'],
  ['"', '&quot;'],
  ["'", '&#39;'],
]);

/** Escapes text for element content and quoted attribute values alike. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (character) => ENTITIES.get(character) ?? '');
}

/** Every Raw this module made: the only values rendered without escaping (a JSON object can never be one). */
const built = new WeakSet<object>();

type Interpolated = string | number | Raw | undefined | readonly Raw[];

/**
 * Template tag: interpolated values are escaped unless they are markup this tag built; arrays are rendered item by
 * item under the same rule, so an array of anything else is escaped, never trusted. Not named `html`, so formatters
 * leave the markup as written.
 */
export function markup(strings: TemplateStringsArray, ...values: Interpolated[]): Raw {
  // A template tag always gets one string more than values: strings[0] and strings[index + 1] exist.
  let out = strings[0]!;
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1]!;
  });
  return Raw.built(out);
}

/** Markup the view built with `markup`; its constructor is private, so nothing else can claim to be one. */
export class Raw {
  private constructor(readonly markup: string) {}

  /** Only `markup` calls this. */
  static built(text: string): Raw {
    const made = new Raw(text);
    built.add(made);
    return made;
  }

  toString(): string {
    return this.markup;
  }
}

function isBuilt(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && built.has(value);
}

function render(value: unknown): string {
  if (value === undefined) return '';
  if (isBuilt(value)) return value.markup;
  if (Array.isArray(value)) return value.map(render).join('');
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a look-alike object is escaped as its string form
  return escapeHtml(typeof value === 'number' ? value : String(value));
}

/** Only http(s) links are ever shown or opened. */
export function isWebUrl(value: string | undefined | null): value is string {
  if (!value) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
  } catch {
    return false;
  }
}
