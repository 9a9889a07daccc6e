/**
 * Buffers for runs of DATA datagrams (see block-run.ts), handed back once their datagrams have
 * left and taken again by the next run. A fresh quarter-MiB buffer per REQUEST maps fresh pages,
 * and each page fault is dear in a VM: measured 2026-12-02 on the 2-core EPYC VM, 256 MiB from 3
 * seeders, the seeders took 4,100-5,400 minor faults per download with a fresh buffer per run and
 * 960-1,330 with these.
 */

/** Buffers are made in steps of this, so runs a little shorter or longer share them. */
const GRAIN_BYTES = 64 * 1024;
/** Free buffers kept at most: a run in flight per concurrent read, and a few spare. */
const DEFAULT_MAX_FREE_BYTES = 4 * 1024 * 1024;

export class RunBuffers {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;

  constructor(private readonly maxFreeBytes = DEFAULT_MAX_FREE_BYTES) {}

  /**
   * A buffer of at least `bytes`, its contents undefined: the one handed back last among those
   * large enough (the likeliest still in the CPU's cache), else a new one.
   */
  take(bytes: number): Buffer {
    for (let i = this.free.length - 1; i >= 0; i--) {
      const buffer = this.free[i]!;
      if (buffer.length < bytes) continue;
      this.free.splice(i, 1);
      this.freeBytes -= buffer.length;
      return buffer;
    }
    return Buffer.allocUnsafeSlow(Math.ceil(bytes / GRAIN_BYTES) * GRAIN_BYTES);
  }

  /** Hands back a buffer from take() that nothing reads any more; beyond the bound it is dropped. */
  give(buffer: Buffer): void {
    if (this.freeBytes + buffer.length > this.maxFreeBytes) return;
    this.free.push(buffer);
    this.freeBytes += buffer.length;
  }

  /** Bytes held by free buffers. */
  get heldBytes(): number {
    return this.freeBytes;
  }
}
