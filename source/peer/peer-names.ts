/**
 * Who the peers downloading from this node are, by node id, as the tracker knows them (WHO).
 * A requester's HELLO names an id nobody checks; but the tracker bound every id to a key, and to
 * the address the node registered from, and a requester's cookie proves it receives at its
 * address. So the peers pane can say `node 4` and mean it, and a stranger's HELLO claiming to be
 * node 1 shows as the stranger's own id, or as its address alone.
 *
 * Pure but for the lookup it is given (the tracker client): it asks about addresses it has no
 * fresh answer for, at most MAX_WHO_ADDRESSES at once and one request at a time, and remembers
 * at most MAX_NAMES addresses (the oldest answer is forgotten first).
 */
import { type HostPort, MAX_WHO_ADDRESSES } from '../protocol/messages.ts';

/** An answer naming a node is asked again after this long (a node may restart elsewhere). */
export const NAMED_TTL_MS = 60_000;
/** An answer naming none is asked again sooner: the node may register in a moment. */
export const UNNAMED_TTL_MS = 10_000;
/** Addresses remembered at most. */
export const MAX_NAMES = 1_024;

interface Answer {
  /** 0: no registered node there. */
  nodeId: number;
  atMs: number;
}

function keyOf(address: HostPort): string {
  return `${address.host}|${address.port}`;
}

export class PeerNames {
  private readonly answers = new Map<string, Answer>();
  private asking = false;

  constructor(
    /** The tracker's answer per address (0: none), or null when it gave none. */
    private readonly lookup: (addresses: HostPort[]) => Promise<number[] | null>,
  ) {}

  /** The node the tracker last said is at `address`; null if none, or not known yet. */
  idOf(address: HostPort): number | null {
    const nodeId = this.answers.get(keyOf(address))?.nodeId ?? 0;
    return nodeId === 0 ? null : nodeId;
  }

  /**
   * Asks the tracker about those of `addresses` without a fresh answer, unless a question is
   * out already. Resolves true once an answer changed what idOf() says.
   */
  async refresh(addresses: readonly HostPort[], nowMs: number): Promise<boolean> {
    if (this.asking) return false;
    const stale = addresses
      .filter((address) => {
        const answer = this.answers.get(keyOf(address));
        if (answer === undefined) return true;
        const ttl = answer.nodeId === 0 ? UNNAMED_TTL_MS : NAMED_TTL_MS;
        return nowMs - answer.atMs >= ttl;
      })
      .slice(0, MAX_WHO_ADDRESSES);
    if (stale.length === 0) return false;
    this.asking = true;
    let nodeIds: number[] | null;
    try {
      nodeIds = await this.lookup(stale);
    } finally {
      this.asking = false;
    }
    if (nodeIds === null) return false;
    let changed = false;
    stale.forEach((address, i) => {
      const key = keyOf(address);
      const nodeId = nodeIds[i] ?? 0;
      if ((this.answers.get(key)?.nodeId ?? 0) !== nodeId) changed = true;
      // Re-inserted: the newest answer goes to the end, the oldest is forgotten first.
      this.answers.delete(key);
      this.answers.set(key, { nodeId, atMs: nowMs });
    });
    while (this.answers.size > MAX_NAMES) {
      const oldest = this.answers.keys().next();
      if (oldest.done) break;
      this.answers.delete(oldest.value);
    }
    return changed;
  }
}
