/**
 * An idle node must not wake its views: the snapshot is rebuilt (the folder is listed again every
 * second, rates sampled) but listeners are told only when something they would draw changed.
 * A view left open redrew twice a second for nothing before (~2 % of a core). A downloading one
 * is told a few times a second, not at every 100 ms tick (see RUNNING_REFRESH_MS).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PeerSnapshot } from '../../source/peer/peer-snapshot.ts';
import { writeRandomFile } from './harness/files.ts';
import { Swarm } from './harness/swarm.ts';
import { sleep, waitFor } from './harness/wait.ts';

const MiB = 1024 * 1024;

test('an idle node notifies its views of nothing while nothing changes', {
  timeout: 20_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const idle = await swarm.addNode({ nodeId: 61 });
    await sleep(1_500); // registration, the first folder listing, the first rate sample
    let notified = 0;
    const unsubscribe = idle.node.subscribe(() => notified++);
    await sleep(3_500); // three folder listings and rate samples
    unsubscribe();
    assert.equal(notified, 0, `${notified} notifications from an idle node`);
  } finally {
    await swarm.close();
  }
});

test('a node whose downloads wait (for a name, or paused) notifies its views of nothing more', {
  timeout: 20_000,
}, async () => {
  // Found by hand: a view with two downloads waiting for a name redrew twice a second for hours,
  // 2.5 % of a core: a download not settled counted as running, and a running one's snapshot is
  // sent without comparing it.
  const swarm = await Swarm.start();
  try {
    const node = (await swarm.addNode({ nodeId: 63 })).node;
    assert.deepEqual(node.download('nothing-here.bin'), { ok: true });
    assert.deepEqual(node.download('later.bin'), { ok: true });
    await waitFor(
      () => node.getSnapshot().downloads.every((row) => row.state === 'waiting-for-owners'),
      'both downloads waiting',
    );
    node.togglePause('later.bin');
    await sleep(1_000);
    let notified = 0;
    const unsubscribe = node.subscribe(() => notified++);
    // Three folder listings; a search each at most (their back-off is 2 s and more by now).
    await sleep(3_000);
    unsubscribe();
    assert.ok(notified <= 2, `${notified} notifications in 3 s of downloads that wait`);
  } finally {
    await swarm.close();
  }
});

test('a running download tells its views a few times a second; what a person asks shows next', {
  timeout: 40_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    await writeRandomFile(join(await swarm.folderFor(1), 'slow.bin'), 8 * MiB, 62);
    const owner = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 2 * MiB });
    assert.deepEqual(await owner.node.seed('slow.bin'), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 62 });
    const snapshots: PeerSnapshot[] = [];
    const unsubscribe = leecher.node.subscribe(() => snapshots.push(leecher.node.getSnapshot()));
    try {
      assert.deepEqual(leecher.node.download('slow.bin'), { ok: true });
      await waitFor(
        () => (leecher.node.getSnapshot().downloads[0]?.piecesVerified ?? 0) > 0,
        'the download under way',
      );
      const before = snapshots.length;
      await sleep(2_000);
      const during = snapshots.length - before;
      // Every 100 ms once (20 in 2 s); now at most every 500 ms: 5 at most in 2 s.
      assert.ok(during >= 1 && during <= 5, `${during} notifications in 2 s of a download`);
      leecher.node.setDownloadLimit(MiB);
      await waitFor(
        () => snapshots.at(-1)?.limits.downloadBytesPerSec === MiB,
        'the new limit in the views',
      );
    } finally {
      unsubscribe();
    }
  } finally {
    await swarm.close();
  }
});
