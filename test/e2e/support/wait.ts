// Waiting in the UI scenarios: poll until something shows, or fail saying what did not.

/** Polls `probe` every 100 ms until it gives something other than undefined; fails saying `what` after the timeout. */
export async function waitUntil<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string | (() => string),
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${typeof what === 'string' ? what : what()} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
