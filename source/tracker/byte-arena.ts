/**
 * Copies of small byte strings the tracker keeps for as long as a node stays (its public key, the
 * challenge of its session), carved from chunks of their own.
 *
 * Why: `Buffer.from(bytes)` slices Node's shared 8 KiB pool, which also carries every short-lived
 * reply the tracker encodes. A 32-byte key kept for hours then keeps its whole 8 KiB chunk alive,
 * replies and all: at 100,000 registered nodes that was 61 MiB of ArrayBuffers holding ~6 MiB of
 * keys and challenges. Giving each key an ArrayBuffer of its own fixed that but cost ~270 bytes of
 * heap per node (measured: RSS 356 -> 376 MiB). Chunks here hold nothing short-lived, so a chunk
 * stays only while a value in it does; a node's values are small, so a chunk is small too.
 */
const CHUNK_BYTES = 4096;
/** Values longer than this get an ArrayBuffer of their own (none of the tracker's are). */
const LARGEST_SHARED_BYTES = 256;
/** Slices start on 8-byte boundaries, as Node's pool does. */
const ALIGN = 8;

export class ByteArena {
  private chunk: Buffer = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  private used = 0;

  /** A copy of `bytes` that shares memory only with other long-lived values. */
  copy(bytes: Uint8Array): Buffer {
    if (bytes.length > LARGEST_SHARED_BYTES) return Buffer.from(new Uint8Array(bytes).buffer);
    if (this.used + bytes.length > CHUNK_BYTES) {
      this.chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
      this.used = 0;
    }
    const slice = this.chunk.subarray(this.used, this.used + bytes.length);
    slice.set(bytes);
    this.used += Math.ceil(bytes.length / ALIGN) * ALIGN;
    return slice;
  }

  /** `copy` of hex text (from a store or a shared replica). */
  copyHex(hex: string): Buffer {
    return this.copy(Buffer.from(hex, 'hex'));
  }
}

/** The tracker process's arena for node keys and session challenges. */
export const nodeBytes = new ByteArena();
