/**
 * A download names its owners by node id, without a bound: with `maxPeers` 32 it fetches from
 * 32 owners at once. (It once had 31 owner slots, bits of a mask, so the 32nd owner the
 * tracker offered was never used.) Real loopback UDP; each seeder's upload is capped so the
 * download is still running when the last owners are found.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File } from './harness/files.ts';
import { Swarm, settled, startSeeders } from './harness/swarm.ts';

const MiB = 1024 * 1024;
const NAME = 'wide.bin';
const SEEDERS = 34;
/** As many owners as a download may keep asking for (the NEED exclude list names 32). */
const MAX_PEERS = 32;
const LEECHER_ID = 100;

test(`a download fetches from ${MAX_PEERS} owners at once`, { timeout: 120_000 }, async () => {
  const seed = 3201;
  // 48 pieces of 256 KiB: more pieces than owners, so each can be given one.
  const sizeBytes = 12 * MiB;
  const swarm = await Swarm.start();
  try {
    const file = { name: NAME, sizeBytes, seed, count: SEEDERS };
    const { expected } = await startSeeders(swarm, file, { uploadLimitBytesPerSec: 128 * 1024 });
    const leecher = await swarm.addNode({
      nodeId: LEECHER_ID,
      maxOwners: 16,
      maxPeers: MAX_PEERS,
    });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const download = await settled(leecher, NAME, 100_000);
    const detail = `seed ${seed}: ${download.state} ${download.reason}; ${download.owners.length} owners met`;
    assert.equal(download.state, 'done', detail);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, detail);
    assert.ok(download.owners.length >= MAX_PEERS, detail);
    const delivered = download.owners.filter((owner) => owner.bytesDelivered > 0).length;
    assert.ok(delivered >= MAX_PEERS, `${detail}; ${delivered} delivered data`);
  } finally {
    await swarm.close();
  }
});
