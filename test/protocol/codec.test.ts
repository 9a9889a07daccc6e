import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decode,
  encode,
  HEADER_BYTES,
  isReplyType,
  MESSAGE_TYPES,
  PROTOCOL_VERSION,
  peekHeader,
} from '../../source/protocol/codec.ts';
import { crc32 } from '../../source/protocol/crc32.ts';
import { describeDecodeError } from '../../source/protocol/decode-error.ts';
import {
  HELLO_DATAGRAM_BYTES,
  MAX_ERROR_TEXT_BYTES,
  type Message,
  type MessageType,
  REGISTER_DATAGRAM_BYTES,
} from '../../source/protocol/messages.ts';
import { bytes, hasPayloadTail, SAMPLES } from './fixtures.ts';
import { datagram, u8 } from './wire.ts';

/** Where a payload tail starts (DATA: tag, piece, begin; METAINFO_DATA: infohash, size, offset). */
function payloadStart(message: Message): number {
  return message.type === 'data' ? HEADER_BYTES + 4 + 4 + 4 : HEADER_BYTES + 32 + 4 + 4;
}

describe('round trip', () => {
  for (const { label, txid, message } of SAMPLES) {
    test(`decodes what it encodes: ${label}`, () => {
      const encoded = encode(txid, message);
      assert.deepEqual(decode(encoded), { ok: true, txid, message });
    });
  }

  test('covers every message type', () => {
    const covered = new Set(SAMPLES.map((sample) => sample.message.type));
    for (const type of Object.keys(MESSAGE_TYPES.codes)) {
      assert.ok(covered.has(type as MessageType), type);
    }
  });

  test('decodes from a Uint8Array view that is not a Buffer', () => {
    const encoded = encode(5, { type: 'heartbeat', token: bytes(8, 9) });
    const copy = new Uint8Array(encoded.length + 3);
    copy.set(encoded, 3);
    const view = copy.subarray(3);
    assert.deepEqual(decode(view), {
      ok: true,
      txid: 5,
      message: { type: 'heartbeat', token: bytes(8, 9) },
    });
  });

  test('keeps a leading byte order mark in a name (BOM is not stripped)', () => {
    const message = {
      type: 'own' as const,
      token: bytes(8, 1),
      infohash: bytes(32, 2),
      state: 'partial' as const,
      size: 1,
      name: '\uFEFFa',
    };
    assert.deepEqual(decode(encode(1, message)), { ok: true, txid: 1, message });
  });

  test('decoded fixed-size fields and payloads alias the datagram', () => {
    const encoded = encode(1, {
      type: 'reject',
      infohash: bytes(32, 1),
      piece: 0,
      begin: 0,
      reason: 'busy',
    });
    const result = decode(encoded);
    assert.ok(result.ok && result.message.type === 'reject');
    encoded[HEADER_BYTES] = 0xee;
    assert.equal(result.message.infohash[0], 0xee);
    const data = encode(1, { type: 'data', tag: 1, piece: 0, begin: 0, bytes: bytes(4, 2) });
    const decodedData = decode(data);
    assert.ok(decodedData.ok && decodedData.message.type === 'data');
    data[data.length - 1] = 0xdd;
    assert.equal(decodedData.message.bytes[3], 0xdd);
  });

  test('pads register and hello to their fixed datagram sizes', () => {
    assert.equal(
      encode(1, { type: 'register', nodeId: 1, publicKey: bytes(32, 0) }).length,
      REGISTER_DATAGRAM_BYTES,
    );
    const proof = {
      type: 'register-proof',
      nodeId: 1,
      publicKey: bytes(32, 0),
      challenge: bytes(32, 1),
      signature: bytes(64, 2),
    } as const;
    assert.equal(encode(1, proof).length, REGISTER_DATAGRAM_BYTES);
    assert.equal(encode(1, { type: 'hello', nodeId: 1 }).length, HELLO_DATAGRAM_BYTES);
  });
});

describe('header', () => {
  const valid = encode(0x01020304, { type: 'ack' });

  test('has magic, version, type, flags, txid and checksum in that order, big-endian', () => {
    assert.deepEqual(
      [...valid.subarray(0, 9)],
      [0x42, 0x54, PROTOCOL_VERSION, 0x42, 0, 1, 2, 3, 4],
    );
    assert.equal(valid.readUInt32BE(9), crc32(valid.subarray(0, 9)));
  });

  test('refuses a datagram whose bytes changed in transit', () => {
    const need = encode(7, {
      type: 'need',
      exclude: [],
      token: bytes(8, 1),
      maxOwners: 3,
      query: { kind: 'name', name: 'a.iso' },
    });
    for (let bit = 0; bit < need.length * 8; bit++) {
      if (bit >= 72 && bit < 104) continue; // the checksum field itself
      const damaged = Buffer.from(need);
      damaged[bit >> 3]! ^= 1 << (bit & 7);
      const result = decode(damaged);
      assert.equal(result.ok, false, `bit ${bit} flipped and still accepted`);
    }
  });

  test('refuses a wrong magic', () => {
    assert.deepEqual(decode(Buffer.from([0x42, 0x55, 1, 0x42, 0, 0, 0, 0, 0])), {
      ok: false,
      error: { code: 'bad-magic' },
    });
  });

  test('refuses another protocol version', () => {
    for (const version of [0, PROTOCOL_VERSION - 1, PROTOCOL_VERSION + 1, 255]) {
      const bad = Buffer.from(valid);
      bad[2] = version;
      assert.deepEqual(decode(bad), { ok: false, error: { code: 'bad-version' } });
    }
  });

  test('refuses non-zero flags (reserved for sealed traffic)', () => {
    for (const flags of [1, 0x80, 0xff]) {
      const bad = Buffer.from(valid);
      bad[4] = flags;
      assert.deepEqual(decode(bad), { ok: false, error: { code: 'bad-flags' } });
    }
  });

  test('refuses unknown type codes', () => {
    for (const code of [0x00, 0x0b, 0x40, 0x45, 0x4a, 0x80, 0x8b, 0xff]) {
      assert.deepEqual(decode(datagram(code)), { ok: false, error: { code: 'unknown-type' } });
    }
  });

  test('names the missing header field when the header is cut short', () => {
    const fields = ['magic', 'magic', 'version', 'type', 'flags', 'txid', 'txid', 'txid', 'txid'];
    fields.forEach((field, length) => {
      const expected = { ok: false, error: { code: 'truncated', field } };
      assert.deepEqual(decode(valid.subarray(0, length)), expected, `length ${length}`);
      assert.deepEqual(peekHeader(valid.subarray(0, length)), expected, `length ${length}`);
    });
  });

  test('peekHeader returns the type and txid without reading the body', () => {
    assert.deepEqual(peekHeader(datagram(0x86, u8(1))), { ok: true, type: 'data', txid: 42 });
  });

  test('isReplyType: tracker replies, welcome, metainfo-data and bitfield are replies; data and reject are not', () => {
    const replies = Object.keys(MESSAGE_TYPES.codes).filter((t) => isReplyType(t as MessageType));
    assert.deepEqual(replies.sort(), [
      'ack',
      'bitfield',
      'challenge',
      'error',
      'list-reply',
      'metainfo-data',
      'need-reply',
      'own-many-reply',
      'registered',
      'welcome',
      'who-reply',
    ]);
  });
});

describe('exact lengths', () => {
  for (const { label, txid, message } of SAMPLES) {
    const encoded = encode(txid, message);
    // A payload tail may be shorter and still valid, so only prefixes ending before it are cut.
    const end = hasPayloadTail(message) ? payloadStart(message) : encoded.length;
    test(`every prefix is truncated: ${label}`, () => {
      for (let length = 0; length < end; length++) {
        const result = decode(encoded.subarray(0, length));
        assert.equal(result.ok, false, `length ${length}`);
        assert.equal(!result.ok && result.error.code, 'truncated', `length ${length}`);
        assert.equal(typeof (!result.ok && result.error.field), 'string', `length ${length}`);
      }
    });
    if (!hasPayloadTail(message)) {
      test(`one extra byte is padded: ${label}`, () => {
        const padded = Buffer.concat([encoded, u8(0)]);
        assert.deepEqual(decode(padded), { ok: false, error: { code: 'padded' } });
      });
    }
  }
});

describe('no amplification towards unvalidated addresses', () => {
  test('registered and any error fit in the padded register datagram', () => {
    const registered = encode(1, {
      type: 'registered',
      nodeId: 0xffff_ffff,
      token: bytes(8, 1),
      heartbeatIntervalMs: 1,
    });
    assert.ok(registered.length <= REGISTER_DATAGRAM_BYTES);
    const longestText = REGISTER_DATAGRAM_BYTES - (HEADER_BYTES + 2);
    assert.ok(MAX_ERROR_TEXT_BYTES <= longestText);
    const error = encode(1, {
      type: 'error',
      code: 'id-in-use',
      text: 'x'.repeat(MAX_ERROR_TEXT_BYTES),
    });
    assert.ok(error.length <= REGISTER_DATAGRAM_BYTES);
  });

  test('welcome fits in the padded hello datagram', () => {
    const welcome = encode(1, { type: 'welcome', nodeId: 0xffff_ffff, cookie: bytes(16, 1) });
    assert.ok(welcome.length <= HELLO_DATAGRAM_BYTES);
  });

  test('a reject (bad-cookie) is never larger than the request or metainfo-request it answers', () => {
    const reject = encode(1, {
      type: 'reject',
      infohash: bytes(32, 1),
      piece: 0,
      begin: 0,
      reason: 'bad-cookie',
    });
    const cookie = bytes(16, 1);
    const infohash = bytes(32, 2);
    const request = encode(1, {
      type: 'request',
      cookie,
      infohash,
      piece: 0,
      begin: 0,
      blockLength: 1,
      count: 1,
      tag: 1,
    });
    const metainfoRequest = encode(1, { type: 'metainfo-request', cookie, infohash, offset: 0 });
    assert.ok(reject.length <= request.length);
    assert.ok(reject.length <= metainfoRequest.length);
    assert.ok(reject.length <= HELLO_DATAGRAM_BYTES);
  });
});

describe('describeDecodeError', () => {
  test('says where a datagram was cut short', () => {
    assert.equal(
      describeDecodeError({ code: 'truncated', field: 'name' }),
      "datagram truncated in field 'name'",
    );
  });

  test('has a sentence for every code, naming the field when there is one', () => {
    const codes = [
      'truncated',
      'padded',
      'bad-magic',
      'bad-version',
      'bad-flags',
      'unknown-type',
      'oversize',
      'bad-value',
      'bad-utf8',
    ] as const;
    for (const code of codes) {
      assert.ok(describeDecodeError({ code }).length > 10, code);
    }
    assert.match(describeDecodeError({ code: 'oversize', field: 'host' }), /'host'/);
    assert.match(describeDecodeError({ code: 'bad-magic' }, 'metainfo'), /^metainfo /);
  });
});
