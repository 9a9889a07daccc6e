/**
 * A tracker's copy of the swarm's credit ledger in Redis (<p>ledger: the accepted UPDATEs as
 * JSON, oldest first, the newest `capacity` kept), so that a write-back after Redis lost its data
 * puts the ledger back with the hashes. Without it a tracker started after the write-back knew of
 * no UPDATE: one retransmitted to it was credited again, and each (host, file) cap began anew.
 * Bounded like the list it copies; a ring, so that adding to a full one moves nothing.
 */
export class LedgerCopy {
  private entries: string[] = [];
  /** Index of the oldest entry once the ring is full. */
  private oldest = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.length;
  }

  /** Takes the ledger as read from Redis, oldest first. */
  replace(texts: readonly string[]): void {
    this.entries = texts.slice(-this.capacity);
    this.oldest = 0;
  }

  add(text: string): void {
    if (this.entries.length < this.capacity) {
      this.entries.push(text);
      return;
    }
    this.entries[this.oldest] = text;
    this.oldest = (this.oldest + 1) % this.capacity;
  }

  /** The entries, oldest first. */
  *inOrder(): Generator<string> {
    const count = this.entries.length;
    for (let i = 0; i < count; i++) yield this.entries[(this.oldest + i) % count]!;
  }
}
