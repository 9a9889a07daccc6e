import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import {
  DATA_HEADER_BYTES,
  DATA_TAG_OFFSET,
  type DataHeader,
  dataChecksumMatches,
  decode,
  encode,
  HEADER_BYTES,
  readDataHeader,
  readDataHeaderUnverified,
  writeDataHeader,
  writeDataHeaderRun,
} from '../../source/protocol/codec.ts';
import { crc32 } from '../../source/protocol/crc32.ts';
import { MAX_PAYLOAD_BYTES } from '../../source/protocol/messages.ts';
import { bytes } from './fixtures.ts';

const tag = 0xab12_cd34;
/** A DATA datagram cut at every length, one oversize, one with a bad magic. */
function brokenDataDatagrams(): Buffer[] {
  const valid = encode(7, { type: 'data', tag, piece: 4, begin: 0, bytes: bytes(10, 1) });
  return [
    ...Array.from({ length: DATA_HEADER_BYTES + 1 }, (_, n) => valid.subarray(0, n)),
    Buffer.concat([valid.subarray(0, DATA_HEADER_BYTES), bytes(MAX_PAYLOAD_BYTES + 1, 0)]),
    Buffer.concat([Buffer.from([0, 0]), valid.subarray(2)]),
  ];
}

const emptyHeader = (): DataHeader => ({
  txid: -1,
  tag: -1,
  piece: -1,
  begin: -1,
  payloadLength: -1,
  checksum: -1,
});

describe('DATA hot path', () => {
  test('DATA_HEADER_BYTES is header + tag + piece + begin: a one-frame block carries 1,447 bytes', () => {
    assert.equal(DATA_HEADER_BYTES, HEADER_BYTES + 4 + 4 + 4);
    // 1,500-byte MTU - 20 (IPv4) - 8 (UDP) - DATA's own header.
    assert.equal(1500 - 20 - 8 - DATA_HEADER_BYTES, 1447);
  });

  test('writeDataHeader + payload gives the same bytes as encode', () => {
    const payload = bytes(1000, 0x5a);
    const datagram = Buffer.alloc(DATA_HEADER_BYTES + payload.length);
    payload.copy(datagram, DATA_HEADER_BYTES);
    writeDataHeader(datagram, 0xdead_beef, tag, 12, 32_768);
    const expected = encode(0xdead_beef, {
      type: 'data',
      tag,
      piece: 12,
      begin: 32_768,
      bytes: payload,
    });
    assert.deepEqual(datagram, expected);
  });

  test('writeDataHeader writes only the header of a larger reusable buffer', () => {
    const buffer = Buffer.alloc(DATA_HEADER_BYTES + MAX_PAYLOAD_BYTES, 0x11);
    writeDataHeader(buffer, 1, tag, 2, 3);
    assert.equal(buffer[DATA_HEADER_BYTES], 0x11);
    assert.throws(() => writeDataHeader(Buffer.alloc(DATA_HEADER_BYTES - 1), 1, tag, 2, 3));
    assert.throws(() => writeDataHeader(buffer, 1, 2 ** 32, 2, 3), RangeError);
    assert.throws(() => writeDataHeader(buffer, 1, tag, -1, 3), RangeError);
  });

  test('writeDataHeaderRun gives every datagram of a run the bytes encode gives it', () => {
    const seed = 31;
    const random = new SeededRandom(seed);
    for (const [blockLength, count, lastPayloadBytes] of [
      [16_384, 16, 16_384],
      [1500, 3, 1000],
      [1024, 1, 1],
    ] as const) {
      const stride = DATA_HEADER_BYTES + blockLength;
      const buffer = Buffer.alloc(count * stride, 0x77);
      const crcs = new Uint32Array(64);
      const payloads = Array.from({ length: count }, (_, i) =>
        random.bytes(i === count - 1 ? lastPayloadBytes : blockLength),
      );
      payloads.forEach((payload, i) => {
        payload.copy(buffer, i * stride + DATA_HEADER_BYTES);
        crcs[i] = crc32(payload);
      });
      const run = { txid: 0xfeed_f00d, tag, piece: 9, begin: 2 * blockLength, blockLength };
      writeDataHeaderRun(buffer, run, count, lastPayloadBytes, crcs);
      payloads.forEach((payload, i) => {
        const expected = encode(run.txid, {
          type: 'data',
          tag,
          piece: run.piece,
          begin: run.begin + i * blockLength,
          bytes: payload,
        });
        const datagram = buffer.subarray(i * stride, i * stride + expected.length);
        assert.deepEqual(
          datagram,
          expected,
          `seed ${seed}, block length ${blockLength}, block ${i}`,
        );
      });
    }
  });

  test('writeDataHeaderRun refuses a run its buffer or the fields cannot hold', () => {
    const crcs = new Uint32Array(4);
    const run = {
      txid: 1,
      tag,
      piece: 2,
      begin: 0,
      blockLength: 100,
      count: 2,
      lastPayloadBytes: 50,
    };
    const fits = Buffer.alloc(DATA_HEADER_BYTES + 100 + DATA_HEADER_BYTES + 50);
    writeDataHeaderRun(fits, run, 2, 50, crcs);
    assert.throws(() => writeDataHeaderRun(fits.subarray(1), run, 2, 50, crcs), {
      name: 'RangeError',
      message: `cannot encode data: a ${fits.length - 1}-byte buffer for ${fits.length}`,
    });
    assert.throws(() => writeDataHeaderRun(fits, run, 5, 50, crcs), {
      message: 'cannot encode count: 5 is not an integer in 1..4',
    });
    assert.throws(() => writeDataHeaderRun(fits, run, 2, 101, crcs), {
      message: 'cannot encode lastPayloadBytes: 101 is not an integer in 1..100',
    });
    assert.throws(
      () => writeDataHeaderRun(fits, { ...run, begin: 0xffff_ffff - 50 }, 2, 50, crcs),
      {
        message: `cannot encode begin: ${0xffff_ffff - 50} is not an integer in 0..${0xffff_ffff - 100}`,
      },
    );
    assert.throws(() => writeDataHeaderRun(fits, { ...run, tag: -1 }, 2, 50, crcs), {
      message: `cannot encode tag: -1 is not an integer in 0..${0xffff_ffff}`,
    });
  });

  test('readDataHeader fills the header in place', () => {
    const datagram = encode(7, {
      type: 'data',
      tag,
      piece: 4,
      begin: 16_384,
      bytes: bytes(16_384, 1),
    });
    const header = emptyHeader();
    assert.equal(readDataHeader(datagram, header), null);
    assert.deepEqual(header, {
      txid: 7,
      tag,
      piece: 4,
      begin: 16_384,
      payloadLength: 16_384,
      checksum: datagram.readUInt32BE(9),
    });
    assert.equal(datagram.readUInt32BE(DATA_TAG_OFFSET), tag);
  });

  test('readDataHeader refuses another message type', () => {
    const reject = encode(7, {
      type: 'reject',
      infohash: bytes(32, 0xab),
      piece: 0,
      begin: 0,
      reason: 'busy',
    });
    assert.deepEqual(readDataHeader(reject, emptyHeader()), { code: 'bad-value', field: 'type' });
  });

  test('readDataHeader says what decode says about a broken DATA', () => {
    const broken = brokenDataDatagrams();
    for (const datagram of broken) {
      const result = decode(datagram);
      assert.ok(!result.ok, `length ${datagram.length}`);
      assert.deepEqual(
        readDataHeader(datagram, emptyHeader()),
        result.error,
        `length ${datagram.length}`,
      );
    }
  });

  test('readDataHeaderUnverified keeps the checksum as sent and leaves checking it for later', () => {
    const payload = bytes(16_384, 9);
    const datagram = encode(0xfeed_f00d, {
      type: 'data',
      tag,
      piece: 3,
      begin: 49_152,
      bytes: payload,
    });
    const header = emptyHeader();
    assert.equal(readDataHeaderUnverified(datagram, header), null);
    const { txid, piece, begin, checksum } = header;
    assert.deepEqual([txid, piece, begin], [0xfeed_f00d, 3, 49_152]);
    assert.equal(dataChecksumMatches(checksum, txid, tag, piece, begin, payload), true);

    // One flipped bit anywhere, payload or a header field, is damage in transit.
    const damaged = Buffer.from(datagram);
    damaged[DATA_HEADER_BYTES + 100]! ^= 0x04;
    assert.equal(readDataHeaderUnverified(damaged, header), null, 'lengths and fields still pass');
    assert.deepEqual(readDataHeader(damaged, emptyHeader()), { code: 'bad-checksum' });
    const damagedPayload = damaged.subarray(DATA_HEADER_BYTES);
    assert.equal(dataChecksumMatches(checksum, txid, tag, piece, begin, damagedPayload), false);
    assert.equal(dataChecksumMatches(checksum, txid, tag, piece, begin + 1, payload), false);
    assert.equal(
      dataChecksumMatches(checksum, (txid ^ 1) >>> 0, tag, piece, begin, payload),
      false,
    );
    assert.equal(
      dataChecksumMatches(checksum, txid, (tag ^ 1) >>> 0, piece, begin, payload),
      false,
    );
  });

  test('readDataHeaderUnverified refuses what readDataHeader refuses, but for the checksum', () => {
    const broken = brokenDataDatagrams();
    for (const datagram of broken) {
      assert.deepEqual(
        readDataHeaderUnverified(datagram, emptyHeader()),
        readDataHeader(datagram, emptyHeader()),
        `length ${datagram.length}`,
      );
    }
  });
});
