import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeRateError, isRateTooLarge, isRateTooSmall, parseRate } from '../source/rate.ts';

test('parseRate reads bytes per second with binary suffixes, as rtorrent and aria2c do', () => {
  assert.equal(parseRate('0'), 0);
  assert.equal(parseRate('1200'), 1200);
  assert.equal(parseRate('500K'), 512_000);
  assert.equal(parseRate('500k'), 512_000);
  assert.equal(parseRate('10M'), 10 * 1024 * 1024);
  assert.equal(parseRate('1.5M'), 1_572_864);
  assert.equal(parseRate('2G'), 2 * 1024 ** 3);
  assert.equal(parseRate('10MiB/s'), 10 * 1024 * 1024);
  assert.equal(parseRate(' 64K '), 65_536);
});

test('parseRate refuses what is not a rate', () => {
  for (const text of ['', '-1', 'fast', '10Mbit', '1e6', '10 M B', '2T', '99999999G']) {
    assert.equal(parseRate(text), null, text);
  }
});

test('a rate written right but above 1 TiB/s is said to be too large, not to be no rate', () => {
  assert.equal(parseRate('1024G'), 1024 ** 4);
  for (const text of ['1025G', '99999999G', '99999999999999999']) {
    assert.equal(isRateTooLarge(text), true, text);
    assert.equal(
      describeRateError('--upload-limit', text),
      `--upload-limit must be at most 1024G (1 TiB/s) (got "${text}")`,
    );
  }
  for (const text of ['1024G', '2T', 'fast', '-1', ''])
    assert.equal(isRateTooLarge(text), false, text);
});

test('a rate above 0 and below 1K is refused as a slip, not rounded to no limit', () => {
  assert.equal(parseRate('1K'), 1024);
  assert.equal(parseRate('0.0'), 0);
  for (const text of ['0.1', '0.4', '5', '1023', '0.5K', '0.0001M']) {
    assert.equal(parseRate(text), null, text);
    assert.equal(isRateTooSmall(text), true, text);
    assert.equal(isRateTooLarge(text), false, text);
    assert.equal(
      describeRateError('--download-limit', text),
      `--download-limit must be 0 (no limit) or at least 1K (got "${text}")`,
    );
  }
  for (const text of ['0', '1K', 'fast', '2000G']) assert.equal(isRateTooSmall(text), false, text);
});
