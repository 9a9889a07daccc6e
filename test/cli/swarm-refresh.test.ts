/**
 * Issue 11: the peer view's Swarm files is live. Over real UDP on 127.0.0.1: a file another node
 * starts seeding appears within one refresh period without `r`; this node's own seed and unseed
 * show at once (long before the period); a quiet refresh that finds nothing new does not notify.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { keepSwarmListingLive } from '../../source/cli/swarm-refresh.ts';
import { ManualClock, systemClock } from '../../source/clock.ts';
import type { PeerSnapshot } from '../../source/peer/peer-snapshot.ts';
import { SwarmDirectory } from '../../source/peer/swarm-directory.ts';
import { Swarm, type SwarmNode, startSeeders } from '../peer/harness/swarm.ts';
import { waitFor } from '../peer/harness/wait.ts';
import { MutableStore } from '../ui/fixtures.ts';
import { localFile, peerSnapshot } from '../ui/peer-fixtures.ts';

function directoryOf(viewer: SwarmNode): SwarmDirectory {
  return new SwarmDirectory(
    (cursor) => viewer.node.tracker.list(cursor),
    () => Date.now(),
  );
}

const listed = (swarm: SwarmDirectory) =>
  swarm
    .getSnapshot()
    .files.map((file) => `${file.name}:${file.ownerCount}`)
    .join(' ');

test('another node seeding a file shows up within one refresh period, without r', async () => {
  const swarm = await Swarm.start();
  try {
    await writeFile(join(await swarm.folderFor(1), 'new.txt'), 'fresh\n');
    const [owner, viewer] = await swarm.addNodes([{ nodeId: 1 }, { nodeId: 2 }]);
    const directory = directoryOf(viewer!);
    await directory.refresh();
    assert.equal(listed(directory), '');
    const stop = keepSwarmListingLive(viewer!.node, directory, systemClock, 300);
    try {
      assert.deepEqual(await owner!.node.seed('new.txt'), { ok: true });
      await waitFor(() => listed(directory) === 'new.txt:1', 'new.txt in the listing', 2_000);
      // Nothing new: quiet refreshes keep the same listing and do not wake the view.
      const shown = directory.getSnapshot();
      let notified = 0;
      const unsubscribe = directory.subscribe(() => notified++);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      unsubscribe();
      assert.equal(directory.getSnapshot(), shown);
      assert.equal(notified, 0);
    } finally {
      stop();
    }
  } finally {
    await swarm.close();
  }
});

test("this node's own seed and unseed update the listing at once, not at the next period", async () => {
  const swarm = await Swarm.start();
  try {
    await writeFile(join(await swarm.folderFor(2), 'mine.txt'), 'mine\n');
    const viewer = await swarm.addNode({ nodeId: 2 });
    const directory = directoryOf(viewer);
    await directory.refresh();
    const stop = keepSwarmListingLive(viewer.node, directory, systemClock, 600_000);
    try {
      assert.deepEqual(await viewer.node.seed('mine.txt'), { ok: true });
      await waitFor(() => listed(directory) === 'mine.txt:1', 'mine.txt in the listing', 2_000);
      assert.deepEqual(await viewer.node.unseed('mine.txt'), { ok: true });
      await waitFor(() => listed(directory) === '', 'mine.txt gone from the listing', 2_000);
    } finally {
      stop();
    }
  } finally {
    await swarm.close();
  }
});

test('a download the tracker counts this node an owner of refreshes the listing at once', async () => {
  // Swarm files says `you + N` for it; a listing read before the tracker counted this node would
  // say one owner too few until the next period.
  const swarm = await Swarm.start();
  try {
    const { seeders } = await startSeeders(
      swarm,
      { name: 'slow.bin', sizeBytes: 4 * 1024 * 1024, seed: 77, count: 1 },
      { uploadLimitBytesPerSec: 512 * 1024 },
    );
    assert.equal(seeders.length, 1);
    const viewer = await swarm.addNode({ nodeId: 2 });
    const directory = directoryOf(viewer);
    await directory.refresh();
    assert.equal(listed(directory), 'slow.bin:1');
    const stop = keepSwarmListingLive(viewer.node, directory, systemClock, 600_000);
    try {
      assert.deepEqual(viewer.node.download('slow.bin'), { ok: true });
      await waitFor(
        () => viewer.node.getSnapshot().downloads[0]?.partialOwner === true,
        'the tracker acknowledging node 2 as a partial owner',
        10_000,
      );
      await waitFor(() => listed(directory) === 'slow.bin:2', 'node 2 counted', 2_000);
      const row = viewer.node.getSnapshot().downloads[0]!;
      assert.equal(row.state, 'downloading', 'still downloading: counted as a partial owner');
    } finally {
      stop();
    }
  } finally {
    await swarm.close();
  }
});

test('a node seeding file after file reads a long listing again once per 100 ms a page, not per seed', async () => {
  // Found by hand: a view seeding 3,000 files read all 63 pages after every snapshot that seeded
  // one more; the host's request budget at the tracker went to LISTs and its OWNs were dropped.
  const clock = new ManualClock();
  const PAGES = 10;
  let pagesAsked = 0;
  const directory = new SwarmDirectory(
    async (cursor) => {
      pagesAsked++;
      return {
        ok: true,
        reply: {
          type: 'list-reply',
          totalFiles: PAGES,
          nextCursor: cursor + 1 < PAGES ? cursor + 1 : 0,
          files: [
            { infohash: Buffer.alloc(32, cursor + 1), name: `f${cursor}`, size: 1, ownerCount: 1 },
          ],
        },
      };
    },
    () => clock.wallNow(),
  );
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  await directory.refresh();
  assert.equal(pagesAsked, PAGES);
  const seeding = (count: number): PeerSnapshot =>
    peerSnapshot({
      files: Array.from({ length: count }, (_, index) =>
        localFile(`s${index}`, 1, {
          kind: 'seeding',
          infohashHex: 'ab'.repeat(32),
          unlistedBecause: null,
        }),
      ),
    });
  const node = new MutableStore(seeding(0));
  const stop = keepSwarmListingLive(node, directory, clock, 600_000);
  try {
    // One more file seeded every 20 ms for 3 s: 150 changes of what this node offers.
    for (let count = 1; count <= 150; count++) {
      node.set(seeding(count));
      clock.advance(20);
      await settle();
    }
    clock.advance(2_000);
    await settle();
    // A read at once, then one per 1 s (10 pages x 100 ms) after the one before ended: 4 in 3 s,
    // and the last changes are read too. Per change, as before: 150 reads.
    const reads = (pagesAsked - PAGES) / PAGES;
    assert.ok(reads >= 3 && reads <= 5, `${reads} reads of the listing`);
  } finally {
    stop();
  }
});
