/**
 * A seeded file that changes or leaves the node folder, over real UDP on 127.0.0.1. Found by
 * hand: a file rewritten in place was served as it now was against its old hashes (every
 * downloader banned the node, whose view still said `seeding`), and a deleted or replaced one
 * went on being served from the handle opened when it was hashed. Now the node withdraws it at
 * the tracker, and seeds a changed file again, under its new infohash, once it stops changing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { LOCK_FILE_NAME } from '../../source/folder-lock.ts';
import { formatSize } from '../../source/format.ts';
import { IDENTITY_KEY_FILE } from '../../source/peer/identity.ts';
import { STATE_DIR_NAME } from '../../source/peer/node-folder.ts';
import type { PeerNode } from '../../source/peer/peer-node.ts';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { withoutTime } from './harness/log-lines.ts';
import { downloadAndSettle, Swarm, type SwarmNode } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const KiB = 1024;
const SIZE = 300 * KiB;

/** The infohashes (hex) the tracker names for `name`, each with its owners' ids. */
async function ownersByInfohash(asker: SwarmNode, name: string): Promise<Record<string, number[]>> {
  const found = await asker.node.tracker.need({ kind: 'name', name }, 16);
  assert.ok(found.ok, `NEED ${name}: ${found.ok ? '' : found.reason}`);
  const owners: Record<string, number[]> = {};
  for (const match of found.reply.matches) {
    owners[match.infohash.toString('hex')] = match.owners.map((owner) => owner.nodeId).sort();
  }
  return owners;
}

/** The My files row of `name` on `node`: its state kind and, when seeding, its infohash. */
function row(node: PeerNode, name: string): string {
  const file = node.getSnapshot().files.find((candidate) => candidate.name === name);
  if (file === undefined) return 'absent';
  return file.state.kind === 'seeding' ? `seeding ${file.state.infohashHex}` : file.state.kind;
}

/** Seeds `name` on `seeder`; returns its infohash as the tracker names it. */
async function seeded(seeder: SwarmNode, asker: SwarmNode, name: string): Promise<string> {
  assert.deepEqual(await seeder.node.seed(name), { ok: true });
  const owners = await ownersByInfohash(asker, name);
  const infohashes = Object.keys(owners);
  assert.equal(infohashes.length, 1, JSON.stringify(owners));
  assert.deepEqual(owners[infohashes[0]!], [seeder.nodeId]);
  return infohashes[0]!;
}

/** Waits until `seeder` seeds `name` under an infohash other than `before`; returns it. */
async function seededAnew(seeder: SwarmNode, name: string, before: string): Promise<string> {
  await waitFor(
    () => row(seeder.node, name).startsWith('seeding ') && !row(seeder.node, name).endsWith(before),
    `node ${seeder.nodeId} to seed ${name} again (shows ${row(seeder.node, name)})`,
    10_000,
  );
  return row(seeder.node, name).slice('seeding '.length);
}

/** The log lines after the first that contains `from`, without their timestamps. */
function linesFrom(node: SwarmNode, from: string): string[] {
  const start = node.lines.findIndex((line) => line.includes(from));
  assert.ok(start >= 0, `no line with "${from}":\n${node.lines.join('\n')}`);
  return node.lines.slice(start).map(withoutTime);
}

test('a seeded file rewritten in place is withdrawn, seeded again once it settles, and its new content downloads exact', {
  timeout: 40_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const path = join(await swarm.folderFor(1), 'w.bin');
    await writeRandomFile(path, SIZE, 1201);
    const [seeder, leecher, asker] = await swarm.addNodes([
      { nodeId: 1 },
      { nodeId: 2 },
      { nodeId: 9 },
    ]);
    const old = await seeded(seeder!, asker!, 'w.bin');

    // Rewritten where it is: the same inode and size, other bytes (a rebuilt artifact).
    const fresh = await writeRandomFile(path, SIZE, 1202);
    const infohash = await seededAnew(seeder!, 'w.bin', old);
    assert.deepEqual(await ownersByInfohash(asker!, 'w.bin'), { [infohash]: [1] });
    assert.deepEqual(linesFrom(seeder!, 'changed on disk'), [
      `w.bin changed on disk: seeding it again once it stops changing (its old content, ${old.slice(0, 8)}, is no longer served)`,
      'stopped seeding w.bin',
      'withdrew w.bin at the tracker',
      `seeding w.bin (${formatSize(SIZE)}, ${infohash.slice(0, 8)})`,
    ]);

    const download = await downloadAndSettle(leecher!, 'w.bin', 20_000);
    assert.equal(download.state, 'done', download.reason);
    assert.equal(await sha256File(join(leecher!.folder, 'w.bin')), fresh);
  } finally {
    await swarm.close();
  }
});

test('a seeded file replaced under its name (same size and time, another inode) is seeded anew', {
  timeout: 40_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const folder = await swarm.folderFor(1);
    const path = join(folder, 'w.bin');
    await writeRandomFile(path, SIZE, 1203);
    const [seeder, asker] = await swarm.addNodes([{ nodeId: 1 }, { nodeId: 9 }]);
    const old = await seeded(seeder!, asker!, 'w.bin');

    // As an editor or a build tool saves: a new file renamed over the old one. Only the inode
    // tells them apart here.
    const { atime, mtime } = await stat(path);
    const replacement = join(folder, '.w.bin.new');
    await writeRandomFile(replacement, SIZE, 1204);
    await utimes(replacement, atime, mtime);
    await rename(replacement, path);
    const infohash = await seededAnew(seeder!, 'w.bin', old);
    assert.deepEqual(await ownersByInfohash(asker!, 'w.bin'), { [infohash]: [1] });
  } finally {
    await swarm.close();
  }
});

test('a seeded file deleted from the folder is withdrawn at the tracker and leaves My files', {
  timeout: 30_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const path = join(await swarm.folderFor(1), 'w.bin');
    await writeRandomFile(path, SIZE, 1205);
    const [seeder, asker] = await swarm.addNodes([{ nodeId: 1 }, { nodeId: 9 }]);
    await seeded(seeder!, asker!, 'w.bin');

    await rm(path);
    await waitFor(
      () => seeder!.lines.some((line) => line.endsWith(' withdrew w.bin at the tracker')),
      'the node to withdraw w.bin',
      5_000,
    );
    assert.deepEqual(linesFrom(seeder!, 'gone from the folder'), [
      'w.bin is gone from the folder: no longer seeded',
      'stopped seeding w.bin',
      'withdrew w.bin at the tracker',
    ]);
    assert.deepEqual(await ownersByInfohash(asker!, 'w.bin'), {});
    await waitFor(() => row(seeder!.node, 'w.bin') === 'absent', 'the row of w.bin to go');
  } finally {
    await swarm.close();
  }
});

test('the node folder deleted as a whole: every file withdrawn, said once; said again when back', {
  timeout: 30_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const folder = await swarm.folderFor(1);
    await writeRandomFile(join(folder, 'a.bin'), SIZE, 1206);
    await writeRandomFile(join(folder, 'b.bin'), SIZE, 1207);
    const [seeder, asker] = await swarm.addNodes([{ nodeId: 1 }, { nodeId: 9 }]);
    await seeded(seeder!, asker!, 'a.bin');
    await seeded(seeder!, asker!, 'b.bin');
    await recorded(folder, 'b.bin');

    // Before, the node kept its last listing and went on seeding both from open handles.
    await rm(folder, { recursive: true });
    const withdrew = (name: string) =>
      seeder!.lines.some((line) => line.endsWith(` withdrew ${name} at the tracker`));
    const folderGone = `folder ${folder} is gone (deleted, moved or unmounted): its files are no longer seeded, and downloads cannot be saved until it is back`;
    await waitFor(
      () =>
        withdrew('a.bin') &&
        withdrew('b.bin') &&
        seeder!.lines.some((line) => line.endsWith(` ${folderGone}`)),
      'both withdrawn and the folder said gone',
      5_000,
    );
    // `rm -r` deletes the files before the folder: a listing between the two sees the files go
    // first and the folder at the next (seen under load). Each withdrawal is a request of its
    // own, so the tracker's acks may come in either order too (a fresh-clone CI saw b first).
    const lines = linesFrom(seeder!, ' is gone ');
    assert.deepEqual([...lines].sort(), [
      'a.bin is gone from the folder: no longer seeded',
      'b.bin is gone from the folder: no longer seeded',
      folderGone,
      'stopped seeding a.bin',
      'stopped seeding b.bin',
      'withdrew a.bin at the tracker',
      'withdrew b.bin at the tracker',
    ]);
    for (const name of ['a.bin', 'b.bin']) {
      const gone = lines.indexOf(`${name} is gone from the folder: no longer seeded`);
      assert.ok(gone < lines.indexOf(`stopped seeding ${name}`), lines.join('\n'));
      assert.ok(gone < lines.indexOf(`withdrew ${name} at the tracker`), lines.join('\n'));
    }
    assert.deepEqual(await ownersByInfohash(asker!, 'a.bin'), {});
    assert.deepEqual(await ownersByInfohash(asker!, 'b.bin'), {});
    await waitFor(() => seeder!.node.getSnapshot().files.length === 0, 'My files empty');

    await mkdir(folder);
    await waitFor(
      () => seeder!.lines.some((line) => line.endsWith(` folder ${folder} is back`)),
      'the folder back',
      5_000,
    );
    assert.equal(seeder!.lines.filter((line) => line.includes(' is gone (deleted')).length, 1);
    assert.equal(seeder!.lines.filter((line) => line.includes('could not save')).length, 0);
  } finally {
    await swarm.close();
  }
});

/**
 * Waits until `name` is in the seeding record of `folder`: its write may still be under way when
 * the tracker lists the owner, and a folder deleted meanwhile fails with ENOTEMPTY.
 */
async function recorded(folder: string, name: string): Promise<void> {
  const path = join(folder, STATE_DIR_NAME, 'seeding.json');
  await waitFor(
    async () => (await readFile(path, 'utf8').catch(() => '')).includes(name),
    `${name} in the seeding record`,
    5_000,
  );
}

/** Node 1 seeding a.bin (content from `seed`) and node 9 to ask; node 1's key file as written. */
async function seedingWithState(swarm: Swarm, seed: number) {
  const folder = await swarm.folderFor(1);
  const stateDir = join(folder, STATE_DIR_NAME);
  await writeRandomFile(join(folder, 'a.bin'), SIZE, seed);
  const [seeder, asker] = await swarm.addNodes([{ nodeId: 1 }, { nodeId: 9 }]);
  await seeded(seeder!, asker!, 'a.bin');
  await recorded(folder, 'a.bin');
  const key = await readFile(join(stateDir, IDENTITY_KEY_FILE), 'utf8');
  return { folder, stateDir, seeder, asker, key };
}

test('the node folder deleted and made again: the node writes its state folder again', {
  timeout: 30_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const { folder, stateDir, seeder, asker, key } = await seedingWithState(swarm, 1208);

    await rm(folder, { recursive: true });
    await waitFor(
      () => seeder!.lines.some((line) => line.endsWith(' withdrew a.bin at the tracker')),
      'a.bin withdrawn',
      5_000,
    );
    await mkdir(folder);
    await waitFor(
      () => existsSync(join(stateDir, 'seeding.json')),
      'the seeding record written again',
      5_000,
    );
    // Before, the state folder stayed gone: this seed's record could not be saved, and a restart
    // came up with a new key and nothing to seed.
    await writeRandomFile(join(folder, 'c.bin'), SIZE, 1209);
    const infohash = await seeded(seeder!, asker!, 'c.bin');
    const download = await downloadAndSettle(asker!, 'c.bin', 20_000);
    assert.equal(download.state, 'done', download.reason);
    assert.equal(
      await sha256File(join(asker!.folder, 'c.bin')),
      await sha256File(join(folder, 'c.bin')),
    );
    assert.equal(await readFile(join(stateDir, IDENTITY_KEY_FILE), 'utf8'), key);
    assert.equal(
      (await readFile(join(stateDir, LOCK_FILE_NAME), 'utf8')).split(' ')[0],
      `${process.pid}`,
    );
    await recorded(folder, 'c.bin'); // record writes take the changes of 100 ms along
    assert.deepEqual(JSON.parse(await readFile(join(stateDir, 'seeding.json'), 'utf8')).seeding, [
      'c.bin',
    ]);
    assert.deepEqual(
      seeder!.lines.filter((line) => /could not|took .* while it was gone/.test(line)),
      [],
    );

    await seeder!.exit();
    const again = await swarm.addNode({ nodeId: 1 });
    await waitFor(
      () => row(again.node, 'c.bin') === `seeding ${infohash}`,
      `c.bin seeded again after a restart (shows ${row(again.node, 'c.bin')})`,
      5_000,
    );
    assert.equal(await readFile(join(stateDir, IDENTITY_KEY_FILE), 'utf8'), key);
    assert.deepEqual(
      again.lines.filter((line) => line.includes('identity key')),
      [],
    );
  } finally {
    await swarm.close();
  }
});

test('the state folder deleted alone: the node makes it again, key and records included', {
  timeout: 30_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const { folder, stateDir, seeder, asker, key } = await seedingWithState(swarm, 1210);

    await rm(stateDir, { recursive: true });
    await writeRandomFile(join(folder, 'c.bin'), SIZE, 1211);
    await seeded(seeder!, asker!, 'c.bin');
    // Before: the key file and the lock stayed gone (a restart came up with a new key).
    await waitFor(
      () => existsSync(join(stateDir, IDENTITY_KEY_FILE)),
      'the state folder made again',
      5_000,
    );
    await waitFor(
      async () =>
        (await readFile(join(stateDir, 'seeding.json'), 'utf8').catch(() => '')).includes('c.bin'),
      'the seeding record written again',
      5_000,
    );
    assert.deepEqual(JSON.parse(await readFile(join(stateDir, 'seeding.json'), 'utf8')).seeding, [
      'a.bin',
      'c.bin',
    ]);
    assert.equal(await readFile(join(stateDir, IDENTITY_KEY_FILE), 'utf8'), key);
    assert.deepEqual(
      seeder!.lines.filter((line) => line.includes('could not')),
      [],
    );
  } finally {
    await swarm.close();
  }
});

test('with --seed-all, a file copied in later is seeded once it stops changing; one a person stopped is not', {
  timeout: 40_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const folder = await swarm.folderFor(1);
    await writeRandomFile(join(folder, 'old.bin'), SIZE, 1210);
    const [seeder, leecher, asker] = await swarm.addNodes([
      { nodeId: 1 },
      { nodeId: 2 },
      { nodeId: 9 },
    ]);
    // What run-peer does for --seed-all.
    await seeder!.node.seedAll({ alsoNewFiles: true });
    assert.deepEqual(await seeder!.node.unseed('old.bin'), { ok: true });

    // Copied in slowly (an SFTP upload, a USB stick): it grows for ~5 s, pausing 1.6 s at a
    // time, listed every second meanwhile. Unchanged between two listings in a pause, it was
    // seeded then, a version of each pause (found by a session).
    const slow = join(folder, 'new.bin');
    const CHUNKS = 4;
    await appendFile(slow, randomBytes(SIZE / 4));
    // Listed within a second; a busy machine may take longer than one append's pause.
    await waitFor(() => row(seeder!.node, 'new.bin') !== 'absent', 'new.bin listed', 5_000);
    // Shown as new, not as `not shared`: it is about to be seeded.
    for (let index = 1; index < CHUNKS; index++) {
      assert.equal(row(seeder!.node, 'new.bin'), 'new', `seeded while copied (${index})`);
      await appendFile(slow, randomBytes(SIZE / 4));
      await new Promise((resolve) => setTimeout(resolve, 1_600));
    }
    assert.equal(row(seeder!.node, 'new.bin'), 'new', 'seeded while copied (last)');
    await waitFor(
      () => row(seeder!.node, 'new.bin').startsWith('seeding '),
      `new.bin seeded (shows ${row(seeder!.node, 'new.bin')})`,
      15_000,
    );
    const infohash = row(seeder!.node, 'new.bin').slice('seeding '.length);
    assert.deepEqual(await ownersByInfohash(asker!, 'new.bin'), { [infohash]: [1] }, 'one version');
    assert.deepEqual(linesFrom(seeder!, 'new.bin is new').slice(0, 2), [
      'new.bin is new in the folder: seeding it once it stops changing',
      `seeding new.bin (${formatSize((SIZE / 4) * CHUNKS)}, ${infohash.slice(0, 8)})`,
    ]);
    const download = await downloadAndSettle(leecher!, 'new.bin', 20_000);
    assert.equal(download.state, 'done', download.reason);
    assert.equal(await sha256File(join(leecher!.folder, 'new.bin')), await sha256File(slow));
    assert.equal(row(seeder!.node, 'old.bin'), 'not-shared', 'the one a person stopped stays');
  } finally {
    await swarm.close();
  }
});

test('with --seed-all, a file another process still writes is not seeded until it is closed and quiet', {
  timeout: 40_000,
}, async () => {
  // A copy that stalls longer than the quiet period still has its file open (found by a
  // session: one being written when the node started was seeded half-copied).
  const swarm = await Swarm.start();
  const writer = spawn(
    'sh',
    ['-c', 'exec 3>>"$1"; printf x >&3; exec sleep 60', 'sh', 'busy.bin'],
    {
      cwd: await swarm.folderFor(1),
      stdio: 'ignore',
    },
  );
  try {
    const folder = await swarm.folderFor(1);
    await waitFor(
      async () => (await stat(join(folder, 'busy.bin')).catch(() => null)) !== null,
      'the writer',
    );
    const seeder = await swarm.addNode({ nodeId: 1 });
    assert.deepEqual(await seeder.node.seedAll({ alsoNewFiles: true }), []);
    await waitFor(() => row(seeder.node, 'busy.bin') !== 'absent', 'busy.bin listed');
    assert.equal(row(seeder.node, 'busy.bin'), 'new');
    assert.deepEqual(linesFrom(seeder, 'busy.bin'), [
      'busy.bin is still being written: seeding it once it stops changing',
    ]);
    // Unchanged for longer than the quiet period, but open: not seeded.
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    assert.equal(row(seeder.node, 'busy.bin'), 'new');
    writer.kill('SIGKILL');
    await waitFor(
      () => row(seeder.node, 'busy.bin').startsWith('seeding '),
      `busy.bin seeded once closed (shows ${row(seeder.node, 'busy.bin')})`,
      10_000,
    );
  } finally {
    writer.kill('SIGKILL');
    await swarm.close();
  }
});
