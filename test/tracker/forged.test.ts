import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { TOKEN_BYTES, type TrackerRequest } from '../../source/protocol/messages.ts';
import type { TrackerState } from '../../source/tracker/tracker-state.ts';
import { at, infohash, isReregister, newState, own, register, update } from './fixtures.ts';

const FILE = { infohash: infohash(0x1c), name: 'big.iso', size: 1000 };

/** Every token-carrying request, with the given token. */
function requestsWith(token: Buffer): TrackerRequest[] {
  return [
    { type: 'heartbeat', token },
    {
      type: 'own',
      state: 'complete',
      token,
      infohash: infohash(0x2d),
      name: 'forged.bin',
      size: 5,
    },
    { type: 'need', exclude: [], token, query: { kind: 'name', name: 'big.iso' }, maxOwners: 3 },
    {
      type: 'update',
      token,
      infohash: FILE.infohash,
      downloadId: Buffer.alloc(8, 0x42),
      credits: [{ nodeId: 1, bytes: 1000 }],
    },
    { type: 'list', token, cursor: 0 },
    { type: 'exit', token },
  ];
}

/** Node 1 owns FILE with some credit, node 2 is a downloader at 127.0.0.1:5002. */
function swarm(): { state: TrackerState; t1: Buffer; t2: Buffer } {
  const { state } = newState();
  const t1 = register(state, 1, 5001, 0);
  const t2 = register(state, 2, 5002, 0);
  own(state, t1, 5001, 0, FILE);
  update(state, t2, 5002, 0, FILE.infohash, 1, [{ nodeId: 1, bytes: 100 }]);
  return { state, t1, t2 };
}

function assertUnchangedBy(
  state: TrackerState,
  request: TrackerRequest,
  from: { address: string; port: number },
  label: string,
): void {
  const nowMs = 1000;
  const persisted = state.toPersisted();
  const snapshot = state.snapshot(nowMs);
  const result = state.handle(request, from, nowMs);
  assert.ok(isReregister(result.reply), `${label}: ${JSON.stringify(result.reply)}`);
  assert.equal(result.dirty, false, label);
  assert.deepEqual(state.toPersisted(), persisted, label);
  assert.deepEqual(state.snapshot(nowMs), snapshot, label);
}

describe('forged messages', () => {
  test('an unknown token changes nothing and gets "reregister"', () => {
    const { state } = swarm();
    for (const request of requestsWith(Buffer.alloc(TOKEN_BYTES, 0xee))) {
      assertUnchangedBy(state, request, at(5002), request.type);
    }
  });

  test('a valid token from another address changes nothing and gets "reregister"', () => {
    const { state, t1, t2 } = swarm();
    for (const [token, thief] of [
      [t2, at(6666)],
      [t1, { address: '127.0.0.2', port: 5001 }],
    ] as const) {
      for (const request of requestsWith(token)) {
        assertUnchangedBy(
          state,
          request,
          thief,
          `${request.type} from ${thief.address}:${thief.port}`,
        );
      }
    }
  });

  test('the rejection is logged with the sender and the reason', () => {
    const { state, t2 } = swarm();
    const result = state.handle({ type: 'heartbeat', token: t2 }, at(5555), 1);
    assert.deepEqual(result.events, [
      { kind: 'rejected', from: at(5555), request: 'heartbeat', problem: 'wrong-address' },
    ]);
  });

  test('random forged tokens never change the state (seeded)', () => {
    const seed = 20_260_101;
    const random = new SeededRandom(seed);
    const { state, t1, t2 } = swarm();
    const real = [t1, t2];
    for (let i = 0; i < 500; i++) {
      // Half random tokens, half real tokens flipped in one bit or sent from a wrong port.
      let token = random.bytes(TOKEN_BYTES);
      let port = 5001 + random.int(3);
      if (random.next() < 0.5) {
        token = Buffer.from(real[random.int(2)]!);
        if (random.next() < 0.5) token[random.int(TOKEN_BYTES)]! ^= 1 << random.int(8);
        else port = 7000 + random.int(100);
      }
      const requests = requestsWith(token);
      const request = requests[random.int(requests.length)]!;
      assertUnchangedBy(state, request, at(port), `seed ${seed}, step ${i}, ${request.type}`);
    }
  });
});
