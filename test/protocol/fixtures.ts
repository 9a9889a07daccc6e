/**
 * Valid messages of every type, shared by the codec tests and the fuzz test: ordinary values and
 * the largest values each field allows (255-byte multi-byte names, 16 owners, 8 matches, 32
 * list entries, maximum payloads).
 */
import type { Message, NeedMatch, OwnerEntry } from '../../source/protocol/messages.ts';
import {
  MAX_ERROR_TEXT_BYTES,
  MAX_FILE_SIZE_BYTES,
  MAX_LIST_PAGE,
  MAX_NEED_MATCHES,
  MAX_OWN_MANY_ENTRIES,
  MAX_OWNERS_PER_MATCH,
  MAX_PAYLOAD_BYTES,
  MAX_UPDATE_CREDITS,
  MAX_WHO_ADDRESSES,
} from '../../source/protocol/messages.ts';

/** `n` bytes, all `fill`: distinct fills make misplaced fields visible in a diff. */
export function bytes(n: number, fill: number): Buffer {
  return Buffer.alloc(n, fill);
}

/** 255 UTF-8 bytes of 2-byte characters plus one ASCII byte. */
export const NAME_255_TWO_BYTE = `${'é'.repeat(127)}a`;
/** 255 UTF-8 bytes of 3-byte characters. */
export const NAME_255_THREE_BYTE = '€'.repeat(85);
/** 255 UTF-8 bytes: 63 four-byte emoji (surrogate pairs in JS) plus three ASCII bytes. */
export const NAME_255_FOUR_BYTE = `${'😀'.repeat(63)}abc`;
/** The longest host text: an IPv4-mapped IPv6 address written in full is 45 characters. */
export const HOST_45 = 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255';

const token = bytes(8, 0x11);
const infohash = bytes(32, 0x22);
const cookie = bytes(16, 0x33);

function owner(i: number): OwnerEntry {
  return {
    nodeId: 1000 + i,
    host: HOST_45,
    port: 65535 - i,
    uploadCredit: Number.MAX_SAFE_INTEGER - i,
    complete: i % 2 === 0,
  };
}

function fullMatch(i: number): NeedMatch {
  return {
    infohash: bytes(32, i),
    name: i % 2 === 0 ? NAME_255_THREE_BYTE : NAME_255_FOUR_BYTE,
    size: MAX_FILE_SIZE_BYTES - i,
    ownerCount: 0xffff_ffff,
    owners: Array.from({ length: MAX_OWNERS_PER_MATCH }, (_, j) => owner(j)),
  };
}

/** One or more valid messages of every type, each with a label for test names. */
export const SAMPLES: ReadonlyArray<{ label: string; txid: number; message: Message }> = [
  {
    label: 'register',
    txid: 1,
    message: { type: 'register', nodeId: 7, publicKey: bytes(32, 0x44) },
  },
  {
    label: 'register with the largest node id',
    txid: 0xffff_ffff,
    message: { type: 'register', nodeId: 0xffff_ffff, publicKey: bytes(32, 0xff) },
  },
  {
    label: 'register-proof',
    txid: 8,
    message: {
      type: 'register-proof',
      nodeId: 7,
      publicKey: bytes(32, 0x44),
      challenge: bytes(32, 0x45),
      signature: bytes(64, 0x46),
    },
  },
  {
    label: 'challenge',
    txid: 9,
    message: { type: 'challenge', nodeId: 7, challenge: bytes(32, 0x47) },
  },
  { label: 'heartbeat', txid: 2, message: { type: 'heartbeat', token } },
  {
    label: 'own',
    txid: 3,
    message: {
      type: 'own',
      state: 'complete',
      token,
      infohash,
      size: 123_456_789,
      name: 'file.iso',
    },
  },
  {
    label: 'own with a 255-byte name and the largest size',
    txid: 3,
    message: {
      type: 'own',
      state: 'complete',
      token,
      infohash,
      size: MAX_FILE_SIZE_BYTES,
      name: NAME_255_TWO_BYTE,
    },
  },
  {
    label: 'own of an empty file',
    txid: 3,
    message: { type: 'own', state: 'complete', token, infohash, size: 0, name: 'empty' },
  },
  {
    label: 'own-many of one file',
    txid: 3,
    message: {
      type: 'own-many',
      token,
      entries: [{ state: 'withdrawn', infohash, size: 1, name: 'one.bin' }],
    },
  },
  {
    label: 'own-many with the most entries, each of every state and the longest name',
    txid: 3,
    message: {
      type: 'own-many',
      token,
      entries: Array.from({ length: MAX_OWN_MANY_ENTRIES }, (_, i) => ({
        state: (['complete', 'partial', 'withdrawn'] as const)[i % 3]!,
        infohash: bytes(32, i),
        size: MAX_FILE_SIZE_BYTES - i,
        name: i % 2 === 0 ? NAME_255_FOUR_BYTE : `f${i}.bin`,
      })),
    },
  },
  { label: 'own-many-reply, all taken', txid: 3, message: { type: 'own-many-reply', refused: [] } },
  {
    label: 'own-many-reply refusing every entry at length',
    txid: 3,
    message: {
      type: 'own-many-reply',
      refused: Array.from({ length: MAX_OWN_MANY_ENTRIES }, (_, index) => ({
        index,
        code: index % 2 === 0 ? ('conflict' as const) : ('full' as const),
        text: 'é'.repeat(MAX_ERROR_TEXT_BYTES / 2),
      })),
    },
  },
  {
    label: 'need by name',
    txid: 4,
    message: {
      type: 'need',
      exclude: [],
      token,
      maxOwners: 3,
      query: { kind: 'name', name: 'file.iso' },
    },
  },
  {
    label: 'need by infohash with the most owners',
    txid: 4,
    message: {
      type: 'need',
      exclude: [],
      token,
      maxOwners: MAX_OWNERS_PER_MATCH,
      query: { kind: 'infohash', infohash },
    },
  },
  {
    label: 'update',
    txid: 5,
    message: {
      type: 'update',
      token,
      infohash,
      downloadId: bytes(8, 0x55),
      credits: [{ nodeId: 2, bytes: 1_048_576 }],
    },
  },
  {
    label: 'update with the most credits',
    txid: 5,
    message: {
      type: 'update',
      token,
      infohash,
      downloadId: bytes(8, 0x55),
      credits: Array.from({ length: MAX_UPDATE_CREDITS }, (_, i) => ({
        nodeId: i + 1,
        bytes: MAX_FILE_SIZE_BYTES - i,
      })),
    },
  },
  { label: 'exit', txid: 6, message: { type: 'exit', token } },
  { label: 'list', txid: 7, message: { type: 'list', token, cursor: 0xffff_ffff } },
  {
    label: 'who of one address',
    txid: 9,
    message: { type: 'who', token, addresses: [{ host: '127.0.0.1', port: 40_003 }] },
  },
  {
    label: 'who of 16 IPv6 addresses',
    txid: 9,
    message: {
      type: 'who',
      token,
      addresses: Array.from({ length: MAX_WHO_ADDRESSES }, (_, i) => ({
        host: `fe80::${i}:aaaa:bbbb:cccc:dddd`,
        port: 0xffff - i,
      })),
    },
  },
  {
    label: 'registered',
    txid: 1,
    message: { type: 'registered', nodeId: 7, token, heartbeatIntervalMs: 20_000 },
  },
  { label: 'ack', txid: 2, message: { type: 'ack' } },
  {
    label: 'need-reply with no match',
    txid: 4,
    message: { type: 'need-reply', totalMatches: 0, matches: [] },
  },
  {
    label: 'need-reply with one match and one owner',
    txid: 4,
    message: {
      type: 'need-reply',
      totalMatches: 1,
      matches: [
        {
          infohash,
          name: 'file.iso',
          size: 10,
          ownerCount: 1,
          owners: [
            { nodeId: 3, host: '127.0.0.1', port: 40_003, uploadCredit: 0, complete: false },
          ],
        },
      ],
    },
  },
  {
    label: 'need-reply with 8 matches of 16 owners',
    txid: 4,
    message: {
      type: 'need-reply',
      totalMatches: 0xffff,
      matches: Array.from({ length: MAX_NEED_MATCHES }, (_, i) => fullMatch(i)),
    },
  },
  {
    label: 'list-reply, last page',
    txid: 7,
    message: {
      type: 'list-reply',
      totalFiles: 1,
      nextCursor: 0,
      files: [{ infohash, name: 'ünïcødé.txt', size: 5, ownerCount: 2 }],
    },
  },
  {
    label: 'list-reply with 32 entries',
    txid: 7,
    message: {
      type: 'list-reply',
      totalFiles: 0xffff_ffff,
      nextCursor: 32,
      files: Array.from({ length: MAX_LIST_PAGE }, (_, i) => ({
        infohash: bytes(32, i),
        name: NAME_255_FOUR_BYTE,
        size: MAX_FILE_SIZE_BYTES,
        ownerCount: 0xffff_ffff,
      })),
    },
  },
  { label: 'who-reply, none known', txid: 9, message: { type: 'who-reply', nodeIds: [0] } },
  {
    label: 'who-reply of 16',
    txid: 9,
    message: {
      type: 'who-reply',
      nodeIds: Array.from({ length: MAX_WHO_ADDRESSES }, (_, i) => 0xffff_ffff - i),
    },
  },
  {
    label: 'error reregister',
    txid: 2,
    message: { type: 'error', code: 'reregister', text: 'unknown token: register again' },
  },
  { label: 'error id-in-use', txid: 1, message: { type: 'error', code: 'id-in-use', text: '' } },
  {
    label: 'error bad-request',
    txid: 3,
    message: { type: 'error', code: 'bad-request', text: 'x' },
  },
  { label: 'error full', txid: 3, message: { type: 'error', code: 'full', text: 'é'.repeat(100) } },
  { label: 'error conflict', txid: 3, message: { type: 'error', code: 'conflict', text: 'c' } },
  { label: 'hello', txid: 8, message: { type: 'hello', nodeId: 3 } },
  { label: 'welcome', txid: 8, message: { type: 'welcome', nodeId: 4, cookie } },
  {
    label: 'metainfo-request',
    txid: 9,
    message: { type: 'metainfo-request', cookie, infohash, offset: 65_000 },
  },
  {
    label: 'metainfo-data of an empty metainfo',
    txid: 9,
    message: {
      type: 'metainfo-data',
      infohash,
      totalLength: 0,
      offset: 0,
      bytes: Buffer.alloc(0),
    },
  },
  {
    label: 'metainfo-data, last chunk',
    txid: 9,
    message: {
      type: 'metainfo-data',
      infohash,
      totalLength: 300,
      offset: 200,
      bytes: bytes(100, 0x66),
    },
  },
  {
    label: 'metainfo-data with the largest chunk',
    txid: 9,
    message: {
      type: 'metainfo-data',
      infohash,
      totalLength: 2 * MAX_PAYLOAD_BYTES,
      offset: MAX_PAYLOAD_BYTES,
      bytes: bytes(MAX_PAYLOAD_BYTES, 0x67),
    },
  },
  {
    label: 'request',
    txid: 10,
    message: {
      type: 'request',
      cookie,
      infohash,
      piece: 5,
      begin: 16_384,
      blockLength: 16_384,
      count: 4,
      tag: 77,
    },
  },
  {
    label: 'request with the largest run',
    txid: 10,
    message: {
      type: 'request',
      cookie,
      infohash,
      piece: 0xffff_ffff,
      begin: 0xffff_ffff,
      blockLength: MAX_PAYLOAD_BYTES,
      count: 64,
      tag: 0xffff_ffff,
    },
  },
  {
    label: 'data of one byte',
    txid: 11,
    message: { type: 'data', tag: 0, piece: 0, begin: 0, bytes: bytes(1, 0x77) },
  },
  {
    label: 'data of 16 KiB',
    txid: 11,
    message: { type: 'data', tag: 77, piece: 9, begin: 16_384, bytes: bytes(16_384, 0x78) },
  },
  {
    label: 'data with the largest payload',
    txid: 11,
    message: {
      type: 'data',
      tag: 0xffff_ffff,
      piece: 1,
      begin: 0,
      bytes: bytes(MAX_PAYLOAD_BYTES, 0x79),
    },
  },
  {
    label: 'reject not-seeding',
    txid: 12,
    message: { type: 'reject', infohash, piece: 1, begin: 2, reason: 'not-seeding' },
  },
  {
    label: 'reject bad-range',
    txid: 12,
    message: { type: 'reject', infohash, piece: 1, begin: 2, reason: 'bad-range' },
  },
  {
    label: 'reject busy',
    txid: 12,
    message: { type: 'reject', infohash, piece: 1, begin: 2, reason: 'busy' },
  },
  {
    label: 'reject bad-cookie',
    txid: 12,
    message: { type: 'reject', infohash, piece: 1, begin: 2, reason: 'bad-cookie' },
  },
  {
    label: 'reject choked',
    txid: 12,
    message: { type: 'reject', infohash, piece: 1, begin: 2, reason: 'choked' },
  },
  {
    label: 'reject missing-piece',
    txid: 12,
    message: { type: 'reject', infohash, piece: 1, begin: 2, reason: 'missing-piece' },
  },
  {
    label: 'reject elsewhere',
    txid: 12,
    message: { type: 'reject', infohash, piece: 1, begin: 2, reason: 'elsewhere' },
  },
  {
    label: 'bitfield-request',
    txid: 13,
    message: { type: 'bitfield-request', cookie: bytes(16, 0x21), infohash },
  },
  {
    label: 'bitfield of 9 pieces',
    txid: 13,
    message: { type: 'bitfield', infohash, pieceCount: 9, bits: Buffer.from([0xa5, 0x80]) },
  },
  {
    label: 'bitfield of the most pieces',
    txid: 13,
    message: { type: 'bitfield', infohash, pieceCount: 65_536, bits: bytes(8192, 0xff) },
  },
  {
    label: 'have of one piece',
    txid: 14,
    message: { type: 'have', infohash, pieces: [0] },
  },
  {
    label: 'have of the most pieces',
    txid: 14,
    message: {
      type: 'have',
      infohash,
      pieces: Array.from({ length: 256 }, (_, i) => 65_535 - i),
    },
  },
];

/** Messages whose tail is a payload: a shorter datagram can still be a valid, shorter message. */
export function hasPayloadTail(message: Message): boolean {
  return message.type === 'data' || message.type === 'metainfo-data';
}
