import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { crc32, crc32Combine } from '../../source/protocol/crc32.ts';

test('crc32 is zlib CRC-32 and continues from an initial value', () => {
  const bytes = Buffer.from('123456789');
  assert.equal(crc32(bytes), 0xcbf43926);
  assert.equal(crc32(bytes.subarray(4), crc32(bytes.subarray(0, 4))), 0xcbf43926);
});

test('crc32Combine gives the CRC of A followed by B from the CRCs of A and B', () => {
  const seed = 4242;
  const random = new SeededRandom(seed);
  for (const lengthB of [0, 1, 7, 1200, 16_384, 16_351, 65_507]) {
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
