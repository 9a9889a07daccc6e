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
  // Redis's channels are shared by its databases: a swarm in database 3 published into the one
  // in database 0, whose trackers took its nodes and wrote their swarm back over it (found by a
  // session). One swarm per redis-server, database 0.
  if (parsed.pathname !== '' && parsed.pathname !== '/' && parsed.pathname !== '/0') {
    return `--store takes no database number (got "${url}"): Redis shares its channels between databases, so two swarms on one redis-server would mix; give each swarm a redis-server of its own`;
  }
  if (parsed.search !== '') return `--store takes no options (got "${url}"): redis://HOST:PORT`;
  return null;
}
