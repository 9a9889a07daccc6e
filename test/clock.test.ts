/**
 * Timer handles re-arm with refresh() on both clocks alike: the download's tick reuses one handle
 * (see Download.tick), and a test on the manual clock must see what the binary does with node's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Clock,
  delayToGrid,
  ManualClock,
  notRunningMs,
  systemClock,
} from '../source/clock.ts';

test('refresh arms a fired timer again, its delay from now', () => {
  const clock = new ManualClock();
  const fired: number[] = [];
  const handle = clock.setTimeout(() => fired.push(clock.now()), 20);
  clock.advance(25);
  assert.deepEqual(fired, [20]);
  handle.refresh();
  clock.advance(30);
  assert.deepEqual(fired, [20, 45]);
  clock.advance(100);
  assert.deepEqual(fired, [20, 45], 'once per refresh');
});

test('refresh of a pending timer pushes it back; of a cleared one does nothing', () => {
  const clock = new ManualClock();
  let fired = 0;
  const handle = clock.setTimeout(() => fired++, 20);
  clock.advance(15);
  handle.refresh();
  clock.advance(15);
  assert.equal(fired, 0, 'due at 35 now');
  clock.advance(5);
  assert.equal(fired, 1);
  clock.clearTimeout(handle);
  handle.refresh();
  clock.advance(100);
  assert.equal(fired, 1, 'a cleared timer stays cleared');
});

test("node's timers behave the same way: a cleared timer is not re-armed by refresh", async () => {
  const clock: Clock = systemClock;
  let fired = 0;
  const handle = clock.setTimeout(() => fired++, 5);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(fired, 1);
  handle.refresh();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(fired, 2, 'a fired timer re-armed');
  clock.clearTimeout(handle);
  handle.refresh();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(fired, 2, 'a cleared timer stays cleared');
});

test('delayToGrid arms for the grid point nearest one period ahead', () => {
  // On the grid or a little past it: the next point, a whole period on.
  assert.equal(delayToGrid(0, 100), 100);
  assert.equal(delayToGrid(1_000.4, 100), 100);
  // A timer that fired a millisecond early is armed for the point after, not again at once.
  assert.equal(delayToGrid(999, 100), 101);
  // Armed between grid points: half a period to one and a half.
  assert.equal(delayToGrid(1_049, 100), 51);
  assert.equal(delayToGrid(1_051, 100), 149);
  // Timers of different periods, each a divisor of the next, fall due on shared points.
  assert.equal(1_030 + delayToGrid(1_030, 100), 1_100);
  assert.equal(1_210 + delayToGrid(1_210, 500), 1_500);
  assert.equal(1_230 + delayToGrid(1_230, 50), 1_300);
});

test('notRunningMs: late by a period and 2 s means the process did not run; less is a busy loop', () => {
  assert.equal(notRunningMs(1_000, 2_999, 500), 0, '1,999 ms late: busy, not stopped');
  assert.equal(notRunningMs(1_000, 3_000, 500), 2_000);
  assert.equal(notRunningMs(1_000, 5_000, 5_000), 0, 'under one period late');
  assert.equal(notRunningMs(1_000, 6_000, 5_000), 5_000);
});
