// Escaping for HTML text and attribute values: every string from an API goes through here before it reaches a webview.

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and quoted attribute values alike. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (character) => ENTITIES[character]);
}

/**
 * Template tag: interpolated values are escaped unless they are `Raw` (markup built by `markup` or `raw`). Not named
 * `html`, so formatters leave the markup as written.
 */
export function markup(
  strings: TemplateStringsArray,
  ...values: Array<string | number | Raw | undefined | readonly Raw[]>
): Raw {
  let out = strings[0];
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1];
  });
  return new Raw(out);
}

/** Markup already escaped; only `markup` and `raw` make one. */
export class Raw {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

/** Marks markup built from constants as safe; never pass API text here. */
export function raw(markup: string): Raw {
  return new Raw(markup);
}

function render(value: string | number | Raw | undefined | readonly Raw[]): string {
  if (value === undefined) return '';
  if (value instanceof Raw) return value.markup;
  if (Array.isArray(value)) return value.map((item: Raw) => item.markup).join('');
  return escapeHtml(value as string | number);
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
