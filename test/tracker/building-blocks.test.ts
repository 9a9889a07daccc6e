import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import { encode } from '../../source/protocol/codec.ts';
import type { TrackerReply } from '../../source/protocol/messages.ts';
import { truncateUtf8 } from '../../source/protocol/names.ts';
import { BoundedMap, CreditLedger } from '../../source/tracker/credit-ledger.ts';
import { FileRecord } from '../../source/tracker/file-record.ts';
import { HostBudget } from '../../source/tracker/host-budget.ts';
import { hostKeyOf } from '../../source/tracker/host-key.ts';
import { NoiseWindow } from '../../source/tracker/noise-window.ts';
import { compareOwners, selectBest } from '../../source/tracker/ranking.ts';
import { encodeWithin } from '../../source/tracker/reply-clip.ts';
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
        unconfirmed: next() % 3 === 0,
        downloaders: next() % 5,
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
      mayBeCredited: () => true,
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

describe('file record', () => {
  test('a partial owner completes; a complete owner never goes back to partial', () => {
    const file = new FileRecord('ab'.repeat(32), 'a.iso', 100);
    assert.deepEqual(
      [file.addOwner(1, true), file.addOwner(2, false), file.addOwner(2, false)],
      ['added', 'added', 'already-owner'],
    );
    assert.deepEqual(
      [file.ownerCount, file.partialOwnerCount, file.isPartialOwner(2)],
      [2, 1, true],
    );
    assert.deepEqual(
      [file.addOwner(2, true), file.addOwner(2, false)],
      ['completed', 'already-owner'],
    );
    assert.deepEqual([file.partialOwnerCount, [...file.ownerIds()]], [0, [1, 2]]);
    assert.deepEqual([file.removeOwner(1), file.removeOwner(1), file.ownerCount], [true, false, 1]);
    assert.equal(file.infohash().toString('hex'), file.infohashHex);
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

describe('per-host bounds', () => {
  test('a host is IPv4 as is, IPv6 by its /64, a mapped IPv4 as the IPv4', () => {
    assert.deepEqual(
      [
        '10.0.0.7',
        '::ffff:10.0.0.7',
        '2001:db8:1:2:3:4:5:6',
        '2001:db8:1:2::9',
        'fe80::1%eth0',
      ].map((address) => hostKeyOf(address)),
      ['10.0.0.7', '10.0.0.7', '2001:db8:1:2::/64', '2001:db8:1:2::/64', 'fe80:0:0:0::/64'],
    );
  });

  test('a host budget allows its burst, then its rate, per host; forgotten hosts start full', () => {
    const budget = new HostBudget({ perSecond: 10, burst: 5, maxHosts: 2 });
    const taken = (host: string, n: number, atMs: number) =>
      Array.from({ length: n }, () => budget.take(host, atMs)).filter(Boolean).length;
    assert.equal(taken('a', 8, 0), 5);
    assert.equal(taken('b', 3, 0), 3, 'another host is not charged');
    assert.equal(taken('a', 8, 300), 3, '0.3 s at 10/s');
    assert.equal(taken('a', 20, 10_000), 5, 'never more than the burst');
    taken('c', 1, 10_000);
    taken('d', 1, 10_000);
    assert.equal(budget.size, 2);
  });
});

describe('noise window', () => {
  test('logs each kind in full once per window, then one summary per kind with its top hosts', () => {
    const clock = new ManualClock();
    const summaries: string[] = [];
    const noise = new NoiseWindow({
      clock,
      windowMs: 10_000,
      fullLinesPerKind: 1,
      summarize: (s) =>
        summaries.push(
          `${s.kind}: ${s.count} after ${s.logged} from ${s.hosts} ${JSON.stringify(s.top)}`,
        ),
    });
    const from = (host: number, port: number) => ({ address: `127.0.0.${host}`, port });
    const logged = [
      noise.record('a', from(1, 1)),
      noise.record('a', from(2, 1)),
      noise.record('a', from(2, 2)),
      noise.record('a', from(3, 1)),
      noise.record('b', from(9, 9)),
      noise.record('c', from(9, 9), 0),
    ];
    assert.deepEqual(logged, [true, false, false, false, true, false]);
    clock.advance(9_999);
    assert.deepEqual(summaries, []);
    clock.advance(1);
    assert.deepEqual(summaries, [
      'a: 3 after 1 from 2 [{"host":"127.0.0.2","count":2},{"host":"127.0.0.3","count":1}]',
      'c: 1 after 0 from 1 [{"host":"127.0.0.9","count":1}]',
    ]);
    assert.equal(noise.record('a', from(1, 1)), true, 'a new window logs in full again');
    noise.stop();
    assert.equal(summaries.length, 2, 'a window with nothing counted says nothing');
  });
});
