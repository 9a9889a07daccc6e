/**
 * How `--download` and `--exit-when-done` end. Stopped before its downloads are done, a node
 * says of each whether the next start takes it up: until 2026-12-07 it said so of every one, a
 * name never found in the swarm too, and the next start did not. And a name given twice is one
 * download: it was refused the second time, and the command exited 1 though the file came
 * (both found by a session).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killAll, spawnCli, startCliSwarm } from './harness/cli.ts';
import { makeTempDir, sha256File, writeRandomFile } from './harness/files.ts';

const cleanups: Array<() => Promise<void>> = [];

after(async () => {
  await killAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A CLI tracker and node 1 seeding `name` (`sizeBytes` of `seed`) with `flags`. */
async function seededSwarm(name: string, sizeBytes: number, seed: number, flags: string[] = []) {
  const dir = await makeTempDir('download-exit');
  cleanups.push(dir.remove);
  const { common, files } = await startCliSwarm(dir.path);
  await mkdir(join(files, 'node1'), { recursive: true });
  const expected = await writeRandomFile(join(files, 'node1', name), sizeBytes, seed);
  const seeder = spawnCli(['peer', '--id', '1', '--seed', name, ...flags, ...common]);
  const seeding = await seeder.waitForLine(new RegExp(`seeding ${name.replaceAll('.', '\\.')}`));
  // `seeding one.bin (1.0 MiB, 60a78124)`: the start of its infohash.
  const prefix = /, ([0-9a-f]{8})\)$/.exec(seeding)?.[1] ?? '';
  return { common, files, expected, prefix };
}

test('stopped early, each download is said to be taken up or not, as the next start does', {
  timeout: 60_000,
}, async () => {
  const { common } = await seededSwarm('slow.bin', 4 * 1024 * 1024, 41, ['--upload-limit', '256K']);
  const wanted = ['--download', 'slow.bin', '--download', 'typo.bin'];
  const leecher = spawnCli(['peer', '--id', '2', ...wanted, '--exit-when-done', ...common]);
  await leecher.waitForLine(/slow\.bin: downloading/);
  await leecher.waitForLine(/typo\.bin: waiting/);
  leecher.signal('SIGINT');
  assert.deepEqual(await leecher.waitForExit(20_000), { code: 1, signal: null });
  assert.deepEqual(leecher.stderr, [
    'bt-tui: stopped before every download was done (slow.bin); the next start takes it up',
    'bt-tui: stopped before typo.bin was done; the next start does not take it up by itself: --download typo.bin does',
  ]);

  // The next start: slow.bin is taken up, typo.bin is not.
  const again = spawnCli(['peer', '--id', '2', '--exit-when-done', ...common]);
  await again.waitForLine(/resuming slow\.bin/);
  again.signal('SIGINT');
  await again.waitForExit(20_000);
  assert.ok(!again.stdout.some((line) => line.includes('typo.bin')), again.stdout.join('\n'));
});

test('a name given twice to --download, or by its prefix too, is one download; asked again once here, it is done', {
  timeout: 60_000,
}, async () => {
  const { common, files, expected, prefix } = await seededSwarm('one.bin', 1024 * 1024, 42);
  // Also by its prefix: one download (found by a session: refused as `already being downloaded`).
  const twice = [
    '--download',
    'one.bin',
    '--download',
    `one.bin@${prefix}`,
    '--download',
    'one.bin',
  ];
  const leecher = spawnCli(['peer', '--id', '2', ...twice, '--exit-when-done', ...common]);
  assert.deepEqual(await leecher.waitForExit(30_000), { code: 0, signal: null });
  assert.deepEqual(leecher.stderr, []);
  assert.equal(await sha256File(join(files, 'node2', 'one.bin')), expected);

  // Asked again once it has the file (and seeds it again at start): nothing to do, exit 0.
  // Until 2026-12-07: `already here (seeding)`, exit 1. Seeded again after another file of the
  // record that takes a while to hash: asked before its turn, it was `already here (not
  // shared)`, exit 1 (found by a session).
  await writeRandomFile(join(files, 'node2', 'aaa.bin'), 48 * 1024 * 1024, 43);
  await writeFile(
    join(files, 'node2', '.bt-tui', 'seeding.json'),
    `${JSON.stringify({ version: 1, seeding: ['aaa.bin', 'one.bin'] })}\n`,
  );
  const again = spawnCli([
    'peer',
    '--id',
    '2',
    '--download',
    'one.bin',
    '--exit-when-done',
    ...common,
  ]);
  assert.deepEqual(await again.waitForExit(30_000), { code: 0, signal: null });
  assert.deepEqual(again.stderr, [
    'bt-tui: --download one.bin: already here and seeded; nothing to download',
  ]);
});
