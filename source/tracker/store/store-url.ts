/** Checks a `--store` value without loading any store's driver (the CLI parses every command). */

/** Why a --store value is not a store, or null. */
export function storeUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `--store must be a URL such as redis://127.0.0.1:6379 (got "${url}")`;
  }
  if (parsed.protocol !== 'redis:') {
    return `--store supports redis://HOST:PORT only (got "${url}"); without --store the tracker keeps its swarm in --db`;
  }
  if (!parsed.hostname) return `--store needs a host: redis://HOST:PORT (got "${url}")`;
  return null;
}
