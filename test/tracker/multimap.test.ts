import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  countOf,
  holds,
  Multimap,
  type OneOrMany,
  oneOrManyOf,
  valuesOf,
  withoutValue,
  withValue,
} from '../../source/tracker/multimap.ts';

describe('one or many', () => {
  test('holds one value bare, a few in an array, many in a Set, and nothing once empty', () => {
    let held: OneOrMany<number>;
    assert.deepEqual([countOf(held), [...valuesOf(held)], holds(held, 1)], [0, [], false]);
    held = withValue(held, 1);
    assert.equal(held, 1, 'one value is held bare');
    held = withValue(held, 1);
    assert.equal(held, 1, 'the same value again is still one');
    held = withValue(held, 2);
    assert.deepEqual(held, [1, 2]);
    for (let value = 3; value <= 9; value++) held = withValue(held, value);
    assert.ok(held instanceof Set, 'a Set past 8 values');
    assert.deepEqual([countOf(held), holds(held, 9)], [9, true]);
    held = withoutValue(held, 10);
    assert.equal(countOf(held), 9, 'removing a value not held changes nothing');
    for (let value = 9; value >= 6; value--) held = withoutValue(held, value);
    assert.ok(held instanceof Set, 'still a Set down to 5 values, so a count near 8 does not flap');
    held = withoutValue(held, 5);
    assert.deepEqual(held, [1, 2, 3, 4], 'an array again at 4');
    held = withoutValue(withoutValue(held, 1), 3);
    assert.equal(withoutValue(held, 5), held, 'an array without a value it lacks is itself');
    assert.deepEqual(held, [2, 4]);
    held = withoutValue(held, 4);
    assert.equal(held, 2, 'bare again at one value');
    held = withoutValue(held, 3);
    assert.equal(held, 2);
    held = withoutValue(held, 2);
    assert.equal(held, undefined);
  });

  test('is built from a list, duplicates counted once, in first-seen order', () => {
    assert.equal(oneOrManyOf([]), undefined);
    assert.equal(oneOrManyOf(['a', 'a']), 'a');
    assert.deepEqual([...valuesOf(oneOrManyOf(['b', 'a', 'b', 'c']))], ['b', 'a', 'c']);
  });
});

describe('multimap', () => {
  test('a key leaves with its last value; take empties a key and returns its values', () => {
    const map = new Multimap<string, number>();
    map.add('host', 1);
    map.add('host', 2);
    map.add('other', 3);
    assert.deepEqual([map.keyCount, map.count('host'), map.has('host', 2)], [2, 2, true]);
    map.delete('host', 1);
    map.delete('host', 2);
    assert.deepEqual([map.keyCount, map.count('host'), [...map.valuesOf('host')]], [1, 0, []]);
    map.delete('nobody', 1);
    assert.deepEqual([...map.take('other')], [3]);
    assert.deepEqual([map.keyCount, [...map.take('other')]], [0, []]);
  });

  test('agrees with a Map of Sets over random adds and deletes, in order (seed 11)', () => {
    let state = 11;
    const next = (n: number): number => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return (state >>> 16) % n; // the high bits: an LCG's low bits repeat quickly
    };
    const map = new Multimap<number, number>();
    const reference = new Map<number, Set<number>>();
    for (let step = 0; step < 5_000; step++) {
      // Up to 16 values per key, growing then shrinking every 500 steps: every form is held,
      // and each key turns from an array into a Set and back a few times.
      const key = next(4);
      const value = next(16);
      const deleteChance = Math.floor(step / 500) % 2 === 0 ? 1 : 3;
      if (next(4) < deleteChance) {
        map.delete(key, value);
        reference.get(key)?.delete(value);
        if (reference.get(key)?.size === 0) reference.delete(key);
      } else {
        map.add(key, value);
        reference.set(key, (reference.get(key) ?? new Set()).add(value));
      }
      const expected = [...(reference.get(key) ?? [])];
      assert.deepEqual([...map.valuesOf(key)], expected, `seed 11 step ${step}`);
      assert.equal(map.count(key), expected.length, `seed 11 step ${step}`);
      assert.equal(map.has(key, value), expected.includes(value), `seed 11 step ${step}`);
      assert.equal(map.keyCount, reference.size, `seed 11 step ${step}`);
    }
  });
});
