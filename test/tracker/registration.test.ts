import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CHALLENGE_BYTES,
  type RegisterProofMessage,
  TOKEN_BYTES,
} from '../../source/protocol/messages.ts';
import { registrationSigningBytes } from '../../source/protocol/signatures.ts';
import { CHALLENGE_SLOT_MS } from '../../source/tracker/challenge.ts';
import { formatEvent } from '../../source/tracker/events.ts';
import { TrackerState } from '../../source/tracker/tracker-state.ts';
import {
  at,
  creditOf,
  heartbeat,
  identity,
  infohash,
  isReregister,
  newState,
  own,
  prove,
  register,
  SWEEP_MS,
  update,
} from './fixtures.ts';

const ALICE = identity(3);
const MALLORY = identity(99);

/** REGISTER for node 3 with ALICE's key from 127.0.0.1:`port`, and the proof ALICE would send. */
function signedProof(state: TrackerState, port: number, nowMs: number): RegisterProofMessage {
  const asked = state.handle(
    { type: 'register', nodeId: 3, publicKey: ALICE.publicKey },
    at(port),
    nowMs,
  );
  if (asked.reply?.type !== 'challenge') throw new Error(`no challenge: ${JSON.stringify(asked)}`);
  const { challenge } = asked.reply;
  const signature = ALICE.sign(registrationSigningBytes(challenge));
  return { type: 'register-proof', nodeId: 3, publicKey: ALICE.publicKey, challenge, signature };
}

describe('registration', () => {
  test('REGISTER answers a challenge and binds nothing; the signed challenge binds the id', () => {
    const { state } = newState();
    const asked = state.handle(
      { type: 'register', nodeId: 3, publicKey: ALICE.publicKey },
      at(40111),
      0,
    );
    assert.equal(asked.reply?.type, 'challenge');
    if (asked.reply?.type !== 'challenge') return;
    assert.equal(asked.reply.challenge.length, CHALLENGE_BYTES);
    assert.deepEqual([asked.events, asked.dirty], [[], false]);
    assert.deepEqual(state.toPersisted(), { nodes: [], files: [] });

    const { challenge } = asked.reply;
    const result = state.handle(
      {
        type: 'register-proof',
        nodeId: 3,
        publicKey: ALICE.publicKey,
        challenge,
        signature: ALICE.sign(registrationSigningBytes(challenge)),
      },
      at(40111),
      0,
    );
    assert.equal(result.reply?.type, 'registered');
    if (result.reply?.type !== 'registered') return;
    assert.equal(result.reply.token.length, TOKEN_BYTES);
    assert.equal(result.reply.heartbeatIntervalMs, 20_000);
    assert.deepEqual(result.events.map(formatEvent), ['joined node 3 at 127.0.0.1:40111']);
    assert.equal(result.dirty, true);
    assert.equal(state.toPersisted().nodes[0]?.publicKey, ALICE.publicKey.toString('hex'));
  });

  test('the heartbeat period follows a shorter sweep', () => {
    const { state } = newState({ sweepIntervalMs: 2_200 });
    const { reply } = prove(state, 1, at(5000), 0, identity(1));
    assert.equal(reply?.type === 'registered' && reply.heartbeatIntervalMs, 2_000);
  });

  test('an id held by another key is refused from any address, its own included', () => {
    const { state } = newState();
    register(state, 3, 40111, 0);
    const before = state.toPersisted();
    for (const port of [40222, 40111]) {
      const result = prove(state, 3, at(port), 1000, MALLORY);
      assert.deepEqual(result.reply, {
        type: 'error',
        code: 'id-in-use',
        text: 'node id 3 is in use by 127.0.0.1:40111 (another key; free once that node exits, or if it stays silent 43 s more)',
      });
      assert.equal(result.dirty, false);
    }
    assert.deepEqual(state.toPersisted(), before);
  });

  test('a late id is still in use', () => {
    const { state } = newState();
    register(state, 3, 40111, 0);
    state.sweep(SWEEP_MS);
    // The refusal counts down to the drop (two sweeps of silence, 44 s): 21.5 s left is said
    // as 22, the last millisecond as 1.
    const late = prove(state, 3, at(40222), SWEEP_MS + 500, MALLORY).reply;
    assert.equal(late?.type === 'error' && late.code, 'id-in-use');
    assert.match(late?.type === 'error' ? late.text : '', /stays silent 22 s more\)$/);
    const { reply } = prove(state, 3, at(40222), 2 * SWEEP_MS - 1, MALLORY);
    assert.equal(reply?.type === 'error' && reply.code, 'id-in-use');
    assert.match(reply?.type === 'error' ? reply.text : '', /stays silent 1 s more\)$/);
  });

  test('the same key from another address takes the id back, keeping credit and files', () => {
    const { state } = newState();
    const oldToken = register(state, 3, 40111, 0);
    const t4 = register(state, 4, 40444, 0);
    own(state, oldToken, 40111, 0, { infohash: infohash(1), name: 'big.iso', size: 1000 });
    update(state, t4, 40444, 0, infohash(1), 1, [{ nodeId: 3, bytes: 600 }]);

    const result = prove(state, 3, at(40999), 5000, ALICE);
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

  test('a new proof from the same address gets a new token; the same proof again the same one', () => {
    const { state, clock } = newState();
    const first = register(state, 3, 40111, 0);
    // A challenge is per time slot: in the same slot the same address gets the same session.
    clock.advance(CHALLENGE_SLOT_MS);
    const proof = signedProof(state, 40111, CHALLENGE_SLOT_MS);
    const result = state.handle(proof, at(40111), CHALLENGE_SLOT_MS);
    assert.deepEqual(result.events.map(formatEvent), ['re-registered node 3 at 127.0.0.1:40111']);
    const second = result.reply?.type === 'registered' ? result.reply.token : Buffer.alloc(0);
    assert.notDeepEqual(second, first);
    // Its answer was lost and the node sends the proof again: the same session, no event.
    const again = state.handle(proof, at(40111), CHALLENGE_SLOT_MS + 100);
    assert.deepEqual(again.reply?.type === 'registered' && again.reply.token, second);
    assert.deepEqual([again.events, again.dirty], [[], false]);
    assert.ok(isReregister(heartbeat(state, first, 40111, CHALLENGE_SLOT_MS + 200)));
    assert.deepEqual(heartbeat(state, second, 40111, CHALLENGE_SLOT_MS + 200), { type: 'ack' });
  });

  test("an older session's proof, replayed, does not take the id back from the live session", () => {
    const { state } = newState();
    const first = signedProof(state, 40111, 0);
    assert.equal(state.handle(first, at(40111), 0).reply?.type, 'registered');
    // The node restarts on another port; a sniffer replays its first proof from the old one.
    const moved = prove(state, 3, at(40999), 1000, ALICE);
    assert.equal(moved.reply?.type, 'registered');
    const token = moved.reply?.type === 'registered' ? moved.reply.token : Buffer.alloc(0);
    const replayed = state.handle(first, at(40111), 2000);
    // Until 2026-12-07: `rejoined node 3 at 127.0.0.1:40111`, and the live node's session cut.
    assert.equal(replayed.reply?.type === 'error' && replayed.reply.code, 'stale-challenge');
    assert.deepEqual(
      replayed.events.map((event) => event.kind),
      ['refused'],
    );
    assert.deepEqual(heartbeat(state, token, 40999, 3000), { type: 'ack' });
    assert.equal(state.toPersisted().nodes.find((n) => n.nodeId === 3)?.port, 40999);
    // After its EXIT the same node may come back from the old address within the slot.
    assert.deepEqual(state.handle({ type: 'exit', token }, at(40999), 4000).reply, { type: 'ack' });
    assert.equal(prove(state, 3, at(40111), 5000, ALICE).reply?.type, 'registered');
  });

  test('a proof sent from another address than its challenge, or too late, is stale', () => {
    const { state, clock } = newState();
    const proof = signedProof(state, 40111, 0);
    const elsewhere = state.handle(proof, at(40222), 0);
    assert.equal(elsewhere.reply?.type === 'error' && elsewhere.reply.code, 'stale-challenge');
    clock.advance(2 * CHALLENGE_SLOT_MS);
    const late = state.handle(proof, at(40111), 0);
    assert.equal(late.reply?.type === 'error' && late.reply.code, 'stale-challenge');
    assert.deepEqual(state.toPersisted(), { nodes: [], files: [] });
  });

  test('a proof signed by another key than the one it names binds nothing', () => {
    const { state } = newState();
    const asked = state.handle(
      { type: 'register', nodeId: 3, publicKey: ALICE.publicKey },
      at(40111),
      0,
    );
    if (asked.reply?.type !== 'challenge') throw new Error('no challenge');
    const { challenge } = asked.reply;
    const forged = {
      type: 'register-proof',
      nodeId: 3,
      publicKey: ALICE.publicKey,
      challenge,
      signature: MALLORY.sign(registrationSigningBytes(challenge)),
    } as const;
    const result = state.handle(forged, at(40111), 0);
    assert.deepEqual(result.reply, {
      type: 'error',
      code: 'bad-proof',
      text: 'signature does not match the public key',
    });
    assert.deepEqual(state.toPersisted(), { nodes: [], files: [] });
  });

  test('a dropped id is free for any key, even before the sweep removes it', () => {
    const { state } = newState();
    register(state, 3, 40111, 0);
    const result = prove(state, 3, at(40222), 2 * SWEEP_MS, MALLORY);
    assert.equal(result.reply?.type, 'registered');
    assert.deepEqual(result.events.map(formatEvent), [
      'dropped node 3 (silent for 44 s)',
      'joined node 3 at 127.0.0.1:40222',
    ]);
  });

  test('an exited id is free for anyone, and EXIT removes its files', () => {
    const { state } = newState();
    const token = register(state, 3, 40111, 0);
    own(state, token, 40111, 0, { infohash: infohash(1), name: 'a', size: 1 });
    const exit = state.handle({ type: 'exit', token }, at(40111), 10);
    assert.deepEqual(exit.reply, { type: 'ack' });
    assert.deepEqual(exit.events.map(formatEvent), [
      'exited node 3 (1 file lost an owner; a has none left)',
    ]);
    assert.deepEqual(state.toPersisted(), { nodes: [], files: [] });
    register(state, 3, 40222, 20, 77);
  });

  test('an EXIT sent again (its ack lost) is acknowledged again, quietly, for a sweep period', () => {
    const { state } = newState();
    const token = register(state, 3, 40111, 0);
    assert.deepEqual(state.handle({ type: 'exit', token }, at(40111), 10).reply, { type: 'ack' });
    const again = state.handle({ type: 'exit', token }, at(40111), 500);
    assert.deepEqual(again, { reply: { type: 'ack' }, events: [], dirty: false });
    // From elsewhere, or a sweep period on, the token is a stranger's, as any unknown one.
    for (const [port, nowMs] of [
      [40999, 600],
      [40111, 10 + SWEEP_MS],
    ] as const) {
      const other = state.handle({ type: 'exit', token }, at(port), nowMs);
      assert.equal(other.reply?.type, 'error');
      assert.deepEqual(other.events.map(formatEvent), [
        `rejected 127.0.0.1:${port} exit: unknown token`,
      ]);
    }
  });

  test('tokens are unique even when the random source repeats itself', () => {
    let calls = 0;
    const repeating = new TrackerState(
      { sweepIntervalMs: SWEEP_MS },
      (n) => Buffer.alloc(n, calls++ < 4 ? 1 : calls),
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
    const { reply } = prove(state, 3, at(5003), 0, identity(3));
    assert.deepEqual(reply, { type: 'error', code: 'full', text: 'tracker is full (2 nodes)' });
    register(state, 2, 5002, 1);
  });

  test('one host holds at most maxNodesPerHost ids; another host still registers', () => {
    const { state } = newState({ maxNodesPerHost: 2 });
    register(state, 1, 5001, 0);
    register(state, 2, 5002, 0);
    const { reply } = prove(state, 3, at(5003), 0, identity(3));
    assert.deepEqual(reply, {
      type: 'error',
      code: 'full',
      text: 'too many node ids from 127.0.0.1 (at most 2 per host)',
    });
    const other = prove(state, 3, { address: '127.0.0.2', port: 5003 }, 0, identity(3));
    assert.equal(other.reply?.type, 'registered');
    // A node moving onto the full host is refused too; staying on it is fine.
    assert.equal(prove(state, 3, at(5004), 1, identity(3)).reply?.type, 'error');
    assert.equal(prove(state, 2, at(5009), 1, identity(2)).reply?.type, 'registered');
  });

  test('a record from a database before keys keeps its credit and goes to the first proven key', () => {
    const legacy = {
      nodes: [
        {
          nodeId: 3,
          keyHash: 'ab'.repeat(32),
          uploadCredit: 700,
          host: '127.0.0.1',
          port: 40111,
          joinedAtWallMs: 0,
        },
      ],
      files: [],
    };
    const clock = { wallNow: () => 0 };
    const { state } = TrackerState.fromPersisted(
      legacy,
      { sweepIntervalMs: SWEEP_MS },
      (n) => Buffer.alloc(n, 7),
      clock,
      0,
    );
    assert.equal(state.toPersisted().nodes[0]?.publicKey, undefined);
    assert.equal(prove(state, 3, at(40999), 1, ALICE).reply?.type, 'registered');
    const [node] = state.toPersisted().nodes;
    assert.deepEqual(
      [node?.publicKey, node?.uploadCredit, node?.keyHash],
      [ALICE.publicKey.toString('hex'), 700, undefined],
    );
    assert.equal(prove(state, 3, at(40222), 2, MALLORY).reply?.type, 'error');
  });
});
