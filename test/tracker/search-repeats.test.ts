import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SearchQuery } from '../../source/tracker/events.ts';
import { SearchRepeats } from '../../source/tracker/search-repeats.ts';

const byName = (name: string): SearchQuery => ({ kind: 'name', name });
const searched = (nodeId: number, query: SearchQuery, files: number, owners: number) =>
  ({ kind: 'searched', nodeId, query, files, owners }) as const;

test('the first search of a node is news, the same answer again is a repeat', () => {
  const repeats = new SearchRepeats();
  assert.equal(repeats.repeats(searched(2, byName('big.iso'), 1, 1)), false);
  assert.equal(repeats.repeats(searched(2, byName('big.iso'), 1, 1)), true);
  assert.equal(repeats.repeats(searched(2, byName('big.iso'), 1, 1)), true);
});

test('a changed answer is news, and so is going back to the old one', () => {
  const repeats = new SearchRepeats();
  repeats.repeats(searched(2, byName('big.iso'), 1, 1));
  assert.equal(repeats.repeats(searched(2, byName('big.iso'), 1, 2)), false);
  assert.equal(repeats.repeats(searched(2, byName('big.iso'), 1, 1)), false);
  assert.equal(repeats.repeats(searched(2, byName('big.iso'), 2, 1)), false);
});

test('each node and each query is remembered apart; a name never matches an infohash', () => {
  const repeats = new SearchRepeats();
  const hash: SearchQuery = { kind: 'infohash', infohashHex: 'ab'.repeat(32) };
  assert.equal(repeats.repeats(searched(2, byName('a.bin'), 1, 1)), false);
  assert.equal(repeats.repeats(searched(2, hash, 1, 1)), false);
  assert.equal(repeats.repeats(searched(3, byName('a.bin'), 1, 1)), false);
  assert.equal(repeats.repeats(searched(2, byName('b.bin'), 1, 1)), false);
  assert.equal(repeats.repeats(searched(2, byName('ab'.repeat(32)), 1, 1)), false);
  // Two downloads of one node that alternate stay repeats.
  assert.equal(repeats.repeats(searched(2, byName('a.bin'), 1, 1)), true);
  assert.equal(repeats.repeats(searched(2, hash, 1, 1)), true);
});

test('past its capacity it starts again: memory stays bounded, a search is news once more', () => {
  const repeats = new SearchRepeats(3);
  for (let node = 1; node <= 3; node++) repeats.repeats(searched(node, byName('f'), 1, 1));
  assert.equal(repeats.repeats(searched(3, byName('f'), 1, 1)), true);
  assert.equal(repeats.repeats(searched(4, byName('f'), 1, 1)), false);
  assert.equal(repeats.repeats(searched(1, byName('f'), 1, 1)), false);
  assert.equal(repeats.repeats(searched(4, byName('f'), 1, 1)), true);
});
