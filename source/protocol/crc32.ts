import * as zlib from 'node:zlib';

/** CRC-32 (IEEE), continuing from `initial`. zlib's native one where Node has it (20.15+). */
export const crc32: (data: Uint8Array, initial?: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (data, initial = 0) => zlib.crc32(data, initial)
    : portableCrc32;

let table: Uint32Array | null = null;

/** The byte table of the reflected IEEE polynomial. */
function crcTable(): Uint32Array {
  if (table === null) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  return table;
}

function portableCrc32(data: Uint8Array, initial = 0): number {
  return crc32Range(data, 0, data.length, initial);
}

/** CRC-32 of `data[start..end)`, continuing from `initial`, in JS: no view is made. */
export function crc32Range(data: Uint8Array, start: number, end: number, initial: number): number {
  const lookup = crcTable();
  let crc = ~initial >>> 0;
  for (let i = start; i < end; i++) crc = lookup[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/**
 * Appending `length` bytes to data whose CRC-32 is `crcA`, as four byte-indexed tables: the CRC
 * of A followed by B is `shift(crcA) ^ crc32(B)` (zlib's crc32_combine, with the operator for
 * one length precomputed). A sender that knows the CRC of a block's payload then checksums a
 * datagram by its header alone.
 */
class Crc32Shift {
  private readonly tables: Uint32Array;

  constructor(length: number) {
    // The image of each single bit after `length` zero bytes pass through the raw CRC register.
    const columns = new Uint32Array(32);
    const byteTable = crcTable();
    for (let bit = 0; bit < 32; bit++) {
      let state = (1 << bit) >>> 0;
      for (let i = 0; i < length; i++) state = (byteTable[state & 0xff]! ^ (state >>> 8)) >>> 0;
      columns[bit] = state;
    }
    this.tables = new Uint32Array(4 * 256);
    for (let lane = 0; lane < 4; lane++) {
      for (let value = 0; value < 256; value++) {
        let image = 0;
        for (let bit = 0; bit < 8; bit++) if (value & (1 << bit)) image ^= columns[lane * 8 + bit]!;
        this.tables[lane * 256 + value] = image >>> 0;
      }
    }
  }

  apply(crc: number): number {
    const t = this.tables;
    return (
      (t[crc & 0xff]! ^
        t[256 + ((crc >>> 8) & 0xff)]! ^
        t[512 + ((crc >>> 16) & 0xff)]! ^
        t[768 + (crc >>> 24)]!) >>>
      0
    );
  }
}

/** Shift operators by length: a node sees one block size and a last block or two. */
const shifts = new Map<number, Crc32Shift>();
const MAX_CACHED_SHIFTS = 64;

/** CRC-32 of A followed by B, from crc32(A), crc32(B) and B's length. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  let shift = shifts.get(lengthB);
  if (shift === undefined) {
    if (shifts.size >= MAX_CACHED_SHIFTS) shifts.clear();
    shift = new Crc32Shift(lengthB);
    shifts.set(lengthB, shift);
  }
  return (shift.apply(crcA) ^ crcB) >>> 0;
}
