/**
 * Reads until `ok` holds or `timeoutMs` passes, then returns the last value read, so the caller's
 * own `expect` on it states what was awaited (and fails with the value seen when it never came).
 */
export async function eventually<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}
