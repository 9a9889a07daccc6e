/**
 * Several downloads at once on one node share its socket, its in-flight budget and its link to
 * each owner (one HELLO per owner, not one per download); a node that finished a download serves
 * it to the next one (it is one of the owners then).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DownloadSnapshot } from '../../source/peer/peer-snapshot.ts';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { HelloCounter } from './harness/hello-counter.ts';
import { describeOwners, Swarm } from './harness/swarm.ts';
import { waitFor, withTimeout } from './harness/wait.ts';

const MiB = 1024 * 1024;
const NAMES = ['a.bin', 'b.bin', 'c.bin'];

test('three files at once arrive exact, then a second leecher gets them from three owners', {
  timeout: 60_000,
}, async () => {
  const seed = 701;
  const swarm = await Swarm.start();
  try {
    const expected = new Map<string, string>();
    for (const [index, name] of NAMES.entries()) {
      for (const id of [1, 2]) {
        const path = join(await swarm.folderFor(id), name);
        expected.set(
          name,
          await writeRandomFile(path, (6 + index) * MiB + index * 333, seed + index),
        );
      }
    }
    for (const id of [1, 2]) {
      const owner = await swarm.addNode({ nodeId: id });
      for (const name of NAMES) assert.deepEqual(await owner.node.seed(name), { ok: true });
    }
    const hellos = new Map<number, HelloCounter>();
    const leecherOf = (nodeId: number) =>
      swarm.addNode({
        nodeId,
        wrapOutbound: (transport) => {
          const counter = new HelloCounter(transport);
          hellos.set(nodeId, counter);
          return counter;
        },
      });
    const first = await leecherOf(5);
    const second = await leecherOf(6);
    for (const leecher of [first, second]) {
      for (const name of NAMES) assert.deepEqual(leecher.node.download(name), { ok: true });
      const downloads = await withTimeout(
        leecher.node.whenDownloadsSettled(),
        `node ${leecher.nodeId}'s downloads`,
        30_000,
      );
      for (const download of downloads) {
        const context = `(seed ${seed}, node ${leecher.nodeId}, ${download.name}; ${describeOwners(download)})`;
        assert.equal(download.state, 'done', `${download.reason} ${context}`);
        assert.equal(
          await sha256File(join(leecher.folder, download.name)),
          expected.get(download.name),
          `SHA-256 ${context}`,
        );
        if (leecher === second) {
          assert.deepEqual(
            download.owners.map((owner) => owner.nodeId).sort((a, b) => a - b),
            [1, 2, 5],
            `the first leecher is an owner now ${context}`,
          );
        }
      }
      assert.equal(leecher.node.budget.inFlightBlocks, 0, `budget released (seed ${seed})`);
      assert.equal(leecher.node.links.size, 0, `links released (seed ${seed})`);
      const counts = [...hellos.get(leecher.nodeId)!.txidsByPort.values()].map(
        (txids) => txids.size,
      );
      assert.deepEqual(
        counts,
        leecher === first ? [1, 1] : [1, 1, 1],
        `one HELLO per owner for ${NAMES.length} downloads (seed ${seed})`,
      );
    }
  } finally {
    await swarm.close();
  }
});

test('a link whose HELLO went unanswered for one download is greeted again by the others', {
  timeout: 60_000,
}, async () => {
  const seed = 702;
  const swarm = await Swarm.start();
  try {
    const expected = new Map<string, string>();
    for (const [index, name] of NAMES.slice(0, 2).entries()) {
      const path = join(await swarm.folderFor(1), name);
      expected.set(name, await writeRandomFile(path, 6 * MiB, seed + index));
    }
    // One owner, slow enough that both downloads are still running when its link breaks.
    const owner = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 4 * MiB });
    for (const name of expected.keys()) assert.deepEqual(await owner.node.seed(name), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 5 });
    for (const name of expected.keys()) assert.deepEqual(leecher.node.download(name), { ok: true });
    await waitFor(() => {
      const { downloads } = leecher.node.getSnapshot();
      return downloads.length === 2 && downloads.every((download) => download.piecesVerified > 0);
    }, 'both downloads under way');
    // What a probe of another download does when its HELLO goes unanswered: the cookie is
    // void for everyone. Requests stop with it; nothing may then wait on this link for ever.
    const link = leecher.node.links.get(1)!;
    link.unanswered(link.cookieEpoch);
    assert.equal(link.state(0), 'unreachable');
    const downloads = await withTimeout(
      leecher.node.whenDownloadsSettled(),
      `downloads after the link broke (seed ${seed})`,
      40_000,
    );
    for (const download of downloads) {
      const context = `(seed ${seed}, ${download.name}; ${describeOwners(download)})`;
      assert.equal(download.state, 'done', `${download.reason} ${context}`);
      assert.equal(
        await sha256File(join(leecher.folder, download.name)),
        expected.get(download.name),
        `SHA-256 ${context}`,
      );
    }
  } finally {
    await swarm.close();
  }
});

test('two downloads from one owner share its link: both progress, neither waits for the other', {
  timeout: 60_000,
}, async () => {
  const seed = 703;
  const swarm = await Swarm.start();
  try {
    const names = NAMES.slice(0, 2);
    const expected = new Map<string, string>();
    for (const [index, name] of names.entries()) {
      const path = join(await swarm.folderFor(1), name);
      expected.set(name, await writeRandomFile(path, 8 * MiB, seed + index));
    }
    // One owner whose upload the two downloads must share for a few seconds (its own limit:
    // only DATA waits for it, so the second download's metainfo comes at once). At 4 MiB/s the
    // first could be done in 2 s, before the other began on a busy machine; at 2 MiB/s it has
    // about 4 s to begin.
    const owner = await swarm.addNode({ nodeId: 1, uploadLimitBytesPerSec: 2 * MiB });
    for (const name of names) assert.deepEqual(await owner.node.seed(name), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 5 });
    for (const name of names) assert.deepEqual(leecher.node.download(name), { ok: true });
    // What each received while both were downloading (from the moment both were, to the moment
    // one was done): 93-105 % of what the first did, quiet or beside two busy loops (thirteen
    // runs); 11-97 % while the other asked for its share only at its own events (PeerLink's
    // roomFreed), 0-7 % with no share at all. Measured from the end of the first instead, as
    // before, it depended on when the other began: 0 % once in CI (2026-12-06).
    const received = (download: DownloadSnapshot) =>
      download.owners.reduce((sum, owner) => sum + owner.bytesDelivered, 0);
    let bothAt: Map<string, number> | null = null;
    let overlap: { first: number; other: number; otherState: string } | null = null;
    const unsubscribe = leecher.node.subscribe(() => {
      const { downloads } = leecher.node.getSnapshot();
      if (downloads.length < 2 || overlap !== null) return;
      if (bothAt === null && downloads.every((download) => download.state === 'downloading'))
        bothAt = new Map(downloads.map((download) => [download.name, received(download)]));
      const done = downloads.find((download) => download.state === 'done');
      if (done === undefined) return;
      const other = downloads.find((download) => download !== done)!;
      const since = (download: DownloadSnapshot) =>
        received(download) - (bothAt?.get(download.name) ?? 0);
      overlap = {
        first: bothAt === null ? 0 : since(done),
        other: bothAt === null ? 0 : since(other),
        otherState: `the other ${other.state}${other.reason ? ` (${other.reason})` : ''}, ${other.owners.map((owner) => `node ${owner.nodeId} ${owner.state}`).join(', ')}`,
      };
    });
    try {
      await waitFor(() => overlap !== null, 'the first download done', 40_000);
    } finally {
      unsubscribe();
    }
    const { first, other, otherState } = overlap!;
    assert.ok(
      first > 0,
      `never both downloading before one was done: ${otherState} (seed ${seed})`,
    );
    assert.ok(
      other >= first / 2,
      `while both downloaded the other received ${other} B, the first ${first} B; ${otherState} (seed ${seed})`,
    );
    const downloads = await withTimeout(
      leecher.node.whenDownloadsSettled(),
      `downloads (seed ${seed})`,
      30_000,
    );
    for (const download of downloads) {
      assert.equal(download.state, 'done', `${download.reason} (seed ${seed})`);
      const sha = await sha256File(join(leecher.folder, download.name));
      assert.equal(sha, expected.get(download.name), `SHA-256 of ${download.name} (seed ${seed})`);
    }
  } finally {
    await swarm.close();
  }
});
