import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import {
  crc32,
  crc32Combine,
  crc32Method,
  crc32Span,
  portableCrc32,
  zlibCrc32,
} from '../../source/protocol/crc32.ts';

test('crc32 is zlib CRC-32 and continues from an initial value', () => {
  const bytes = Buffer.from('123456789');
  assert.equal(crc32(bytes), 0xcbf43926);
  assert.equal(crc32(bytes.subarray(4), crc32(bytes.subarray(0, 4))), 0xcbf43926);
});

test('crc32 uses the folding addon on this machine (npm ci builds it; x86-64 has PCLMULQDQ)', () => {
  assert.equal(crc32Method, 'folding');
});

test('every CRC-32 path gives zlib’s answer for every length, offset and initial value', () => {
  const seed = 9157;
  const random = new SeededRandom(seed);
  // Around the folding path's edges: < 64 bytes, 64, multiples of 16 and of 64, and tails.
  const lengths = [1, 15, 16, 17, 63, 64, 65, 79, 80, 127, 128, 129, 1024, 16_384, 16_427, 65_507];
  for (let round = 0; round < 40; round++) lengths.push(1 + random.int(70_000));
  for (const length of lengths) {
    const backing = random.bytes(length + 7);
    const offset = random.int(8);
    const bytes = backing.subarray(offset, offset + length);
    const initial = random.int(0x1_0000_0000) >>> 0;
    const expected = zlib.crc32(Buffer.from(bytes), initial);
    const context = `seed ${seed}, length ${length}, offset ${offset}, initial ${initial}`;
    assert.equal(crc32(bytes, initial), expected, `crc32, ${context}`);
    assert.equal(zlibCrc32(bytes, initial), expected, `zlibCrc32, ${context}`);
    assert.equal(portableCrc32(bytes, initial), expected, `portableCrc32, ${context}`);
    const start = random.int(length);
    const end = start + random.int(length - start + 1);
    const span = zlib.crc32(Buffer.from(bytes.subarray(start, end)), initial);
    assert.equal(
      crc32Span(bytes, start, end, initial),
      span,
      `crc32Span ${start}..${end}, ${context}`,
    );
  }
});

test('crc32Span refuses a range outside its data', () => {
  assert.throws(() => crc32Span(Buffer.alloc(10), 4, 11, 0), {
    name: 'RangeError',
    message: 'crc32: start and end must lie within the data',
  });
});

test('crc32Combine gives the CRC of A followed by B from the CRCs of A and B', () => {
  const seed = 4242;
  const random = new SeededRandom(seed);
  for (const lengthB of [0, 1, 2, 3, 7, 1200, 16_384, 16_351, 65_507]) {
    for (let round = 0; round < 3; round++) {
      const a = random.bytes(1 + random.int(64));
      const b = random.bytes(lengthB);
      const whole = zlib.crc32(Buffer.concat([a, b]));
      assert.equal(
        crc32Combine(crc32(a), crc32(b), lengthB),
        whole,
        `seed ${seed}, |B| ${lengthB}`,
      );
    }
  }
});
