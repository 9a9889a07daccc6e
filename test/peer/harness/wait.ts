/** Waiting in tests: the deadlines only stop a broken test from hanging, they assert no speed. */

/**
 * Resolves once `condition()` is true (polled); rejects with `what` after `timeoutMs` (a
 * function: what it says then, e.g. the log lines up to the timeout).
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 10_000,
  pollMs = 10,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`,
      );
    await sleep(pollMs);
  }
}

/** `promise`, or a rejection naming `what` if it takes longer than `timeoutMs`. */
export async function withTimeout<T>(
  promise: Promise<T>,
  what: string,
  timeoutMs: number,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
