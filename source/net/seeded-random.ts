/**
 * A small, fast, deterministic PRNG (mulberry32). One seed gives one sequence on every machine,
 * so a failing randomized test or fault run can be replayed from the seed it prints. Not for
 * secrets: tokens and keys come from node:crypto.
 */
export class SeededRandom {
  /** The seed this generator started from, as an unsigned 32-bit integer. */
  readonly seed: number;
  private state: number;

  constructor(seed: number) {
    this.seed = toUint32(seed);
    this.state = this.seed;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4_294_967_296;
  }

  /** An integer in [0, maxExclusive); maxExclusive at most 2^32. */
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  /** `n` random bytes in a fresh Buffer. */
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i += 4) {
      const word = this.nextUint32();
      out[i] = word & 0xff;
      if (i + 1 < n) out[i + 1] = (word >>> 8) & 0xff;
      if (i + 2 < n) out[i + 2] = (word >>> 16) & 0xff;
      if (i + 3 < n) out[i + 3] = word >>> 24;
    }
    return out;
  }

  /**
   * An independent generator derived from this one's seed and a label. It does not consume this
   * generator's state, so forks do not depend on the order in which they are made.
   */
  fork(label: string): SeededRandom {
    return new SeededRandom(mix32(this.seed ^ fnv1a32(label)));
  }

  /** The next raw 32-bit output (mulberry32 step). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
}

function toUint32(value: number): number {
  // Non-integer or huge seeds still map to one well-defined 32-bit seed.
  return Number.isFinite(value) ? Math.trunc(value) >>> 0 : 0;
}

/** FNV-1a over the label's UTF-16 code units: cheap and good enough to separate labels. */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** MurmurHash3's finalizer: spreads every input bit over the output, so near seeds diverge. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
