/** How often a condition is read again: short enough to notice quickly, long enough to leave the loop to the code under test. */
const POLL_MS = 25;

/**
 * The one polling helper of the tests. Reads until `ok` holds or `timeoutMs` passes, then returns
 * the last value read, so the caller's own `expect` on it states what was awaited (and fails with
 * the value seen when it never came).
 */
export async function eventually<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Waits until `check` holds (a test waits for an outcome, never for a duration); throws naming `what` when it never does. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  if (!(await eventually(check, Boolean, timeoutMs))) throw new Error(`timed out waiting for ${what}`);
}
