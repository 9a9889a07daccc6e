import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TOKEN_BYTES } from '../../source/protocol/messages.ts';
import { formatEvent } from '../../source/tracker/events.ts';
import { TrackerState } from '../../source/tracker/tracker-state.ts';
import {
  at,
  creditOf,
  heartbeat,
  infohash,
  isReregister,
  newState,
  nodeKey,
  own,
  register,
  SWEEP_MS,
  update,
} from './fixtures.ts';

describe('registration', () => {
  test('REGISTER of a free id gives an 8-byte token and the heartbeat period for the sweep', () => {
    const { state } = newState();
    const result = state.handle({ type: 'register', nodeId: 3, nodeKey: nodeKey(3) }, at(40111), 0);
    assert.equal(result.reply?.type, 'registered');
    if (result.reply?.type !== 'registered') return;
    assert.equal(result.reply.nodeId, 3);
    assert.equal(result.reply.token.length, TOKEN_BYTES);
    assert.equal(result.reply.heartbeatIntervalMs, 20_000);
    assert.deepEqual(result.events.map(formatEvent), ['joined node 3 at 127.0.0.1:40111']);
    assert.equal(result.dirty, true);
  });

  test('the heartbeat period follows a shorter sweep', () => {
    const { state } = newState({ sweepIntervalMs: 2_200 });
    const { reply } = state.handle(
      { type: 'register', nodeId: 1, nodeKey: nodeKey(1) },
      at(5000),
      0,
    );
    assert.equal(reply?.type === 'registered' && reply.heartbeatIntervalMs, 2_000);
  });

  test('an id alive at another address with another key is refused with a clear text', () => {
    const { state } = newState();
    register(state, 3, 40111, 0);
    const before = state.toPersisted();
    const result = state.handle(
      { type: 'register', nodeId: 3, nodeKey: nodeKey(99) },
      at(40222),
      1000,
    );
    assert.deepEqual(result.reply, {
      type: 'error',
      code: 'id-in-use',
      text: 'node id 3 is in use by 127.0.0.1:40111',
    });
    assert.equal(result.dirty, false);
    assert.deepEqual(state.toPersisted(), before);
  });

  test('a late id is still in use', () => {
    const { state } = newState();
    register(state, 3, 40111, 0);
    state.sweep(SWEEP_MS);
    const { reply } = state.handle(
      { type: 'register', nodeId: 3, nodeKey: nodeKey(99) },
      at(40222),
      2 * SWEEP_MS - 1,
    );
    assert.equal(reply?.type === 'error' && reply.code, 'id-in-use');
  });

  test('the right key from another address takes the id over, keeping credit and files', () => {
    const { state } = newState();
    const oldToken = register(state, 3, 40111, 0);
    const t4 = register(state, 4, 40444, 0);
    own(state, oldToken, 40111, 0, { infohash: infohash(1), name: 'big.iso', size: 1000 });
    update(state, t4, 40444, 0, infohash(1), 1, [{ nodeId: 3, bytes: 600 }]);

    const result = state.handle(
      { type: 'register', nodeId: 3, nodeKey: nodeKey(3) },
      at(40999),
      5000,
    );
    assert.equal(result.reply?.type, 'registered');
    assert.deepEqual(result.events.map(formatEvent), [
      'rejoined node 3 at 127.0.0.1:40999 (was 127.0.0.1:40111)',
    ]);
    const newToken = result.reply?.type === 'registered' ? result.reply.token : Buffer.alloc(0);
    assert.notDeepEqual(newToken, oldToken);
    assert.ok(isReregister(heartbeat(state, oldToken, 40111, 6000)), 'old token is dead');
    assert.ok(isReregister(heartbeat(state, newToken, 40111, 6000)), 'new token, old address');
    assert.deepEqual(heartbeat(state, newToken, 40999, 6000), { type: 'ack' });
    const persisted = state.toPersisted();
    assert.equal(persisted.nodes.find((n) => n.nodeId === 3)?.port, 40999);
    assert.equal(creditOf(state, 3, 6000), 600);
    assert.deepEqual(persisted.files[0]?.owners, [3]);
  });

  test('the same id from the same address re-registers with a new token', () => {
    const { state } = newState();
    const first = register(state, 3, 40111, 0);
    const result = state.handle(
      { type: 'register', nodeId: 3, nodeKey: nodeKey(3) },
      at(40111),
      100,
    );
    assert.deepEqual(result.events.map(formatEvent), ['re-registered node 3 at 127.0.0.1:40111']);
    const second = result.reply?.type === 'registered' ? result.reply.token : Buffer.alloc(0);
    assert.notDeepEqual(second, first);
    assert.ok(isReregister(heartbeat(state, first, 40111, 200)));
    assert.deepEqual(heartbeat(state, second, 40111, 200), { type: 'ack' });
  });

  test('a dropped id is free for anyone, even before the sweep removes it', () => {
    const { state } = newState();
    register(state, 3, 40111, 0);
    const result = state.handle(
      { type: 'register', nodeId: 3, nodeKey: nodeKey(77) },
      at(40222),
      2 * SWEEP_MS,
    );
    assert.equal(result.reply?.type, 'registered');
    assert.deepEqual(result.events.map(formatEvent), [
      'dropped node 3 (silent for 44 s; 0 files lost an owner)',
      'joined node 3 at 127.0.0.1:40222',
    ]);
  });

  test('an exited id is free for anyone, and EXIT removes its files', () => {
    const { state } = newState();
    const token = register(state, 3, 40111, 0);
    own(state, token, 40111, 0, { infohash: infohash(1), name: 'a', size: 1 });
    const exit = state.handle({ type: 'exit', token }, at(40111), 10);
    assert.deepEqual(exit.reply, { type: 'ack' });
    assert.deepEqual(exit.events.map(formatEvent), ['exited node 3 (1 file lost an owner)']);
    assert.deepEqual(state.toPersisted(), { nodes: [], files: [] });
    register(state, 3, 40222, 20, 77);
  });

  test('tokens are unique even when the random source repeats itself', () => {
    let calls = 0;
    const repeating = new TrackerState(
      { sweepIntervalMs: SWEEP_MS },
      (n) => Buffer.alloc(n, calls++ < 3 ? 1 : calls),
      { wallNow: () => 0 },
    );
    const a = register(repeating, 1, 5001, 0);
    const b = register(repeating, 2, 5002, 0);
    assert.notDeepEqual(a, b);
  });

  test('a full registry refuses new ids with "full"', () => {
    const { state } = newState({ maxNodes: 2 });
    register(state, 1, 5001, 0);
    register(state, 2, 5002, 0);
    const { reply } = state.handle(
      { type: 'register', nodeId: 3, nodeKey: nodeKey(3) },
      at(5003),
      0,
    );
    assert.deepEqual(reply, { type: 'error', code: 'full', text: 'tracker is full (2 nodes)' });
    register(state, 2, 5002, 1);
  });
});
