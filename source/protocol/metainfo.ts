/**
 * Canonical metainfo bytes: a file's name, size, piece size and the SHA-256 of every piece. The
 * infohash (the file's identity) is the SHA-256 of these exact bytes, so decoding accepts only
 * bytes that re-encode identically (BEP 52: never "fix" metainfo and hash it again).
 *
 * Layout: magic 'BTM1' | name str8 | sizeBytes u64 | pieceSizeBytes u32 | pieceCount u32 |
 * pieceCount x SHA-256 (32 bytes).
 */
import { createHash } from 'node:crypto';
import { checkInteger, checkThat, Reader, Writer } from './binary.ts';
import type { DecodeError } from './decode-error.ts';
import { MAX_FILE_SIZE_BYTES, MAX_NAME_BYTES } from './messages.ts';
import { validateFileName } from './names.ts';

/** What a downloader needs to fetch and verify a file. */
export interface Metainfo {
  name: string;
  sizeBytes: number;
  pieceSizeBytes: number;
  /** pieceCount x 32 bytes: SHA-256 of each piece, in order. */
  pieceHashes: Buffer;
}

/** 'BTM1': tells metainfo from any other bytes, and versions the layout. */
const METAINFO_MAGIC = Buffer.from('BTM1', 'latin1');
const PIECE_HASH_BYTES = 32;
/** Piece sizes are powers of two in this range: 16 KiB is one BitTorrent block, and 64 MiB
 * keeps a piece a bounded amount of memory while hashing. */
export const MIN_PIECE_SIZE_BYTES = 16 * 1024;
export const MAX_PIECE_SIZE_BYTES = 64 * 1024 * 1024;
/** Bounds the metainfo to ~2 MiB; the piece size grows with the file to stay below it. */
export const MAX_PIECES = 65536;
const FIXED_BYTES = METAINFO_MAGIC.length + 1 + 8 + 4 + 4;
/** Largest canonical metainfo: a 255-byte name and MAX_PIECES hashes. */
export const MAX_METAINFO_BYTES = FIXED_BYTES + MAX_NAME_BYTES + MAX_PIECES * PIECE_HASH_BYTES;

/** Number of pieces of a file; 0 for an empty file. */
export function pieceCount(sizeBytes: number, pieceSizeBytes: number): number {
  checkInteger(sizeBytes, 0, Number.MAX_SAFE_INTEGER, 'sizeBytes');
  checkInteger(pieceSizeBytes, 1, Number.MAX_SAFE_INTEGER, 'pieceSizeBytes');
  // Exact for safe integers: the quotient's rounding error is below 1/pieceSizeBytes.
  return Math.ceil(sizeBytes / pieceSizeBytes);
}

/** Bytes in piece `index`: pieceSizeBytes, except a shorter last piece. */
export function pieceLength(m: Metainfo, index: number): number {
  checkInteger(index, 0, pieceCount(m.sizeBytes, m.pieceSizeBytes) - 1, 'piece index');
  return Math.min(m.pieceSizeBytes, m.sizeBytes - index * m.pieceSizeBytes);
}

function isValidPieceSize(pieceSizeBytes: number): boolean {
  return (
    pieceSizeBytes >= MIN_PIECE_SIZE_BYTES &&
    pieceSizeBytes <= MAX_PIECE_SIZE_BYTES &&
    (pieceSizeBytes & (pieceSizeBytes - 1)) === 0
  );
}

function writeMetainfo(w: Writer, m: Metainfo): void {
  const nameError = validateFileName(m.name);
  checkThat(nameError === null, 'name', `refused (${nameError})`);
  checkThat(isValidPieceSize(m.pieceSizeBytes), 'pieceSizeBytes', 'not a power of two in range');
  const count = pieceCount(m.sizeBytes, m.pieceSizeBytes);
  checkThat(count <= MAX_PIECES, 'pieceCount', `${count} pieces, at most ${MAX_PIECES}`);
  w.raw(METAINFO_MAGIC);
  w.str8(m.name, MAX_NAME_BYTES, 'name');
  w.u64(m.sizeBytes, MAX_FILE_SIZE_BYTES, 'sizeBytes');
  w.u32(m.pieceSizeBytes, 'pieceSizeBytes');
  w.u32(count, 'pieceCount');
  w.fixed(m.pieceHashes, count * PIECE_HASH_BYTES, 'pieceHashes');
}

/** Canonical bytes of `m`; throws RangeError if `m` breaks a bound (a bug in the caller). */
export function encodeMetainfo(m: Metainfo): Buffer {
  const sizer = new Writer(null);
  writeMetainfo(sizer, m);
  const out = Buffer.alloc(sizer.pos);
  writeMetainfo(new Writer(out), m);
  return out;
}

/** Parses and validates metainfo bytes; the result owns its memory (no view into `bytes`). */
export function decodeMetainfo(
  bytes: Uint8Array,
): { ok: true; metainfo: Metainfo } | { ok: false; error: DecodeError } {
  if (bytes.length > MAX_METAINFO_BYTES) return { ok: false, error: { code: 'oversize' } };
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(input, 0);
  const magic = r.fixed(METAINFO_MAGIC.length, 'magic');
  if (r.error === null && !magic.equals(METAINFO_MAGIC)) r.fail('bad-magic', 'magic');
  const name = r.str8('name', MAX_NAME_BYTES);
  if (r.error === null && validateFileName(name) !== null) r.fail('bad-value', 'name');
  const sizeBytes = r.u64('sizeBytes', MAX_FILE_SIZE_BYTES);
  const pieceSizeBytes = r.u32('pieceSizeBytes');
  if (r.error === null && !isValidPieceSize(pieceSizeBytes)) r.fail('bad-value', 'pieceSizeBytes');
  const count = r.u32('pieceCount');
  if (r.error === null && count > MAX_PIECES) r.fail('oversize', 'pieceCount');
  if (r.error === null && count !== pieceCount(sizeBytes, pieceSizeBytes)) {
    r.fail('bad-value', 'pieceCount');
  }
  const hashes = r.fixed(count * PIECE_HASH_BYTES, 'pieceHashes');
  r.end();
  if (r.error !== null) return { ok: false, error: r.error };
  const metainfo: Metainfo = { name, sizeBytes, pieceSizeBytes, pieceHashes: Buffer.from(hashes) };
  // Every field above is checked, so this should always hold; it is the BEP 52 rule made explicit.
  if (!encodeMetainfo(metainfo).equals(input)) {
    return { ok: false, error: { code: 'bad-value', field: 'canonical' } };
  }
  return { ok: true, metainfo };
}

/** The infohash: SHA-256 of the canonical metainfo bytes. */
export function infohashOf(encodedMetainfo: Uint8Array): Buffer {
  return createHash('sha256').update(encodedMetainfo).digest();
}
