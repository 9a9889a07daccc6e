/**
 * `--exit-when-done --seed-time S`, for real (processes, UDP on 127.0.0.1): a leecher that is
 * done goes on serving the file it downloaded, so a later leecher gets it from that one alone once
 * the seeder has left; a shutdown signal ends the wait (exit 0), and without one the node exits
 * by itself once the time is up, not before.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killAll, spawnCli, startCliSwarm } from './harness/cli.ts';
import { makeTempDir, sha256File, writeRandomFile } from './harness/files.ts';
import { timeOf } from './harness/log-lines.ts';

const MiB = 1024 * 1024;
const NAME = 'big.bin';
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await killAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A tracker, and a seeder of an 8 MiB file; the flags every peer of the test shares. */
async function swarmWithSeeder(seed: number) {
  const dir = await makeTempDir('cli-seed-time');
  cleanups.push(dir.remove);
  const { tracker, common, files } = await startCliSwarm(dir.path);
  await mkdir(join(files, 'node1'), { recursive: true });
  const expected = await writeRandomFile(join(files, 'node1', NAME), 8 * MiB, seed);
  const seeder = spawnCli(['peer', '--id', '1', '--seed', NAME, ...common]);
  await tracker.waitForLine(/owns node 1 big\.bin/);
  return { tracker, seeder, common, files, expected };
}

test('a done leecher with --seed-time serves the next one after the seeder left; SIGTERM ends it', {
  timeout: 90_000,
}, async () => {
  const seed = 4411;
  const { tracker, seeder, common, files, expected } = await swarmWithSeeder(seed);
  const first = spawnCli(
    ['peer', '--id', '2', '--download', NAME, '--exit-when-done', '--seed-time', '60'].concat(
      common,
    ),
  );
  await first.waitForLine(
    /every download verified; seeding 60 s more \(--seed-time\), then exiting$/,
    30_000,
  );
  assert.equal(await sha256File(join(files, 'node2', NAME)), expected, `first (seed ${seed})`);

  // The seeder leaves (EXIT): the only owner left is the leecher that is done.
  seeder.signal('SIGTERM');
  assert.deepEqual(await seeder.waitForExit(), { code: 0, signal: null });
  await tracker.waitForLine(/exited node 1 \(1 file lost an owner\)$/);

  const second = spawnCli(['peer', '--id', '3', '--download', NAME, '--exit-when-done', ...common]);
  const ended = await second.waitForExit(60_000);
  const output = [...second.stdout, ...second.stderr].slice(-8).join('\n');
  assert.deepEqual(ended, { code: 0, signal: null }, `second (seed ${seed}):\n${output}`);
  assert.equal(await sha256File(join(files, 'node3', NAME)), expected, `second (seed ${seed})`);
  assert.match(
    second.stdout.find((line) => line.includes(' sources of big.bin: ')) ?? '',
    /sources of big\.bin: node 2 8\.0 MiB \(verified data each owner delivered\)$/,
  );

  // Still seeding (60 s are far from over); a shutdown signal ends the wait, cleanly.
  assert.equal(first.child.exitCode, null, 'the first leecher is still running');
  first.signal('SIGTERM');
  assert.deepEqual(await first.waitForExit(10_000), { code: 0, signal: null });
  assert.match(first.stdout.at(-1) ?? '', /exited the swarm$/);
});

test('--seed-time 1.5: the node exits 0 by itself once the time is up, not before', {
  timeout: 60_000,
}, async () => {
  const seed = 4412;
  const { common, files, expected } = await swarmWithSeeder(seed);
  const leecher = spawnCli(
    ['peer', '--id', '2', '--download', NAME, '--exit-when-done', '--seed-time', '1.5'].concat(
      common,
    ),
  );
  assert.deepEqual(await leecher.waitForExit(30_000), { code: 0, signal: null });
  assert.equal(await sha256File(join(files, 'node2', NAME)), expected, `SHA-256 (seed ${seed})`);
  const waitedMs =
    timeOf(leecher.stdout, / exited the swarm$/) -
    timeOf(
      leecher.stdout,
      / every download verified; seeding 1\.5 s more \(--seed-time\), then exiting$/,
    );
  assert.ok(waitedMs >= 1_500, `exited ${waitedMs} ms after the line, before the 1.5 s were up`);
  assert.deepEqual(leecher.stderr, []);
});
