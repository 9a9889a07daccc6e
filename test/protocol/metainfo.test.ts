import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_FILE_SIZE_BYTES } from '../../source/protocol/messages.ts';
import {
  decodeMetainfo,
  encodeMetainfo,
  infohashOf,
  MAX_METAINFO_BYTES,
  MAX_PIECES,
  type Metainfo,
  pieceCount,
  pieceLength,
} from '../../source/protocol/metainfo.ts';
import { NAME_255_FOUR_BYTE } from './fixtures.ts';
import { str8, u8, u32, u64 } from './wire.ts';

const KiB = 1024;
const hashes = (n: number): Buffer =>
  Buffer.concat(Array.from({ length: n }, (_, i) => Buffer.alloc(32, i + 1)));

/** 40000 bytes in 16 KiB pieces: two full pieces and a last one of 7232 bytes. */
const small: Metainfo = {
  name: 'a.txt',
  sizeBytes: 40_000,
  pieceSizeBytes: 16 * KiB,
  pieceHashes: hashes(3),
};

/** Metainfo bytes written field by field, for rejection cases. */
function layout(name: Buffer, sizeLo: number, pieceSize: number, count: number, hashBytes: number) {
  return Buffer.concat([
    Buffer.from('BTM1'),
    name,
    u64(0, sizeLo),
    u32(pieceSize),
    u32(count),
    Buffer.alloc(hashBytes, 7),
  ]);
}

describe('piece math', () => {
  test('counts pieces, 0 for an empty file', () => {
    assert.equal(pieceCount(0, 16 * KiB), 0);
    assert.equal(pieceCount(1, 16 * KiB), 1);
    assert.equal(pieceCount(16 * KiB, 16 * KiB), 1);
    assert.equal(pieceCount(16 * KiB + 1, 16 * KiB), 2);
    assert.equal(pieceCount(MAX_FILE_SIZE_BYTES, 64 * 1024 * KiB), 16_384);
  });

  test('the last piece is shorter; others are full', () => {
    assert.deepEqual(
      [0, 1, 2].map((i) => pieceLength(small, i)),
      [16_384, 16_384, 7232],
    );
    assert.throws(() => pieceLength(small, 3), RangeError);
    assert.throws(() => pieceLength(small, -1), RangeError);
  });
});

describe('encodeMetainfo / decodeMetainfo', () => {
  test('writes the documented layout', () => {
    const encoded = encodeMetainfo(small);
    assert.equal(encoded.length, 4 + 1 + 5 + 8 + 4 + 4 + 3 * 32);
    assert.equal(
      encoded.subarray(0, 26).toString('hex'),
      '42544d31' + '05612e747874' + '0000000000009c40' + '00004000' + '00000003',
    );
  });

  test('round trips, and the decoded hashes do not alias the input', () => {
    const encoded = encodeMetainfo(small);
    const result = decodeMetainfo(encoded);
    assert.deepEqual(result, { ok: true, metainfo: small });
    encoded[encoded.length - 1] = 0;
    assert.ok(result.ok && result.metainfo.pieceHashes.at(-1) === 3);
  });

  test('round trips an empty file', () => {
    const empty: Metainfo = {
      name: 'empty',
      sizeBytes: 0,
      pieceSizeBytes: 16 * KiB,
      pieceHashes: Buffer.alloc(0),
    };
    assert.deepEqual(decodeMetainfo(encodeMetainfo(empty)), { ok: true, metainfo: empty });
  });

  test('MAX_METAINFO_BYTES is the size of the largest metainfo, which round trips', () => {
    const largest: Metainfo = {
      name: NAME_255_FOUR_BYTE,
      sizeBytes: MAX_PIECES * 16 * KiB,
      pieceSizeBytes: 16 * KiB,
      pieceHashes: Buffer.alloc(MAX_PIECES * 32, 9),
    };
    const encoded = encodeMetainfo(largest);
    assert.equal(encoded.length, MAX_METAINFO_BYTES);
    assert.deepEqual(decodeMetainfo(encoded), { ok: true, metainfo: largest });
  });

  test('the infohash is the SHA-256 of the canonical bytes, stable across encodings', () => {
    const first = infohashOf(encodeMetainfo(small));
    const second = infohashOf(
      encodeMetainfo({ ...small, pieceHashes: Buffer.from(small.pieceHashes) }),
    );
    assert.deepEqual(first, second);
    // Pinned: a change here means every existing infohash changed.
    assert.equal(
      first.toString('hex'),
      '6a7419b656d9de5670c6759279aec36def6e066111a0193ba8a138492635d708',
    );
  });

  const refused: Array<[string, Buffer, { code: string; field?: string }]> = [
    [
      'another magic',
      Buffer.concat([Buffer.from('BTM2'), encodeMetainfo(small).subarray(4)]),
      { code: 'bad-magic', field: 'magic' },
    ],
    ['a trailing byte', Buffer.concat([encodeMetainfo(small), u8(0)]), { code: 'padded' }],
    [
      'a missing hash byte',
      encodeMetainfo(small).subarray(0, -1),
      { code: 'truncated', field: 'pieceHashes' },
    ],
    [
      'a piece count that does not match the size',
      layout(str8('a'), 40_000, 16 * KiB, 4, 128),
      { code: 'bad-value', field: 'pieceCount' },
    ],
    [
      'a piece count above MAX_PIECES',
      layout(str8('a'), 0, 16 * KiB, MAX_PIECES + 1, 0),
      { code: 'oversize', field: 'pieceCount' },
    ],
    [
      'a piece size that is not a power of two',
      layout(str8('a'), 40_000, 20_000, 2, 64),
      { code: 'bad-value', field: 'pieceSizeBytes' },
    ],
    [
      'a piece size below 16 KiB',
      layout(str8('a'), 8192, 8 * KiB, 1, 32),
      { code: 'bad-value', field: 'pieceSizeBytes' },
    ],
    [
      'a piece size above 64 MiB',
      layout(str8('a'), 1, 128 * 1024 * KiB, 1, 32),
      { code: 'bad-value', field: 'pieceSizeBytes' },
    ],
    [
      'a size above MAX_FILE_SIZE_BYTES',
      Buffer.concat([
        Buffer.from('BTM1'),
        str8('a'),
        u64(0x100, 1),
        u32(64 * 1024 * KiB),
        u32(16_385),
      ]),
      { code: 'oversize', field: 'sizeBytes' },
    ],
    [
      'a path as the name',
      layout(str8('../etc'), 1, 16 * KiB, 1, 32),
      { code: 'bad-value', field: 'name' },
    ],
    [
      'a reserved name',
      layout(str8('.bt-tui-x'), 1, 16 * KiB, 1, 32),
      { code: 'bad-value', field: 'name' },
    ],
    [
      'a name that is not UTF-8',
      layout(str8(Buffer.from([0xff])), 1, 16 * KiB, 1, 32),
      { code: 'bad-utf8', field: 'name' },
    ],
    [
      'more bytes than MAX_METAINFO_BYTES',
      Buffer.alloc(MAX_METAINFO_BYTES + 1),
      { code: 'oversize' },
    ],
  ];
  for (const [label, bytesIn, error] of refused) {
    test(`refuses ${label}`, () => {
      assert.deepEqual(decodeMetainfo(bytesIn), { ok: false, error });
    });
  }

  test('encodeMetainfo throws on metainfo that breaks a bound', () => {
    assert.throws(() => encodeMetainfo({ ...small, pieceHashes: hashes(2) }), RangeError);
    assert.throws(() => encodeMetainfo({ ...small, name: 'a/b' }), RangeError);
    assert.throws(() => encodeMetainfo({ ...small, pieceSizeBytes: 3000 }), RangeError);
    assert.throws(
      () => encodeMetainfo({ ...small, sizeBytes: MAX_FILE_SIZE_BYTES + 1 }),
      RangeError,
    );
    const tooManyPieces = {
      ...small,
      sizeBytes: (MAX_PIECES + 1) * 16 * KiB,
      pieceHashes: Buffer.alloc(0),
    };
    assert.throws(() => encodeMetainfo(tooManyPieces), RangeError);
  });
});
