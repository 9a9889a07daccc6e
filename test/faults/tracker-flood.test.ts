/**
 * 50,000 garbage datagrams from a few sockets (random bytes, well-sealed headers with random
 * bodies, and well-formed requests with guessed tokens) while real nodes heartbeat: every
 * heartbeat is still acknowledged, the registry does not grow, and memory stays within a bound.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { proveIdentity } from '../../source/peer/tracker-registration.ts';
import { encode } from '../../source/protocol/codec.ts';
import { type Message, TOKEN_BYTES } from '../../source/protocol/messages.ts';
import { sleep } from '../peer/harness/wait.ts';
import { seal } from '../protocol/wire.ts';
import { newIdentity } from './harness/liars.ts';
import { World } from './harness/world.ts';

const SEED = 901;
const DATAGRAMS = 50_000;
const FLOOD_SOCKETS = 4;
/** Datagrams sent between two turns of the event loop (the tracker shares this loop). */
const BATCH = 25;
const MiB = 1024 * 1024;

/** One garbage datagram: a third random, a third sealed with a random body, a third forged. */
function garbage(random: SeededRandom, i: number): Buffer {
  const length = 1 + random.int(1200);
  switch (i % 3) {
    case 0:
      return Buffer.from(random.bytes(length));
    case 1: {
      const bytes = Buffer.from(random.bytes(Math.max(13, length)));
      bytes.writeUInt16BE(0x4254, 0);
      bytes[2] = 1;
      bytes[3] = random.int(256);
      return seal(bytes);
    }
    default: {
      const token = Buffer.from(random.bytes(TOKEN_BYTES));
      const forged: Message[] = [
        { type: 'heartbeat', token },
        {
          type: 'own',
          state: 'complete',
          token,
          infohash: Buffer.from(random.bytes(32)),
          size: 5,
          name: `x${i}`,
        },
        { type: 'need', exclude: [], token, query: { kind: 'name', name: 'a' }, maxOwners: 8 },
        { type: 'register', nodeId: 1 + random.int(60_000), publicKey: randomBytes(32) },
      ];
      return encode(random.int(2 ** 32), forged[random.int(forged.length)]!);
    }
  }
}

test('a flood of garbage does not stop heartbeats being acknowledged and memory stays bounded', {
  timeout: 60_000,
}, async (t) => {
  const world = await World.create('flood');
  try {
    const tracker = await world.startTracker(2_000);
    const peer = await world.addPeer(1);
    // A hand-driven heartbeater measures acknowledgements during the flood.
    const beater = await world.rawClient();
    const registered = await proveIdentity(beater, tracker.address, 2, newIdentity());
    assert.ok(registered?.type === 'registered');
    const token = Buffer.from(registered.token);
    const floods = await Promise.all(
      Array.from({ length: FLOOD_SOCKETS }, () => world.rawClient()),
    );
    const nodesBefore = tracker.getSnapshot().nodes.length;
    const rssBefore = process.memoryUsage().rss;

    let flooding = true;
    let sent = 0;
    let acked = 0;
    let beats = 0;
    const heartbeats = (async () => {
      while (flooding) {
        beats++;
        // Retried as a node retries it: the kernel may drop any datagram of a flood, the
        // tracker must still answer every heartbeat that reaches it.
        const outcome = await beater.request(tracker.address, { type: 'heartbeat', token });
        if (outcome.ok && outcome.reply.type === 'ack') acked++;
        await sleep(50);
      }
    })();
    const random = new SeededRandom(SEED);
    let rssPeak = rssBefore;
    while (sent < DATAGRAMS) {
      for (let i = 0; i < BATCH && sent < DATAGRAMS; i++, sent++) {
        const bytes = garbage(random, sent);
        floods[sent % FLOOD_SOCKETS]!.sendRaw(bytes, bytes.length, tracker.address);
      }
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      await sleep(1);
    }
    await sleep(500);
    flooding = false;
    await heartbeats;

    const stats = tracker.stats();
    const growthMiB = (rssPeak - rssBefore) / MiB;
    const context = `(seed ${SEED}; ${acked}/${beats} heartbeats acked; decode errors ${stats.decodeErrors}, rejected ${stats.rejectedRequests}, requests ${stats.requests}; RSS +${growthMiB.toFixed(1)} MiB at peak)`;
    t.diagnostic(context);
    assert.ok(beats >= 5, `the flood lasted several heartbeats ${context}`);
    assert.equal(acked, beats, `every heartbeat acknowledged ${context}`);
    assert.equal(
      peer.node.getSnapshot().tracker.status,
      'registered',
      `the node kept its session ${context}`,
    );
    assert.ok(
      !peer.lines.some((line) => /unreachable/.test(line)),
      `the node never lost the tracker ${context}`,
    );
    assert.ok(
      stats.decodeErrors + stats.requests > DATAGRAMS / 2,
      `the flood reached the tracker ${context}`,
    );
    assert.equal(stats.internalErrors, 0, `no request hit a bug ${context}`);
    // A REGISTER is only answered with a challenge: without the proof nobody joins.
    const nodesAfter = tracker.getSnapshot().nodes.length;
    assert.equal(nodesAfter, nodesBefore, `no node joined ${context}`);
    assert.ok(growthMiB < 64, `RSS grew by at most 64 MiB ${context}`);
  } finally {
    await world.close();
  }
});
