/**
 * The order in which owners are offered to a downloader: alive before the rest (late, or restored
 * from the store and not heard since the tracker started), then the best uploaders, then
 * complete before partial owners, then a tie key. "Best uploader" is counted in distinct
 * downloader hosts (other than its own) that credited it through UPDATE, not in bytes: the
 * tracker cannot check a reported transfer, and a host can report any bytes, under any number
 * of node and download ids, but it is one host, so it lifts a friend by one at most, never
 * above an owner that served two honest hosts. Bytes are shown, never compared. The tie key is
 * the node id for display; for a NEED it is mixed with the asker's id (`tieKeyFor`), so that
 * in a flash crowd, where every owner has the same credit, each downloader is sent to different
 * partial owners instead of all to the lowest ids. When the asker's exclude list is full it is
 * also mixed with the current round (NEED_ROUND_MS), so that asking again later brings other
 * owners of equal rank: a downloader that banned more liars than its exclude list can name (32)
 * still meets the honest owners among them.
 */

/** With a full exclude list, equal owners are shuffled anew this often (retries agree). */
export const NEED_ROUND_MS = 1_000;

/** What the ranking looks at for one owner. */
export interface RankedOwner {
  nodeId: number;
  /** Not heard lately: late, or restored and not registered since the tracker started. */
  unconfirmed: boolean;
  /** Distinct hosts (other than its own) that credited it: the rank. */
  downloaders: number;
  /** Bytes credited (shown; not part of the order). */
  uploadCredit: number;
  /** False for an owner with only some pieces. */
  complete: boolean;
  /** Orders equal owners; the node id unless the order is for one asker. */
  tieKey: number;
}

/** Negative when `a` should be offered before `b`. */
export function compareOwners(a: RankedOwner, b: RankedOwner): number {
  if (a.unconfirmed !== b.unconfirmed) return a.unconfirmed ? 1 : -1;
  if (a.downloaders !== b.downloaders) return b.downloaders - a.downloaders;
  if (a.complete !== b.complete) return a.complete ? -1 : 1;
  return a.tieKey - b.tieKey || a.nodeId - b.nodeId;
}

/** A tie key stable for one (asker, owner, round) and spread across askers (a 32-bit mix). */
export function tieKeyFor(askerId: number, ownerId: number, round = 0): number {
  let x = Math.imul(askerId ^ 0x9e37_79b9 ^ Math.imul(round, 0x27d4_eb2d), 0x85eb_ca6b) ^ ownerId;
  x = Math.imul(x ^ (x >>> 16), 0x7feb_352d);
  x = Math.imul(x ^ (x >>> 15), 0x846c_a68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * The first `limit` items in `compare` order, sorted. A file may have thousands of owners while a
 * reply carries at most 16, so this keeps a small sorted window (O(n * limit)) instead of sorting
 * everything.
 */
export function selectBest<T>(
  items: Iterable<T>,
  limit: number,
  compare: (a: T, b: T) => number,
): T[] {
  const best: T[] = [];
  if (limit <= 0) return best;
  for (const item of items) {
    if (best.length === limit && compare(item, best[limit - 1] as T) >= 0) continue;
    let at = best.length;
    while (at > 0 && compare(item, best[at - 1] as T) < 0) at--;
    best.splice(at, 0, item);
    if (best.length > limit) best.pop();
  }
  return best;
}
