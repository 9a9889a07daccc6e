import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { formatEvent } from '../../source/tracker/events.ts';
import { TrackerState } from '../../source/tracker/tracker-state.ts';
import {
  at,
  creditOf,
  heartbeat,
  identity,
  infohash,
  newState,
  own,
  prove,
  register,
  SWEEP_MS,
  update,
} from './fixtures.ts';

const SIZE = 1000;
const FILE = { infohash: infohash(0x1b), name: 'big.iso', size: SIZE };

/** Nodes 1 and 2 own FILE, node 3 owns nothing, node 4 downloads. */
function setup(): { state: TrackerState; t1: Buffer; t4: Buffer } {
  const { state } = newState();
  const t1 = register(state, 1, 5001, 0);
  const t2 = register(state, 2, 5002, 0);
  register(state, 3, 5003, 0);
  const t4 = register(state, 4, 5004, 0);
  own(state, t1, 5001, 0, FILE);
  own(state, t2, 5002, 0, FILE);
  return { state, t1, t4 };
}

describe('UPDATE between nodes of one host', () => {
  test('on a LAN host, credits nothing to its own nodes; on loopback (a demo), it does', () => {
    // Found by a session: two ids of one host credited each other for made-up 1 TiB files, and
    // the view showed `credit 3.0 TiB`. A downloader on another host still credits them.
    const { state } = newState();
    const on = (address: string, port: number) => ({ address, port });
    const join = (nodeId: number, from: { address: string; port: number }) => {
      const { reply } = prove(state, nodeId, from, 0, identity(nodeId));
      assert.equal(reply?.type, 'registered');
      return (reply as { token: Buffer }).token;
    };
    const lan = (port: number) => on('192.0.2.7', port);
    const owner = join(1, lan(5001));
    const friend = join(2, lan(5002));
    const stranger = join(3, on('192.0.2.8', 5003));
    const local = [join(4, at(5004)), join(5, at(5005))];
    for (const [token, from] of [
      [owner, lan(5001)],
      [local[0]!, at(5004)],
    ] as const) {
      const { reply } = state.handle({ type: 'own', state: 'complete', token, ...FILE }, from, 0);
      assert.deepEqual(reply, { type: 'ack' });
    }
    const credit = (
      token: Buffer,
      from: { address: string; port: number },
      id: number,
      to: number,
    ) =>
      state
        .handle(
          {
            type: 'update',
            token,
            infohash: FILE.infohash,
            downloadId: Buffer.alloc(8, id),
            credits: [{ nodeId: to, bytes: SIZE }],
          },
          from,
          1,
        )
        .events.map(formatEvent);
    assert.deepEqual(credit(friend, lan(5002), 1, 1), [
      "capped node 2's credit for big.iso: 1000 B asked, 0 B given (node 1: on the sender's host)",
    ]);
    assert.equal(creditOf(state, 1, 1), 0);
    assert.deepEqual(credit(stranger, on('192.0.2.8', 5003), 2, 1), [
      'credited node 3 -> node 1 +1000 B (big.iso)',
    ]);
    assert.deepEqual(credit(local[1]!, at(5005), 3, 4), [
      'credited node 5 -> node 4 +1000 B (big.iso)',
    ]);
  });
});

describe('UPDATE', () => {
  test('credits the owners with the verified bytes and logs each credit', () => {
    const { state, t4 } = setup();
    const result = state.handle(
      {
        type: 'update',
        token: t4,
        infohash: FILE.infohash,
        downloadId: Buffer.alloc(8, 1),
        credits: [
          { nodeId: 1, bytes: 600 },
          { nodeId: 2, bytes: 400 },
        ],
      },
      at(5004),
      1,
    );
    assert.deepEqual(result.reply, { type: 'ack' });
    assert.equal(result.dirty, true);
    assert.deepEqual(result.events.map(formatEvent), [
      'credited node 4 -> node 1 +600 B (big.iso)',
      'credited node 4 -> node 2 +400 B (big.iso)',
    ]);
    assert.equal(creditOf(state, 1, 1), 600);
    assert.equal(creditOf(state, 2, 1), 400);
  });

  test('caps one credit at the file size, and says so', () => {
    const { state, t4 } = setup();
    const { events } = state.handle(
      {
        type: 'update',
        token: t4,
        infohash: FILE.infohash,
        downloadId: Buffer.alloc(8, 1),
        credits: [{ nodeId: 1, bytes: 10 * SIZE }],
      },
      at(5004),
      1,
    );
    assert.deepEqual(
      events.map((event) => event.kind === 'credit-capped' && event),
      [
        false,
        {
          kind: 'credit-capped',
          fromNodeId: 4,
          name: FILE.name,
          askedBytes: 10 * SIZE,
          givenBytes: SIZE,
          why: "node 1: at most the file's size each",
        },
      ],
    );
    assert.equal(creditOf(state, 1, 1), SIZE);
  });

  test('caps the sum a sender gives for one file at its size, across UPDATEs', () => {
    const { state, t4 } = setup();
    update(state, t4, 5004, 1, FILE.infohash, 1, [{ nodeId: 1, bytes: 700 }]);
    update(state, t4, 5004, 2, FILE.infohash, 2, [
      { nodeId: 1, bytes: 200 },
      { nodeId: 2, bytes: 900 },
    ]);
    const last = update(state, t4, 5004, 3, FILE.infohash, 3, [{ nodeId: 2, bytes: 1 }]);
    assert.deepEqual(last.map(formatEvent), [
      "capped node 4's credit for big.iso: 1 B asked, 0 B given (node 2: the sender's host has been given the file's size for it)",
    ]);
    assert.equal(creditOf(state, 1, 3), 900);
    assert.equal(creditOf(state, 2, 3), 100);
  });

  test('ignores self-credit and credit to nodes that do not own the file', () => {
    const { state, t1 } = setup();
    const before = state.toPersisted();
    const result = state.handle(
      {
        type: 'update',
        token: t1,
        infohash: FILE.infohash,
        downloadId: Buffer.alloc(8, 9),
        credits: [
          { nodeId: 1, bytes: 500 },
          { nodeId: 3, bytes: 500 },
          { nodeId: 77, bytes: 500 },
        ],
      },
      at(5001),
      1,
    );
    // Nothing changes, but the log says what was cut, and why such credits do not count.
    assert.deepEqual(result, {
      reply: { type: 'ack' },
      events: [
        {
          kind: 'credit-capped',
          fromNodeId: 1,
          name: FILE.name,
          askedBytes: 1500,
          givenBytes: 0,
          why: 'node 1: itself; node 3: not an owner of it now; node 77: not registered now',
        },
      ],
      dirty: false,
    });
    assert.equal(
      formatEvent(result.events[0]!),
      // Which rule cut which: until 2026-12-07 every rule was listed, whichever applied.
      `capped node 1's credit for ${FILE.name}: 1500 B asked, 0 B given (node 1: itself; node 3: not an owner of it now; node 77: not registered now)`,
    );
    assert.deepEqual(state.toPersisted(), before);
  });

  test('a retransmitted UPDATE (same downloadId) is acknowledged and credits nothing', () => {
    const { state, t4 } = setup();
    update(state, t4, 5004, 1, FILE.infohash, 5, [{ nodeId: 1, bytes: 300 }]);
    const before = state.toPersisted();
    const again = state.handle(
      {
        type: 'update',
        token: t4,
        infohash: FILE.infohash,
        downloadId: Buffer.alloc(8, 5),
        credits: [{ nodeId: 1, bytes: 300 }],
      },
      at(5004),
      2,
    );
    assert.deepEqual(again, { reply: { type: 'ack' }, events: [], dirty: false });
    assert.deepEqual(state.toPersisted(), before);
    assert.equal(creditOf(state, 1, 2), 300);
  });

  test('an unknown infohash is acknowledged and credits nothing', () => {
    const { state, t4 } = setup();
    const before = state.toPersisted();
    update(state, t4, 5004, 1, infohash(0x77), 1, [{ nodeId: 1, bytes: 300 }]);
    assert.deepEqual(state.toPersisted(), before);
  });

  test('credits change the ranking of a NEED', () => {
    const { state, t4 } = setup();
    update(state, t4, 5004, 1, FILE.infohash, 1, [{ nodeId: 2, bytes: 1 }]);
    const { reply } = state.handle(
      {
        type: 'need',
        exclude: [],
        token: t4,
        query: { kind: 'name', name: 'big.iso' },
        maxOwners: 3,
      },
      at(5004),
      2,
    );
    assert.deepEqual(
      reply?.type === 'need-reply' &&
        reply.matches[0]?.owners.map((o) => [o.nodeId, o.uploadCredit]),
      [
        [2, 1],
        [1, 0],
      ],
    );
  });

  // Node 1 served node 4 and left; a stranger took id 1 with a key of its own and announced the
  // file. Until 2026-12-07 node 4's credit for node 1 went to the stranger.
  for (const comesBack of ['the stranger', 'node 1 itself'] as const) {
    const who =
      comesBack === 'the stranger'
        ? 'not to a stranger that took the id since'
        : 'to node 1 back with its key';
    test(`a credit for an owner named to the downloader goes ${who}`, () => {
      const { state, t1, t4 } = setup();
      const query = { kind: 'name', name: 'big.iso' } as const;
      const need = { type: 'need', exclude: [], token: t4, maxOwners: 3, query } as const;
      const named = state.handle({ ...need, exclude: [] }, at(5004), 1);
      assert.ok(named.reply?.type === 'need-reply' && named.reply.matches[0]?.owners.length === 2);
      state.handle({ type: 'exit', token: t1 }, at(5001), 2);
      const key = comesBack === 'the stranger' ? 0x66 : 1;
      const token = register(state, 1, 6001, 3, key);
      own(state, token, 6001, 3, FILE);
      update(state, t4, 5004, 4, FILE.infohash, 1, [
        { nodeId: 1, bytes: 600 },
        { nodeId: 2, bytes: 400 },
      ]);
      assert.equal(creditOf(state, 1, 4), comesBack === 'the stranger' ? 0 : 600);
      assert.equal(creditOf(state, 2, 4), 400);
    });
  }
});

// A CI run lost a credit owed over a tracker outage: it reached the restarted tracker after the
// tracker had dropped the owner's restored record and before the owner was back.
describe('UPDATE after a restart that restored nodes', () => {
  const RESTART_MS = 100_000;
  interface Restarted {
    state: TrackerState;
    t4: Buffer;
    /** Nodes back since the restart (2 and 4) heartbeat every 20 s until `untilMs`. */
    keepAlive: (untilMs: number) => void;
  }
  /** setup()'s swarm, restored by a tracker started at RESTART_MS; nodes 2 and 4 back at once. */
  function restarted(nodeTwoBack = true): Restarted {
    const before = setup().state.toPersisted();
    const clock = { wallNow: () => RESTART_MS };
    const random = new SeededRandom(2);
    const { state } = TrackerState.fromPersisted(
      before,
      { sweepIntervalMs: SWEEP_MS },
      (n) => random.bytes(n),
      clock,
      RESTART_MS,
    );
    state.graceAfterStart(RESTART_MS);
    const back: Array<[Buffer, number]> = [];
    if (nodeTwoBack) {
      const t2 = register(state, 2, 5002, RESTART_MS);
      own(state, t2, 5002, RESTART_MS, FILE);
      back.push([t2, 5002]);
    }
    const t4 = register(state, 4, 5004, RESTART_MS);
    back.push([t4, 5004]);
    const keepAlive = (untilMs: number) => {
      for (let ms = RESTART_MS; ms < untilMs; ms += 20_000)
        for (const [token, port] of back) heartbeat(state, token, port, ms);
    };
    return { state, t4, keepAlive };
  }
  const credit = (state: TrackerState, t4: Buffer, nowMs: number, nodeId: number, id = 1) =>
    state.handle(
      {
        type: 'update',
        token: t4,
        infohash: FILE.infohash,
        downloadId: Buffer.alloc(8, id),
        credits: [{ nodeId, bytes: 500 }],
      },
      at(5004),
      nowMs,
    );

  test('an owner dropped before it came back: `not-yet`, not spent; credited once it is back', () => {
    const { state, t4, keepAlive } = restarted();
    const dropAt = RESTART_MS + 2 * SWEEP_MS;
    keepAlive(dropAt + 3_000);
    state.sweep(dropAt);
    assert.equal(creditOf(state, 1, dropAt), undefined, 'node 1 dropped');
    const early = credit(state, t4, dropAt + 1_000, 1);
    assert.deepEqual(early, {
      reply: {
        type: 'error',
        code: 'not-yet',
        text: 'node 1 is not back since the tracker restarted 45 s ago (not registered now)',
      },
      events: [
        {
          kind: 'refused',
          from: at(5004),
          request: 'update',
          code: 'not-yet',
          text: 'node 1 is not back since the tracker restarted 45 s ago (not registered now)',
        },
      ],
      dirty: false,
    });
    // Registered, not yet announced: still not back.
    const t1 = register(state, 1, 5001, dropAt + 2_000);
    const gap = credit(state, t4, dropAt + 2_001, 1);
    assert.equal(
      gap.reply?.type === 'error' && gap.reply.text,
      'node 1 is not back since the tracker restarted 46 s ago (not an owner of it now)',
    );
    own(state, t1, 5001, dropAt + 2_002, FILE);
    const back = credit(state, t4, dropAt + 3_000, 1);
    assert.deepEqual(back.events.map(formatEvent), ['credited node 4 -> node 1 +500 B (big.iso)']);
    assert.equal(creditOf(state, 1, dropAt + 3_000), 500);
  });

  test('a file none of whose owners is back yet: `not-yet`', () => {
    const { state, t4, keepAlive } = restarted(false);
    const dropAt = RESTART_MS + 2 * SWEEP_MS;
    keepAlive(dropAt + 1_000);
    state.sweep(dropAt);
    const early = credit(state, t4, dropAt + 1_000, 1);
    assert.deepEqual(early.reply, {
      type: 'error',
      code: 'not-yet',
      text: 'no owner of it is back since the tracker restarted 45 s ago',
    });
  });

  test('restored owners are credited at once; a report decided before is a retransmission', () => {
    const { state, t4 } = restarted();
    assert.deepEqual(credit(state, t4, RESTART_MS + 1, 1).reply, { type: 'ack' });
    assert.equal(creditOf(state, 1, RESTART_MS + 1), 500);
    // Node 3 owns nothing: `not-yet` for a new report, but not for the one decided.
    assert.equal(credit(state, t4, RESTART_MS + 2, 3, 2).reply?.type, 'error');
    const retransmitted = credit(state, t4, RESTART_MS + 3, 3, 1);
    assert.deepEqual(retransmitted, { reply: { type: 'ack' }, events: [], dirty: false });
  });

  test('five sweep periods after the restart, a missing owner is decided as before', () => {
    const { state, t4, keepAlive } = restarted();
    const late = RESTART_MS + 5 * SWEEP_MS;
    keepAlive(late + 1);
    assert.equal(credit(state, t4, late - 1, 3).reply?.type, 'error');
    const decided = credit(state, t4, late, 3);
    assert.deepEqual(decided.reply, { type: 'ack' });
    assert.deepEqual(decided.events.map(formatEvent), [
      "capped node 4's credit for big.iso: 500 B asked, 0 B given (node 3: dropped)",
    ]);
  });

  test('a tracker that started with no nodes decides at once', () => {
    const { state } = newState();
    state.graceAfterStart(0);
    const t3 = register(state, 3, 5003, 0);
    const t4 = register(state, 4, 5004, 0);
    own(state, t3, 5003, 0, FILE);
    assert.deepEqual(credit(state, t4, 1, 9).reply, { type: 'ack' });
  });
});
