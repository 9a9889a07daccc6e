/**
 * Laundering credits at a running tracker over real UDP. An honest seeder (127.0.0.1) served two
 * honest downloaders on two other hosts, who credited it with the file's size. One attacking
 * host (127.0.0.66) runs a friend that announces the same file and a fake one of 1 TiB, and ten
 * more node ids that credit the friend for both, each with several fresh download ids. The
 * friend never ranks above the honest seeder in a NEED answer: it counts no downloader host (its
 * own host vouching for it proves nothing; another host could add one at most), the seeder two,
 * and its bytes are capped at one host's worth for each file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { MAX_FILE_SIZE_BYTES, type TrackerReply } from '../../source/protocol/messages.ts';
import { Attacker } from './harness/attacker.ts';
import { World } from './harness/world.ts';

const SEED = 4242;
const MiB = 1024 * 1024;
const FORGER_IDS = Array.from({ length: 10 }, (_, i) => 51 + i);
const DOWNLOAD_IDS_PER_FORGER = 3;

/** A scripted node registered from `host`, and a way to ask with its token. */
async function scriptedNode(world: World, host: string, nodeId: number) {
  const socket = await Attacker.open(host);
  const reply = await socket.register(world.trackerAddress, nodeId);
  assert.equal(reply?.type, 'registered', `node ${nodeId} on ${host}: ${JSON.stringify(reply)}`);
  const token = Buffer.from(reply?.type === 'registered' ? reply.token : Buffer.alloc(8));
  return {
    socket,
    ask: (message: Record<string, unknown>): Promise<TrackerReply | null> =>
      socket.ask(world.trackerAddress, { ...message, token } as never),
  };
}

test('one host with many ids, download ids and a 1 TiB fake file cannot rank a friend above an honest seeder', {
  timeout: 30_000,
}, async (t) => {
  const random = new SeededRandom(SEED);
  const world = await World.create('credit-laundering');
  const sockets: Attacker[] = [];
  try {
    const tracker = await world.startTracker(60_000);
    const honestFile = { infohash: random.bytes(32), name: 'class.img', size: 8 * MiB };
    const fakeFile = { infohash: random.bytes(32), name: 'huge.bin', size: MAX_FILE_SIZE_BYTES };
    const own = (file: typeof honestFile) => ({ type: 'own', state: 'complete', ...file });
    const credit = (file: typeof honestFile, nodeId: number, downloadId: Buffer) => ({
      type: 'update',
      infohash: file.infohash,
      downloadId,
      credits: [{ nodeId, bytes: file.size }],
    });

    const seeder = await scriptedNode(world, '127.0.0.1', 1);
    sockets.push(seeder.socket);
    assert.deepEqual(await seeder.ask(own(honestFile)), { type: 'ack' });
    // Two honest downloaders on two hosts finished the file from the seeder and say so.
    for (const [host, id] of [
      ['127.0.0.2', 2],
      ['127.0.0.3', 3],
    ] as const) {
      const downloader = await scriptedNode(world, host, id);
      sockets.push(downloader.socket);
      assert.deepEqual(await downloader.ask(own(honestFile)), { type: 'ack' });
      assert.deepEqual(await downloader.ask(credit(honestFile, 1, random.bytes(8))), {
        type: 'ack',
      });
    }

    // The attacking host: a friend that claims both files, and ten ids that credit it.
    const friend = await scriptedNode(world, '127.0.0.66', 50);
    sockets.push(friend.socket);
    assert.deepEqual(await friend.ask(own(honestFile)), { type: 'ack' });
    assert.deepEqual(await friend.ask(own(fakeFile)), { type: 'ack' });
    for (const id of FORGER_IDS) {
      const forger = await scriptedNode(world, '127.0.0.66', id);
      sockets.push(forger.socket);
      for (let n = 0; n < DOWNLOAD_IDS_PER_FORGER; n++) {
        for (const file of [fakeFile, honestFile]) {
          assert.deepEqual(await forger.ask(credit(file, 50, random.bytes(8))), { type: 'ack' });
        }
      }
    }

    const asker = await scriptedNode(world, '127.0.0.4', 4);
    sockets.push(asker.socket);
    const need = await asker.ask({
      type: 'need',
      exclude: [],
      query: { kind: 'name', name: honestFile.name },
      maxOwners: 16,
    });
    assert.equal(need?.type, 'need-reply');
    const owners = need?.type === 'need-reply' ? (need.matches[0]?.owners ?? []) : [];
    const order = owners.map((o) => o.nodeId);
    const rows = new Map(tracker.getSnapshot().nodes.map((n) => [n.nodeId, n]));
    const friendRow = rows.get(50);
    const seederRow = rows.get(1);
    const context = `(seed ${SEED}; NEED order ${JSON.stringify(order)}; friend credit ${friendRow?.uploadCredit} B from ${friendRow?.downloaders} hosts; seeder ${seederRow?.uploadCredit} B from ${seederRow?.downloaders} hosts)`;
    t.diagnostic(context);
    assert.ok(order.includes(50) && order.includes(1), context);
    assert.ok(order.indexOf(1) < order.indexOf(50), `the honest seeder comes first ${context}`);
    assert.equal(seederRow?.downloaders, 2, context);
    assert.equal(friendRow?.downloaders, 0, `its own host vouches for nothing ${context}`);
    // Bytes: one host gives at most each file's size, however many ids and download ids.
    assert.equal(friendRow?.uploadCredit, fakeFile.size + honestFile.size, context);
  } finally {
    await Promise.allSettled(sockets.map((s) => s.close()));
    await world.close();
  }
});
