/**
 * A node's announcements (OWN) on their way to the tracker, gathered into OWN-MANY datagrams.
 * The tracker charges each datagram once to its host's budget (200 a second, bursts of 400):
 * one OWN per file, a folder of 5,000 files took 23 s to announce and a restarted tracker heard
 * a big seeder again at that pace, while NEEDs for its files found no owner. Files announced
 * while earlier datagrams are on their way wait and go together, up to MAX_OWN_MANY_ENTRIES in
 * a datagram; one file alone goes as a plain OWN.
 */
import { MAX_OWN_MANY_ENTRIES, type OwnEntry } from '../protocol/messages.ts';
import type { TrackerOutcome } from './tracker-client.ts';

/** How the batcher reaches the tracker (TrackerClient's calls, with its token and retries). */
export interface OwnSender {
  /** One OWN: ok when acknowledged. */
  one(entry: OwnEntry): Promise<TrackerOutcome<null>>;
  /** One OWN-MANY: ok with the refused entries by index (ascending), the others taken. */
  many(entries: OwnEntry[]): Promise<TrackerOutcome<{ index: number; text: string }[]>>;
}

/**
 * Datagrams on their way at once. Enough to keep announcing at the host's budget while some
 * are dropped over it (each dropped one is sent again after 200 ms or more): 4 x 16 files per
 * retry at worst, against 200 x 16 a second at best.
 */
export const OWN_DATAGRAMS_IN_FLIGHT = 4;
/**
 * Bytes of entries per OWN-MANY: typical names keep it within one Ethernet frame (a datagram
 * cut into fragments is lost whole when one is). One entry alone may be longer (a 255-byte name).
 */
const ENTRY_BYTES_PER_DATAGRAM = 1_200;
/** infohash 32, state 1, size 8, name length 1. */
const ENTRY_FIXED_BYTES = 42;

interface Queued {
  entry: OwnEntry;
  infohashHex: string;
  settle(outcome: TrackerOutcome<null>): void;
}

export class OwnBatcher {
  private queue: Queued[] = [];
  private inFlight = 0;
  /** Files in a datagram on its way: the next announcement of one waits, to keep their order. */
  private readonly sending = new Set<string>();
  private flushQueued = false;

  constructor(private readonly sender: OwnSender) {}

  /** Announces one file; settles with the tracker's answer to it. */
  own(entry: OwnEntry): Promise<TrackerOutcome<null>> {
    return new Promise((settle) => {
      this.queue.push({ entry, infohashHex: entry.infohash.toString('hex'), settle });
      // What is announced in the same turn of the event loop goes in the same datagrams.
      if (this.flushQueued) return;
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        this.flush();
      });
    });
  }

  private flush(): void {
    while (this.inFlight < OWN_DATAGRAMS_IN_FLIGHT) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      this.inFlight++;
      // A sender that throws (a bug) must not leave the files' callers waiting for good.
      const failed = (error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        for (const queued of batch) queued.settle({ ok: false, reason });
      };
      void this.send(batch)
        .catch(failed)
        .finally(() => {
          this.inFlight--;
          for (const queued of batch) this.sending.delete(queued.infohashHex);
          this.flush();
        });
    }
  }

  /** The next datagram's files, in the order announced, none of them already on its way. */
  private takeBatch(): Queued[] {
    const batch: Queued[] = [];
    const rest: Queued[] = [];
    let bytes = 0;
    let index = 0;
    for (; index < this.queue.length && batch.length < MAX_OWN_MANY_ENTRIES; index++) {
      const queued = this.queue[index]!;
      const entryBytes = ENTRY_FIXED_BYTES + Buffer.byteLength(queued.entry.name);
      if (batch.length > 0 && bytes + entryBytes > ENTRY_BYTES_PER_DATAGRAM) break;
      if (this.sending.has(queued.infohashHex)) {
        rest.push(queued);
        continue;
      }
      this.sending.add(queued.infohashHex);
      batch.push(queued);
      bytes += entryBytes;
    }
    this.queue = rest.length === 0 ? this.queue.slice(index) : rest.concat(this.queue.slice(index));
    return batch;
  }

  private async send(batch: Queued[]): Promise<void> {
    if (batch.length === 1) {
      const only = batch[0]!;
      only.settle(await this.sender.one(only.entry));
      return;
    }
    const outcome = await this.sender.many(batch.map((queued) => queued.entry));
    if (!outcome.ok) {
      for (const queued of batch) queued.settle(outcome);
      return;
    }
    const refused = new Map(outcome.reply.map(({ index, text }) => [index, text]));
    for (const [index, queued] of batch.entries()) {
      const text = refused.get(index);
      queued.settle(
        text === undefined ? { ok: true, reply: null } : { ok: false, reason: text, refused: true },
      );
    }
  }
}
