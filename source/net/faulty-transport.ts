import { type Clock, systemClock, type TimerHandle } from '../clock.ts';
import { PassthroughTransport } from './passthrough-transport.ts';
import { SeededRandom } from './seeded-random.ts';
import type { DatagramTransport, RemoteAddress } from './transport.ts';

/** Faults applied to one direction; every probability is 0..1 and every field optional. */
export interface FaultProfile {
  loss?: number;
  /** Gilbert–Elliott: probability to enter / leave a bad state that drops everything. */
  burstLoss?: { enter: number; exit: number };
  duplicate?: number;
  /** Probability that a datagram is held back for 1..reorderMaxDelayMs. */
  reorder?: number;
  reorderMaxDelayMs?: number;
  /** Flip 1-3 random bits. */
  corrupt?: number;
  /** Cut at a random shorter length. */
  truncate?: number;
  /** Append 1-16 random bytes. */
  pad?: number;
}

/** How many times each fault was applied in one direction. */
export interface FaultCounts {
  /** Datagrams that entered this direction of the wrapper. */
  seen: number;
  lost: number;
  burstLost: number;
  partitioned: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  truncated: number;
  padded: number;
}

export interface FaultyTransportOptions {
  seed: number;
  inbound?: FaultProfile;
  outbound?: FaultProfile;
  clock?: Clock;
}

/** Delay used when a profile asks for reordering without saying how much. */
const DEFAULT_REORDER_MAX_DELAY_MS = 10;
const MAX_CORRUPT_BITS = 3;
const MAX_PAD_BYTES = 16;

function zeroCounts(): FaultCounts {
  return {
    seen: 0,
    lost: 0,
    burstLost: 0,
    partitioned: 0,
    duplicated: 0,
    reordered: 0,
    corrupted: 0,
    truncated: 0,
    padded: 0,
  };
}

/** One direction's generator, burst state and counters. */
class FaultDirection {
  readonly counts = zeroCounts();
  private inBadState = false;

  constructor(
    readonly profile: FaultProfile,
    private readonly random: SeededRandom,
  ) {}

  /**
   * Decides the fate of one datagram: null when it is dropped, else the bytes to deliver (a copy
   * whenever they are changed, so the caller's buffer is never touched), how many times, and the
   * delay. Decisions come only from this direction's generator.
   */
  decide(
    datagram: Uint8Array,
    length: number,
  ): { bytes: Uint8Array; length: number; copies: number; delayMs: number } | null {
    const p = this.profile;
    const random = this.random;
    this.counts.seen++;
    if (p.burstLoss) {
      const roll = random.next();
      this.inBadState = this.inBadState ? roll >= p.burstLoss.exit : roll < p.burstLoss.enter;
      if (this.inBadState) {
        this.counts.burstLost++;
        return null;
      }
    }
    if (p.loss && random.next() < p.loss) {
      this.counts.lost++;
      return null;
    }
    let bytes: Uint8Array = datagram;
    let outLength = length;
    if (p.corrupt && random.next() < p.corrupt && length > 0) {
      const copy = Buffer.from(datagram.subarray(0, length));
      flipDistinctBits(copy, 1 + random.int(MAX_CORRUPT_BITS), random);
      bytes = copy;
      this.counts.corrupted++;
    }
    if (p.truncate && random.next() < p.truncate && outLength > 0) {
      outLength = random.int(outLength);
      this.counts.truncated++;
    }
    if (p.pad && random.next() < p.pad) {
      const extra = random.bytes(1 + random.int(MAX_PAD_BYTES));
      bytes = Buffer.concat([bytes.subarray(0, outLength), extra]);
      outLength += extra.length;
      this.counts.padded++;
    }
    let copies = 1;
    if (p.duplicate && random.next() < p.duplicate) {
      copies = 2;
      this.counts.duplicated++;
    }
    let delayMs = 0;
    if (p.reorder && random.next() < p.reorder) {
      delayMs = 1 + random.int(p.reorderMaxDelayMs ?? DEFAULT_REORDER_MAX_DELAY_MS);
      this.counts.reordered++;
      // Held bytes must survive the caller reusing its buffer.
      if (bytes === datagram) bytes = Buffer.from(datagram.subarray(0, outLength));
    }
    return { bytes, length: outLength, copies, delayMs };
  }
}

/** Flips `count` different bits, so a corrupted datagram always differs from the original. */
function flipDistinctBits(bytes: Buffer, count: number, random: SeededRandom): void {
  const totalBits = bytes.length * 8;
  const flipped = new Set<number>();
  const target = Math.min(count, totalBits);
  while (flipped.size < target) flipped.add(random.int(totalBits));
  for (const bit of flipped) bytes[bit >>> 3] = (bytes[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
}

/**
 * A DatagramTransport that loses, duplicates, reorders, corrupts, truncates, pads and
 * partitions traffic on purpose, deterministically for a seed. For tests and benches: the
 * engines run on it unchanged, the way libtorrent's simulations and Hyperswarm's chaos tests do.
 */
export class FaultyTransport extends PassthroughTransport {
  private readonly inbound: FaultDirection;
  private readonly outbound: FaultDirection;
  private readonly clock: Clock;
  private readonly partitions: Array<(peer: RemoteAddress) => boolean> = [];
  private readonly heldTimers = new Set<TimerHandle>();
  private closed = false;

  constructor(inner: DatagramTransport, opts: FaultyTransportOptions) {
    super(inner);
    const random = new SeededRandom(opts.seed);
    // One generator per direction: inbound decisions do not shift when outbound traffic changes.
    this.inbound = new FaultDirection(opts.inbound ?? {}, random.fork('inbound'));
    this.outbound = new FaultDirection(opts.outbound ?? {}, random.fork('outbound'));
    this.clock = opts.clock ?? systemClock;
  }

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    if (this.isPartitioned(to)) {
      this.outbound.counts.partitioned++;
      return;
    }
    const fate = this.outbound.decide(datagram, length);
    if (!fate) return;
    const { bytes, length: outLength, copies, delayMs } = fate;
    // A delayed datagram keeps its own copy of the destination too.
    const target = delayMs > 0 ? { address: to.address, port: to.port } : to;
    this.release(delayMs, copies, () => this.inner.send(bytes, outLength, target));
  }

  /** Drops both directions for peers matching the predicate until heal(). */
  partition(predicate: (peer: RemoteAddress) => boolean): void {
    this.partitions.push(predicate);
  }

  /** Removes every partition. */
  heal(): void {
    this.partitions.length = 0;
  }

  /** How many of each fault were applied, per direction (copies, safe to keep). */
  faultCounts(): { inbound: FaultCounts; outbound: FaultCounts } {
    return { inbound: { ...this.inbound.counts }, outbound: { ...this.outbound.counts } };
  }

  /** Drops held (reordered) datagrams and closes the inner transport. */
  override close(): Promise<void> {
    this.closed = true;
    for (const handle of this.heldTimers) this.clock.clearTimeout(handle);
    this.heldTimers.clear();
    return this.inner.close();
  }

  protected override onReceive(datagram: Buffer, from: RemoteAddress): void {
    if (this.isPartitioned(from)) {
      this.inbound.counts.partitioned++;
      return;
    }
    const fate = this.inbound.decide(datagram, datagram.length);
    if (!fate) return;
    const { bytes, length, copies, delayMs } = fate;
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, length);
    // The inner transport may reuse its memory once this returns: what is held back is a copy,
    // and so is each duplicate (a receiver may change the bytes it was given).
    const held = delayMs > 0 && bytes === datagram ? Buffer.from(view) : view;
    this.release(delayMs, copies, (copyIndex) =>
      this.passUp(copyIndex === 0 ? held : Buffer.from(held), from),
    );
  }

  /** Lets a datagram's copies go now, or after its reordering delay. */
  private release(delayMs: number, copies: number, emit: (copyIndex: number) => void): void {
    if (delayMs === 0) {
      for (let i = 0; i < copies; i++) emit(i);
      return;
    }
    const handle = this.clock.setTimeout(() => {
      this.heldTimers.delete(handle);
      if (this.closed) return;
      for (let i = 0; i < copies; i++) emit(i);
    }, delayMs);
    this.heldTimers.add(handle);
  }

  private isPartitioned(peer: RemoteAddress): boolean {
    for (const predicate of this.partitions) if (predicate(peer)) return true;
    return false;
  }
}
