/** The sizes, rates and durations every view and log line shows (source/format.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration, formatRate, formatSize } from '../../source/format.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

describe('formatSize', () => {
  test('the largest unit whose number, as shown, stays below 1024', () => {
    assert.equal(formatSize(1023), '1023 B');
    assert.equal(formatSize(KIB), '1.0 KiB');
    assert.equal(formatSize(1.5 * KIB), '1.5 KiB');
    assert.equal(formatSize(256 * MIB), '256.0 MiB');
    assert.equal(formatSize(3 * GIB), '3.0 GiB');
  });

  test('just under a unit reads as the next unit, never 1024.0 of the one below', () => {
    assert.equal(formatSize(GIB - 1), '1.0 GiB');
    assert.equal(formatSize(GIB - 50 * KIB), '1.0 GiB');
    assert.equal(formatSize(MIB - 1), '1.0 MiB');
    assert.equal(formatSize(1023.9 * MIB), '1023.9 MiB');
    assert.equal(formatRate(GIB - 1), '1.0 GiB/s');
  });
});

describe('formatDuration', () => {
  test('the two largest units: seconds, minutes, hours, days', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(59_999), '59s');
    assert.equal(formatDuration(341_000), '5m41s');
    assert.equal(formatDuration(3_600_000), '1h00m');
    assert.equal(formatDuration(86_399_000), '23h59m');
    // A download's ETA at a byte a second, or a tracker up for days: days, not 1677h.
    assert.equal(formatDuration((3 * 24 + 7) * 3_600_000 + 59 * 60_000), '3d07h');
  });
});
