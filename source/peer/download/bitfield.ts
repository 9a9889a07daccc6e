/** A fixed-size set of piece indices, one bit each; serialisable for the resume file. */
export class Bitfield {
  readonly bytes: Uint8Array;
  private setCount = 0;

  constructor(
    readonly size: number,
    bytes?: Uint8Array,
  ) {
    this.bytes = new Uint8Array(Math.ceil(size / 8));
    if (bytes) {
      this.bytes.set(bytes.subarray(0, this.bytes.length));
      for (let index = 0; index < size; index++) if (this.has(index)) this.setCount++;
    }
  }

  /** Every one of `size` indices set (the spare bits of the last byte stay clear, as BEP 3 wants). */
  static all(size: number): Bitfield {
    const bitfield = new Bitfield(size);
    bitfield.bytes.fill(0xff);
    const spare = bitfield.bytes.length * 8 - size;
    if (spare > 0) bitfield.bytes[bitfield.bytes.length - 1] = (0xff << spare) & 0xff;
    bitfield.setCount = size;
    return bitfield;
  }

  has(index: number): boolean {
    return (this.bytes[index >> 3]! & (0x80 >> (index & 7))) !== 0;
  }

  add(index: number): void {
    if (this.has(index)) return;
    this.bytes[index >> 3]! |= 0x80 >> (index & 7);
    this.setCount++;
  }

  delete(index: number): void {
    if (!this.has(index)) return;
    this.bytes[index >> 3]! &= ~(0x80 >> (index & 7));
    this.setCount--;
  }

  get count(): number {
    return this.setCount;
  }

  get full(): boolean {
    return this.setCount === this.size;
  }

  /** Contiguous runs of set indices, e.g. [[0, 9], [14, 20]] (inclusive), for display. */
  ranges(): Array<[number, number]> {
    const runs: Array<[number, number]> = [];
    let start = -1;
    for (let index = 0; index <= this.size; index++) {
      const inRun = index < this.size && this.has(index);
      if (inRun && start < 0) start = index;
      if (!inRun && start >= 0) {
        runs.push([start, index - 1]);
        start = -1;
      }
    }
    return runs;
  }
}
