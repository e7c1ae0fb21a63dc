// The one secret masker: hides every registered secret in each spelling it can take in output, and token-shaped values.

/** What a masked value is replaced with, as on GitHub. */
export const MASK = '***';

/** Derived spellings shorter than this are not registered: they would mask unrelated text. */
const MIN_DERIVED_LENGTH = 6;

/** Atlassian token prefixes (ATAT API token, ATCT access token, ATBB app password) followed by a token body. */
const ATLASSIAN_TOKEN = /\bAT(?:AT|CT|BB)[A-Za-z0-9_\-+/=.]{16,}/g;
/** The credential part of an Authorization value, whoever's it is. */
const AUTHORIZATION_VALUE = /(?<=\b(?:Basic|Bearer)\s+)[A-Za-z0-9+/=._~-]{8,}/g;

/**
 * Masks secrets the way GitHub's runner does (SecretMasker with its value encoders): each value is registered
 * raw, JSON-escaped, URL-encoded, and in base64 at each of the three byte alignments (standard and URL-safe
 * alphabets, padding dropped), so it stays hidden inside a longer base64 text such as `base64(email:token)`.
 * A multi-line value is also registered line by line. Beyond GitHub, any Atlassian-prefixed token and any
 * `Basic …`/`Bearer …` value is masked even when nobody registered it.
 */
export class SecretMasker {
  private readonly values = new Set<string>();

  /** Registers a secret (and, through its spellings, every `user:secret` pair that contains it). */
  add(secret: string): void {
    for (const piece of [secret, ...secret.split(/\r?\n/)]) {
      if (piece.trim() === '') continue;
      this.values.add(piece);
      for (const spelling of derivedSpellings(piece))
        if (spelling.length >= MIN_DERIVED_LENGTH) this.values.add(spelling);
    }
  }

  mask(text: string): string {
    if (text === '') return text;
    return replaceRanges(text, this.ranges(text));
  }

  /** The length of the longest registered spelling: how far past a cut a secret that starts before it can reach. */
  get longest(): number {
    let longest = 0;
    for (const value of this.values) longest = Math.max(longest, value.length);
    return longest;
  }

  /**
   * Where to cut `text` at `at` or later so that no secret straddles the cut: a long line is cut into pieces after
   * masking has seen it whole, so a secret is never printed in two unmasked halves.
   */
  safeCut(text: string, at: number): number {
    let cut = at;
    for (const [start, end] of this.ranges(text).sort((a, b) => a[0] - b[0])) {
      if (start < cut && end > cut) cut = end;
    }
    return cut;
  }

  private ranges(text: string): Array<[number, number]> {
    const ranges: Array<[number, number]> = [];
    for (const value of this.values) {
      for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
        ranges.push([at, at + value.length]);
      }
    }
    for (const pattern of [ATLASSIAN_TOKEN, AUTHORIZATION_VALUE]) {
      for (const match of text.matchAll(pattern)) ranges.push([match.index, match.index + match[0].length]);
    }
    return ranges;
  }
}

/** JSON-escaped, URL-encoded and base64 spellings of a value (GitHub's JsonStringEscape, UriDataEscape, base64). */
function derivedSpellings(value: string): string[] {
  const spellings = [JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
  const bytes = Buffer.from(value, 'utf8');
  for (let offset = 0; offset <= 2 && offset < bytes.length; offset++) {
    const pruned = bytes.subarray(offset);
    const encoded = pruned.toString('base64');
    // Only the digits made of the value's bits alone: the last one shares bits with whatever follows it.
    const whole = encoded.slice(0, Math.floor((pruned.length * 8) / 6));
    for (const form of [encoded, encoded.replace(/=+$/, ''), whole]) {
      spellings.push(form, form.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return spellings;
}

/** Replaces each range (merged where they overlap or touch) with the mask. */
function replaceRanges(text: string, ranges: Array<[number, number]>): string {
  const [first, ...rest] = ranges.sort((a, b) => a[0] - b[0]);
  if (!first) return text;
  let masked = '';
  let copiedTo = 0;
  let [start, end] = first;
  for (const [nextStart, nextEnd] of rest) {
    if (nextStart <= end) {
      end = Math.max(end, nextEnd);
      continue;
    }
    masked += `${text.slice(copiedTo, start)}${MASK}`;
    copiedTo = end;
    [start, end] = [nextStart, nextEnd];
  }
  return `${masked}${text.slice(copiedTo, start)}${MASK}${text.slice(end)}`;
}

/** A masker holding these secrets; secrets shorter than `minLength` are left out (they would mask common words). */
export function maskerFor(secrets: Iterable<string | undefined>, minLength = 4): SecretMasker {
  const masker = new SecretMasker();
  for (const secret of secrets) if (secret && secret.trim().length >= minLength) masker.add(secret);
  return masker;
}

/**
 * Whether a value looks like a token rather than a name or an email: an Atlassian prefix (ATAT, ATCT, ATBB), or a
 * long string of token characters that mixes letters and digits with high entropy. Such values are never echoed.
 */
export function looksLikeToken(value: string): boolean {
  const text = value.trim();
  if (/^AT(?:AT|CT|BB)/.test(text) && text.length >= 16) return true;
  if (text.length < 20 || !/^[A-Za-z0-9_\-+/=.~]+$/.test(text)) return false;
  if (!/[0-9]/.test(text) || !/[A-Za-z]/.test(text)) return false;
  return shannonEntropy(text) >= 3.5;
}

/** A value fit to quote in a message: itself, or a placeholder when it looks like a token. */
export function quoteUnlessToken(value: string): string {
  return looksLikeToken(value) ? '(a value that looks like a token, not shown)' : `"${value}"`;
}

function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}
