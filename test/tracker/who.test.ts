import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type HostPort,
  TOKEN_BYTES,
  type WhoReplyMessage,
} from '../../source/protocol/messages.ts';
import type { TrackerState } from '../../source/tracker/tracker-state.ts';
import { at, newState, register, SWEEP_MS } from './fixtures.ts';

function who(state: TrackerState, token: Buffer, nowMs: number, ...addresses: HostPort[]) {
  const { reply } = state.handle({ type: 'who', token, addresses }, at(5001), nowMs);
  assert.equal(reply?.type, 'who-reply', JSON.stringify(reply));
  return (reply as WhoReplyMessage).nodeIds;
}

const local = (port: number): HostPort => ({ host: '127.0.0.1', port });

describe('WHO', () => {
  test('names the node registered at each address, 0 where none is', () => {
    const { state } = newState();
    const asker = register(state, 1, 5001, 0);
    register(state, 7, 5007, 0);
    register(state, 8, 5008, 0);
    assert.deepEqual(who(state, asker, 1, local(5008), local(5007), local(5009)), [8, 7, 0]);
    // Same host, another port: not the node (one host may run many).
    assert.deepEqual(who(state, asker, 1, { host: '127.0.0.2', port: 5007 }), [0]);
  });

  test('a node that registered again elsewhere is named at its new address only', () => {
    const { state } = newState();
    const asker = register(state, 1, 5001, 0);
    register(state, 7, 5007, 0);
    register(state, 7, 6007, 1);
    assert.deepEqual(who(state, asker, 2, local(5007), local(6007)), [0, 7]);
  });

  test('a dropped node is named by nobody, even before the sweep removes it', () => {
    const { state } = newState();
    register(state, 7, 5007, 0);
    const asker = register(state, 1, 5001, 2 * SWEEP_MS);
    assert.deepEqual(who(state, asker, 2 * SWEEP_MS + 1, local(5007)), [0]);
  });

  test('only a registered node may ask', () => {
    const { state } = newState();
    register(state, 7, 5007, 0);
    const { reply } = state.handle(
      { type: 'who', token: Buffer.alloc(TOKEN_BYTES, 9), addresses: [local(5007)] },
      at(5001),
      1,
    );
    assert.equal(reply?.type, 'error');
  });
});
