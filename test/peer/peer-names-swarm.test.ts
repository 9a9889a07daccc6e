/**
 * The peers pane names who downloads from this node by what the tracker says is at each address
 * (WHO), never by the id a HELLO claims: a leecher shows as its own node, and a stranger whose
 * HELLO claims to be that leecher shows as unknown, then as the id it registers itself.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RemoteAddress } from '../../source/net/transport.ts';
import type { UploadPeerSnapshot } from '../../source/peer/peer-snapshot.ts';
import { Attacker } from '../faults/harness/attacker.ts';
import { writeRandomFile } from './harness/files.ts';
import { Swarm, type SwarmNode } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const MiB = 1024 * 1024;
const NAME = 'named.bin';
const OWNER_ID = 1;
const LEECHER_ID = 10;
const STRANGER_ID = 66;

/** The owner's pane row of the peer at `at` (IPv4 on loopback). */
function uploadRow(owner: SwarmNode, at: RemoteAddress): UploadPeerSnapshot | undefined {
  const text = `${at.address}:${at.port}`;
  return owner.node.getSnapshot().uploads.find((row) => row.address === text);
}

test('the peers pane names a downloader by the tracker, not by its HELLO', {
  timeout: 60_000,
}, async () => {
  const seed = 1403;
  const swarm = await Swarm.start();
  const stranger = await Attacker.open('127.0.0.66');
  try {
    await writeRandomFile(join(await swarm.folderFor(OWNER_ID), NAME), 16 * MiB, seed);
    // A slow uplink keeps the leecher in the pane for a while.
    const owner = await swarm.addNode({ nodeId: OWNER_ID, uplinkBytesPerSec: 2 * MiB });
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    await waitFor(
      () => uploadRow(owner, leecher.address)?.nodeId === LEECHER_ID,
      `the owner's pane names node ${LEECHER_ID} (seed ${seed})`,
      15_000,
    );

    // A stranger says HELLO as node 10 and asks for blocks.
    const hello = await stranger.endpoint.request(
      owner.address,
      { type: 'hello', nodeId: LEECHER_ID },
      { timeoutMs: 200, retries: 2 },
    );
    assert.ok(hello.ok && hello.reply.type === 'welcome', JSON.stringify(hello));
    const infohashHex = swarm.trackerSnapshot().files.find((f) => f.name === NAME)!.infohashHex;
    const ask = () =>
      stranger.endpoint.send(owner.address, {
        type: 'request',
        cookie: (hello.reply as { cookie: Buffer }).cookie,
        infohash: Buffer.from(infohashHex, 'hex'),
        piece: 0,
        begin: 0,
        blockLength: 16 * 1024,
        count: 2,
        tag: 1,
      });
    ask();
    await waitFor(
      () => {
        const row = uploadRow(owner, stranger.address);
        if (row === undefined) ask();
        return row !== undefined;
      },
      `the stranger in the owner's pane (seed ${seed})`,
      10_000,
      100,
    );
    // Named as what the tracker knows at its address: nothing yet, then the id it registers.
    assert.equal(uploadRow(owner, stranger.address)?.nodeId, null, `seed ${seed}`);
    const registered = await stranger.register(swarm.trackerAddress, STRANGER_ID);
    assert.equal(registered?.type, 'registered', JSON.stringify(registered));
    const { token } = registered as { token: Buffer };
    await waitFor(
      () => {
        ask();
        // The harness's tracker drops a node silent for two short sweeps: stay registered.
        void stranger.ask(swarm.trackerAddress, { type: 'heartbeat', token });
        return uploadRow(owner, stranger.address)?.nodeId === STRANGER_ID;
      },
      `the stranger named node ${STRANGER_ID}, its own id (seed ${seed})`,
      20_000,
      250,
    );
    assert.equal(uploadRow(owner, leecher.address)?.nodeId ?? LEECHER_ID, LEECHER_ID);
  } finally {
    await stranger.close();
    await swarm.close();
  }
});
