// A step summary (GitHub-flavoured Markdown with HTML) as plain text, for places that show no markup (Code Insights).

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * The text a reader sees in a rendered step summary: HTML tags dropped (table cells joined by ` | `, rows and block
 * elements on lines of their own, `<br>` a line break), entities decoded, Markdown reduced to its words (headings,
 * emphasis, links, images, code fences, table rules), blank lines collapsed. At most `limit` characters, ending in
 * `…` when cut.
 */
export function summaryText(summary: string, limit: number): string {
  let text = summary.replace(/\r\n?/g, '\n');
  text = text
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/t[dh]\s*>\s*(?=<t[dh][\s>])/gi, ' | ')
    .replace(
      /<\/?(p|div|tr|table|thead|tbody|tfoot|ul|ol|li|h[1-6]|details|summary|pre|blockquote|hr)\b[^>]*>/gi,
      '\0',
    )
    .replace(/<[^>]*>/g, '')
    // Block elements next to each other make one line break, not one each.
    .replace(/^[\s\0]*\0[\s\0]*|[\s\0]*\0[\s\0]*$/g, '')
    .replace(/[ \t]*\0[\s\0]*/g, '\n')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity: string, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X'))
        return codePoint(parseInt(name.slice(2), 16), entity);
      if (name.startsWith('#')) return codePoint(Number(name.slice(1)), entity);
      return ENTITIES[name.toLowerCase()] ?? entity;
    });
  const lines = text.split('\n').flatMap((line) => {
    if (/^\s*(```|~~~)/.test(line)) return [];
    // A table's rule row (| --- | :-: |) says nothing.
    if (/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line)) return [];
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) return [];
    const plain = line
      .replace(/^\s{0,3}#{1,6}\s+/, '')
      .replace(/^\s*>\s?/, '')
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
      .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
      .replace(/(^|[^\w*])([*_])(?=\S)([^*_]*?\S)\2(?!\w)/g, '$1$3')
      .replace(/`([^`]*)`/g, '$1')
      .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
      .replace(/^\s*\|(.*)\|\s*$/, (_, cells: string) =>
        cells
          .split('|')
          .map((cell) => cell.trim())
          .join(' | '),
      )
      .replace(/[ \t]+/g, ' ')
      .trim();
    return [plain];
  });
  const joined = lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return joined.length <= limit ? joined : `${joined.slice(0, Math.max(0, limit - 1)).trimEnd()}…`;
}

function codePoint(value: number, fallback: string): string {
  return Number.isInteger(value) && value > 0 && value <= 0x10ffff ? String.fromCodePoint(value) : fallback;
}
