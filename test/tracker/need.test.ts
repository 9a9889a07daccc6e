import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RemoteAddress } from '../../source/net/transport.ts';
import {
  MAX_NEED_MATCHES,
  MAX_OWNERS_PER_MATCH,
  type NeedReplyMessage,
  type TrackerReply,
} from '../../source/protocol/messages.ts';
import { formatEvent } from '../../source/tracker/events.ts';
import { tieKeyFor } from '../../source/tracker/ranking.ts';
import type { TrackerState } from '../../source/tracker/tracker-state.ts';
import {
  at,
  identity,
  infohash,
  newState,
  own,
  prove,
  register,
  SWEEP_MS,
  update,
} from './fixtures.ts';

const BIG = { infohash: infohash(0x1a), name: 'big.iso', size: 256 * 1024 * 1024 };

function needByName(
  state: TrackerState,
  token: Buffer,
  port: number,
  nowMs: number,
  name: string,
  maxOwners = 3,
  exclude: number[] = [],
): NeedReplyMessage {
  const { reply } = state.handle(
    { type: 'need', exclude, token, query: { kind: 'name', name }, maxOwners },
    at(port),
    nowMs,
  );
  assert.equal(reply?.type, 'need-reply');
  return reply as NeedReplyMessage;
}

/** Tokens of nodes registered by swarm(), by node id. */
const tokens = new Map<number, Buffer>();

/** Node 100 asks; nodes 1..count own BIG (at 127.0.0.1:500<id>); returns the asker's token. */
function swarm(state: TrackerState, count: number, nowMs = 0): Buffer {
  for (let id = 1; id <= count; id++) {
    const token = register(state, id, 5000 + id, nowMs);
    tokens.set(id, token);
    own(state, token, 5000 + id, nowMs, BIG);
  }
  return register(state, 100, 6000, nowMs);
}

/** Registers `nodeId` from any address; returns its token. */
function registerAt(
  state: TrackerState,
  nodeId: number,
  from: RemoteAddress,
  nowMs: number,
): Buffer {
  const { reply } = prove(state, nodeId, from, nowMs, identity(nodeId));
  assert.equal(reply?.type, 'registered');
  return reply?.type === 'registered' ? reply.token : Buffer.alloc(0);
}

function tokenOf(nodeId: number): Buffer {
  const token = tokens.get(nodeId);
  assert.ok(token, `node ${nodeId} has a token`);
  return token;
}

function ownerIds(reply: TrackerReply): number[] {
  return reply.type === 'need-reply' ? (reply.matches[0]?.owners.map((o) => o.nodeId) ?? []) : [];
}

describe('NEED', () => {
  test('ranks owners alive before late, then by downloader hosts (not bytes), then the tie key', () => {
    const { state } = newState();
    const asker = swarm(state, 5, 0);
    // Downloaders on two other hosts: 2 is credited by one, 4 by both; bytes do not rank.
    const hostA = { address: '10.0.0.1', port: 7001 };
    const hostB = { address: '10.0.0.2', port: 7002 };
    const reporters = [registerAt(state, 101, hostA, 0), registerAt(state, 102, hostB, 0)];
    for (const [i, reporter] of reporters.entries()) {
      const credits =
        i === 0
          ? [
              { nodeId: 2, bytes: 500 },
              { nodeId: 4, bytes: 1 },
            ]
          : [{ nodeId: 4, bytes: 1 }];
      const from = i === 0 ? hostA : hostB;
      const downloadId = Buffer.alloc(8, i);
      const result = state.handle(
        { type: 'update', token: reporter, infohash: BIG.infohash, downloadId, credits },
        from,
        0,
      );
      assert.deepEqual(result.reply, { type: 'ack' });
    }
    // Node 100 (the owners' own host) reports 1 GiB for 5: same host, no rank.
    update(state, asker, 6000, 0, BIG.infohash, 1, [{ nodeId: 5, bytes: BIG.size }]);
    // Everyone but 2 heartbeats, so 2 is late when asked.
    const later = SWEEP_MS + 1;
    for (const id of [1, 3, 4, 5]) {
      state.handle({ type: 'heartbeat', token: tokenOf(id) }, at(5000 + id), 10_000);
    }
    state.handle({ type: 'heartbeat', token: asker }, at(6000), later);
    const reply = needByName(state, asker, 6000, later, 'big.iso', 16);
    assert.deepEqual(ownerIds(reply), [4, 1, 3, 5, 2]);
    const credits = reply.matches[0]?.owners.map((o) => [o.nodeId, o.uploadCredit]);
    assert.deepEqual(credits, [
      [4, 2],
      [1, 0],
      [3, 0],
      [5, BIG.size],
      [2, 500],
    ]);
  });

  test('returns at most maxOwners owners, never more than 16, and counts them all', () => {
    const { state } = newState();
    const asker = swarm(state, 20);
    const three = needByName(state, asker, 6000, 1, 'big.iso', 3);
    // Equal owners come in the asker's own order (see the flash-crowd test below).
    const byTie = Array.from({ length: 20 }, (_, i) => i + 1).sort(
      (a, b) => tieKeyFor(100, a) - tieKeyFor(100, b),
    );
    assert.deepEqual(ownerIds(three), byTie.slice(0, 3));
    assert.equal(three.matches[0]?.ownerCount, 20);
    const many = needByName(state, asker, 6000, 1, 'big.iso', 200);
    assert.equal(many.matches[0]?.owners.length, MAX_OWNERS_PER_MATCH);
    assert.equal(needByName(state, asker, 6000, 1, 'big.iso', 0).matches[0]?.owners.length, 0);
  });

  test('equal owners are spread: different askers get different first owners', () => {
    const { state } = newState();
    swarm(state, 16);
    const firsts = new Set<number>();
    for (let asker = 200; asker < 216; asker++) {
      const token = register(state, asker, 7000 + asker, 1);
      firsts.add(ownerIds(needByName(state, token, 7000 + asker, 1, 'big.iso', 1))[0]!);
    }
    assert.ok(firsts.size >= 6, `16 askers were sent to only ${firsts.size} distinct owners`);
  });

  test('leaves out the owners the asker excludes, but still counts them', () => {
    const { state } = newState();
    const asker = swarm(state, 5);
    const first = ownerIds(needByName(state, asker, 6000, 1, 'big.iso', 3));
    const second = needByName(state, asker, 6000, 1, 'big.iso', 3, first);
    assert.equal(ownerIds(second).length, 2);
    for (const id of ownerIds(second)) assert.ok(!first.includes(id), `${id} offered again`);
    assert.equal(second.matches[0]?.ownerCount, 5);
  });

  test('marks partial owners and offers complete owners first among equals', () => {
    const { state } = newState();
    const asker = swarm(state, 2);
    const partialToken = register(state, 3, 5003, 0);
    own(state, partialToken, 5003, 0, BIG, 'partial');
    const reply = needByName(state, asker, 6000, 1, 'big.iso', 16);
    const owners = reply.matches[0]?.owners ?? [];
    assert.deepEqual(
      owners.map((o) => [o.nodeId, o.complete]),
      [...owners.slice(0, 2).map((o) => [o.nodeId, true]), [3, false]],
    );
    assert.equal(reply.matches[0]?.ownerCount, 3);
    // The partial owner finishes: it is complete from then on, and never partial again.
    own(state, partialToken, 5003, 1, BIG, 'complete');
    own(state, partialToken, 5003, 2, BIG, 'partial');
    const after = needByName(state, asker, 6000, 3, 'big.iso', 16).matches[0]?.owners ?? [];
    assert.ok(after.every((o) => o.complete));
  });

  test('a withdrawn owner is no longer offered; the last one takes the file away', () => {
    const { state } = newState();
    const asker = swarm(state, 2);
    const { events } = state.handle(
      { type: 'own', state: 'withdrawn', token: tokenOf(1), ...BIG },
      at(5001),
      1,
    );
    assert.deepEqual(events.map(formatEvent), ['withdrew node 1 big.iso (1 owner left)']);
    assert.deepEqual(ownerIds(needByName(state, asker, 6000, 2, 'big.iso', 16)), [2]);
    state.handle({ type: 'own', state: 'withdrawn', token: tokenOf(2), ...BIG }, at(5002), 3);
    assert.equal(needByName(state, asker, 6000, 4, 'big.iso', 16).matches.length, 0);
  });

  test('never offers the requester to itself, nor counts it', () => {
    const { state } = newState();
    swarm(state, 2);
    const reply = needByName(state, tokenOf(1), 5001, 1, 'big.iso', 16);
    assert.deepEqual(ownerIds(reply), [2]);
    assert.equal(reply.matches[0]?.ownerCount, 1);
  });

  test('never offers a dropped owner, even before the sweep removes it', () => {
    const { state } = newState();
    const asker = swarm(state, 3);
    const t = 2 * SWEEP_MS;
    state.handle({ type: 'heartbeat', token: tokenOf(2) }, at(5002), SWEEP_MS);
    state.handle({ type: 'heartbeat', token: asker }, at(6000), SWEEP_MS);
    const reply = needByName(state, asker, 6000, t, 'big.iso', 16);
    assert.deepEqual(ownerIds(reply), [2]);
    assert.equal(reply.matches[0]?.ownerCount, 1);
    assert.equal(reply.matches[0]?.owners[0]?.host, '127.0.0.1');
    assert.equal(reply.matches[0]?.owners[0]?.port, 5002);
  });

  test('a name with no match is an empty reply, not an error', () => {
    const { state } = newState();
    const asker = swarm(state, 1);
    assert.deepEqual(needByName(state, asker, 6000, 1, 'nothing.txt'), {
      type: 'need-reply',
      totalMatches: 0,
      matches: [],
    });
  });

  test('finds a file by infohash', () => {
    const { state } = newState();
    const asker = swarm(state, 2);
    const { reply } = state.handle(
      {
        type: 'need',
        exclude: [],
        token: asker,
        query: { kind: 'infohash', infohash: BIG.infohash },
        maxOwners: 3,
      },
      at(6000),
      1,
    );
    assert.deepEqual(ownerIds(reply!), [1, 2]);
  });

  test('lists same-name files most owners first, at most 8, with the total', () => {
    const { state } = newState();
    const asker = register(state, 100, 6000, 0);
    for (let i = 0; i < 10; i++) {
      for (let owner = 0; owner <= i; owner++) {
        const id = i * 20 + owner + 1;
        const token = register(state, id + 1000, 7000 + id, 0);
        own(state, token, 7000 + id, 0, { infohash: infohash(i), name: 'same.bin', size: i });
      }
    }
    const reply = needByName(state, asker, 6000, 1, 'same.bin');
    assert.equal(reply.totalMatches, 10);
    assert.equal(reply.matches.length, MAX_NEED_MATCHES);
    assert.deepEqual(
      reply.matches.map((m) => m.ownerCount),
      [10, 9, 8, 7, 6, 5, 4, 3],
    );
  });

  test('logs what was searched and what was found', () => {
    const { state } = newState();
    const asker = swarm(state, 2);
    const result = state.handle(
      {
        type: 'need',
        exclude: [],
        token: asker,
        query: { kind: 'name', name: 'big.iso' },
        maxOwners: 3,
      },
      at(6000),
      1,
    );
    assert.deepEqual(result.events.map(formatEvent), [
      'searched node 100 "big.iso": 1 file, 2 owners',
    ]);
  });

  test('a host over its request budget gets no answer; another host does; forgeries spend nothing', () => {
    const { state } = newState({ requestsPerHostPerSecond: 10, requestBurstPerHost: 5 });
    const busy = { address: '10.0.0.9', port: 9000 };
    const calm = { address: '10.0.0.8', port: 8000 };
    const busyToken = registerAt(state, 1, busy, 0);
    const calmToken = registerAt(state, 2, calm, 0);
    // A forged token "from" the calm host is not proven: it does not spend the calm host's budget.
    for (let i = 0; i < 50; i++) {
      state.handle({ type: 'heartbeat', token: Buffer.alloc(8, i) }, calm, 1);
    }
    const beat = (token: Buffer, from: RemoteAddress, nowMs: number) =>
      state.handle({ type: 'heartbeat', token }, from, nowMs).reply?.type ?? 'none';
    // The burst of 5, less the proof that registered the node.
    const busyAnswers = Array.from({ length: 7 }, () => beat(busyToken, busy, 1));
    assert.deepEqual(busyAnswers, ['ack', 'ack', 'ack', 'ack', 'none', 'none', 'none']);
    assert.deepEqual(
      Array.from({ length: 4 }, () => beat(calmToken, calm, 1)),
      ['ack', 'ack', 'ack', 'ack'],
    );
    assert.equal(beat(busyToken, busy, 101), 'ack', '0.1 s later at 10/s: one more');
    const throttled = state.handle({ type: 'heartbeat', token: busyToken }, busy, 101);
    assert.deepEqual(throttled.events.map(formatEvent), [
      "throttled 10.0.0.9:9000 heartbeat: over its host's request budget, not answered",
    ]);
  });
});
