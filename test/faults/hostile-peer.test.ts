/**
 * Registered peers that speak the protocol with hostile values: one seeds the file, one
 * downloads it like the others; they hold real cookies and real DATA tags, and beside what they
 * send they send copies of each message with fields on every boundary, and more of those every
 * few ms (see harness/hostile-peer.ts). Until 2026-12-05 one DATA datagram cut short killed a
 * downloading node; this looks for the next such hole in what a node does with well-formed
 * messages. Everyone honest must end with the exact file, nothing may throw, and between them
 * the hostile peers must have sent every kind of peer message there is.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaults } from '../../source/config.ts';
import type { Download } from '../../source/peer/download/download.ts';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { HostilePeer } from '../peer/harness/hostile-peer.ts';
import { Swarm, settled } from '../peer/harness/swarm.ts';

const MiB = 1024 * 1024;
const NAME = 'target.bin';
const SIZE = 8 * MiB;
const PIECE_BYTES = defaults.minPieceSizeBytes;
/** Slow enough that the hostile peer is asked, and answers, for a few seconds. */
const UPLOAD_LIMIT = 2 * MiB;
/** Every peer message: a seeder sends the last four, a downloader (and partial owner) the rest. */
const KINDS = [
  'hello',
  'metainfo-request',
  'request',
  'bitfield-request',
  'bitfield',
  'have',
  'welcome',
  'metainfo-data',
  'data',
  'reject',
];
/** Hostile copies each hostile peer sends per STORM_EVERY_MS besides those of its own traffic. */
const STORM_COPIES = 8;
const STORM_EVERY_MS = 10;

for (const seed of [7001, 7002, 7003]) {
  test(`a peer sending hostile values in every message (seed ${seed}) harms no honest node`, {
    timeout: 120_000,
  }, async () => {
    const swarm = await Swarm.start();
    const thrown: unknown[] = [];
    const onThrow = (error: unknown): void => {
      thrown.push(error);
    };
    process.on('uncaughtException', onThrow);
    try {
      const expected = await writeRandomFile(join(await swarm.folderFor(1), NAME), SIZE, seed);
      const seeder = await swarm.addNode({ nodeId: 1, uploadLimitBytesPerSec: UPLOAD_LIMIT });
      assert.deepEqual(await seeder.node.seed(NAME), { ok: true });
      await writeRandomFile(join(await swarm.folderFor(61), NAME), SIZE, seed);
      const hostile: HostilePeer[] = [];
      const hostileNode = (nodeId: number) =>
        swarm.addNode({
          nodeId,
          uploadLimitBytesPerSec: UPLOAD_LIMIT,
          wrapOutbound: (transport) => {
            const peer = new HostilePeer(transport, seed + nodeId, swarm.trackerAddress, {
              pieceCount: SIZE / PIECE_BYTES,
              pieceBytes: PIECE_BYTES,
              blockBytes: defaults.blockSizeBytes,
              fileBytes: SIZE,
            });
            hostile.push(peer);
            return peer;
          },
        });
      const hostileSeeder = await hostileNode(61);
      assert.deepEqual(await hostileSeeder.node.seed(NAME), { ok: true });
      const hostileLeecher = await hostileNode(65);
      const honest = await swarm.addNodes(
        [62, 63, 64].map((nodeId) => ({ nodeId, uploadLimitBytesPerSec: UPLOAD_LIMIT })),
      );
      for (const node of [hostileLeecher, ...honest])
        assert.deepEqual(node.node.download(NAME), { ok: true });
      const storm = setInterval(() => {
        for (const peer of hostile) peer.storm(STORM_COPIES);
      }, STORM_EVERY_MS);
      let downloads: Download[];
      try {
        downloads = await Promise.all(honest.map((node) => settled(node, NAME, 90_000)));
      } finally {
        clearInterval(storm);
      }
      const sent = new Map<string, number>();
      for (const peer of hostile)
        for (const [kind, count] of peer.sent) sent.set(kind, (sent.get(kind) ?? 0) + count);
      const withheld = hostile.reduce((sum, peer) => sum + peer.withheld, 0);
      const counts = `${JSON.stringify(Object.fromEntries(sent))}, ${withheld} originals withheld`;
      for (const [i, node] of honest.entries()) {
        const download = downloads[i]!;
        const context = `seed ${seed}, node ${node.nodeId}, hostile messages ${counts}`;
        assert.equal(download.state, 'done', `${context}: ${download.reason}`);
        assert.equal(await sha256File(join(node.folder, NAME)), expected, context);
      }
      assert.deepEqual(thrown, [], `seed ${seed}: a node threw`);
      for (const kind of KINDS)
        assert.ok((sent.get(kind) ?? 0) > 0, `seed ${seed}: no hostile ${kind} (${counts})`);
    } finally {
      process.off('uncaughtException', onThrow);
      await swarm.close();
    }
  });
}
