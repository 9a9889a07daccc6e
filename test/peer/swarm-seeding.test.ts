/**
 * Issue 11, seeding for all-day use, over real UDP on 127.0.0.1: stopping a seed withdraws the
 * file at the tracker at once; `d` on a file this node already has is refused before anything
 * changes; and what a node seeds, it seeds again after a restart (the seeding record).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { access, link, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LocalFileState } from '../../source/peer/peer-snapshot.ts';
import { writeRandomFile } from './harness/files.ts';
import { withoutTime } from './harness/log-lines.ts';
import { downloadAndSettle, Swarm, type SwarmNode } from './harness/swarm.ts';
import { sleep, waitFor } from './harness/wait.ts';

const KiB = 1024;

/** Node ids the tracker names as owners of `name`, sorted (empty when the file is unknown). */
async function ownersAtTracker(asker: SwarmNode, name: string): Promise<number[]> {
  const found = await asker.node.tracker.need({ kind: 'name', name }, 16);
  assert.ok(found.ok, `NEED ${name}: ${found.ok ? '' : found.reason}`);
  return found.reply.matches.flatMap((match) => match.owners.map((owner) => owner.nodeId)).sort();
}

/** The owner index row of `name` in the tracker's snapshot: owner ids and the last-owner mark. */
function indexRow(swarm: Swarm, name: string): { owners: number[]; lastOwner: boolean } | null {
  const row = swarm.trackerSnapshot().files.find((file) => file.name === name);
  return row
    ? { owners: row.owners.map((owner) => owner.nodeId).sort(), lastOwner: row.lastOwner }
    : null;
}

/** Waits until My files shows `name` in the state `kind` (the snapshot is rebuilt on a timer). */
async function untilRowIs(node: SwarmNode, name: string, kind: LocalFileState['kind']) {
  const shown = () => node.node.getSnapshot().files.find((file) => file.name === name)?.state.kind;
  await waitFor(
    () => shown() === kind,
    `node ${node.nodeId} to show ${name} as ${kind} (shows ${shown()})`,
  );
}

test('unseeding withdraws the file at the tracker at once: NEED and the owner index drop the node', async () => {
  const swarm = await Swarm.start();
  try {
    const first = join(await swarm.folderFor(1), 'w.bin');
    await writeRandomFile(first, 300 * KiB, 1101);
    await link(first, join(await swarm.folderFor(2), 'w.bin'));
    const [one, two, asker] = await swarm.addNodes([{ nodeId: 1 }, { nodeId: 2 }, { nodeId: 9 }]);
    assert.deepEqual(await one!.node.seed('w.bin'), { ok: true });
    assert.deepEqual(await two!.node.seed('w.bin'), { ok: true });
    assert.deepEqual(await ownersAtTracker(asker!, 'w.bin'), [1, 2]);
    await waitFor(
      () => JSON.stringify(indexRow(swarm, 'w.bin')) === '{"owners":[1,2],"lastOwner":false}',
      'the owner index to show both owners',
      2_000,
    );

    assert.deepEqual(await one!.node.unseed('w.bin'), { ok: true });
    // No sleep, no sweep: the tracker knows as soon as unseed() resolves.
    assert.deepEqual(await ownersAtTracker(asker!, 'w.bin'), [2]);
    // The owner index the tracker view draws follows at its next rebuild (rate-limited, < 1 s).
    await waitFor(
      () => JSON.stringify(indexRow(swarm, 'w.bin')) === '{"owners":[2],"lastOwner":true}',
      'the owner index to show node 2 as the last owner',
      2_000,
    );
    assert.ok(
      one!.lines.some((line) => line.endsWith(' withdrew w.bin at the tracker')),
      one!.lines.join('\n'),
    );

    assert.deepEqual(await two!.node.unseed('w.bin'), { ok: true });
    assert.deepEqual(await ownersAtTracker(asker!, 'w.bin'), []);
    await waitFor(
      () => indexRow(swarm, 'w.bin') === null,
      'the last owner leaving to remove the file from the owner index',
      2_000,
    );
    await untilRowIs(two!, 'w.bin', 'not-shared');
  } finally {
    await swarm.close();
  }
});

test('d on a file this node seeds is refused before anything changes; the row stays seeding and it is still served', {
  timeout: 30_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    await writeRandomFile(join(await swarm.folderFor(1), 'big.bin'), 300 * KiB, 1102);
    await writeFile(join(await swarm.folderFor(1), 'mine.txt'), 'only here\n');
    const [owner, leecher] = await swarm.addNodes([{ nodeId: 1 }, { nodeId: 2 }]);
    assert.deepEqual(await owner!.node.seed('big.bin'), { ok: true });

    assert.deepEqual(owner!.node.download('big.bin'), {
      ok: false,
      reason: 'big.bin is already here (seeding)',
    });
    assert.deepEqual(owner!.node.download('mine.txt'), {
      ok: false,
      reason: 'mine.txt is already here (not shared): seed it, or move it away first',
    });
    // Several snapshot rebuilds later nothing moved: no download row, the same file states.
    await sleep(350);
    const snapshot = owner!.node.getSnapshot();
    assert.deepEqual(snapshot.downloads, []);
    assert.deepEqual(
      snapshot.files.map((file) => [file.name, file.state.kind]),
      [
        ['big.bin', 'seeding'],
        ['mine.txt', 'not-shared'],
      ],
    );
    await assert.rejects(access(join(owner!.folder, 'big.bin.part')), 'no part file was made');
    // Still served: another node downloads it from this owner.
    const download = await downloadAndSettle(leecher!, 'big.bin', 20_000);
    assert.equal(download.state, 'done', download.reason);
  } finally {
    await swarm.close();
  }
});

test('a second file of a name this node has or is fetching is refused, and the refusal says why', {
  timeout: 30_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    await writeRandomFile(join(await swarm.folderFor(1), 'twin.bin'), 300 * KiB, 1103);
    await writeRandomFile(join(await swarm.folderFor(2), 'twin.bin'), 300 * KiB, 1104);
    const [one, two, three] = await swarm.addNodes([
      { nodeId: 1 },
      { nodeId: 2, uploadLimitBytesPerSec: 64 * KiB },
      { nodeId: 3 },
    ]);
    assert.deepEqual(await one!.node.seed('twin.bin'), { ok: true });
    assert.deepEqual(await two!.node.seed('twin.bin'), { ok: true });
    const hexOf = async (node: SwarmNode): Promise<string> => {
      const state = () =>
        node.node.getSnapshot().files.find((file) => file.name === 'twin.bin')?.state;
      await waitFor(() => state()?.kind === 'seeding', `node ${node.nodeId} seeding`, 5_000);
      return (state() as { infohashHex: string }).infohashHex;
    };
    const mine = await hexOf(one!);
    const theirs = await hexOf(two!);
    const advice = 'a folder holds one file of a name; move or rename that one to download this';

    assert.deepEqual(one!.node.download(`twin.bin@${theirs.slice(0, 6)}`), {
      ok: false,
      reason: `twin.bin is already here (seeding ${mine.slice(0, 8)}, another file of that name): ${advice}`,
    });
    // The same file by its own prefix: nothing to add.
    assert.deepEqual(one!.node.download(`twin.bin@${mine.slice(0, 6)}`), {
      ok: false,
      reason: 'twin.bin is already here (seeding)',
    });

    // Node 3 fetches node 2's file (slowly: 64 KiB/s) and then asks for node 1's.
    assert.deepEqual(three!.node.download(`twin.bin@${theirs.slice(0, 6)}`), { ok: true });
    await waitFor(
      () => three!.node.getSnapshot().downloads[0]?.state === 'downloading',
      "node 3 downloading node 2's twin.bin",
      10_000,
    );
    assert.deepEqual(three!.node.download(`twin.bin@${mine.slice(0, 6)}`), {
      ok: false,
      reason: `twin.bin is already being downloaded (${theirs.slice(0, 8)}, another file of that name): ${advice}`,
    });
    assert.deepEqual(three!.node.download(`twin.bin@${theirs.slice(0, 6)}`), {
      ok: false,
      reason: 'twin.bin is already being downloaded',
    });
    // Paused by the person, asked again: how to go on.
    three!.node.togglePause('twin.bin');
    assert.deepEqual(three!.node.download('twin.bin'), {
      ok: false,
      reason: 'twin.bin is already being downloaded, paused: p on it resumes it',
    });
    three!.node.togglePause('twin.bin');
    // Seeding it meanwhile (`s`, `:seed`): said as it is, not `there is no twin.bin in …`.
    assert.deepEqual(await three!.node.seed('twin.bin'), {
      ok: false,
      reason:
        'twin.bin is still being downloaded: it is seeded once it is done (its verified pieces are served meanwhile)',
    });
  } finally {
    await swarm.close();
  }
});

test('a restarted node seeds again what it seeded and what it downloaded, not what it stopped', {
  timeout: 40_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    await writeRandomFile(join(await swarm.folderFor(1), 'a.bin'), 300 * KiB, 1103);
    await writeRandomFile(join(await swarm.folderFor(1), 'b.bin'), 200 * KiB, 1104);
    const [owner, leecher] = await swarm.addNodes([{ nodeId: 1 }, { nodeId: 2 }]);
    assert.deepEqual(await owner!.node.seed('a.bin'), { ok: true });
    assert.deepEqual(await owner!.node.seed('b.bin'), { ok: true });
    assert.deepEqual(await owner!.node.unseed('b.bin'), { ok: true });
    const download = await downloadAndSettle(leecher!, 'a.bin', 20_000);
    assert.equal(download.state, 'done', download.reason);
    await waitFor(
      async () => (await ownersAtTracker(owner!, 'a.bin')).includes(2),
      'the leecher to seed a.bin',
    );
    const recordPath = (node: SwarmNode) => join(node.folder, '.bt-tui', 'seeding.json');
    // The record is written in the background; wait for the last change to land.
    const expectedRecord = `${JSON.stringify({ version: 1, seeding: ['a.bin'] })}\n`;
    for (const node of [owner!, leecher!]) {
      await waitFor(
        async () => (await readFile(recordPath(node), 'utf8').catch(() => '')) === expectedRecord,
        `node ${node.nodeId}'s seeding record to list only a.bin`,
      );
    }
    const cachePath = (node: SwarmNode) => join(node.folder, '.bt-tui', 'meta', 'a.bin.json');
    const cachedAtMs = [
      (await stat(cachePath(owner!))).mtimeMs,
      (await stat(cachePath(leecher!))).mtimeMs,
    ];
    await owner!.exit();
    await leecher!.exit();

    const [owner2, leecher2, asker] = await swarm.addNodes([
      { nodeId: 1 },
      { nodeId: 2 },
      { nodeId: 9 },
    ]);
    for (const [index, node] of [owner2!, leecher2!].entries()) {
      assert.deepEqual(await node.node.restored, [{ ok: true }]);
      await untilRowIs(node, 'a.bin', 'seeding');
      // The metainfo cache spared the hashing: a fresh hash would have rewritten the entry.
      assert.equal((await stat(cachePath(node))).mtimeMs, cachedAtMs[index]);
    }
    await untilRowIs(owner2!, 'b.bin', 'not-shared');
    await waitFor(
      async () => (await ownersAtTracker(asker!, 'a.bin')).join() === '1,2',
      'the tracker to list both restarted nodes as owners of a.bin',
    );
    assert.deepEqual(await ownersAtTracker(asker!, 'b.bin'), []);
  } finally {
    await swarm.close();
  }
});

test('a file edited in place while its node was stopped, its mtime put back, is hashed again', {
  timeout: 40_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const path = join(await swarm.folderFor(1), 'a.bin');
    await writeRandomFile(path, 300 * KiB, 1105);
    const owner = await swarm.addNode({ nodeId: 1 });
    assert.deepEqual(await owner.node.seed('a.bin'), { ok: true });
    const seeded = (node: SwarmNode) => {
      const state = node.node.getSnapshot().files.find((file) => file.name === 'a.bin')?.state;
      return state?.kind === 'seeding' ? state.infohashHex : null;
    };
    await untilRowIs(owner, 'a.bin', 'seeding');
    const before = seeded(owner);
    assert.ok(before, 'seeding a.bin');
    await owner.exit();
    // 1 KiB rewritten in place, then its times put back as `touch -r` or a sync tool does: the
    // size and mtime are as cached, only the kernel's ctime moved.
    // (touch keeps the nanoseconds, which a Date through utimes would cut to milliseconds.)
    const times = `${path}.times`;
    execFileSync('touch', ['-r', path, times]);
    const file = await open(path, 'r+');
    await file.write(Buffer.alloc(1024, 0x77), 0, 1024, 4096);
    await file.close();
    execFileSync('touch', ['-r', times, path]);
    await rm(times);

    const again = await swarm.addNode({ nodeId: 1 });
    assert.deepEqual(await again.node.restored, [{ ok: true }]);
    await untilRowIs(again, 'a.bin', 'seeding');
    const after = seeded(again);
    // Until 2026-12-07 the old metainfo was served for the new bytes, and every downloader
    // banned the node for bad pieces (found by a session).
    assert.notEqual(after, before, 'seeded under the metainfo of its new content');
    const leecher = await swarm.addNode({ nodeId: 2 });
    const download = await downloadAndSettle(leecher, 'a.bin', 20_000);
    assert.equal(download.state, 'done', download.reason);
    assert.equal(download.owners[0]?.strikes, 0);
  } finally {
    await swarm.close();
  }
});

test('a seeding record cut short is said in the log; the node starts and seeds nothing from it', {
  timeout: 20_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const folder = await swarm.folderFor(1);
    await writeRandomFile(join(folder, 'big.bin'), 100 * KiB, 1106);
    await mkdir(join(folder, '.bt-tui'), { recursive: true });
    await writeFile(join(folder, '.bt-tui', 'seeding.json'), '{"version":1,"seeding":["big');
    const node = await swarm.addNode({ nodeId: 1 });
    await node.node.restored;
    const said = node.lines.map(withoutTime).filter((line) => line.includes('seeding.json'));
    assert.deepEqual(said, [
      `${join(folder, '.bt-tui', 'seeding.json')} could not be read (not JSON: cut short or garbled): nothing is seeded again from it; seed the files again (s in the view, or --seed)`,
    ]);
    assert.deepEqual(await node.node.seed('big.bin'), { ok: true });
  } finally {
    await swarm.close();
  }
});

test('a finished download whose file is deleted by hand says so in its row, not just done', {
  timeout: 30_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    await writeRandomFile(join(await swarm.folderFor(1), 'gone.bin'), 200 * KiB, 1107);
    const [owner, leecher] = await swarm.addNodes([{ nodeId: 1 }, { nodeId: 2 }]);
    assert.deepEqual(await owner!.node.seed('gone.bin'), { ok: true });
    const download = await downloadAndSettle(leecher!, 'gone.bin', 20_000);
    assert.equal(download.state, 'done', download.reason);
    await untilRowIs(leecher!, 'gone.bin', 'seeding');
    await rm(join(leecher!.folder, 'gone.bin'));
    const row = () =>
      leecher!.node.getSnapshot().downloads.find((each) => each.name === 'gone.bin');
    // Until 2026-12-07 the row read `done` for good (found by a session).
    await waitFor(() => row()?.reason === 'the file has left the folder since', 'the row says so');
    assert.equal(row()?.state, 'done');
  } finally {
    await swarm.close();
  }
});
