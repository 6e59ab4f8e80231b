/**
 * Retry `check` until it stops throwing, or rethrow its last error after `ms`. Tests wait
 * for conditions this way instead of asserting how long something took.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  ms = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
