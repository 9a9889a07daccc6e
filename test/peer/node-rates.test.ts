import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NodeRates, STARTING_RATE_MS } from '../../source/peer/node-rates.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Ticks every 100 ms from `fromMs` to `toMs` with counters from `counts`; published ticks. */
function run(
  rates: NodeRates,
  fromMs: number,
  toMs: number,
  counts: (nowMs: number) => { uploaded: number; downloaded: number },
): number[] {
  const published: number[] = [];
  for (let nowMs = fromMs; nowMs <= toMs; nowMs += 100) {
    const { uploaded, downloaded } = counts(nowMs);
    if (rates.tick(nowMs, uploaded, downloaded)) published.push(nowMs);
  }
  return published;
}

describe('NodeRates', () => {
  test('a steady transfer is measured once a second', () => {
    const rates = new NodeRates(0, 0, 0);
    // 1 MiB every 100 ms down, 100 KiB up, from the start.
    const published = run(rates, 100, 3000, (t) => ({
      uploaded: (t / 100) * 100 * KiB,
      downloaded: (t / 100) * MiB,
    }));
    // The first bytes moved in the first tick: a start, shown after STARTING_RATE_MS.
    assert.deepEqual(published, [STARTING_RATE_MS, 1300, 2300]);
    assert.equal(rates.rates.down, 10 * MiB);
    assert.equal(rates.rates.up, 1000 * KiB);
  });

  test('a download that starts mid-second shows its rate within STARTING_RATE_MS', () => {
    const rates = new NodeRates(0, 0, 0);
    assert.deepEqual(
      run(rates, 100, 900, () => ({ uploaded: 0, downloaded: 0 })),
      [],
      'idle: nothing to publish before the second is over',
    );
    assert.equal(rates.tick(1000, 0, 0), true);
    assert.deepEqual(rates.rates, { up: 0, down: 0 });
    // Bytes start to arrive after 1,400 ms: 1 MiB per 100 ms tick.
    const counts = (t: number) => ({
      uploaded: 0,
      downloaded: Math.max(0, (t - 1400) / 100) * MiB,
    });
    const published = run(rates, 1100, 2800, counts);
    // Quiet until the 1,400 ms tick; shown at 1,700 ms, measured from there: not diluted by the
    // idle part of the second (which said `idle`, then 6 MiB/s, then the real 10).
    assert.equal(published[0], 1400 + STARTING_RATE_MS);
    assert.deepEqual(published, [1700, 2700]);
    assert.equal(rates.rates.down, 10 * MiB);
  });

  test('an idle node publishes once a second and its rates stay 0', () => {
    const rates = new NodeRates(0, 5, 7);
    const published = run(rates, 100, 3000, () => ({ uploaded: 5, downloaded: 7 }));
    assert.deepEqual(published, [1000, 2000, 3000]);
    assert.deepEqual(rates.rates, { up: 0, down: 0 });
  });

  test('a rate already shown is not published early again while it moves', () => {
    const rates = new NodeRates(0, 0, 0);
    run(rates, 100, 1000, (t) => ({ uploaded: t * KiB, downloaded: 0 }));
    assert.ok(rates.rates.up > 0);
    // Upload goes on; the download starting later is the only early publish.
    const published = run(rates, 1100, 2100, (t) => ({
      uploaded: t * KiB,
      downloaded: t >= 1500 ? (t - 1400) * KiB : 0,
    }));
    // The second's end at 1,300 ms, then the download's start: STARTING_RATE_MS after the
    // window began, since ticks with upload moving are never quiet.
    assert.deepEqual(published, [1300, 1300 + STARTING_RATE_MS]);
    assert.equal(rates.rates.down, ((1600 - 1400) * KiB * 1000) / STARTING_RATE_MS);
  });
});
