// Removes secrets (tokens, passwords, their Basic-auth encodings) from any text before it is shown or kept.

const MASK = '***';

/** Returns a function that replaces every known secret, and its Basic and URL encodings, with `***`. */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    needles.add(secret);
    needles.add(encodeURIComponent(secret));
  }
  // Basic credentials are `user:secret`; the encoded pair reveals the secret, so mask those forms too.
  for (const a of secrets) {
    for (const b of secrets) {
      if (a && b && a !== b) needles.add(Buffer.from(`${a}:${b}`).toString('base64'));
    }
  }
  const ordered = [...needles].sort((x, y) => y.length - x.length);
  return (text: string) => {
    let out = text;
    for (const needle of ordered) out = out.split(needle).join(MASK);
    return out.replace(/\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{8,}/g, `$1 ${MASK}`);
  };
}
