// Makes text from servers and users safe to print: control characters (ESC, OSC, C0, C1, bidi overrides) escaped.

/**
 * C0 controls except tab and line feed, DEL, C1 controls (U+0080–U+009F, e.g. the 8-bit CSI U+009B), and the bidi
 * embedding, override and isolate marks that reorder what a terminal or editor shows.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_OR_LINE_BREAK = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Whether the text holds a control character (line breaks and tabs included), which a one-line field never needs. */
export function hasControlCharacters(text: string): boolean {
  return new RegExp(CONTROL_OR_LINE_BREAK.source).test(text);
}

/**
 * The text with every control character spelled out (`\x1b`, `\u009b`), so an ESC or OSC sequence from a status name
 * is shown rather than executed. Line feeds and tabs are kept only with `multiline`.
 */
export function printable(text: string, { multiline = false } = {}): string {
  return text.replace(multiline ? CONTROL : CONTROL_OR_LINE_BREAK, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** The text with its control characters (line breaks included) removed, for values sent to a server. */
export function stripControlCharacters(text: string): string {
  return text.replace(CONTROL_OR_LINE_BREAK, '');
}

/** JSON text with the control characters JSON.stringify leaves raw (DEL, C1, bidi marks) escaped as \u sequences. */
export function printableJson(json: string): string {
  return json.replace(
    /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
