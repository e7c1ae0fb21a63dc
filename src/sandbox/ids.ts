// Identifier, token and timestamp formats of the emulated services: seeded values are derived from labels, run-time ones are random.
import { createHash, randomBytes, randomUUID } from 'node:crypto';

export function sha1Hex(label: string): string {
  return createHash('sha1').update(label).digest('hex');
}

/** A UUID in braces, as Bitbucket writes them, derived from a label. */
export function seededUuid(label: string): string {
  const h = sha1Hex(label);
  return `{${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}}`;
}

export function randomBracedUuid(): string {
  return `{${randomUUID()}}`;
}

/** Strips the braces of a Bitbucket UUID, if any, and lower-cases it. */
export function bareUuid(uuid: string): string {
  return uuid.replace(/^\{|\}$/g, '').toLowerCase();
}

/**
 * An Atlassian-style token: prefix ATATT (API token) or ATCTT (access token), the fixed `3xFfGF0`,
 * a base64url body and `=` plus an 8-hex checksum. Seeded tokens say "SandboxDemo" in their body.
 */
export function atlassianToken(prefix: 'ATATT' | 'ATCTT', seedLabel?: string): string {
  const body = seedLabel
    ? 'SandboxDemo' + createHash('sha256').update(seedLabel).digest('base64url')
    : randomBytes(96).toString('base64url');
  const checksum = sha1Hex(body).slice(0, 8).toUpperCase();
  return `${prefix}3xFfGF0${body}=${checksum}`;
}

/** A random alphanumeric string (OAuth client ids and secrets, OAuth access tokens). */
export function randomAlphanumeric(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** Bitbucket timestamps: ISO 8601 with microseconds and `+00:00`. */
export function bitbucketTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

/** SonarQube timestamps: seconds precision and `+0000`. */
export function sonarTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}
