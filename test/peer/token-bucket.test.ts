import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { TokenBucket } from '../../source/peer/token-bucket.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('TokenBucket without a limit', () => {
  test('lets every run through at once and never asks to wait', () => {
    const bucket = new TokenBucket(0, 0);
    assert.equal(bucket.limited, false);
    assert.equal(bucket.limit, 0);
    for (let i = 0; i < 1000; i++) assert.equal(bucket.take(MiB, 0), true);
    bucket.charge(100 * MiB, 0);
    assert.equal(bucket.waitMs(0), 0);
    assert.equal(bucket.take(1, 0), true);
  });
});

describe('TokenBucket with a limit', () => {
  test('starts empty: the first run waits 1 ms for a positive balance', () => {
    const bucket = new TokenBucket(1000, 0);
    assert.equal(bucket.limited, true);
    assert.equal(bucket.limit, 1000);
    assert.equal(bucket.take(10, 0), false);
    assert.equal(bucket.waitMs(0), 1);
    assert.equal(bucket.take(10, 1), true);
  });

  test('lets a whole run far larger than the bucket through while the balance is positive', () => {
    const bucket = new TokenBucket(1000, 0); // burst cap: 100 bytes
    assert.equal(bucket.take(5000, 1), true); // balance was 1 byte
    assert.equal(bucket.take(1, 1), false); // 4999 bytes in debt
  });

  test('the debt a run leaves delays the next run by the time the limit takes to repay it', () => {
    const bucket = new TokenBucket(1000, 0);
    assert.equal(bucket.take(5000, 1), true); // balance 1 - 5000 = -4999
    // Positive again needs 5000 bytes more: 5000 ms at 1000 B/s.
    assert.equal(bucket.waitMs(1), 5000);
    assert.equal(bucket.waitMs(1001), 4000);
    assert.equal(bucket.take(1, 5000), false); // balance exactly 0 is not positive
    assert.equal(bucket.waitMs(5000), 1);
    assert.equal(bucket.take(1, 5001), true);
  });

  test('waitMs is 0 while the balance is positive and rounds a fraction of a ms up', () => {
    const bucket = new TokenBucket(3000, 0);
    bucket.charge(10, 0); // balance -10: needs 11 bytes, 11000 / 3000 = 3.67 ms
    assert.equal(bucket.waitMs(0), 4);
    assert.equal(bucket.take(1, 3), false); // balance -1
    assert.equal(bucket.take(1, 4), true); // balance +2, then +1 after the take
    assert.equal(bucket.waitMs(4), 0);
    assert.equal(bucket.take(1, 4), true); // balance 0
    assert.equal(bucket.waitMs(4), 1);
    const fresh = new TokenBucket(3000, 0);
    assert.equal(fresh.waitMs(10), 0); // 30 bytes saved up
  });

  test('charge puts bytes already sent on the account, into debt if need be', () => {
    const bucket = new TokenBucket(1000, 0);
    assert.equal(bucket.waitMs(50), 0); // 50 bytes saved up
    bucket.charge(2050, 50); // balance -2000
    assert.equal(bucket.take(1, 50), false);
    assert.equal(bucket.waitMs(50), 2001);
    assert.equal(bucket.take(1, 2050), false); // balance 0
    assert.equal(bucket.take(1, 2051), true);
  });

  test('saves at most 0.1 s of the rate while idle', () => {
    const bucket = new TokenBucket(10_000, 0);
    // An hour idle saves 1000 bytes (0.1 s at 10 kB/s), not 36 MB.
    bucket.charge(1000, 3_600_000);
    assert.equal(bucket.take(1, 3_600_000), false);
    assert.equal(bucket.waitMs(3_600_000), 1);

    const other = new TokenBucket(10_000, 0);
    other.charge(999, 3_600_000);
    assert.equal(other.take(1, 3_600_000), true); // 1 byte left of the 1000 saved
  });
});

describe('TokenBucket.setLimit', () => {
  test('0 lifts the limit at once, even from deep debt', () => {
    const bucket = new TokenBucket(1000, 0);
    bucket.charge(1_000_000, 0);
    assert.equal(bucket.waitMs(0), 1_000_001);
    bucket.setLimit(0, 0);
    assert.equal(bucket.limited, false);
    assert.equal(bucket.limit, 0);
    assert.equal(bucket.waitMs(0), 0);
    assert.equal(bucket.take(MiB, 0), true);
  });

  test('a new limit forgives the old debt and saved tokens: the balance starts afresh', () => {
    const bucket = new TokenBucket(1000, 0);
    bucket.charge(1_000_000, 0);
    bucket.setLimit(2000, 10);
    assert.equal(bucket.limit, 2000);
    assert.equal(bucket.take(1, 10), false); // balance 0
    assert.equal(bucket.waitMs(10), 1); // 1 byte at 2000 B/s: 0.5 ms, rounded up
    assert.equal(bucket.take(1, 11), true);

    const idle = new TokenBucket(1000, 0);
    assert.equal(idle.waitMs(10_000), 0); // 100 bytes saved
    idle.setLimit(1000, 10_000);
    assert.equal(idle.take(1, 10_000), false);
  });

  test('a limit set on an unlimited bucket applies from then on', () => {
    const bucket = new TokenBucket(0, 0);
    assert.equal(bucket.take(MiB, 5), true);
    bucket.setLimit(1000, 5);
    assert.equal(bucket.limited, true);
    assert.equal(bucket.take(500, 6), true); // 1 byte saved: the whole run goes
    assert.equal(bucket.waitMs(6), 500); // 499 in debt: 500 bytes to positive
  });
});

describe('TokenBucket long-run rate', () => {
  /**
   * Offers runs of 16 KiB..1 MiB as fast as the bucket lets them through for 10 s of simulated
   * time. Returns the bytes let through before 10 s and the time at which the debt of the last of
   * them is repaid (the moment the bucket would let the next run go).
   */
  function offerFor10s(limitBytesPerSec: number, seed: number) {
    const random = new SeededRandom(seed);
    const nextRunBytes = () => 16 * KiB + random.int(MiB - 16 * KiB + 1);
    const bucket = new TokenBucket(limitBytesPerSec, 0);
    let nowMs = 0;
    let bytes = 0;
    let runs = 0;
    let runBytes = nextRunBytes();
    while (nowMs < 10_000) {
      // 10 s at 10 MiB/s is a few hundred runs: far more means the bucket let everything pass.
      assert.ok(runs < 10_000, `seed ${seed}: ${runs} runs by ${nowMs} ms`);
      if (bucket.take(runBytes, nowMs)) {
        bytes += runBytes;
        runs++;
        runBytes = nextRunBytes();
      } else {
        const waitMs = bucket.waitMs(nowMs);
        assert.ok(waitMs > 0, `seed ${seed}: refused at ${nowMs} ms but told to wait ${waitMs}`);
        nowMs += waitMs;
      }
    }
    return { bytes, runs, repaidAtMs: nowMs };
  }

  for (const [label, limit] of [
    ['500 KiB/s', 500 * KiB],
    ['10 MiB/s', 10 * MiB],
  ] as const) {
    test(`holds ${label} within 10 % over 10 s of runs of random sizes`, () => {
      for (const seed of [1, 2, 3, 0x5eed]) {
        const { bytes, runs, repaidAtMs } = offerFor10s(limit, seed);
        const context = `seed ${seed}: ${bytes} bytes in ${runs} runs, repaid at ${repaidAtMs} ms`;
        // The rate over the time the bytes took to pay for: the limit, whatever the run sizes.
        const rate = (bytes * 1000) / repaidAtMs;
        assert.ok(Math.abs(rate - limit) <= limit * 0.1, `${context}: ${rate} B/s`);
        // Within the 10 s window itself the only excess is the last run, let through whole.
        assert.ok(bytes >= limit * 10, context);
        assert.ok(bytes <= limit * 10 + MiB, context);
        assert.ok(repaidAtMs < 10_000 + (MiB * 1000) / limit + 1, context);
      }
    });
  }

  test('at 10 MiB/s the bytes let through within the 10 s window are within 10 % of the limit', () => {
    for (const seed of [1, 2, 3, 0x5eed]) {
      const { bytes, runs } = offerFor10s(10 * MiB, seed);
      const rate = bytes / 10;
      assert.ok(
        Math.abs(rate - 10 * MiB) <= MiB,
        `seed ${seed}: ${bytes} bytes in ${runs} runs: ${rate} B/s`,
      );
    }
  });
});

describe('TokenBucket.retune', () => {
  test('keeps the debt of what went out at the old rate, and repays it at the new one', () => {
    const bucket = new TokenBucket(1000, 0);
    assert.equal(bucket.take(2000, 1), true); // 1999 bytes in debt
    bucket.retune(4000, 1);
    assert.equal(bucket.limit, 4000);
    // 2000 bytes to repay at 4000 B/s: 500 ms.
    assert.equal(bucket.waitMs(1), 500);
  });

  test('from no limit starts with an empty bucket', () => {
    const bucket = new TokenBucket(0, 0);
    bucket.charge(MiB, 0);
    bucket.retune(1000, 10);
    assert.equal(bucket.waitMs(10), 1);
  });
});
