import * as zlib from 'node:zlib';
import { loadNativeAddon } from '../native-addon.ts';

/** native/crc32_clmul.c: CRC-32 of data[start..end), continuing from a finished CRC. */
interface Crc32Addon {
  accelerated: boolean;
  crc32(data: Uint8Array, start: number, end: number, initial: number): number;
}

/** CRC-32 (IEEE), continuing from `initial`: zlib's where Node has it (20.15+), else in JS. */
export const zlibCrc32: (data: Uint8Array, initial?: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (data, initial = 0) => zlib.crc32(data, initial)
    : portableCrc32;

function loadFolding(): Crc32Addon | null {
  const loaded = loadNativeAddon<Crc32Addon>('crc32_clmul');
  return 'addon' in loaded && loaded.addon.accelerated ? loaded.addon : null;
}

const folding = loadFolding();

/**
 * CRC-32 (IEEE), continuing from `initial`. By carry-less multiplication where the addon is built
 * and the CPU has it: a seeder checksums every block it serves the first time, and zlib's table
 * method (3.5-4.7 GiB/s on the project's machine, about 11 with folding) was a fifth of its CPU.
 */
export const crc32: (data: Uint8Array, initial?: number) => number =
  folding === null
    ? zlibCrc32
    : (data, initial = 0) => folding.crc32(data, 0, data.length, initial);

/** crc32 of `data[start..end)`, with no view made where the addon computes it. */
export const crc32Span: (data: Uint8Array, start: number, end: number, initial: number) => number =
  folding === null
    ? (data, start, end, initial) => zlibCrc32(data.subarray(start, end), initial)
    : (data, start, end, initial) => folding.crc32(data, start, end, initial);

/** Which of the three computes crc32 here (for tests and the bench). */
export const crc32Method: 'folding' | 'zlib' | 'portable' =
  folding !== null ? 'folding' : zlibCrc32 === portableCrc32 ? 'portable' : 'zlib';

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

export function portableCrc32(data: Uint8Array, initial = 0): number {
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
    const columns = zeroBytesOperator(length);
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

/**
 * The raw CRC register's linear map for `length` zero bytes, as 32 columns (the image of each
 * bit), by repeated squaring of the map for one byte: about 20 matrix products for a 16 KiB block
 * where stepping byte by byte took half a million table steps (6 % of a fresh seeder's CPU).
 */
function zeroBytesOperator(length: number): Uint32Array {
  const byteTable = crcTable();
  let power: Uint32Array = new Uint32Array(32);
  for (let bit = 0; bit < 32; bit++) {
    const state = (1 << bit) >>> 0;
    power[bit] = (byteTable[state & 0xff]! ^ (state >>> 8)) >>> 0;
  }
  let result: Uint32Array = new Uint32Array(32);
  for (let bit = 0; bit < 32; bit++) result[bit] = (1 << bit) >>> 0;
  for (let n = length; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) result = compose(power, result);
    power = compose(power, power);
  }
  return result;
}

/** The map `outer` after `inner`, both as columns. */
function compose(outer: Uint32Array, inner: Uint32Array): Uint32Array {
  const composed = new Uint32Array(32);
  for (let bit = 0; bit < 32; bit++) {
    let image = 0;
    for (let v = inner[bit]!, i = 0; v !== 0; v >>>= 1, i++) if (v & 1) image ^= outer[i]!;
    composed[bit] = image >>> 0;
  }
  return composed;
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
