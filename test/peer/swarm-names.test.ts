/**
 * Names are never paths and files are never overwritten: hostile names are refused by
 * node.download() with a sentence for a person; a name the node folder already has is refused
 * before a download starts, and one appearing while it runs fails it; that file is never touched.
 */
import assert from 'node:assert/strict';
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { withoutTime } from './harness/log-lines.ts';
import { Swarm, settled } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const LEECHER_ID = 10;

/** Each hostile name and the exact refusal a person reads. */
const HOSTILE_NAMES: Array<[name: string, reason: string]> = [
  ['../x', 'name "../x" refused: it is not a plain file name (contains a path separator)'],
  ['a/b', 'name "a/b" refused: it is not a plain file name (contains a path separator)'],
  ['a\\b', 'name "a\\\\b" refused: it is not a plain file name (contains a path separator)'],
  [
    '/etc/passwd',
    'name "/etc/passwd" refused: it is not a plain file name (contains a path separator)',
  ],
  ['', 'name "" refused: it is empty'],
  ['.', 'name "." refused: it is not a plain file name (it is "." or "..")'],
  ['..', 'name ".." refused: it is not a plain file name (it is "." or "..")'],
  ['x\0y', 'name "x\\u0000y" refused: it contains a NUL character'],
  ['a\nb', 'name "a\\nb" refused: it contains a control character'],
  [
    'n'.repeat(256),
    `name "${'n'.repeat(56)}…${'n'.repeat(23)}" refused: it is longer than 255 bytes in UTF-8`,
  ],
  [
    '.bt-tui',
    'name ".bt-tui" refused: names starting with ".bt-tui" are reserved for bt-tui\'s own files',
  ],
];

test('node.download() refuses every hostile name with its exact reason and touches nothing', async () => {
  const swarm = await Swarm.start();
  try {
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID });
    // Where a traversal would land: the node folder, its parent (`../x`) and below.
    const files = join(swarm.root, 'files');
    const before = await readdir(files, { recursive: true });
    for (const [name, reason] of HOSTILE_NAMES) {
      assert.deepEqual(leecher.node.download(name), { ok: false, reason }, JSON.stringify(name));
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.deepEqual(leecher.node.getSnapshot().downloads, [], 'no download was started');
    assert.deepEqual(await readdir(files, { recursive: true }), before, 'no file appeared');
  } finally {
    await swarm.close();
  }
});

test('a download of a name the folder already has is refused and leaves that file alone', async () => {
  const swarm = await Swarm.start();
  try {
    await writeRandomFile(join(await swarm.folderFor(1), 'x'), 300 * KiB, 801);
    const owner = await swarm.addNode({ nodeId: 1 });
    assert.deepEqual(await owner.node.seed('x'), { ok: true });
    const mine = await writeRandomFile(join(await swarm.folderFor(LEECHER_ID), 'x'), 5_000, 802);
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID });
    // Refused before a download starts (issue 11): the file is here, whatever its state.
    assert.deepEqual(leecher.node.download('x'), {
      ok: false,
      reason: 'x is already here (not shared): seed it, or move it away first',
    });
    // Logged once, as it is: before, `x: x is already here (not shared)`.
    assert.deepEqual(
      leecher.lines.map(withoutTime).filter((line) => line.includes('already here')),
      ['x is already here (not shared): seed it, or move it away first'],
    );
    const path = join(leecher.folder, 'x');
    assert.deepEqual(leecher.node.getSnapshot().downloads, []);
    assert.equal(await sha256File(path), mine, 'the existing file is unchanged');
    await assert.rejects(access(`${path}.part`), 'no part file was made');
  } finally {
    await swarm.close();
  }
});

test('a file of the same name appearing during the download is not overwritten', {
  timeout: 30_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const expected = await writeRandomFile(join(await swarm.folderFor(1), 'y'), 2 * MiB, 803);
    // A slow owner, so the download is surely still running when the file appears.
    const owner = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 4 * MiB });
    assert.deepEqual(await owner.node.seed('y'), { ok: true });
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID });
    const path = join(leecher.folder, 'y');
    let appeared: Promise<void> | null = null;
    leecher.tripwire.arm(256 * KiB, () => {
      appeared = writeFile(path, 'mine, not yours\n');
    });
    assert.deepEqual(leecher.node.download('y'), { ok: true });
    await waitFor(() => appeared !== null, 'the download to be under way');
    await appeared;
    const download = await settled(leecher, 'y', 20_000);
    assert.equal(download.state, 'failed');
    assert.equal(download.reason, `${path} already exists; not overwriting it`);
    assert.equal(await readFile(path, 'utf8'), 'mine, not yours\n', 'the file is unchanged');
    // The verified bytes are kept in the part file; nothing is lost.
    assert.equal(await sha256File(`${path}.part`), expected, 'the part file holds the download');
  } finally {
    await swarm.close();
  }
});

test('files with 245- and 254-byte names are seeded and downloaded', {
  timeout: 30_000,
}, async () => {
  // 245 bytes: the metainfo cache's temp file beside `<name>.json` and the resume record's
  // `<name>.metainfo.tmp` are over NAME_MAX (seeding failed with ENAMETOOLONG); `<name>.part`
  // fits. 254 bytes: `<name>.part` is over NAME_MAX too, and the part file is named by the
  // name's start and a hash (until 2026-12-06 the download failed: `the name is too long`).
  const long = 'n'.repeat(245);
  const tooLong = 'é'.repeat(127);
  const swarm = await Swarm.start();
  try {
    const expected = await writeRandomFile(join(await swarm.folderFor(1), long), MiB, 804);
    const expectedTooLong = await writeRandomFile(
      join(await swarm.folderFor(1), tooLong),
      300 * KiB,
      805,
    );
    const owner = await swarm.addNode({ nodeId: 1 });
    assert.deepEqual(await owner.node.seed(long), { ok: true });
    assert.deepEqual(await owner.node.seed(tooLong), { ok: true });
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID });
    assert.deepEqual(leecher.node.download(long), { ok: true });
    assert.deepEqual(leecher.node.download(tooLong), { ok: true });
    const done = await settled(leecher, long, 20_000);
    assert.equal(done.state, 'done', done.reason);
    assert.equal(await sha256File(join(leecher.folder, long)), expected);
    const alsoDone = await settled(leecher, tooLong, 20_000);
    assert.equal(alsoDone.state, 'done', alsoDone.reason);
    assert.equal(await sha256File(join(leecher.folder, tooLong)), expectedTooLong);
  } finally {
    await swarm.close();
  }
});
