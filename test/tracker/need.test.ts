import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MAX_NEED_MATCHES,
  MAX_OWNERS_PER_MATCH,
  type NeedReplyMessage,
  type TrackerReply,
} from '../../source/protocol/messages.ts';
import { formatEvent } from '../../source/tracker/events.ts';
import type { TrackerState } from '../../source/tracker/tracker-state.ts';
import { at, infohash, newState, own, register, SWEEP_MS, update } from './fixtures.ts';

const BIG = { infohash: infohash(0x1a), name: 'big.iso', size: 256 * 1024 * 1024 };

function needByName(
  state: TrackerState,
  token: Buffer,
  port: number,
  nowMs: number,
  name: string,
  maxOwners = 3,
): NeedReplyMessage {
  const { reply } = state.handle(
    { type: 'need', token, query: { kind: 'name', name }, maxOwners },
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

function tokenOf(nodeId: number): Buffer {
  const token = tokens.get(nodeId);
  assert.ok(token, `node ${nodeId} has a token`);
  return token;
}

function ownerIds(reply: TrackerReply): number[] {
  return reply.type === 'need-reply' ? (reply.matches[0]?.owners.map((o) => o.nodeId) ?? []) : [];
}

describe('NEED', () => {
  test('ranks owners alive before late, then by upload credit, then by node id', () => {
    const { state } = newState();
    const asker = swarm(state, 5, 0);
    // Node 100 credits 2 and 4; everyone but 2 heartbeats, so 2 is late when asked.
    update(state, asker, 6000, 0, BIG.infohash, 1, [
      { nodeId: 2, bytes: 500 },
      { nodeId: 4, bytes: 100 },
    ]);
    const later = SWEEP_MS + 1;
    for (const id of [1, 3, 4, 5]) {
      state.handle({ type: 'heartbeat', token: tokenOf(id) }, at(5000 + id), 10_000);
    }
    state.handle({ type: 'heartbeat', token: asker }, at(6000), later);
    const reply = needByName(state, asker, 6000, later, 'big.iso', 16);
    assert.deepEqual(ownerIds(reply), [4, 1, 3, 5, 2]);
  });

  test('returns at most maxOwners owners, never more than 16, and counts them all', () => {
    const { state } = newState();
    const asker = swarm(state, 20);
    const three = needByName(state, asker, 6000, 1, 'big.iso', 3);
    assert.deepEqual(ownerIds(three), [1, 2, 3]);
    assert.equal(three.matches[0]?.ownerCount, 20);
    const many = needByName(state, asker, 6000, 1, 'big.iso', 200);
    assert.equal(many.matches[0]?.owners.length, MAX_OWNERS_PER_MATCH);
    assert.equal(needByName(state, asker, 6000, 1, 'big.iso', 0).matches[0]?.owners.length, 0);
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
      { type: 'need', token: asker, query: { kind: 'name', name: 'big.iso' }, maxOwners: 3 },
      at(6000),
      1,
    );
    assert.deepEqual(result.events.map(formatEvent), [
      'searched node 100 "big.iso": 1 file, 2 owners',
    ]);
  });
});
