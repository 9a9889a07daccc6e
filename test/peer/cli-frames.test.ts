/**
 * Blocks that fit one Ethernet frame, end to end through the real binary and the real socket
 * (no test wrapper, which would send datagram by datagram): the owners send each run segmented
 * (UDP GSO), the leecher's kernel hands them over coalesced (UDP GRO) and the engine splits them
 * back into blocks. On a LAN the engine picks these blocks by itself (the route's MTU); on
 * loopback `--block-size 1447` asks for them. Every byte must arrive exact.
 */
import assert from 'node:assert/strict';
import { link, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UNFRAGMENTED_BLOCK_BYTES } from '../../source/peer/download/block-transfer.ts';
import { killAll, spawnCli, startCliSwarm } from './harness/cli.ts';
import { makeTempDir, sha256File, writeRandomFile } from './harness/files.ts';

const MiB = 1024 * 1024;
const NAME = 'frames.bin';
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await killAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('frame-sized blocks from two owners: sent segmented, received coalesced, file exact', {
  timeout: 60_000,
}, async () => {
  assert.equal(UNFRAGMENTED_BLOCK_BYTES, 1_447, 'a 1,500-byte frame less IPv4, UDP, DATA headers');
  const seed = 1419;
  const dir = await makeTempDir('cli-frames');
  cleanups.push(dir.remove);
  const { tracker, common, files } = await startCliSwarm(dir.path);
  await mkdir(join(files, 'node1'), { recursive: true });
  await mkdir(join(files, 'node2'), { recursive: true });
  const expected = await writeRandomFile(join(files, 'node1', NAME), 24 * MiB, seed);
  await link(join(files, 'node1', NAME), join(files, 'node2', NAME));
  const owners = [1, 2].map((id) =>
    spawnCli(['peer', '--id', String(id), '--seed', NAME, ...common]),
  );
  for (const owner of owners) await owner.waitForLine(/seeding frames\.bin/);
  await tracker.waitForLine(/owns node 2 frames\.bin/);

  const leecher = spawnCli(
    ['peer', '--id', '3', '--download', NAME, '--exit-when-done', ...common].concat([
      '--block-size',
      String(UNFRAGMENTED_BLOCK_BYTES),
    ]),
  );
  const transfer = await leecher.waitForLine(/transfer frames\.bin: /, 45_000);
  const ended = await leecher.waitForExit(30_000);
  const output = [...leecher.stdout, ...leecher.stderr].slice(-10).join('\n');
  assert.deepEqual(ended, { code: 0, signal: null }, `leecher (seed ${seed}):\n${output}`);
  assert.equal(await sha256File(join(files, 'node3', NAME)), expected, `SHA-256 (seed ${seed})`);
  // 24 MiB in 1,447-byte blocks is 17,392 DATA datagrams; most come coalesced.
  const datagrams = Math.ceil((24 * 1024 * 1024) / UNFRAGMENTED_BLOCK_BYTES);
  const coalesced = Number(/; (\d+) datagrams arrived coalesced \(GRO\)$/.exec(transfer)?.[1] ?? 0);
  assert.ok(coalesced > datagrams / 2, `most DATA arrived coalesced: ${transfer}`);
});
