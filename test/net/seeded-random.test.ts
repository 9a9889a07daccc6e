import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeededRandom } from '../../source/net/seeded-random.ts';

function firstValues(random: SeededRandom, count: number): number[] {
  return Array.from({ length: count }, () => random.next());
}

describe('SeededRandom', () => {
  test('one seed gives one sequence', () => {
    assert.deepEqual(
      firstValues(new SeededRandom(99), 1000),
      firstValues(new SeededRandom(99), 1000),
    );
    assert.notDeepEqual(
      firstValues(new SeededRandom(99), 10),
      firstValues(new SeededRandom(100), 10),
    );
  });

  test('next stays in [0, 1) and int in [0, max)', () => {
    const seed = 5;
    const random = new SeededRandom(seed);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const value = random.next();
      assert.ok(value >= 0 && value < 1, `seed ${seed}: ${value}`);
      const roll = random.int(6);
      assert.ok(Number.isInteger(roll) && roll >= 0 && roll < 6, `seed ${seed}: ${roll}`);
      seen.add(roll);
    }
    assert.equal(seen.size, 6, `seed ${seed}: every face appears`);
  });

  test('bytes gives the requested length, deterministically', () => {
    for (const n of [0, 1, 3, 4, 5, 17]) {
      const bytes = new SeededRandom(8).bytes(n);
      assert.equal(bytes.length, n);
      assert.deepEqual(bytes, new SeededRandom(8).bytes(n));
    }
  });

  test('fork depends on the label, not on how much the parent has been used', () => {
    const parent = new SeededRandom(77);
    const early = firstValues(parent.fork('inbound'), 20);
    firstValues(parent, 50);
    assert.deepEqual(firstValues(parent.fork('inbound'), 20), early);
    assert.notDeepEqual(firstValues(parent.fork('outbound'), 20), early);
    assert.notDeepEqual(firstValues(new SeededRandom(77), 20), early);
  });
});
