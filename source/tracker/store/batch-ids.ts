/**
 * Which batches of the shared swarm a tracker has taken, by id (`<nonce>-<count>`: the publishing
 * tracker's start nonce and its count of batches, OpBatch.id). A tracker publishes its batches
 * in the order it counts them, so one number per nonce says which of its batches are known: all
 * up to the highest taken. Why not a set of the latest ids: a Redis restarted from an old
 * snapshot hands back batches older than any id such a set still holds, and a tracker catching
 * up from them applied them again (a node that had left came back, and was written back).
 */
import { BoundedMap } from '../credit-ledger.ts';

/** Trackers (start nonces) remembered: a swarm's trackers and their restarts, generously. */
const NONCES_KEPT = 4_096;

export class BatchIds {
  private readonly highest = new BoundedMap<number>(NONCES_KEPT);

  /** Whether the batch `id` was taken (or is older than one taken of its tracker). */
  has(id: string): boolean {
    const parsed = parseBatchId(id);
    if (parsed === null) return false;
    const highest = this.highest.get(parsed.nonce);
    return highest !== undefined && parsed.count <= highest;
  }

  add(id: string): void {
    const parsed = parseBatchId(id);
    if (parsed === null) return;
    const highest = this.highest.get(parsed.nonce) ?? 0;
    this.highest.set(parsed.nonce, Math.max(highest, parsed.count));
  }
}

/** `<nonce>-<count>` split, or null for an id not of that form. */
function parseBatchId(id: string): { nonce: string; count: number } | null {
  const dash = id.lastIndexOf('-');
  if (dash <= 0) return null;
  const count = Number(id.slice(dash + 1));
  if (!Number.isSafeInteger(count) || count < 1) return null;
  return { nonce: id.slice(0, dash), count };
}
