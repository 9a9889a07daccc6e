import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import { encode } from '../../source/protocol/codec.ts';
import type { TrackerReply } from '../../source/protocol/messages.ts';
import { BoundedMap, CreditLedger } from '../../source/tracker/credit-ledger.ts';
import { NoiseWindow } from '../../source/tracker/noise-window.ts';
import { compareOwners, selectBest } from '../../source/tracker/ranking.ts';
import { encodeWithin, truncateUtf8 } from '../../source/tracker/reply-clip.ts';
import { RequestRate } from '../../source/tracker/request-rate.ts';

describe('ranking', () => {
  test('selectBest equals a full sort cut to the limit (seeded)', () => {
    let state = 7;
    const next = (): number => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state;
    };
    for (let round = 0; round < 50; round++) {
      const owners = Array.from({ length: next() % 40 }, (_, i) => ({
        nodeId: i + 1,
        late: next() % 3 === 0,
        uploadCredit: next() % 5,
        complete: next() % 2 === 0,
        tieKey: next() % 7,
      }));
      const limit = next() % 20;
      const expected = [...owners].sort(compareOwners).slice(0, limit);
      assert.deepEqual(selectBest(owners, limit, compareOwners), expected, `seed 7 round ${round}`);
    }
  });
});

describe('credit ledger', () => {
  test('a bounded map forgets its oldest entries first', () => {
    const map = new BoundedMap<number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3); // used again: now the newest
    map.set('c', 4);
    assert.deepEqual([map.has('a'), map.has('b'), map.has('c'), map.size], [true, false, true, 2]);
  });

  test('a forgotten download id may credit again, still within the per-file cap', () => {
    const ledger = new CreditLedger(1);
    const request = (downloadIdHex: string, infohashHex: string) => ({
      senderId: 4,
      downloadIdHex,
      infohashHex,
      sizeBytes: 100,
      credits: [{ nodeId: 1, bytes: 60 }],
      isOwner: () => true,
    });
    assert.deepEqual(ledger.decide(request('d1', 'f1')), {
      duplicate: false,
      granted: [{ nodeId: 1, bytes: 60 }],
    });
    assert.deepEqual(ledger.decide(request('d1', 'f1')), { duplicate: true });
    assert.deepEqual(ledger.decide(request('d2', 'f1')), {
      duplicate: false,
      granted: [{ nodeId: 1, bytes: 40 }],
    });
  });
});

describe('reply clipping', () => {
  test('truncateUtf8 never splits a character', () => {
    assert.equal(truncateUtf8('aé😀b', 1), 'a');
    assert.equal(truncateUtf8('aé😀b', 4), 'aé');
    assert.equal(truncateUtf8('aé😀b', 7), 'aé😀');
    assert.equal(truncateUtf8('short', 200), 'short');
  });

  test('an error is clipped to the largest text that fits; other replies are withheld', () => {
    const reply: TrackerReply = { type: 'error', code: 'id-in-use', text: 'x'.repeat(150) };
    const encodeReply = (r: TrackerReply) => encode(7, r);
    const whole = encodeReply(reply).length;
    const clipped = encodeWithin(reply, whole - 10, encodeReply);
    assert.equal(clipped?.length, whole - 10);
    assert.equal(encodeWithin({ type: 'ack' }, 3, encodeReply), null);
    assert.equal(encodeWithin(reply, 3, encodeReply), null);
  });
});

describe('request rate', () => {
  test('counts the requests of the last second only', () => {
    const rate = new RequestRate();
    for (let ms = 0; ms < 1000; ms += 10) rate.record(ms);
    assert.equal(rate.perSecond(999), 100);
    assert.equal(rate.perSecond(1499), 50);
    assert.equal(rate.perSecond(5000), 0);
  });
});

describe('noise window', () => {
  test('logs a few in full, then one summary per window', () => {
    const clock = new ManualClock();
    const summaries: string[] = [];
    const noise = new NoiseWindow({
      clock,
      windowMs: 10_000,
      fullLinesPerWindow: 2,
      summarize: (count, addresses) => summaries.push(`${count} from ${addresses}`),
    });
    const logged = [1, 2, 3, 4, 5].map((port) =>
      noise.record({ address: '127.0.0.1', port: port % 2 }),
    );
    assert.deepEqual(logged, [true, true, false, false, false]);
    clock.advance(9_999);
    assert.deepEqual(summaries, []);
    clock.advance(1);
    assert.deepEqual(summaries, ['3 from 2']);
    assert.equal(noise.record({ address: '127.0.0.1', port: 1 }), true);
    noise.stop();
    assert.deepEqual(summaries, ['3 from 2'], 'a window with nothing suppressed says nothing');
    assert.equal(noise.totalCount, 6);
  });
});
