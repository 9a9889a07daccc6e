import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import {
  IDLE_MS,
  OPTIMISTIC_MS,
  RECHOKE_MS,
  REGULAR_SLOTS,
  UploadSlots,
} from '../../source/peer/upload-slots.ts';

const noScore = () => 0;
/** The scenarios below are drawn for 4 regular slots; the rules do not depend on the count. */
const SLOTS = 4;

/** `count` peer keys: p1, p2, ... */
function peers(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `p${i + 1}`);
}

/** Each peer's slot (null when choked), sorted by key, for peers that asked lately. */
function slotsAt(slots: UploadSlots, nowMs: number): Record<string, string | null> {
  const entries = slots.holders(nowMs).map((holder) => [holder.key, holder.slot] as const);
  return Object.fromEntries(
    entries.sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })),
  );
}

/** Every key asks at `nowMs`, in order; returns the keys that were served. */
function askAll(
  slots: UploadSlots,
  keys: string[],
  nowMs: number,
  score: (key: string) => number = noScore,
): string[] {
  return keys.filter((key) => slots.admit(key, nowMs, score));
}

/** Every key asks every 500 ms from `fromMs` up to (not including) `toMs`. */
function askEvery500ms(
  slots: UploadSlots,
  keys: string[],
  fromMs: number,
  toMs: number,
  score: (key: string) => number = noScore,
): void {
  for (let nowMs = fromMs; nowMs < toMs; nowMs += 500) askAll(slots, keys, nowMs, score);
}

test('the tuning constants: 8 regular slots by default (the scenarios use 4), and the timings', () => {
  assert.equal(REGULAR_SLOTS, 8);
  assert.equal(IDLE_MS, 2_000);
  assert.equal(RECHOKE_MS, 10_000);
  assert.equal(OPTIMISTIC_MS, 30_000);
});

describe('UploadSlots between rechokes', () => {
  test('gives the free slots first-come, 4 regular then the optimistic one, and refuses the rest', () => {
    const slots = new UploadSlots(0, () => 0, SLOTS);
    assert.deepEqual(askAll(slots, peers(7), 0), ['p1', 'p2', 'p3', 'p4', 'p5']);
    assert.deepEqual(slotsAt(slots, 0), {
      p1: 'regular',
      p2: 'regular',
      p3: 'regular',
      p4: 'regular',
      p5: 'optimistic',
      p6: null,
      p7: null,
    });
  });

  test('a peer that holds a slot is served each time it asks; one without stays refused', () => {
    const slots = new UploadSlots(0, () => 0, SLOTS);
    askAll(slots, peers(6), 0);
    for (let nowMs = 500; nowMs < RECHOKE_MS; nowMs += 500) {
      assert.deepEqual(askAll(slots, peers(6), nowMs), ['p1', 'p2', 'p3', 'p4', 'p5'], `${nowMs}`);
    }
  });

  test('a slot whose peer asked nothing for IDLE_MS goes to the next peer that asks', () => {
    const slots = new UploadSlots(0, () => 0, SLOTS);
    askAll(slots, peers(6), 0); // p6 refused
    askAll(slots, ['p2', 'p3', 'p4', 'p5'], 1_000); // p1 falls silent
    assert.equal(slots.admit('p6', IDLE_MS - 1, noScore), false);
    assert.equal(slots.admit('p6', IDLE_MS, noScore), true);
    assert.equal(slotsAt(slots, IDLE_MS).p6, 'regular');
    assert.equal(slotsAt(slots, IDLE_MS).p1, null);
    // p1 comes back: every slot is taken again.
    assert.equal(slots.admit('p1', IDLE_MS, noScore), false);
  });

  test('an idle optimistic slot is given as the optimistic slot', () => {
    const slots = new UploadSlots(0, () => 0, SLOTS);
    askAll(slots, peers(6), 0);
    askAll(slots, ['p1', 'p2', 'p3', 'p4'], 3_000); // p5, the optimistic one, fell silent
    assert.equal(slots.admit('p6', 3_000, noScore), true);
    assert.equal(slotsAt(slots, 3_000).p6, 'optimistic');
    assert.equal(slotsAt(slots, 3_000).p5, null);
  });

  test('holders() lists the peers that asked within the last rechoke period, with their slot', () => {
    const slots = new UploadSlots(0, () => 0, SLOTS);
    assert.deepEqual(slots.holders(0), []);
    slots.admit('p1', 0, noScore);
    slots.admit('p2', 4_000, noScore);
    // p1 asked nothing for IDLE_MS: its slot was freed when p2 asked, but it is still listed.
    assert.deepEqual(slots.holders(4_000), [
      { key: 'p1', slot: null, lastRequestMs: 0, lastGrantedMs: 0 },
      { key: 'p2', slot: 'regular', lastRequestMs: 4_000, lastGrantedMs: 4_000 },
    ]);
    assert.deepEqual(
      slots.holders(RECHOKE_MS - 1).map((holder) => holder.key),
      ['p1', 'p2'],
    );
    assert.deepEqual(
      slots.holders(RECHOKE_MS).map((holder) => holder.key),
      ['p2'],
    );
  });

  test('asking() lists only the peers that asked within IDLE_MS, slot held or not', () => {
    const slots = new UploadSlots(0, () => 0, 1);
    slots.admit('p1', 0, noScore);
    slots.admit('p2', 1_000, noScore); // optimistic
    slots.admit('p3', 1_500, noScore); // choked
    assert.deepEqual(
      slots.asking(1_500).map((holder) => [holder.key, holder.slot]),
      [
        ['p1', 'regular'],
        ['p2', 'optimistic'],
        ['p3', null],
      ],
    );
    // p1 stopped asking (it has the file): gone from asking() at IDLE_MS, slot still held.
    assert.deepEqual(
      slots.asking(IDLE_MS).map((holder) => holder.key),
      ['p2', 'p3'],
    );
    assert.equal(slots.holders(IDLE_MS)[0]?.slot, 'regular');
  });
});

describe('UploadSlots rechoke', () => {
  test('every RECHOKE_MS the regular slots go to the best-scoring peers that ask', () => {
    const scores: Record<string, number> = { p6: 100, p3: 10, p7: 5 };
    const score = (key: string) => scores[key] ?? 0;
    const slots = new UploadSlots(0, () => 0, SLOTS);
    askEvery500ms(slots, peers(7), 0, RECHOKE_MS, score);
    assert.equal(slotsAt(slots, RECHOKE_MS - 500).p6, null);
    // The first request at RECHOKE_MS rechokes; the optimistic slot (p5) is not due yet.
    askAll(slots, peers(7), RECHOKE_MS, score);
    assert.deepEqual(slotsAt(slots, RECHOKE_MS), {
      p1: 'regular',
      p2: null,
      p3: 'regular',
      p4: null,
      p5: 'optimistic',
      p6: 'regular',
      p7: 'regular',
    });
  });

  test('the best-scoring peers keep their slots from rechoke to rechoke', () => {
    const scores: Record<string, number> = { p8: 30, p7: 20, p6: 10, p5: 5 };
    const score = (key: string) => scores[key] ?? 0;
    const slots = new UploadSlots(0, () => 0, SLOTS);
    const served = new Map<string, number>();
    for (let nowMs = 0; nowMs < 120_000; nowMs += 500) {
      for (const key of askAll(slots, peers(8), nowMs, score)) {
        served.set(key, (served.get(key) ?? 0) + 1);
      }
      const current = slotsAt(slots, nowMs);
      if (nowMs >= RECHOKE_MS) {
        for (const key of ['p6', 'p7', 'p8'])
          assert.equal(current[key], 'regular', `${key} ${nowMs}`);
      }
      // p5 came fifth: optimistic until that slot is due to move, then regular on its score.
      assert.equal(current.p5, nowMs < OPTIMISTIC_MS ? 'optimistic' : 'regular', `p5 ${nowMs}`);
    }
    // 240 rounds; p6..p8 were refused until the first rechoke.
    assert.deepEqual(
      ['p5', 'p6', 'p7', 'p8'].map((key) => served.get(key)),
      [240, 220, 220, 220],
    );
  });

  test('ties go to whoever waited longest, and a holder has not been waiting', () => {
    const slots = new UploadSlots(0, () => 0, SLOTS);
    askEvery500ms(slots, peers(7), 0, RECHOKE_MS + 500);
    // p6 and p7 never had a slot: they go first; p1 and p2 keep theirs (ties kept in order).
    assert.deepEqual(slotsAt(slots, RECHOKE_MS), {
      p1: 'regular',
      p2: 'regular',
      p3: null,
      p4: null,
      p5: 'optimistic',
      p6: 'regular',
      p7: 'regular',
    });
    askEvery500ms(slots, peers(7), RECHOKE_MS + 500, 2 * RECHOKE_MS + 500);
    // p3 and p4 waited since 10 s; p1 and p2 have held their slots the longest.
    assert.deepEqual(slotsAt(slots, 2 * RECHOKE_MS), {
      p1: null,
      p2: null,
      p3: 'regular',
      p4: 'regular',
      p5: 'optimistic',
      p6: 'regular',
      p7: 'regular',
    });
  });

  test('with equal scores, 6 peers for 5 slots share them: none holds one all along', () => {
    const slots = new UploadSlots(0, () => 0, SLOTS);
    const served = new Map<string, number>();
    for (let nowMs = 0; nowMs < 300_000; nowMs += 500) {
      for (const key of askAll(slots, peers(6), nowMs)) {
        served.set(key, (served.get(key) ?? 0) + 1);
      }
    }
    // 600 rounds, 5 of 6 peers served in each: 500 each if perfectly even.
    for (const key of peers(6)) {
      const count = served.get(key) ?? 0;
      assert.ok(count >= 460 && count <= 540, `${key} served ${count} times of 600`);
    }
  });

  test('the optimistic slot stays with its peer between rechokes until OPTIMISTIC_MS', () => {
    const slots = new UploadSlots(0, () => 0, SLOTS);
    const score = (key: string) => (key === 'p5' ? 0 : 10);
    for (let nowMs = 0; nowMs < OPTIMISTIC_MS; nowMs += 500) {
      askAll(slots, peers(8), nowMs, score);
      assert.equal(slotsAt(slots, nowMs).p5, 'optimistic', `${nowMs}`);
    }
  });

  test('an optimistic slot given between rechokes lasts OPTIMISTIC_MS from when it was given', () => {
    const slots = new UploadSlots(0, () => 0, SLOTS);
    const keys = ['p1', 'p2', 'p3', 'p4', 'p6'];
    askAll(slots, peers(6), 0); // p5 optimistic, then silent; p6 refused
    askEvery500ms(slots, keys, 500, 2_000);
    askAll(slots, keys, 2_000); // p5 idle: p6 gets the optimistic slot
    assert.equal(slotsAt(slots, 2_000).p6, 'optimistic');
    askEvery500ms(slots, keys, 2_500, 40_000);
    assert.equal(slotsAt(slots, 39_500).p6, 'optimistic'); // kept at the rechoke at 30 s
    askAll(slots, keys, 40_000);
    assert.deepEqual(slotsAt(slots, 40_000), {
      p1: 'regular',
      p2: 'regular',
      p3: 'regular',
      p4: 'optimistic',
      p6: 'regular',
    });
  });

  test('at OPTIMISTIC_MS the optimistic slot moves to a random choked peer, not its holder', () => {
    for (const [randomValue, expected] of [
      [0, 'p6'],
      [0.5, 'p7'],
      [0.999, 'p7'],
    ] as const) {
      const slots = new UploadSlots(0, () => randomValue, SLOTS);
      askEvery500ms(slots, peers(7), 0, OPTIMISTIC_MS);
      assert.deepEqual(slotsAt(slots, OPTIMISTIC_MS - 500), {
        p1: null,
        p2: null,
        p3: 'regular',
        p4: 'regular',
        p5: 'optimistic',
        p6: 'regular',
        p7: 'regular',
      });
      askAll(slots, peers(7), OPTIMISTIC_MS);
      // Regular slots: p1, p2 (choked since 20 s), then the holders that held theirs shortest.
      // Choked, in that order: p6, p7 (held since 10 s) and p5; p5 is not picked again.
      assert.deepEqual(
        slotsAt(slots, OPTIMISTIC_MS),
        {
          p1: 'regular',
          p2: 'regular',
          p3: 'regular',
          p4: 'regular',
          p5: null,
          p6: expected === 'p6' ? 'optimistic' : null,
          p7: expected === 'p7' ? 'optimistic' : null,
        },
        `random ${randomValue}`,
      );
    }
  });

  test('the optimistic slot stays put when its holder is the only choked peer', () => {
    const slots = new UploadSlots(0, () => 0.5, SLOTS);
    askEvery500ms(slots, peers(5), 0, OPTIMISTIC_MS);
    slots.rechoke(OPTIMISTIC_MS, noScore);
    assert.deepEqual(slotsAt(slots, OPTIMISTIC_MS), {
      p1: 'regular',
      p2: 'regular',
      p3: 'regular',
      p4: 'regular',
      p5: 'optimistic',
    });
  });

  test('peers that stopped asking are forgotten at the next rechoke: one that returns is new', () => {
    const slots = new UploadSlots(0, () => 0, SLOTS);
    askAll(slots, peers(7), 0);
    askEvery500ms(slots, ['p3', 'p4', 'p5', 'p6', 'p7'], 500, RECHOKE_MS + 500);
    assert.deepEqual(slotsAt(slots, RECHOKE_MS), {
      p3: 'regular',
      p4: 'regular',
      p5: 'optimistic',
      p6: 'regular',
      p7: 'regular',
    });
    // p1 comes back as a stranger: every slot is held by a peer that asks.
    assert.equal(slots.admit('p1', RECHOKE_MS + 500, noScore), false);
    assert.deepEqual(
      slots.holders(RECHOKE_MS + 500).find((holder) => holder.key === 'p1'),
      {
        key: 'p1',
        slot: null,
        lastRequestMs: RECHOKE_MS + 500,
        lastGrantedMs: Number.NEGATIVE_INFINITY,
      },
    );
  });
});

describe('UploadSlots fairness', () => {
  test("one host's many sockets hold no slot another host waits for, after the next rechoke", () => {
    const slots = new UploadSlots(0, () => 0, SLOTS);
    // Forty sockets of one host, each asking twice a second, hold every slot.
    const many = Array.from({ length: 40 }, (_, i) => `10.0.0.9|${40000 + i}`);
    askEvery500ms(slots, many, 0, 2_000);
    const honest = '10.0.0.2|6881';
    assert.equal(slots.admit(honest, 2_000, noScore), false, 'choked at first');
    askEvery500ms(slots, [...many, honest], 2_500, RECHOKE_MS);
    assert.equal(slots.admit(honest, RECHOKE_MS, noScore), true, 'a slot at the rechoke');
    const held = slots.holders(RECHOKE_MS).filter((holder) => holder.slot !== null);
    assert.equal(held.length, SLOTS + 1);
    assert.equal(held.filter((holder) => holder.key.startsWith('10.0.0.9|')).length, SLOTS);
  });

  test('20 peers asking every 500 ms for 5 minutes with equal scores are all served', () => {
    const seed = 20;
    const random = new SeededRandom(seed);
    const slots = new UploadSlots(0, () => random.next(), SLOTS);
    const keys = peers(20);
    const served = new Map<string, number>();
    for (let nowMs = 0; nowMs < 300_000; nowMs += 500) {
      for (const key of askAll(slots, keys, nowMs)) served.set(key, (served.get(key) ?? 0) + 1);
    }
    const counts = keys.map((key) => served.get(key) ?? 0);
    // 600 rounds of 5 slots: 3000 grants, 150 per peer if perfectly even.
    assert.equal(
      counts.reduce((sum, count) => sum + count, 0),
      3000,
    );
    for (const [i, count] of counts.entries()) {
      assert.ok(count > 0, `seed ${seed}: p${i + 1} never served: ${counts.join(' ')}`);
    }
    // Exact for this seed: each peer is served for 6 to 11 periods of 10 s (20 rounds each).
    assert.deepEqual(
      counts,
      [
        160, 160, 140, 140, 180, 120, 120, 120, 120, 180, 220, 120, 160, 120, 180, 160, 120, 160,
        160, 160,
      ],
      `seed ${seed}`,
    );
  });
});
