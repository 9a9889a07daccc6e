/**
 * An owner the tracker names that never answers: the tracker hears its heartbeats, but a
 * firewall on its machine (here, the fault wrapper) drops what other nodes send it. The
 * downloader says where it knocked and the likely why, once; and a node stopped while it knocks
 * again says nothing after it left.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatAddress } from '../../source/format.ts';
import { writeRandomFile } from './harness/files.ts';
import { withoutTime } from './harness/log-lines.ts';
import { Swarm } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

test('an owner behind a firewall: its death says where and why; nothing is said after the exit', {
  timeout: 60_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    await writeRandomFile(join(await swarm.folderFor(1), 'walled.bin'), 1024 * 1024, 77);
    const owner = await swarm.addNode({ nodeId: 1 });
    assert.deepEqual(await owner.node.seed('walled.bin'), { ok: true });
    const tracker = swarm.trackerAddress;
    owner.faults.partition(
      (peer) => peer.port !== tracker.port || peer.address !== tracker.address,
    );
    const leecher = await swarm.addNode({ nodeId: 2 });
    assert.deepEqual(leecher.node.download('walled.bin'), { ok: true });
    const said = (pattern: RegExp) => leecher.lines.some((line) => pattern.test(line));
    // Its HELLO goes unanswered through every retry (11.5 s).
    await waitFor(() => said(/ is dead /), 'the owner declared dead', 30_000);
    const deaths = leecher.lines.map(withoutTime).filter((line) => line.includes(' is dead '));
    assert.deepEqual(deaths, [
      `walled.bin: node 1 is dead (no answer to HELLO at ${formatAddress(owner.address)}: gone, or a firewall on its machine drops UDP to that port); its pieces go back to the pool`,
    ]);
    // It asks again and knocks again; the node is stopped while it knocks.
    const knocks = () => leecher.lines.filter((line) => line.endsWith('fetching metainfo')).length;
    await waitFor(() => knocks() === 2, 'a second try for the metainfo', 10_000);
    await leecher.exit();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const tail = leecher.lines.map(withoutTime);
    const stopped = tail.findIndex((line) => line.startsWith('walled.bin: stopped with the node'));
    assert.ok(stopped >= 0, tail.join('\n'));
    assert.deepEqual(
      tail.slice(stopped + 1).filter((line) => line.startsWith('walled.bin')),
      [],
      tail.join('\n'),
    );
  } finally {
    await swarm.close();
  }
});

test('an owner named first that never answers does not hold the metainfo: the others are asked', {
  timeout: 60_000,
}, async () => {
  // Either may be named first (equal credit): each in turn is the one gone, as a seeder killed
  // a moment ago that the tracker still lists.
  for (const goneId of [1, 2]) {
    const swarm = await Swarm.start();
    try {
      for (const id of [1, 2]) {
        await writeRandomFile(join(await swarm.folderFor(id), 'walled.bin'), 1024 * 1024, 78);
        const owner = await swarm.addNode({ nodeId: id });
        assert.deepEqual(await owner.node.seed('walled.bin'), { ok: true });
      }
      const gone = swarm.nodes[goneId - 1]!;
      const tracker = swarm.trackerAddress;
      gone.faults.partition(
        (peer) => peer.port !== tracker.port || peer.address !== tracker.address,
      );
      const leecher = await swarm.addNode({ nodeId: 10 });
      assert.deepEqual(leecher.node.download('walled.bin'), { ok: true });
      const at = (text: string) => leecher.lines.findIndex((line) => line.includes(text));
      await waitFor(() => at('walled.bin: done') >= 0, 'the download done', 30_000);
      // Until 2026-12-07 the metainfo was asked of one owner after the other, in the tracker's
      // order: one named first that never answered held it for its HELLO's 11.5 s, until its
      // death was logged.
      const dead = at(`node ${goneId} is dead`);
      assert.ok(
        dead === -1 || dead > at('walled.bin: downloading'),
        `node ${goneId} gone:\n${leecher.lines.join('\n')}`,
      );
    } finally {
      await swarm.close();
    }
  }
});
