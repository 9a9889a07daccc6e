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

test('RttEstimator: a reply that came after its timeout sets the timer so it would not have fired', () => {
  const rtt = new RttEstimator(50, 4_000);
  // A steady 150 ms: the variance has all but gone, the timer sits just above the round trip.
  for (let i = 0; i < 100; i++) rtt.addSample(150);
  assert.ok(rtt.timeoutMs < 160, `timeout ${rtt.timeoutMs}`);
  rtt.onTimeout();
  assert.ok(rtt.timeoutMs >= 300, 'backed off');
  // The reply to the request given up on came 240 ms after it went (an owner's queue grew).
  rtt.addLateSample(240);
  assert.equal(rtt.smoothedRttMs, 240);
  assert.equal(rtt.timeoutMs, 240 + 4 * 120, 'SRTT and RTTVAR raised, the back-off over');
  // A later sample below does not lower the smoothed round trip below it at once.
  rtt.addSample(200);
  assert.ok(rtt.smoothedRttMs > 200 && rtt.timeoutMs > 240, `${rtt.timeoutMs}`);
  assert.equal(rtt.lowestRttMs, 150);
});

test('RttEstimator: a late reply as the first sample is one', () => {
  const rtt = new RttEstimator(50, 4_000);
  rtt.addLateSample(600);
  assert.equal(rtt.smoothedRttMs, 600);
  assert.equal(rtt.lowestRttMs, 600);
  assert.equal(rtt.timeoutMs, 600 + 4 * 300);
});
