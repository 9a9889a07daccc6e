/**
 * The order in which owners are offered to a downloader: alive before late, then the best
 * uploaders (most verified bytes credited through UPDATE), then the lowest node id so that equal
 * owners always come out in the same order.
 */

/** What the ranking looks at for one owner. */
export interface RankedOwner {
  nodeId: number;
  late: boolean;
  uploadCredit: number;
}

/** Negative when `a` should be offered before `b`. */
export function compareOwners(a: RankedOwner, b: RankedOwner): number {
  if (a.late !== b.late) return a.late ? 1 : -1;
  if (a.uploadCredit !== b.uploadCredit) return b.uploadCredit - a.uploadCredit;
  return a.nodeId - b.nodeId;
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
