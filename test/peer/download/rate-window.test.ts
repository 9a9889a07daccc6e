import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RateWindow } from '../../../source/peer/download/rate-window.ts';

const KiB = 1024;
const BLOCK = 16 * KiB;
/** What a download asks of its shown rate: four blocks at least. */
const MIN_BYTES = 4 * BLOCK;
/** Housekeeping samples twice a second. */
const TICK_MS = 500;

/**
 * Samples a transfer of one block every `intervalMs` (the first at `firstAtMs`) twice a second
 * from 0 to `untilMs`; returns the rate read at each sample from `fromMs` on.
 */
function blocksEvery(
  intervalMs: number,
  untilMs: number,
  fromMs: number,
  firstAtMs = intervalMs,
): number[] {
  const window = new RateWindow();
  const read: number[] = [];
  for (let nowMs = 0; nowMs <= untilMs; nowMs += TICK_MS) {
    const blocks = nowMs < firstAtMs ? 0 : 1 + Math.floor((nowMs - firstAtMs) / intervalMs);
    window.sample(nowMs, blocks * BLOCK);
    if (nowMs >= fromMs) read.push(window.rate(MIN_BYTES));
  }
  return read;
}

describe('RateWindow', () => {
  test('a block every 14 s (`:down 1K`) reads its rate wherever between blocks it is read', () => {
    // Before: a decaying average read 407 B/s, then 1 B/s, then 0 B/s between two blocks.
    const trueRate = (BLOCK * 1000) / 14_000;
    const read = blocksEvery(14_000, 120_000, 60_000);
    for (const rate of read) assert.ok(Math.abs(rate - trueRate) / trueRate < 0.01, `${rate}`);
  });

  test('a fast transfer reads the last second, and follows a change within one', () => {
    const window = new RateWindow();
    let total = 0;
    const rates: number[] = [];
    for (let nowMs = 0; nowMs <= 10_000; nowMs += TICK_MS) {
      window.sample(nowMs, total);
      rates.push(window.rate(MIN_BYTES));
      total += nowMs < 5_000 ? 5 * 1024 * KiB : 1024 * KiB; // 10 MiB/s, then 2 MiB/s
    }
    assert.equal(rates[4], 10 * 1024 * KiB);
    assert.equal(rates[9], 10 * 1024 * KiB);
    assert.equal(rates[13], 2 * 1024 * KiB, `two samples after the change: ${rates}`);
  });

  test('falls once nothing has come for longer than the mean gap between arrivals', () => {
    const window = new RateWindow();
    for (let nowMs = 0; nowMs <= 4_000; nowMs += TICK_MS) window.sample(nowMs, nowMs * 100);
    assert.equal(window.rate(MIN_BYTES), 100_000);
    window.sample(4_500, 400_000);
    // Bytes came every 500 ms until 4,000 ms: at 4,500 ms that is the mean gap, at 5,000 twice.
    assert.equal(window.rate(MIN_BYTES), 100_000);
    window.sample(5_000, 400_000);
    assert.equal(window.steadyRate(MIN_BYTES), 100_000);
    assert.equal(window.rate(MIN_BYTES), 50_000);
  });

  test('0 until bytes came; from the first sample while they came once; 0 again once cleared', () => {
    // A download at 10 MiB/s read `0 B/s` in its first second (found by a session).
    const window = new RateWindow();
    assert.equal(window.rate(MIN_BYTES), 0);
    window.sample(0, 0);
    assert.equal(window.rate(MIN_BYTES), 0);
    window.sample(500, BLOCK);
    assert.equal(window.rate(MIN_BYTES), (BLOCK * 1000) / 500);
    window.sample(1_000, 2 * BLOCK);
    assert.equal(window.rate(MIN_BYTES), (BLOCK * 1000) / 500);
    window.clear();
    window.sample(1_500, 2 * BLOCK);
    window.sample(2_000, 2 * BLOCK);
    assert.equal(window.rate(MIN_BYTES), 0);
  });

  test('over every sample kept (64 s) when they hold fewer than the bytes asked', () => {
    // A block every 30 s: the window holds two or three blocks, never four.
    const read = blocksEvery(30_000, 200_000, 100_000);
    const trueRate = (BLOCK * 1000) / 30_000;
    for (const rate of read) assert.ok(Math.abs(rate - trueRate) / trueRate < 0.02, `${rate}`);
  });
});
