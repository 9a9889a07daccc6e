/**
 * Bodies of the peer messages (0x81..0x87): one write and one read function per message, fields
 * in wire order. Reads return null exactly when `r.error` is set. Fixed-size fields (cookie,
 * infohash) and payload tails of decoded messages are views that alias the datagram.
 */
import { CodeTable, checkInteger, checkThat, type Reader, type Writer } from './binary.ts';
import {
  type BitfieldMessage,
  type BitfieldRequestMessage,
  COOKIE_BYTES,
  type DataMessage,
  type HaveMessage,
  HELLO_DATAGRAM_BYTES,
  type HelloMessage,
  INFOHASH_BYTES,
  MAX_BLOCKS_PER_REQUEST,
  MAX_HAVE_PIECES,
  MAX_PAYLOAD_BYTES,
  type MetainfoDataMessage,
  type MetainfoRequestMessage,
  type RejectMessage,
  type RejectReason,
  type RequestMessage,
  type WelcomeMessage,
} from './messages.ts';
import { MAX_METAINFO_BYTES, MAX_PIECES } from './metainfo.ts';

/** REJECT reasons on the wire. 0 is left unused so an all-zero body never reads as valid. */
export const REJECT_REASONS = new CodeTable<RejectReason>({
  'not-seeding': 1,
  'bad-range': 2,
  busy: 3,
  'bad-cookie': 4,
  choked: 5,
  'missing-piece': 6,
  elsewhere: 7,
});

export function writeHello(w: Writer, m: HelloMessage): void {
  w.u32(m.nodeId, 'nodeId');
  // Padded so the WELCOME (or REJECT) it earns is never bigger than it: no amplification.
  w.padTo(HELLO_DATAGRAM_BYTES, 'padding');
}

export function readHello(r: Reader): HelloMessage | null {
  const nodeId = r.u32('nodeId');
  r.zeroPaddingTo(HELLO_DATAGRAM_BYTES);
  return r.error ? null : { type: 'hello', nodeId };
}

export function writeWelcome(w: Writer, m: WelcomeMessage): void {
  w.u32(m.nodeId, 'nodeId');
  w.fixed(m.cookie, COOKIE_BYTES, 'cookie');
}

export function readWelcome(r: Reader): WelcomeMessage | null {
  const nodeId = r.u32('nodeId');
  const cookie = r.fixed(COOKIE_BYTES, 'cookie');
  return r.error ? null : { type: 'welcome', nodeId, cookie };
}

export function writeMetainfoRequest(w: Writer, m: MetainfoRequestMessage): void {
  w.fixed(m.cookie, COOKIE_BYTES, 'cookie');
  w.fixed(m.infohash, INFOHASH_BYTES, 'infohash');
  w.u32(m.offset, 'offset');
}

export function readMetainfoRequest(r: Reader): MetainfoRequestMessage | null {
  const cookie = r.fixed(COOKIE_BYTES, 'cookie');
  const infohash = r.fixed(INFOHASH_BYTES, 'infohash');
  const offset = r.u32('offset');
  return r.error ? null : { type: 'metainfo-request', cookie, infohash, offset };
}

export function writeMetainfoData(w: Writer, m: MetainfoDataMessage): void {
  w.fixed(m.infohash, INFOHASH_BYTES, 'infohash');
  checkInteger(m.totalLength, 0, MAX_METAINFO_BYTES, 'totalLength');
  w.u32(m.totalLength, 'totalLength');
  // Offset points inside the metainfo; only an empty metainfo is sent as (offset 0, no bytes).
  checkInteger(m.offset, 0, Math.max(0, m.totalLength - 1), 'offset');
  w.u32(m.offset, 'offset');
  checkInteger(m.bytes.length, m.totalLength === 0 ? 0 : 1, MAX_PAYLOAD_BYTES, 'bytes length');
  checkThat(m.offset + m.bytes.length <= m.totalLength, 'bytes', 'past the end of the metainfo');
  w.raw(m.bytes);
}

export function readMetainfoData(r: Reader): MetainfoDataMessage | null {
  const infohash = r.fixed(INFOHASH_BYTES, 'infohash');
  const totalLength = r.u32('totalLength');
  if (r.error === null && totalLength > MAX_METAINFO_BYTES) r.fail('oversize', 'totalLength');
  const offset = r.u32('offset');
  if (r.error === null && offset >= Math.max(1, totalLength)) r.fail('bad-value', 'offset');
  // A chunk of a non-empty metainfo carries at least one byte, or the transfer cannot progress.
  if (r.error === null && totalLength > 0 && r.remaining === 0) r.fail('truncated', 'bytes');
  if (r.error === null && r.remaining > MAX_PAYLOAD_BYTES) r.fail('oversize', 'bytes');
  if (r.error === null && offset + r.remaining > totalLength) r.fail('bad-value', 'bytes');
  const bytes = r.rest();
  return r.error ? null : { type: 'metainfo-data', infohash, totalLength, offset, bytes };
}

export function writeRequest(w: Writer, m: RequestMessage): void {
  w.fixed(m.cookie, COOKIE_BYTES, 'cookie');
  w.fixed(m.infohash, INFOHASH_BYTES, 'infohash');
  w.u32(m.piece, 'piece');
  w.u32(m.begin, 'begin');
  checkInteger(m.blockLength, 1, MAX_PAYLOAD_BYTES, 'blockLength');
  w.u32(m.blockLength, 'blockLength');
  checkInteger(m.count, 1, MAX_BLOCKS_PER_REQUEST, 'count');
  w.u16(m.count, 'count');
  w.u32(m.tag, 'tag');
}

export function readRequest(r: Reader): RequestMessage | null {
  const cookie = r.fixed(COOKIE_BYTES, 'cookie');
  const infohash = r.fixed(INFOHASH_BYTES, 'infohash');
  const piece = r.u32('piece');
  const begin = r.u32('begin');
  const blockLength = r.u32('blockLength');
  if (r.error === null && blockLength > MAX_PAYLOAD_BYTES) r.fail('oversize', 'blockLength');
  if (r.error === null && blockLength < 1) r.fail('bad-value', 'blockLength');
  const count = r.u16('count');
  if (r.error === null && count > MAX_BLOCKS_PER_REQUEST) r.fail('oversize', 'count');
  if (r.error === null && count < 1) r.fail('bad-value', 'count');
  const tag = r.u32('tag');
  if (r.error) return null;
  return { type: 'request', cookie, infohash, piece, begin, blockLength, count, tag };
}

export function writeData(w: Writer, m: DataMessage): void {
  w.u32(m.tag, 'tag');
  w.u32(m.piece, 'piece');
  w.u32(m.begin, 'begin');
  checkInteger(m.bytes.length, 1, MAX_PAYLOAD_BYTES, 'bytes length');
  w.raw(m.bytes);
}

export function readData(r: Reader): DataMessage | null {
  const tag = r.u32('tag');
  const piece = r.u32('piece');
  const begin = r.u32('begin');
  // An empty DATA carries nothing; count it as cut short (readDataHeaderUnverified says the same).
  if (r.error === null && r.remaining === 0) r.fail('truncated', 'bytes');
  if (r.error === null && r.remaining > MAX_PAYLOAD_BYTES) r.fail('oversize', 'bytes');
  const bytes = r.rest();
  return r.error ? null : { type: 'data', tag, piece, begin, bytes };
}

export function writeReject(w: Writer, m: RejectMessage): void {
  w.fixed(m.infohash, INFOHASH_BYTES, 'infohash');
  w.u32(m.piece, 'piece');
  w.u32(m.begin, 'begin');
  w.enum8(REJECT_REASONS, m.reason, 'reason');
}

export function readReject(r: Reader): RejectMessage | null {
  const infohash = r.fixed(INFOHASH_BYTES, 'infohash');
  const piece = r.u32('piece');
  const begin = r.u32('begin');
  const reason = r.enum8(REJECT_REASONS, 'reason');
  return r.error || reason === null ? null : { type: 'reject', infohash, piece, begin, reason };
}

export function writeBitfieldRequest(w: Writer, m: BitfieldRequestMessage): void {
  w.fixed(m.cookie, COOKIE_BYTES, 'cookie');
  w.fixed(m.infohash, INFOHASH_BYTES, 'infohash');
}

export function readBitfieldRequest(r: Reader): BitfieldRequestMessage | null {
  const cookie = r.fixed(COOKIE_BYTES, 'cookie');
  const infohash = r.fixed(INFOHASH_BYTES, 'infohash');
  return r.error ? null : { type: 'bitfield-request', cookie, infohash };
}

/** Bytes of a bitfield of `pieceCount` bits: MAX_PIECES fits one datagram (8 KiB). */
export function bitfieldBytes(pieceCount: number): number {
  return Math.ceil(pieceCount / 8);
}

export function writeBitfield(w: Writer, m: BitfieldMessage): void {
  w.fixed(m.infohash, INFOHASH_BYTES, 'infohash');
  checkInteger(m.pieceCount, 1, MAX_PIECES, 'pieceCount');
  w.u32(m.pieceCount, 'pieceCount');
  checkThat(m.bits.length === bitfieldBytes(m.pieceCount), 'bits', 'length is not pieceCount/8');
  w.raw(m.bits);
}

export function readBitfield(r: Reader): BitfieldMessage | null {
  const infohash = r.fixed(INFOHASH_BYTES, 'infohash');
  const pieceCount = r.u32('pieceCount');
  if (r.error === null && pieceCount > MAX_PIECES) r.fail('oversize', 'pieceCount');
  if (r.error === null && pieceCount < 1) r.fail('bad-value', 'pieceCount');
  const expected = bitfieldBytes(pieceCount);
  if (r.error === null && r.remaining < expected) r.fail('truncated', 'bits');
  if (r.error === null && r.remaining > expected) r.fail('padded');
  const bits = r.error ? Buffer.alloc(0) : r.rest();
  // Spare bits past the last piece must be zero (BEP 3): a set one claims a piece that is not.
  const spare = expected * 8 - pieceCount;
  if (r.error === null && spare > 0 && (bits[expected - 1]! & ((1 << spare) - 1)) !== 0)
    r.fail('bad-value', 'bits');
  return r.error ? null : { type: 'bitfield', infohash, pieceCount, bits };
}

export function writeHave(w: Writer, m: HaveMessage): void {
  w.fixed(m.infohash, INFOHASH_BYTES, 'infohash');
  checkInteger(m.pieces.length, 1, MAX_HAVE_PIECES, 'pieces count');
  w.u16(m.pieces.length, 'count');
  for (const piece of m.pieces) {
    checkInteger(piece, 0, MAX_PIECES - 1, 'piece');
    w.u32(piece, 'piece');
  }
}

export function readHave(r: Reader): HaveMessage | null {
  const infohash = r.fixed(INFOHASH_BYTES, 'infohash');
  const count = r.u16('count');
  if (r.error === null && count > MAX_HAVE_PIECES) r.fail('oversize', 'count');
  if (r.error === null && count < 1) r.fail('bad-value', 'count');
  const pieces: number[] = [];
  for (let i = 0; i < count && r.error === null; i++) {
    const piece = r.u32('piece');
    if (r.error === null && piece >= MAX_PIECES) r.fail('bad-value', 'piece');
    pieces.push(piece);
  }
  return r.error ? null : { type: 'have', infohash, pieces };
}
