import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import { formatAddress } from '../../source/format.ts';
import {
  IGNORE_MS,
  MAX_PROVEN_PER_HOST,
  MAX_PROVEN_REQUESTERS,
  MAX_TRACKED_REQUESTERS,
  REJECT_LIMIT,
  REJECT_WINDOW_MS,
  RequesterLedger,
} from '../../source/peer/requester-ledger.ts';

const PEER = { address: '127.0.0.1', port: 40111 };

describe('RequesterLedger', () => {
  test(`ignores a requester for ${IGNORE_MS} ms after more than ${REJECT_LIMIT} rejects`, () => {
    const clock = new ManualClock();
    const ignored: string[] = [];
    const ledger = new RequesterLedger(clock, (r) => ignored.push(formatAddress(r)));
    for (let i = 0; i < REJECT_LIMIT; i++) ledger.noteReject(ledger.admit(PEER)!);
    assert.equal(ledger.isIgnored(PEER), false);
    ledger.noteReject(ledger.admit(PEER)!);
    assert.equal(ledger.isIgnored(PEER), true);
    assert.equal(ledger.admit(PEER), null);
    assert.deepEqual(ignored, ['127.0.0.1:40111']);
    clock.advance(IGNORE_MS - 1);
    assert.equal(ledger.admit(PEER), null);
    clock.advance(1);
    assert.notEqual(ledger.admit(PEER), null);
    assert.equal(ledger.snapshot()[0]?.rejectsSent, REJECT_LIMIT + 1);
  });

  test('forgives rejects spread over more than the window', () => {
    const clock = new ManualClock();
    const ledger = new RequesterLedger(clock);
    for (let i = 0; i < 3 * REJECT_LIMIT; i++) {
      ledger.noteReject(ledger.admit(PEER)!);
      clock.advance(REJECT_WINDOW_MS / REJECT_LIMIT + 1);
    }
    assert.equal(ledger.isIgnored(PEER), false);
  });

  test('keeps other addresses and ports apart', () => {
    const ledger = new RequesterLedger(new ManualClock());
    for (let i = 0; i <= REJECT_LIMIT; i++) ledger.noteReject(ledger.admit(PEER)!);
    assert.equal(ledger.isIgnored({ ...PEER, port: PEER.port + 1 }), false);
    assert.notEqual(ledger.admit({ address: '127.0.0.2', port: PEER.port }), null);
  });

  test(`remembers at most ${MAX_PROVEN_PER_HOST} ports of a host, that host's least recently active going first`, () => {
    const ledger = new RequesterLedger(new ManualClock());
    ledger.admit(PEER);
    ledger.admit({ address: '127.0.0.9', port: 1 });
    for (let port = 2; port <= MAX_PROVEN_PER_HOST; port++) {
      ledger.admit({ address: '127.0.0.9', port });
    }
    ledger.admit({ address: '127.0.0.9', port: 1 }); // port 1 becomes its most recent
    // One host opening more ports with valid cookies forgets its own, never another host's.
    for (let port = 60_000; port < 61_000; port++) ledger.admit({ address: '127.0.0.9', port });
    const rows = ledger.snapshot();
    assert.equal(rows.length, MAX_PROVEN_PER_HOST + 1);
    assert.ok(rows.some((r) => r.port === PEER.port && r.address === PEER.address));
    assert.ok(!rows.some((r) => r.address === '127.0.0.9' && r.port < 60_000));
  });

  test(`remembers at most ${MAX_PROVEN_REQUESTERS} proven requesters, forgetting the least recently active`, () => {
    const ledger = new RequesterLedger(new ManualClock());
    ledger.admit(PEER);
    const hosts = MAX_PROVEN_REQUESTERS / MAX_PROVEN_PER_HOST;
    for (let host = 1; host <= hosts; host++)
      for (let port = 1; port <= MAX_PROVEN_PER_HOST; port++)
        if (host < hosts || port < MAX_PROVEN_PER_HOST)
          ledger.admit({ address: `10.0.0.${host}`, port });
    assert.equal(ledger.snapshot().length, MAX_PROVEN_REQUESTERS);
    ledger.admit(PEER); // PEER becomes the most recent
    ledger.admit({ address: '10.0.1.1', port: 1 });
    const rows = ledger.snapshot();
    assert.equal(rows.length, MAX_PROVEN_REQUESTERS);
    assert.ok(rows.some((r) => r.port === PEER.port && r.address === PEER.address));
    assert.ok(!rows.some((r) => r.address === '10.0.0.1' && r.port === 1));
  });

  test('strangers (no valid cookie) are counted apart: they neither evict nor silence the proven', () => {
    const ledger = new RequesterLedger(new ManualClock());
    const proven = ledger.admit(PEER)!;
    for (let i = 0; i <= REJECT_LIMIT; i++) ledger.noteReject(ledger.admit(PEER, false)!);
    assert.equal(ledger.admit(PEER, false), null);
    assert.equal(ledger.isIgnored(PEER), false);
    assert.equal(ledger.admit(PEER), proven);
    for (let port = 1; port <= MAX_TRACKED_REQUESTERS; port++) {
      ledger.admit({ address: '127.0.0.9', port }, false);
    }
    assert.deepEqual(
      ledger.snapshot().map((r) => [r.address, r.port]),
      [[PEER.address, PEER.port]],
    );
    assert.equal(ledger.find(`${PEER.address}|${PEER.port}`), proven);
  });

  test('formats IPv6 addresses with brackets', () => {
    assert.equal(formatAddress({ address: '::1', port: 5 }), '[::1]:5');
  });
});
