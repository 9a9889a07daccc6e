/**
 * More liars than the tracker lets a download leave out. One host may hold 64 node ids, and a
 * NEED can name only 32 owners to leave out. Here 60 attacker nodes own the honest infohash and
 * lie, and one honest node owns it too, the last the tracker would offer this leecher among
 * equals: the download must still end with the honest bytes. (Once, a download had 31 owner
 * slots; they filled with banned liars and the download waited for ever. Owners are now named
 * by node id, without a bound.)
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Download } from '../../source/peer/download/download.ts';
import { tieKeyFor } from '../../source/tracker/ranking.ts';
import { sha256File } from '../peer/harness/files.ts';
import { withTimeout } from '../peer/harness/wait.ts';
import { type Lie, seedAs, trackerShows } from './harness/hijackers.ts';
import { World } from './harness/world.ts';

const NAME = 'flood.bin';
const LEECHER_ID = 100;
/** 60 liars and one honest node: with the leecher, 62 ids, within one host's bound of 64. */
const LIARS = 60;

/** Ids 1..LIARS+1; the honest one is the one the tracker offers this leecher last among equals. */
function splitIds(): { liars: number[]; honest: number } {
  const ids = Array.from({ length: LIARS + 1 }, (_, i) => i + 1);
  ids.sort((a, b) => tieKeyFor(LEECHER_ID, a) - tieKeyFor(LEECHER_ID, b));
  return { liars: ids.slice(0, LIARS), honest: ids[LIARS]! };
}

async function floodedDownload(lie: Lie, sizeBytes: number): Promise<void> {
  const world = await World.create(`liar-flood-${lie}`);
  try {
    await world.startTracker(60_000);
    const ids = splitIds();
    const honest = await seedAs(world, ids.honest, NAME, sizeBytes, 11);
    for (const id of ids.liars) await seedAs(world, id, NAME, sizeBytes, 11, lie);
    await trackerShows(world, honest.infohashHex, LIARS + 1);
    const leecher = await world.addPeer(LEECHER_ID);
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const [download] = (await withTimeout(
      leecher.node.whenDownloadsSettled(),
      `${NAME} to settle`,
      60_000,
    ).catch((error: Error) => {
      const owners = leecher.node.getSnapshot().downloads[0]?.owners ?? [];
      const states = owners.map((owner) => `${owner.nodeId}:${owner.state}`).join(' ');
      throw new Error(
        `${error.message}; owners ${states}; log ${leecher.lines.slice(-12).join(' | ')}`,
      );
    })) as Download[];
    const banned = download!.owners.filter((owner) => owner.state === 'banned').length;
    const detail = `(${download!.state}: ${download!.reason}; ${download!.owners.length} owners met, ${banned} of them banned)`;
    assert.equal(download!.state, 'done', detail);
    assert.equal(
      await sha256File(join(world.filesDir, `node${LEECHER_ID}`, NAME)),
      honest.sha256,
      detail,
    );
  } finally {
    await world.close();
  }
}

test(`${LIARS} nodes serve made-up metainfo for the honest infohash: the honest file still arrives`, {
  timeout: 120_000,
}, async () => {
  await floodedDownload('metainfo', 256 * 1024);
});

test(`${LIARS} nodes serve garbage blocks of the honest infohash: the honest file still arrives`, {
  timeout: 120_000,
}, async () => {
  await floodedDownload('blocks', 1024 * 1024);
});
