import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type DecodeError, decode, encode } from '../../source/protocol/codec.ts';
import type { Message } from '../../source/protocol/messages.ts';
import { MAX_METAINFO_BYTES } from '../../source/protocol/metainfo.ts';
import { bytes } from './fixtures.ts';
import { datagram, str8, u8, u16, u32, u64 } from './wire.ts';

const token = bytes(8, 1);
const infohash = bytes(32, 2);
const cookie = bytes(16, 3);
const downloadId = bytes(8, 4);

/** One owner entry of a need-reply: nodeId, host, port, uploadCredit, flags (1 = complete). */
const ownerEntry = (host: Buffer, port: number, flags = 1) =>
  Buffer.concat([u32(3), host, u16(port), u64(0, 0), u8(flags)]);

/** A need-reply with one match of `name`, ownerCount and k owner entries. */
const needReply = (totalMatches: number, count: number, ownerCount: number, owners: Buffer[]) =>
  datagram(
    0x44,
    u16(totalMatches),
    u8(count),
    infohash,
    u64(0, 10),
    str8('a'),
    u32(ownerCount),
    u8(owners.length),
    ...owners,
  );

const cases: Array<[string, Buffer, DecodeError]> = [
  // register / hello: fixed sizes, zero padding
  [
    'register with node id 0',
    datagram(0x01, u32(0), bytes(32, 1), bytes(256 - 49, 0)),
    { code: 'bad-value', field: 'nodeId' },
  ],
  [
    'register with a non-zero padding byte',
    datagram(0x01, u32(1), bytes(32, 1), bytes(206, 0), u8(1)),
    { code: 'bad-value', field: 'padding' },
  ],
  [
    'register one byte short',
    datagram(0x01, u32(1), bytes(32, 1), bytes(206, 0)),
    { code: 'truncated', field: 'padding' },
  ],
  [
    'register unpadded',
    datagram(0x01, u32(1), bytes(32, 1)),
    { code: 'truncated', field: 'padding' },
  ],
  [
    'register one byte long',
    datagram(0x01, u32(1), bytes(32, 1), bytes(208, 0)),
    { code: 'padded' },
  ],
  [
    'register-proof unpadded (an answer must never outgrow it)',
    datagram(0x08, u32(1), bytes(32, 1), bytes(32, 2), bytes(64, 3)),
    { code: 'truncated', field: 'padding' },
  ],
  [
    'register-proof with a short signature',
    datagram(0x08, u32(1), bytes(32, 1), bytes(32, 2), bytes(63, 3)),
    { code: 'truncated', field: 'signature' },
  ],
  [
    'challenge with node id 0',
    datagram(0x43, u32(0), bytes(32, 1)),
    { code: 'bad-value', field: 'nodeId' },
  ],
  [
    'hello with a non-zero padding byte',
    datagram(0x81, u32(1), u8(7), bytes(46, 0)),
    { code: 'bad-value', field: 'padding' },
  ],
  ['hello unpadded', datagram(0x81, u32(1)), { code: 'truncated', field: 'padding' }],
  ['hello one byte long', datagram(0x81, u32(1), bytes(48, 0)), { code: 'padded' }],
  // u64 bounds
  [
    'own size above MAX_FILE_SIZE_BYTES',
    datagram(0x03, token, infohash, u8(1), u64(0x100, 1), str8('a')),
    { code: 'oversize', field: 'size' },
  ],
  [
    'own size above MAX_SAFE_INTEGER',
    datagram(0x03, token, infohash, u8(1), u64(0x20_0000, 0), str8('a')),
    { code: 'oversize', field: 'size' },
  ],
  [
    'own size of 2^64 - 1',
    datagram(0x03, token, infohash, u8(1), u64(0xffff_ffff, 0xffff_ffff), str8('a')),
    { code: 'oversize', field: 'size' },
  ],
  [
    'update credit above MAX_FILE_SIZE_BYTES',
    datagram(0x05, token, infohash, downloadId, u8(1), u32(2), u64(0x101, 0)),
    { code: 'oversize', field: 'bytes' },
  ],
  [
    'owner upload credit above MAX_SAFE_INTEGER',
    needReply(1, 1, 1, [Buffer.concat([u32(3), str8('h'), u16(1), u64(0x20_0000, 0)])]),
    { code: 'oversize', field: 'uploadCredit' },
  ],
  // UTF-8
  [
    'a name with an invalid byte',
    datagram(0x03, token, infohash, u8(1), u64(0, 1), str8(Buffer.from([0x61, 0xff]))),
    { code: 'bad-utf8', field: 'name' },
  ],
  [
    'a name with an overlong encoding of "/"',
    datagram(0x03, token, infohash, u8(1), u64(0, 1), str8(Buffer.from([0xc0, 0xaf]))),
    { code: 'bad-utf8', field: 'name' },
  ],
  [
    'a name with an encoded surrogate',
    datagram(0x03, token, infohash, u8(1), u64(0, 1), str8(Buffer.from([0xed, 0xa0, 0x80]))),
    { code: 'bad-utf8', field: 'name' },
  ],
  [
    'a name cut inside a character',
    datagram(0x03, token, infohash, u8(1), u64(0, 1), str8(Buffer.from([0xc3]))),
    { code: 'bad-utf8', field: 'name' },
  ],
  [
    'an error text with an invalid byte',
    datagram(0x4f, u8(1), str8(Buffer.from([0x80]))),
    { code: 'bad-utf8', field: 'text' },
  ],
  // string lengths
  [
    'a host of 46 bytes',
    needReply(1, 1, 1, [ownerEntry(str8('h'.repeat(46)), 1)]),
    { code: 'oversize', field: 'host' },
  ],
  [
    'an error text of 201 bytes',
    datagram(0x4f, u8(1), str8('e'.repeat(201))),
    { code: 'oversize', field: 'text' },
  ],
  [
    'a name length beyond the datagram',
    datagram(0x03, token, infohash, u8(1), u64(0, 1), u8(200), bytes(10, 0x61)),
    { code: 'truncated', field: 'name' },
  ],
  // counts and small numbers
  [
    'need asking for 0 owners',
    datagram(0x04, token, u8(0), u8(0), str8('a')),
    { code: 'bad-value', field: 'maxOwners' },
  ],
  [
    'need asking for 17 owners',
    datagram(0x04, token, u8(17), u8(0), str8('a')),
    { code: 'oversize', field: 'maxOwners' },
  ],
  [
    'update with no credit',
    datagram(0x05, token, infohash, downloadId, u8(0)),
    { code: 'bad-value', field: 'count' },
  ],
  [
    'update with 17 credits',
    datagram(0x05, token, infohash, downloadId, u8(17)),
    { code: 'oversize', field: 'count' },
  ],
  [
    'update announcing more credits than it carries',
    datagram(0x05, token, infohash, downloadId, u8(2), u32(2), u64(0, 5)),
    { code: 'truncated', field: 'nodeId' },
  ],
  [
    'registered with a zero heartbeat interval',
    datagram(0x41, u32(1), token, u32(0)),
    { code: 'bad-value', field: 'heartbeatIntervalMs' },
  ],
  [
    'need-reply with 9 matches',
    datagram(0x44, u16(100), u8(9)),
    { code: 'oversize', field: 'count' },
  ],
  [
    'need-reply with more matches than totalMatches',
    needReply(0, 1, 1, []),
    { code: 'bad-value', field: 'count' },
  ],
  [
    'need-reply with 17 owners',
    datagram(0x44, u16(1), u8(1), infohash, u64(0, 10), str8('a'), u32(100), u8(17)),
    { code: 'oversize', field: 'ownersCount' },
  ],
  [
    'need-reply with more owners than ownerCount',
    needReply(1, 1, 0, [ownerEntry(str8('h'), 1)]),
    { code: 'bad-value', field: 'ownersCount' },
  ],
  [
    'an owner on port 0',
    needReply(1, 1, 1, [ownerEntry(str8('h'), 0)]),
    { code: 'bad-value', field: 'port' },
  ],
  [
    'list-reply with 33 entries',
    datagram(0x47, u32(100), u32(0), u8(33)),
    { code: 'oversize', field: 'count' },
  ],
  ['own-many of no file', datagram(0x0a, token, u8(0)), { code: 'bad-value', field: 'count' }],
  ['own-many of 17 files', datagram(0x0a, token, u8(17)), { code: 'oversize', field: 'count' }],
  [
    'own-many whose second entry has no state',
    datagram(0x0a, token, u8(2), infohash, u8(1), u64(0, 1), str8('a'), infohash, u8(0)),
    { code: 'bad-value', field: 'state' },
  ],
  [
    'own-many one entry short of its count',
    datagram(0x0a, token, u8(2), infohash, u8(1), u64(0, 1), str8('a')),
    { code: 'truncated', field: 'infohash' },
  ],
  ['own-many-reply of 17 refusals', datagram(0x49, u8(17)), { code: 'oversize', field: 'count' }],
  [
    'own-many-reply naming entry 16 (there are at most 16, 0 to 15)',
    datagram(0x49, u8(1), u8(16), u8(5), str8('no')),
    { code: 'bad-value', field: 'index' },
  ],
  [
    'own-many-reply naming one entry twice',
    datagram(0x49, u8(2), u8(3), u8(5), str8('no'), u8(3), u8(5), str8('no')),
    { code: 'bad-value', field: 'index' },
  ],
  [
    'own-many-reply naming entries out of order',
    datagram(0x49, u8(2), u8(3), u8(5), str8('no'), u8(1), u8(5), str8('no')),
    { code: 'bad-value', field: 'index' },
  ],
  [
    'own-many-reply with an unknown code',
    datagram(0x49, u8(1), u8(0), u8(0), str8('no')),
    { code: 'bad-value', field: 'code' },
  ],
  ['who of no address', datagram(0x09, token, u8(0)), { code: 'bad-value', field: 'count' }],
  ['who of 17 addresses', datagram(0x09, token, u8(17)), { code: 'oversize', field: 'count' }],
  [
    'who of an address on port 0',
    datagram(0x09, token, u8(1), str8('127.0.0.1'), u16(0)),
    { code: 'bad-value', field: 'port' },
  ],
  ['who-reply with 17 ids', datagram(0x48, u8(17)), { code: 'oversize', field: 'count' }],
  [
    'request of 0-byte blocks',
    datagram(0x85, cookie, infohash, u32(0), u32(0), u32(0), u16(1), u32(1)),
    { code: 'bad-value', field: 'blockLength' },
  ],
  [
    'request of blocks above MAX_PAYLOAD_BYTES',
    datagram(0x85, cookie, infohash, u32(0), u32(0), u32(65_001), u16(1), u32(1)),
    { code: 'oversize', field: 'blockLength' },
  ],
  [
    'request of 0 blocks',
    datagram(0x85, cookie, infohash, u32(0), u32(0), u32(16_384), u16(0), u32(1)),
    { code: 'bad-value', field: 'count' },
  ],
  [
    'request of 65 blocks',
    datagram(0x85, cookie, infohash, u32(0), u32(0), u32(16_384), u16(65), u32(1)),
    { code: 'oversize', field: 'count' },
  ],
  // enumerations
  [
    'need with an unknown query kind',
    datagram(0x04, token, u8(1), u8(2), infohash),
    { code: 'bad-value', field: 'kind' },
  ],
  ['error code 0', datagram(0x4f, u8(0), str8('x')), { code: 'bad-value', field: 'code' }],
  ['error code 9', datagram(0x4f, u8(9), str8('x')), { code: 'bad-value', field: 'code' }],
  [
    'reject reason 0',
    datagram(0x87, infohash, u32(0), u32(0), u8(0)),
    { code: 'bad-value', field: 'reason' },
  ],
  [
    'own state 0',
    datagram(0x03, token, infohash, u8(0), u64(0, 1), str8('a')),
    { code: 'bad-value', field: 'state' },
  ],
  [
    'own state 4',
    datagram(0x03, token, infohash, u8(4), u64(0, 1), str8('a')),
    { code: 'bad-value', field: 'state' },
  ],
  [
    'need excluding 33 nodes',
    datagram(0x04, token, u8(3), u8(0), str8('a'), u8(33)),
    { code: 'oversize', field: 'excludeCount' },
  ],
  [
    'an owner entry with an unknown flag',
    needReply(1, 1, 1, [ownerEntry(str8('h'), 1, 3)]),
    { code: 'bad-value', field: 'ownerFlags' },
  ],
  [
    'a bitfield claiming a piece past the last',
    datagram(0x89, infohash, u32(9), u8(0xff), u8(0xc0)),
    { code: 'bad-value', field: 'bits' },
  ],
  [
    'a bitfield one byte short',
    datagram(0x89, infohash, u32(9), u8(0xff)),
    { code: 'truncated', field: 'bits' },
  ],
  [
    'a bitfield one byte long',
    datagram(0x89, infohash, u32(8), u8(0xff), u8(0)),
    { code: 'padded' },
  ],
  [
    'a bitfield of 65537 pieces',
    datagram(0x89, infohash, u32(65_537), bytes(8193, 0)),
    { code: 'oversize', field: 'pieceCount' },
  ],
  ['a have of no piece', datagram(0x8a, infohash, u16(0)), { code: 'bad-value', field: 'count' }],
  [
    'a have of 257 pieces',
    datagram(0x8a, infohash, u16(257)),
    { code: 'oversize', field: 'count' },
  ],
  [
    'a have of piece 65536',
    datagram(0x8a, infohash, u16(1), u32(65_536)),
    { code: 'bad-value', field: 'piece' },
  ],
  [
    'reject reason 8',
    datagram(0x87, infohash, u32(0), u32(0), u8(8)),
    { code: 'bad-value', field: 'reason' },
  ],
  // payload tails
  [
    'data with no payload',
    datagram(0x86, u32(1), u32(0), u32(0)),
    { code: 'truncated', field: 'bytes' },
  ],
  [
    'data above MAX_PAYLOAD_BYTES',
    datagram(0x86, u32(1), u32(0), u32(0), bytes(65_001, 0)),
    { code: 'oversize', field: 'bytes' },
  ],
  [
    'metainfo-data above MAX_METAINFO_BYTES',
    datagram(0x84, infohash, u32(MAX_METAINFO_BYTES + 1), u32(0), u8(1)),
    { code: 'oversize', field: 'totalLength' },
  ],
  [
    'metainfo-data starting at its end',
    datagram(0x84, infohash, u32(10), u32(10), u8(1)),
    { code: 'bad-value', field: 'offset' },
  ],
  [
    'metainfo-data of an empty metainfo at offset 1',
    datagram(0x84, infohash, u32(0), u32(1)),
    { code: 'bad-value', field: 'offset' },
  ],
  [
    'metainfo-data with bytes for an empty metainfo',
    datagram(0x84, infohash, u32(0), u32(0), u8(1)),
    { code: 'bad-value', field: 'bytes' },
  ],
  [
    'metainfo-data running past its end',
    datagram(0x84, infohash, u32(10), u32(8), bytes(3, 0)),
    { code: 'bad-value', field: 'bytes' },
  ],
  [
    'metainfo-data with no bytes for a non-empty metainfo',
    datagram(0x84, infohash, u32(10), u32(0)),
    { code: 'truncated', field: 'bytes' },
  ],
  [
    'metainfo-data chunk above MAX_PAYLOAD_BYTES',
    datagram(0x84, infohash, u32(200_000), u32(0), bytes(65_001, 0)),
    { code: 'oversize', field: 'bytes' },
  ],
];

describe('field rejections', () => {
  for (const [label, bytesIn, error] of cases) {
    test(`refuses ${label}`, () => {
      assert.deepEqual(decode(bytesIn), { ok: false, error });
    });
  }

  test('accepts the valid neighbours of those datagrams', () => {
    assert.equal(decode(needReply(1, 1, 1, [ownerEntry(str8('h'.repeat(45)), 1)])).ok, true);
    assert.equal(decode(datagram(0x4f, u8(5), str8('e'.repeat(200)))).ok, true);
    assert.equal(decode(datagram(0x03, token, infohash, u8(1), u64(0x100, 0), str8('a'))).ok, true);
    assert.equal(decode(datagram(0x84, infohash, u32(10), u32(7), bytes(3, 0))).ok, true);
    assert.equal(decode(datagram(0x89, infohash, u32(9), u8(0xff), u8(0x80))).ok, true);
    assert.equal(decode(datagram(0x8a, infohash, u16(1), u32(65_535))).ok, true);
    assert.equal(decode(needReply(1, 1, 1, [ownerEntry(str8('h'), 1, 0)])).ok, true);
    const need = datagram(0x04, token, u8(3), u8(0), str8('a'), u8(2), u32(7), u32(9));
    assert.equal(decode(need).ok, true);
  });
});

describe('encode refuses values outside the protocol (a bug in the caller)', () => {
  const bad: Array<[string, Message]> = [
    ['register with node id 0', { type: 'register', nodeId: 0, publicKey: bytes(32, 0) }],
    ['a 31-byte public key', { type: 'register', nodeId: 1, publicKey: bytes(31, 0) }],
    ['a 7-byte token', { type: 'heartbeat', token: bytes(7, 0) }],
    [
      'a 256-byte name',
      { type: 'own', state: 'complete', token, infohash, size: 1, name: 'a'.repeat(256) },
    ],
    [
      'a name with a lone surrogate',
      { type: 'own', state: 'complete', token, infohash, size: 1, name: 'a\uD800' },
    ],
    [
      'a size above MAX_FILE_SIZE_BYTES',
      { type: 'own', state: 'complete', token, infohash, size: 2 ** 40 + 1, name: 'a' },
    ],
    [
      'a fractional size',
      { type: 'own', state: 'complete', token, infohash, size: 1.5, name: 'a' },
    ],
    ['a negative cursor', { type: 'list', token, cursor: -1 }],
    ['a who of no address', { type: 'who', token, addresses: [] }],
    [
      'a who of 17 addresses',
      {
        type: 'who',
        token,
        addresses: Array.from({ length: 17 }, () => ({ host: 'h', port: 1 })),
      },
    ],
    ['a who-reply of 17 ids', { type: 'who-reply', nodeIds: Array.from({ length: 17 }, () => 1) }],
    [
      '17 max owners',
      { type: 'need', exclude: [], token, maxOwners: 17, query: { kind: 'name', name: 'a' } },
    ],
    ['an update with no credit', { type: 'update', token, infohash, downloadId, credits: [] }],
    [
      'more matches than totalMatches',
      {
        type: 'need-reply',
        totalMatches: 0,
        matches: [{ infohash, name: 'a', size: 1, ownerCount: 0, owners: [] }],
      },
    ],
    [
      'an owner on port 0',
      {
        type: 'need-reply',
        totalMatches: 1,
        matches: [
          {
            infohash,
            name: 'a',
            size: 1,
            ownerCount: 1,
            owners: [{ nodeId: 1, host: 'h', port: 0, uploadCredit: 0, complete: true }],
          },
        ],
      },
    ],
    ['a 201-byte error text', { type: 'error', code: 'full', text: 'e'.repeat(201) }],
    ['an empty data payload', { type: 'data', tag: 1, piece: 0, begin: 0, bytes: Buffer.alloc(0) }],
    [
      'a data payload above MAX_PAYLOAD_BYTES',
      { type: 'data', tag: 1, piece: 0, begin: 0, bytes: bytes(65_001, 0) },
    ],
    [
      'metainfo-data past its end',
      { type: 'metainfo-data', infohash, totalLength: 10, offset: 8, bytes: bytes(3, 0) },
    ],
    [
      'a request of 65 blocks',
      { type: 'request', cookie, infohash, piece: 0, begin: 0, blockLength: 1, count: 65, tag: 1 },
    ],
  ];
  for (const [label, message] of bad) {
    test(`throws on ${label}`, () => {
      assert.throws(() => encode(1, message), RangeError);
    });
  }

  test('throws on a txid that is not a u32', () => {
    assert.throws(() => encode(2 ** 32, { type: 'ack' }), RangeError);
  });
});
