/**
 * Bytes <-> typed messages for every bt-tui datagram. Pure: no I/O, and decode never throws.
 *
 * Header (every datagram, big-endian): magic u16 'BT' | version u8 | type u8 | flags u8 | txid u32
 * | checksum u32. The checksum is a CRC-32 of every other byte of the datagram: UDP's own 16-bit
 * checksum is optional on IPv4 and weak, and bytes damaged in transit must show up as loss
 * (retransmitted), never as a bad piece that wrongly blames an honest owner.
 * Bodies live in codec-tracker.ts and codec-peer.ts, the byte-level reader/writer in binary.ts.
 * Decoded messages' fixed-size fields (token, publicKey, cookie, infohash, ...) and payloads
 * are views that alias the datagram: copy them before the datagram's memory is reused.
 */
import { CodeTable, checkInteger, Reader, Writer } from './binary.ts';
import * as peer from './codec-peer.ts';
import * as tracker from './codec-tracker.ts';
import { crc32, crc32Combine, crc32Range, crc32Span } from './crc32.ts';
import type { DecodeError } from './decode-error.ts';
import { MAX_PAYLOAD_BYTES, type Message, type MessageType } from './messages.ts';

export type { DecodeError, DecodeErrorCode } from './decode-error.ts';

/** 'BT': a datagram that does not start with it is not ours (a stray packet or a scanner). */
export const PROTOCOL_MAGIC = 0x4254;
/**
 * 5: OWN-MANY announces up to 16 files in one datagram. 4: DATA names its download by the
 * 4-byte tag its REQUEST carried instead of the 32-byte infohash. 3: registration proves a key
 * pair (REGISTER -> CHALLENGE -> REGISTER-PROOF) instead of sending a reusable node key. 2: OWN
 * complete/partial/withdrawn, NEED exclude list, BITFIELD and HAVE.
 */
export const PROTOCOL_VERSION = 5;
/** magic 2 + version 1 + type 1 + flags 1 + txid 4 + checksum 4. */
export const HEADER_BYTES = 13;
/** Where a DATA datagram's tag lies: first in its body. */
export const DATA_TAG_OFFSET = HEADER_BYTES;
/** Payload offset of a DATA datagram: header + tag u32 + piece u32 + begin u32. */
export const DATA_HEADER_BYTES = HEADER_BYTES + 4 + 4 + 4;

// Header field offsets.
const TYPE_OFFSET = 3;
const FLAGS_OFFSET = 4;
const TXID_OFFSET = 5;
const CHECKSUM_OFFSET = 9;

/**
 * Below this size a datagram's CRC is taken in JS over index ranges: zlib's needs two views
 * (subarray), and those two objects were a fifth of what a tracker allocated per heartbeat.
 */
const SMALL_DATAGRAM_BYTES = 1024;

/** CRC-32 over the datagram without its checksum field. */
function checksumOf(datagram: Uint8Array): number {
  const head = crc32Range(datagram, 0, CHECKSUM_OFFSET, 0);
  const end = datagram.length;
  return end <= SMALL_DATAGRAM_BYTES
    ? crc32Range(datagram, HEADER_BYTES, end, head)
    : crc32Span(datagram, HEADER_BYTES, end, head);
}

function hasValidChecksum(datagram: Uint8Array): boolean {
  return u32At(datagram, CHECKSUM_OFFSET) === checksumOf(datagram);
}

function writeChecksum(datagram: Buffer): void {
  datagram.writeUInt32BE(checksumOf(datagram), CHECKSUM_OFFSET);
}

/** How one message type's body is written and read (codec-tracker.ts, codec-peer.ts). */
interface BodyCodec<M extends Message> {
  /** Type code: 0x01.. tracker requests, 0x41.. tracker replies, 0x81.. peer messages. */
  code: number;
  write(w: Writer, message: M): void;
  /** Returns null exactly when it recorded an error in the reader. */
  read(r: Reader): M | null;
}

const BODIES: { [T in MessageType]: BodyCodec<Extract<Message, { type: T }>> } = {
  register: { code: 0x01, write: tracker.writeRegister, read: tracker.readRegister },
  heartbeat: { code: 0x02, write: tracker.writeTokenOnly, read: tracker.readHeartbeat },
  own: { code: 0x03, write: tracker.writeOwn, read: tracker.readOwn },
  need: { code: 0x04, write: tracker.writeNeed, read: tracker.readNeed },
  update: { code: 0x05, write: tracker.writeUpdate, read: tracker.readUpdate },
  exit: { code: 0x06, write: tracker.writeTokenOnly, read: tracker.readExit },
  list: { code: 0x07, write: tracker.writeList, read: tracker.readList },
  'register-proof': {
    code: 0x08,
    write: tracker.writeRegisterProof,
    read: tracker.readRegisterProof,
  },
  who: { code: 0x09, write: tracker.writeWho, read: tracker.readWho },
  'own-many': { code: 0x0a, write: tracker.writeOwnMany, read: tracker.readOwnMany },
  registered: { code: 0x41, write: tracker.writeRegistered, read: tracker.readRegistered },
  ack: { code: 0x42, write: () => {}, read: tracker.readAck },
  challenge: { code: 0x43, write: tracker.writeChallenge, read: tracker.readChallenge },
  'need-reply': { code: 0x44, write: tracker.writeNeedReply, read: tracker.readNeedReply },
  'list-reply': { code: 0x47, write: tracker.writeListReply, read: tracker.readListReply },
  'who-reply': { code: 0x48, write: tracker.writeWhoReply, read: tracker.readWhoReply },
  'own-many-reply': {
    code: 0x49,
    write: tracker.writeOwnManyReply,
    read: tracker.readOwnManyReply,
  },
  error: { code: 0x4f, write: tracker.writeError, read: tracker.readError },
  hello: { code: 0x81, write: peer.writeHello, read: peer.readHello },
  welcome: { code: 0x82, write: peer.writeWelcome, read: peer.readWelcome },
  'metainfo-request': {
    code: 0x83,
    write: peer.writeMetainfoRequest,
    read: peer.readMetainfoRequest,
  },
  'metainfo-data': { code: 0x84, write: peer.writeMetainfoData, read: peer.readMetainfoData },
  request: { code: 0x85, write: peer.writeRequest, read: peer.readRequest },
  data: { code: 0x86, write: peer.writeData, read: peer.readData },
  reject: { code: 0x87, write: peer.writeReject, read: peer.readReject },
  'bitfield-request': {
    code: 0x88,
    write: peer.writeBitfieldRequest,
    read: peer.readBitfieldRequest,
  },
  bitfield: { code: 0x89, write: peer.writeBitfield, read: peer.readBitfield },
  have: { code: 0x8a, write: peer.writeHave, read: peer.readHave },
};

/** The type code table, derived from BODIES. */
export const MESSAGE_TYPES = new CodeTable<MessageType>(
  Object.fromEntries(Object.entries(BODIES).map(([type, body]) => [type, body.code])) as Record<
    MessageType,
    number
  >,
);
const DATA_TYPE_CODE = MESSAGE_TYPES.codeOf('data');

/** Answers to a request, matched to it by txid. DATA and REJECT are not: they answer blocks. */
const REPLY_TYPES: ReadonlySet<MessageType> = new Set<MessageType>([
  'challenge',
  'registered',
  'ack',
  'need-reply',
  'list-reply',
  'who-reply',
  'own-many-reply',
  'error',
  'welcome',
  'metainfo-data',
  'bitfield',
]);

export type DecodeResult =
  | { ok: true; txid: number; message: Message }
  | { ok: false; error: DecodeError };

/** Header fields of a valid DATA datagram, filled in place by readDataHeader(). */
export interface DataHeader {
  txid: number;
  tag: number;
  piece: number;
  begin: number;
  payloadLength: number;
  /** The datagram's checksum field, as sent (readDataHeaderUnverified does not check it). */
  checksum: number;
}

/** A DataHeader to fill (readDataHeader): one per receiver, reused for every datagram. */
export function newDataHeader(): DataHeader {
  return { txid: 0, tag: 0, piece: 0, begin: 0, payloadLength: 0, checksum: 0 };
}

/** Reply types: the net layer matches these to pending requests by txid. */
export function isReplyType(type: MessageType): boolean {
  return REPLY_TYPES.has(type);
}

function u32At(bytes: Uint8Array, at: number): number {
  return (
    bytes[at]! * 0x100_0000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!)
  );
}

/** Validates the header in field order; allocates nothing when it is valid. */
function checkHeader(datagram: Uint8Array): DecodeError | null {
  const length = datagram.length;
  if (length < 2) return { code: 'truncated', field: 'magic' };
  if (((datagram[0]! << 8) | datagram[1]!) !== PROTOCOL_MAGIC) return { code: 'bad-magic' };
  if (length < 3) return { code: 'truncated', field: 'version' };
  if (datagram[2] !== PROTOCOL_VERSION) return { code: 'bad-version' };
  if (length < 4) return { code: 'truncated', field: 'type' };
  if (MESSAGE_TYPES.nameOf(datagram[TYPE_OFFSET]!) === undefined) return { code: 'unknown-type' };
  if (length < 5) return { code: 'truncated', field: 'flags' };
  // Flags are reserved for sealed (encrypted) traffic; v1 must not guess at their meaning.
  if (datagram[FLAGS_OFFSET] !== 0) return { code: 'bad-flags' };
  if (length < CHECKSUM_OFFSET) return { code: 'truncated', field: 'txid' };
  if (length < HEADER_BYTES) return { code: 'truncated', field: 'checksum' };
  return null;
}

/** Header only: cheap check used on the hot path. */
export function peekHeader(
  datagram: Uint8Array,
): { ok: true; type: MessageType; txid: number } | { ok: false; error: DecodeError } {
  const error = checkHeader(datagram);
  if (error !== null) return { ok: false, error };
  const type = MESSAGE_TYPES.nameOf(datagram[TYPE_OFFSET]!)!;
  return { ok: true, type, txid: u32At(datagram, TXID_OFFSET) };
}

/** Never throws, whatever the bytes. Checks every length against its max before allocating. */
export function decode(datagram: Uint8Array): DecodeResult {
  const headerError = checkHeader(datagram);
  if (headerError !== null) return { ok: false, error: headerError };
  const bytes = Buffer.isBuffer(datagram)
    ? datagram
    : Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const reader = new Reader(bytes, HEADER_BYTES);
  const body: BodyCodec<Message> = BODIES[MESSAGE_TYPES.nameOf(bytes[TYPE_OFFSET]!)!];
  const message = body.read(reader);
  reader.end();
  if (reader.error !== null) return { ok: false, error: reader.error };
  if (message === null) return { ok: false, error: { code: 'bad-value' } }; // unreachable
  // Checked last, so a short or padded datagram still says so rather than 'bad-checksum'.
  if (!hasValidChecksum(bytes)) return { ok: false, error: { code: 'bad-checksum' } };
  return { ok: true, txid: u32At(bytes, TXID_OFFSET), message };
}

/** Throws (a bug, not input) if the message violates a bound; callers pass valid values. */
export function encode(txid: number, message: Message): Buffer {
  // Measure (and validate) first, so the datagram is one allocation of exactly the right size.
  const sizer = new Writer(null);
  writeMessage(sizer, txid, message);
  // From Node's shared pool (fill(0) keeps Buffer.alloc's promise): a datagram of its own
  // ArrayBuffer cost a tracker ~400 bytes and an ArrayBuffer sweep per reply.
  const datagram = Buffer.allocUnsafe(sizer.pos).fill(0);
  writeMessage(new Writer(datagram), txid, message);
  writeChecksum(datagram);
  return datagram;
}

/**
 * `datagram` (a whole encoded datagram) relabelled as protocol `version`, checksum renewed: lets
 * the tracker tell a peer of an older version, in words its codec can read, why it is refused.
 * Only for messages whose body that version shares (ERROR).
 */
export function relabelVersion(datagram: Buffer, version: number): Buffer {
  const copy = Buffer.from(datagram);
  copy[2] = version;
  writeChecksum(copy);
  return copy;
}

function writeMessage(w: Writer, txid: number, m: Message): void {
  w.u16(PROTOCOL_MAGIC, 'magic');
  w.u8(PROTOCOL_VERSION, 'version');
  w.enum8(MESSAGE_TYPES, m.type, 'type');
  w.u8(0, 'flags');
  w.u32(txid, 'txid');
  w.u32(0, 'checksum'); // filled in by encode() once the body is written
  const body: BodyCodec<Message> = BODIES[m.type];
  body.write(w, m);
}

/**
 * Writes header + tag + piece + begin at the start of `target`, which is the whole datagram
 * with its payload already in place at DATA_HEADER_BYTES: the checksum covers the payload, so
 * this is the last write before sending. With `payloadCrc` (the CRC-32 of the payload, known
 * from an earlier send) the payload is not read again. Allocates nothing.
 */
export function writeDataHeader(
  target: Buffer,
  txid: number,
  tag: number,
  piece: number,
  begin: number,
  payloadCrc?: number,
): void {
  if (target.length < DATA_HEADER_BYTES) {
    throw new RangeError(`cannot encode data: a ${target.length}-byte target`);
  }
  checkInteger(txid, 0, 0xffff_ffff, 'txid');
  checkInteger(tag, 0, 0xffff_ffff, 'tag');
  checkInteger(piece, 0, 0xffff_ffff, 'piece');
  checkInteger(begin, 0, 0xffff_ffff, 'begin');
  fillDataHeader(target, txid, tag, piece, begin);
  if (payloadCrc === undefined) {
    writeChecksum(target);
    return;
  }
  const payloadBytes = target.length - DATA_HEADER_BYTES;
  const checksum = crc32Combine(dataHeaderCrc(target), payloadCrc, payloadBytes);
  target.writeUInt32BE(checksum, CHECKSUM_OFFSET);
}

/** What the DATA datagrams of one run share (see writeDataHeaderRun). */
export interface DataRun {
  txid: number;
  /** The REQUEST's tag. */
  tag: number;
  piece: number;
  /** Offset in the piece of the first block; block i is at begin + i * blockLength. */
  begin: number;
  blockLength: number;
}

/** Where a DATA header's begin field lies: its last four bytes. */
const BEGIN_OFFSET = DATA_HEADER_BYTES - 4;

/**
 * writeDataHeader for the first `count` datagrams of a run laid out [header|payload]... from the
 * start of `buffer`, one every DATA_HEADER_BYTES + blockLength bytes, payloads in place (the
 * last lastPayloadBytes long); `payloadCrcs[i]` is the CRC-32 of payload i. The blocks share
 * txid, tag and piece, so that much of the header is written and checksummed once per run
 * and each block adds only its begin. Allocates nothing.
 */
export function writeDataHeaderRun(
  buffer: Buffer,
  run: DataRun,
  count: number,
  lastPayloadBytes: number,
  payloadCrcs: Uint32Array,
): void {
  const { txid, tag, piece, begin, blockLength } = run;
  const stride = DATA_HEADER_BYTES + blockLength;
  checkInteger(count, 1, payloadCrcs.length, 'count');
  checkInteger(blockLength, 1, MAX_PAYLOAD_BYTES, 'blockLength');
  checkInteger(lastPayloadBytes, 1, blockLength, 'lastPayloadBytes');
  const runBytes = (count - 1) * stride + DATA_HEADER_BYTES + lastPayloadBytes;
  if (buffer.length < runBytes) {
    throw new RangeError(`cannot encode data: a ${buffer.length}-byte buffer for ${runBytes}`);
  }
  checkInteger(txid, 0, 0xffff_ffff, 'txid');
  checkInteger(tag, 0, 0xffff_ffff, 'tag');
  checkInteger(piece, 0, 0xffff_ffff, 'piece');
  checkInteger(begin, 0, 0xffff_ffff - (count - 1) * blockLength, 'begin');
  fillDataHeader(buffer, txid, tag, piece, begin);
  const shared = crc32Range(
    buffer,
    HEADER_BYTES,
    BEGIN_OFFSET,
    crc32Range(buffer, 0, CHECKSUM_OFFSET, 0),
  );
  for (let i = 0; i < count; i++) {
    const slot = i * stride;
    if (i > 0) {
      buffer.copyWithin(slot, 0, BEGIN_OFFSET);
      buffer.writeUInt32BE(begin + i * blockLength, slot + BEGIN_OFFSET);
    }
    const headerCrc = crc32Range(buffer, slot + BEGIN_OFFSET, slot + DATA_HEADER_BYTES, shared);
    const payloadBytes = i === count - 1 ? lastPayloadBytes : blockLength;
    const checksum = crc32Combine(headerCrc, payloadCrcs[i]!, payloadBytes);
    buffer.writeUInt32BE(checksum, slot + CHECKSUM_OFFSET);
  }
}

/**
 * Validates a DATA datagram and fills `into`.
 * Returns null on success; errors match what decode() says about the same bytes (a datagram of
 * another valid type is { code: 'bad-value', field: 'type' }). Allocates nothing on success.
 * The receiver's hot path uses readDataHeaderUnverified; this one, checksum included, is the
 * reference the codec tests hold both to.
 */
export function readDataHeader(datagram: Buffer, into: DataHeader): DecodeError | null {
  const error = readDataHeaderUnverified(datagram, into);
  if (error !== null) return error;
  return hasValidChecksum(datagram) ? null : { code: 'bad-checksum' };
}

/**
 * readDataHeader without the CRC over the payload: every length and field is still checked, and
 * `into.checksum` keeps the checksum as sent. The receiver's piece hash (SHA-256) already covers
 * the payload, so the CRC is only needed to tell transit damage from a lie once a piece fails:
 * dataChecksumMatches() then checks the blocks of that piece. On the happy path this saves a CRC
 * of every byte received (about a quarter of a core-second per GiB on this machine kind).
 */
export function readDataHeaderUnverified(datagram: Buffer, into: DataHeader): DecodeError | null {
  const headerError = checkHeader(datagram);
  if (headerError !== null) return headerError;
  if (datagram[TYPE_OFFSET] !== DATA_TYPE_CODE) return { code: 'bad-value', field: 'type' };
  const lengthError = dataLengthError(datagram.length);
  if (lengthError !== null) return lengthError;
  const length = datagram.length;
  into.txid = u32At(datagram, TXID_OFFSET);
  into.tag = u32At(datagram, DATA_TAG_OFFSET);
  into.piece = u32At(datagram, DATA_TAG_OFFSET + 4);
  into.begin = u32At(datagram, DATA_TAG_OFFSET + 8);
  into.payloadLength = length - DATA_HEADER_BYTES;
  into.checksum = u32At(datagram, CHECKSUM_OFFSET);
  return null;
}

/**
 * What is wrong with the length of a DATA datagram of `length` bytes (too short for its fields or
 * its payload, or a payload over the bound), as decode() says it; null if nothing. Allocates only
 * on error. The receiver checks it before it reads a field: one datagram cut short, from anyone
 * on the LAN, must be counted and dropped, never read past its end.
 */
export function dataLengthError(length: number): DecodeError | null {
  if (length < DATA_TAG_OFFSET + 4) return { code: 'truncated', field: 'tag' };
  if (length < DATA_TAG_OFFSET + 8) return { code: 'truncated', field: 'piece' };
  if (length < DATA_HEADER_BYTES) return { code: 'truncated', field: 'begin' };
  if (length === DATA_HEADER_BYTES) return { code: 'truncated', field: 'bytes' };
  if (length - DATA_HEADER_BYTES > MAX_PAYLOAD_BYTES) return { code: 'oversize', field: 'bytes' };
  return null;
}

const rebuiltDataHeader = Buffer.alloc(DATA_HEADER_BYTES);

/** Writes every DATA header field but the checksum (the values are checked by the caller). */
function fillDataHeader(
  target: Buffer,
  txid: number,
  tag: number,
  piece: number,
  begin: number,
): void {
  target.writeUInt16BE(PROTOCOL_MAGIC, 0);
  target[2] = PROTOCOL_VERSION;
  target[TYPE_OFFSET] = DATA_TYPE_CODE;
  target[FLAGS_OFFSET] = 0;
  target.writeUInt32BE(txid, TXID_OFFSET);
  target.writeUInt32BE(tag, DATA_TAG_OFFSET);
  target.writeUInt32BE(piece, DATA_TAG_OFFSET + 4);
  target.writeUInt32BE(begin, DATA_TAG_OFFSET + 8);
}

/**
 * CRC-32 of a DATA header without its checksum field: where the payload's CRC continues. In JS
 * over index ranges, as checksumOf does for small datagrams: 21 bytes are not worth two views.
 */
function dataHeaderCrc(datagram: Buffer): number {
  const head = crc32Range(datagram, 0, CHECKSUM_OFFSET, 0);
  return crc32Range(datagram, HEADER_BYTES, DATA_HEADER_BYTES, head);
}

/**
 * True when `checksum` is the checksum of the DATA datagram made of these fields and `payload`:
 * the header is rebuilt from what the receiver kept (the bytes themselves are long gone), so a
 * datagram damaged anywhere in transit, header or payload, fails here.
 */
export function dataChecksumMatches(
  checksum: number,
  txid: number,
  tag: number,
  piece: number,
  begin: number,
  payload: Uint8Array,
): boolean {
  const header = rebuiltDataHeader;
  fillDataHeader(header, txid, tag, piece, begin);
  return crc32(payload, dataHeaderCrc(header)) === checksum;
}
