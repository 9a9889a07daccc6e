/**
 * Several downloads at once on one node share its socket, its in-flight budget and its link to
 * each owner (one HELLO per owner, not one per download); a node that finished a download serves
 * it to the next one (it is one of the owners then).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
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
    // only DATA waits for it, so the second download's metainfo comes at once).
    const owner = await swarm.addNode({ nodeId: 1, uploadLimitBytesPerSec: 4 * MiB });
    for (const name of names) assert.deepEqual(await owner.node.seed(name), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 5 });
    for (const name of names) assert.deepEqual(leecher.node.download(name), { ok: true });
    // When the first is done, how far the other had come: nothing when the first takes the
    // whole window. Alone 65-75 % verified; with another test process on the two cores 6-100 %
    // (2026-12-02, twelve runs each through node:dgram and batched UDP: 0.06 and 0.31 the
    // lowest), and 0 % once in CI (2026-12-06, a piece received but not yet verified, say). So
    // the share is not asserted, only that the other did not wait: it had received blocks.
    let otherShare = -1;
    let otherBytes = -1;
    await waitFor(
      () => {
        const { downloads } = leecher.node.getSnapshot();
        const done = downloads.find((download) => download.state === 'done');
        if (downloads.length < 2 || done === undefined) return false;
        const other = downloads.find((download) => download !== done)!;
        otherShare = other.pieceCount > 0 ? other.piecesVerified / other.pieceCount : 0;
        otherBytes = other.owners.reduce((sum, owner) => sum + owner.bytesDelivered, 0);
        return true;
      },
      'the first download done',
      40_000,
    );
    assert.ok(
      otherBytes > 0,
      `the other had received ${otherBytes} B, ${(otherShare * 100).toFixed(0)} % verified (seed ${seed})`,
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
