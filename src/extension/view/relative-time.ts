// "3 min ago": times from Bitbucket shown relative to now, with the absolute time for tooltips.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A short relative time, or undefined when the value is not a date. Future times (clock skew) read "just now". */
export function relativeTime(iso: string | undefined | null, now: number): string | undefined {
  if (!iso) return undefined;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return undefined;
  const ago = now - at;
  if (ago < 45_000) return 'just now';
  if (ago < HOUR) return `${Math.max(1, Math.round(ago / MINUTE))} min ago`;
  if (ago < DAY) return `${Math.round(ago / HOUR)} h ago`;
  const days = Math.round(ago / DAY);
  if (days < 30) return days === 1 ? 'yesterday' : `${days} days ago`;
  return new Date(at).toISOString().slice(0, 10);
}

/** The absolute time in UTC, e.g. 2026-05-04 09:00 UTC. */
export function absoluteTime(iso: string | undefined | null): string | undefined {
  if (!iso) return undefined;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return undefined;
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
