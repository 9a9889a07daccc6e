/**
 * Issue 11, a node on its own (its tracker never answers): it opens at once instead of waiting
 * for the tracker, seeds while still registering, shows a file it cannot read as an error with
 * the reason (not "hashing 0 %" forever) and lists what it cannot share with why.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { systemClock } from '../../source/clock.ts';
import { Logger } from '../../source/log/logger.ts';
import { PeerNode } from '../../source/peer/peer-node.ts';
import type { LocalFileSnapshot } from '../../source/peer/peer-snapshot.ts';
import { freeUdpPort } from '../e2e/harness.ts';
import { makeTempDir } from './harness/files.ts';
import { waitFor } from './harness/wait.ts';

const nodes: PeerNode[] = [];
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const node of nodes) await node.exit();
  for (const cleanup of cleanups) await cleanup();
});

/** A node whose tracker is a port nobody listens on; files placed in its folder first. */
async function lonelyNode(
  nodeId: number,
  files: Record<string, string>,
): Promise<{ node: PeerNode; lines: string[]; folder: string }> {
  const dir = await makeTempDir('lonely');
  cleanups.push(dir.remove);
  const folder = join(dir.path, 'files', `node${nodeId}`);
  await mkdir(folder, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text);
  const lines: string[] = [];
  const opened = await PeerNode.open({
    nodeId,
    host: '127.0.0.1',
    port: 0,
    tracker: { address: '127.0.0.1', port: await freeUdpPort() },
    filesDir: join(dir.path, 'files'),
    maxOwners: 3,
    blockSizeBytes: 16384,
    giveUpWithoutOwnersMs: null,
    clock: systemClock,
    logger: new Logger({ filePath: null, clock: systemClock, echo: (line) => lines.push(line) }),
  });
  assert.ok(opened.ok);
  nodes.push(opened.node);
  return { node: opened.node, lines, folder };
}

async function rowOf(node: PeerNode, name: string): Promise<LocalFileSnapshot> {
  let row: LocalFileSnapshot | undefined;
  await waitFor(() => {
    row = node.getSnapshot().files.find((file) => file.name === name);
    return row !== undefined;
  }, `the snapshot to list ${name}`);
  return row!;
}

test('open() returns before the tracker answers, and the node seeds while still registering', async () => {
  const startedMs = performance.now();
  const { node } = await lonelyNode(1, { 'a.txt': 'hello\n' });
  // The first registration alone retries for ~12 s against a silent tracker.
  assert.ok(performance.now() - startedMs < 2_000, 'open() did not wait for the tracker');
  assert.equal(node.getSnapshot().tracker.status, 'registering');
  assert.deepEqual(await node.seed('a.txt'), { ok: true });
  await waitFor(
    async () => (await rowOf(node, 'a.txt')).state.kind === 'seeding',
    'a.txt to show as seeding',
  );
  assert.notEqual(node.getSnapshot().tracker.status, 'registered');
});

test('stopping a seed while its file is hashed stops the hashing: not shared, and said so', async () => {
  // `s` again in My files: before, it joined the hash under way and the file was seeded anyway
  // (a wrong 50 GB file hashed on for minutes; only quitting the node stopped it).
  const { node, folder, lines } = await lonelyNode(3, { 'huge.bin': '' });
  await truncate(join(folder, 'huge.bin'), 1024 * 1024 * 1024); // holes: read fast, no disk
  const seeding = node.seed('huge.bin');
  const state = () => node.getSnapshot().files.find((file) => file.name === 'huge.bin')?.state;
  await waitFor(() => state()?.kind === 'hashing', 'huge.bin hashing', 5_000, 1);
  assert.deepEqual(await node.unseed('huge.bin'), { ok: true });
  const stopped = await seeding;
  assert.equal(stopped.ok, false);
  assert.match(stopped.ok ? '' : stopped.reason, /^stopped hashing huge\.bin at \d+%$/);
  await waitFor(() => state()?.kind === 'not-shared', 'huge.bin not shared');
  assert.ok(!lines.some((line) => / seeding huge\.bin \(/.test(line)), lines.join('\n'));
});

test('a file the node cannot read ends as an error with the reason, not hashing forever', async () => {
  const { node, folder } = await lonelyNode(2, { 'secret.bin': 'not for you\n' });
  const path = join(folder, 'secret.bin');
  await chmod(path, 0o000);
  // root reads anything: act as nobody for the seed, with the folders open to everyone.
  const asRoot = process.geteuid?.() === 0;
  if (asRoot) {
    // Only this test's own temp folders (node folder, files/, the temp root), nothing above.
    for (const dir of [folder, join(folder, '..'), join(folder, '..', '..')]) {
      await chmod(dir, 0o755);
    }
    process.seteuid!(65534);
  }
  let outcome: Awaited<ReturnType<PeerNode['seed']>>;
  try {
    outcome = await node.seed('secret.bin');
  } finally {
    if (asRoot) process.seteuid!(0);
  }
  const reason = `cannot read secret.bin: EACCES: permission denied, open '${path}'`;
  assert.deepEqual(outcome, { ok: false, reason });
  assert.deepEqual((await rowOf(node, 'secret.bin')).state, { kind: 'error', reason });
});

test('My files lists a folder and a FIFO as unsupported with why, and seed-all leaves them alone', async () => {
  const { node, folder } = await lonelyNode(3, { 'plain.txt': 'abc' });
  await mkdir(join(folder, 'album'));
  execFileSync('mkfifo', [join(folder, 'pipe')]);
  assert.deepEqual(await node.seedAll(), [{ ok: true }]);
  await waitFor(
    () =>
      node.getSnapshot().files.length === 3 &&
      node.getSnapshot().files.at(-1)?.state.kind === 'seeding',
    'the snapshot to list the folder, the FIFO and plain.txt seeding',
  );
  const [album, pipe, plain] = node.getSnapshot().files;
  assert.deepEqual(album, {
    name: 'album',
    sizeBytes: 0,
    state: { kind: 'unsupported', reason: 'a folder: only plain files can be shared' },
  });
  assert.deepEqual(pipe, {
    name: 'pipe',
    sizeBytes: 0,
    state: { kind: 'unsupported', reason: 'a FIFO (named pipe): only plain files can be shared' },
  });
  assert.deepEqual([plain?.name, plain?.state.kind], ['plain.txt', 'seeding']);
  assert.deepEqual(await node.seed('album'), {
    ok: false,
    reason: 'name "album" refused: it is a folder, not a file',
  });
});

test('seed-all says once what it leaves out and why, also of what appears later', async () => {
  // Headless, a file left out said nothing anywhere (until 2026-12-06, found by hand).
  const { node, folder, lines } = await lonelyNode(4, {
    'plain.txt': 'abc',
    'back\\slash.bin': 'abc',
  });
  await mkdir(join(folder, 'album'));
  const notSeeding = () =>
    lines.filter((line) => line.includes('not seeding')).map((line) => line.replace(/^\S+ /, ''));
  assert.deepEqual(await node.seedAll({ alsoNewFiles: true }), [{ ok: true }]);
  assert.deepEqual(notSeeding(), [
    'not seeding album: a folder: only plain files can be shared',
    'not seeding back\\slash.bin: its name contains a backslash, a path separator on Windows',
  ]);
  await writeFile(join(folder, 'bad\nname.bin'), 'abc');
  await waitFor(() => notSeeding().length === 3, 'the new entry said', 5_000);
  assert.equal(
    notSeeding()[2],
    'not seeding "bad\\nname.bin": its name contains a control character',
  );
  // Listed again and again: said once.
  const listed = node.getSnapshot().files.length;
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  assert.equal(node.getSnapshot().files.length, listed);
  assert.equal(notSeeding().length, 3);
});
