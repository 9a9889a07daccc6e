/**
 * A download stopped in the middle, for the tests of what a later run does with its part file:
 * node 1 seeds `name` (slowly, so the stop surely comes mid-way) and a leecher exits once
 * `stopAfterBytes` have arrived. Also a byte of a piece damaged on disk, to see it fetched again.
 */
import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import type { Swarm, SwarmNode } from './swarm.ts';
import { waitFor } from './wait.ts';

const MiB = 1024 * 1024;

/** The leecher's first run, already stopped; `name` must be in node 1's folder. */
export async function downloadStoppedMidWay(
  swarm: Swarm,
  name: string,
  leecherId: number,
  seed: number,
  stopAfterBytes = 3 * MiB,
): Promise<SwarmNode> {
  const owner = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 8 * MiB });
  assert.deepEqual(await owner.node.seed(name), { ok: true });
  const firstRun = await swarm.addNode({ nodeId: leecherId });
  let stopping: Promise<void> | null = null;
  firstRun.tripwire.arm(stopAfterBytes, () => {
    stopping = firstRun.exit();
  });
  assert.deepEqual(firstRun.node.download(name), { ok: true });
  await waitFor(() => stopping !== null, `the first run to stop mid-way (seed ${seed})`, 20_000);
  await stopping;
  return firstRun;
}

/** Flips every bit of the byte at `offset` of the file at `path`. */
export async function damageByteAt(path: string, offset: number): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, offset);
    byte[0] = byte[0]! ^ 0xff;
    await file.write(byte, 0, 1, offset);
  } finally {
    await file.close();
  }
}
