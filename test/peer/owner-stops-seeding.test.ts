/**
 * An owner that stops seeding the file mid-download but stays up (its file changed on disk, or
 * its person stopped the seed) answers every probe's HELLO and refuses every request
 * `not-seeding`. It is probed with a growing back-off, as an owner that does not answer is:
 * before, the answered HELLO ended the back-off, and the leecher probed it (and logged it dead)
 * every 1.5 s for as long as the download waited. Its death is logged once, not per failed probe
 * (a line every 15 s while it waited). Real loopback UDP; counts, never times.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DatagramTransport } from '../../source/net/transport.ts';
import { writeRandomFile } from './harness/files.ts';
import { HelloCounter } from './harness/hello-counter.ts';
import { downloadRow, Swarm, type SwarmNode } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const MiB = 1024 * 1024;
const NAME = 'withdrawn.bin';

/**
 * Node 1 seeds a 16 MiB file of `seed` at 2 MiB/s; node 2 (its transport wrapped by `wrap`)
 * downloads it and has verified more than `pieces` pieces.
 */
async function downloadUnderWay(
  swarm: Swarm,
  seed: number,
  options: { pieces?: number; wrap?: (transport: DatagramTransport) => DatagramTransport } = {},
) {
  const path = join(await swarm.folderFor(1), NAME);
  await writeRandomFile(path, 16 * MiB, seed);
  const owner = await swarm.addNode({ nodeId: 1, uploadLimitBytesPerSec: 2 * MiB });
  assert.deepEqual(await owner.node.seed(NAME), { ok: true });
  const leecher = await swarm.addNode(
    options.wrap ? { nodeId: 2, wrapOutbound: options.wrap } : { nodeId: 2 },
  );
  assert.deepEqual(leecher.node.download(NAME), { ok: true });
  const pieces = options.pieces ?? 0;
  await waitFor(
    () => (downloadRow(leecher, NAME)?.piecesVerified ?? 0) > pieces,
    `more than ${pieces} pieces verified`,
  );
  return { path, owner, leecher };
}

const waitingForOwners = (leecher: SwarmNode) =>
  waitFor(
    () => downloadRow(leecher, NAME)?.state === 'waiting-for-owners',
    'the download waiting for owners',
    10_000,
  );

test('an owner that stops seeding mid-download is probed with a growing back-off', {
  timeout: 60_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    let hellos: HelloCounter | null = null;
    const { owner, leecher } = await downloadUnderWay(swarm, 1801, {
      wrap: (transport) => {
        hellos = new HelloCounter(transport);
        return hellos;
      },
    });
    const probes = () => hellos!.saidTo(owner.address.port);
    assert.deepEqual(await owner.node.unseed(NAME), { ok: true });
    const dead = () => leecher.lines.filter((line) => line.includes('node 1 is dead')).length;
    await waitFor(() => dead() > 0, 'node 1 dead');
    const first = probes();
    // 12 s: probes 1, 2, 4 and 8 s apart fit at most 4 more; every 1.5 s it was 8.
    await sleep(12_000);
    const more = probes() - first;
    const log = leecher.lines.join('\n');
    assert.ok(more <= 4, `${more} more probes in 12 s:\n${log}`);
    assert.ok(more >= 1, `probed again at all:\n${log}`);
    assert.equal(dead(), 1, `its death logged once, not per probe:\n${log}`);
  } finally {
    await swarm.close();
  }
});

test('a download whose file nobody owns any more says so when another file of its name has owners', {
  timeout: 60_000,
}, async () => {
  // Its source changed it: the seeder seeds the new content under a new infohash, and Swarm
  // files lists the name with an owner while the download waited for the old file, saying only
  // "every owner is gone" (found by hand).
  const swarm = await Swarm.start();
  try {
    const { path, owner, leecher } = await downloadUnderWay(swarm, 1802);
    assert.deepEqual(await owner.node.unseed(NAME), { ok: true });
    await waitingForOwners(leecher);
    await writeRandomFile(path, 16 * MiB, 1803);
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    const other = owner.node.getSnapshot().files.find((file) => file.name === NAME)?.state;
    const otherHex = other?.kind === 'seeding' ? other.infohashHex.slice(0, 8) : '?';
    const said = `another ${NAME} (${otherHex}) has 1 owner: R, then d (delete the part file), then d in Swarm files`;
    // The ownerless search backs off 1, 2, 4, 8 s: within 16 s of the new seed.
    await waitFor(() => downloadRow(leecher, NAME)?.reason === said, said, 20_000);
    assert.equal(downloadRow(leecher, NAME)?.state, 'waiting-for-owners');
    const lines = leecher.lines.filter((line) => line.includes(`another ${NAME}`));
    assert.equal(lines.length, 1, `said once in the log:\n${leecher.lines.join('\n')}`);
  } finally {
    await swarm.close();
  }
});

test('a file rewritten in place while it is served: nothing changed goes out, no strike, no ban', {
  timeout: 60_000,
}, async () => {
  // The folder listing notices a change within a second; what was read meanwhile went out as
  // the hashed file, failed verification three times in that second, and the downloader banned
  // the honest seeder (found by hand). Now each read checks its file's size and time first.
  const swarm = await Swarm.start();
  try {
    const { path, owner, leecher } = await downloadUnderWay(swarm, 1804, { pieces: 2 });
    // In place, same size: the inode stays, only the content and the time change.
    const fresh = randomBytes(16 * MiB);
    const handle = await open(path, 'r+');
    await handle.write(fresh, 0, fresh.length, 0);
    await handle.close();
    await waitingForOwners(leecher);
    const log = leecher.lines.join('\n');
    assert.ok(!/strike|banned/.test(log), `no strike, no ban:\n${log}`);
    assert.ok(
      owner.lines.some((line) =>
        line.endsWith(`cannot serve ${NAME}: it changed on disk since it was hashed`),
      ),
      owner.lines.join('\n'),
    );
  } finally {
    await swarm.close();
  }
});
