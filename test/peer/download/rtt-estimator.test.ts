import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RttEstimator } from '../../../source/peer/download/rtt-estimator.ts';

test('RttEstimator keeps the lowest round trip apart from the smoothed one', () => {
  const rtt = new RttEstimator(20, 4_000);
  assert.equal(rtt.lowestRttMs, 0);
  assert.equal(rtt.smoothedRttMs, 500);
  rtt.addSample(8);
  rtt.addSample(2);
  // A queue builds up: the smoothed round trip follows it, the lowest stays the path's.
  for (let i = 0; i < 20; i++) rtt.addSample(60);
  assert.equal(rtt.lowestRttMs, 2);
  assert.ok(rtt.smoothedRttMs > 50, `smoothed ${rtt.smoothedRttMs}`);
});
