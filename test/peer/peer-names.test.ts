import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MAX_NAMES,
  NAMED_TTL_MS,
  PeerNames,
  UNNAMED_TTL_MS,
} from '../../source/peer/peer-names.ts';
import { type HostPort, MAX_WHO_ADDRESSES } from '../../source/protocol/messages.ts';

const A = { host: '10.0.0.2', port: 6881 };
const B = { host: '10.0.0.3', port: 6881 };

/** A tracker that answers from `registered` and records every question. */
function fakeTracker(registered: Map<string, number>) {
  const asked: HostPort[][] = [];
  const lookup = async (addresses: HostPort[]) => {
    asked.push(addresses);
    return addresses.map((a) => registered.get(`${a.host}:${a.port}`) ?? 0);
  };
  return { asked, lookup };
}

describe('PeerNames', () => {
  test('asks about unknown addresses, then knows them until the answer is stale', async () => {
    const tracker = fakeTracker(new Map([['10.0.0.2:6881', 4]]));
    const names = new PeerNames(tracker.lookup);
    assert.equal(names.idOf(A), null);
    assert.equal(await names.refresh([A, B], 0), true);
    assert.equal(names.idOf(A), 4);
    assert.equal(names.idOf(B), null, 'the tracker knows no node there');
    assert.equal(await names.refresh([A, B], 1_000), false);
    assert.equal(tracker.asked.length, 1, 'fresh answers are not asked again');
    // Nobody at B: asked again sooner than about A, which had a node.
    await names.refresh([A, B], UNNAMED_TTL_MS);
    assert.deepEqual(tracker.asked[1], [B]);
    await names.refresh([A], NAMED_TTL_MS - 1);
    assert.equal(tracker.asked.length, 2, 'A is still fresh');
    await names.refresh([A], NAMED_TTL_MS);
    assert.deepEqual(tracker.asked[2], [A]);
  });

  test('one question at a time, of at most MAX_WHO_ADDRESSES addresses', async () => {
    let release: (ids: number[]) => void = () => {};
    const asked: HostPort[][] = [];
    const names = new PeerNames(
      (addresses) =>
        new Promise((resolve) => {
          asked.push(addresses);
          release = resolve;
        }),
    );
    const many = Array.from({ length: 40 }, (_, i) => ({ host: '10.0.1.1', port: 1000 + i }));
    const first = names.refresh(many, 0);
    assert.equal(await names.refresh(many, 0), false, 'a question is out already');
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.length, MAX_WHO_ADDRESSES);
    release(asked[0]!.map((_, i) => 100 + i));
    assert.equal(await first, true);
    assert.equal(names.idOf(many[0]!), 100);
  });

  test('a tracker that gives no answer changes nothing, and is asked again', async () => {
    let answer: number[] | null = null;
    const names = new PeerNames(async () => answer);
    assert.equal(await names.refresh([A], 0), false);
    answer = [9];
    assert.equal(await names.refresh([A], 1), true);
    assert.equal(names.idOf(A), 9);
  });

  test('remembers at most MAX_NAMES addresses, forgetting the oldest answer first', async () => {
    const names = new PeerNames(async (addresses) => addresses.map((a) => a.port));
    for (let port = 1; port <= MAX_NAMES + MAX_WHO_ADDRESSES; port += MAX_WHO_ADDRESSES) {
      const batch = Array.from({ length: MAX_WHO_ADDRESSES }, (_, i) => ({
        host: '10.0.2.1',
        port: port + i,
      }));
      await names.refresh(batch, 0);
    }
    assert.equal(names.idOf({ host: '10.0.2.1', port: 1 }), null, 'the oldest is forgotten');
    assert.equal(names.idOf({ host: '10.0.2.1', port: MAX_NAMES + 16 }), MAX_NAMES + 16);
  });
});
