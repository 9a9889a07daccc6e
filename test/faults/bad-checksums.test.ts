/**
 * A leecher checks the CRC of a DATA datagram only when the piece it belongs to fails its
 * SHA-256 (the hash already covers every byte; checking each datagram on arrival cost a CRC of
 * every byte received). These tests hold the promises the eager check gave: a block damaged in
 * transit is fetched again and nobody is blamed for it; an owner whose blocks always arrive
 * damaged (on purpose, to cost us a piece hash per datagram) is struck; the file arrives exact
 * either way.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { PassthroughTransport } from '../../source/net/passthrough-transport.ts';
import type { DatagramTransport, RemoteAddress } from '../../source/net/transport.ts';
import { DATA_HEADER_BYTES } from '../../source/protocol/codec.ts';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { describeOwners } from '../peer/harness/swarm.ts';
import { World } from './harness/world.ts';

const NAME = 'checked.bin';
const MiB = 1024 * 1024;
const SIZE_BYTES = 4 * MiB;
const DATA_TYPE_CODE = 0x86;
const CHECKSUM_OFFSET = 9;

/** Damages outgoing DATA: a bit of the payload, or of the checksum field, in every `nth` datagram. */
class DataDamager extends PassthroughTransport {
  damaged = 0;
  private sent = 0;

  constructor(
    inner: DatagramTransport,
    private readonly nth: number,
    private readonly where: 'payload' | 'checksum',
  ) {
    super(inner);
  }

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    if (
      datagram[3] === DATA_TYPE_CODE &&
      length > DATA_HEADER_BYTES &&
      ++this.sent % this.nth === 0
    ) {
      const copy = Buffer.from(datagram.subarray(0, length));
      const at =
        this.where === 'payload' ? DATA_HEADER_BYTES + (this.sent % 1000) : CHECKSUM_OFFSET;
      copy[at]! ^= 0x10;
      this.damaged++;
      this.inner.send(copy, length, to);
      return;
    }
    this.inner.send(datagram, length, to);
  }
}

async function downloadFrom(
  damage: { nth: number; where: 'payload' | 'checksum'; everyOwner?: boolean },
  seed: number,
  sizeBytes = SIZE_BYTES,
): Promise<{
  context: string;
  sha256: string;
  expected: string;
  world: World;
  damager: DataDamager;
  strikes: Map<number, number>;
  damagedBlocks: number;
}> {
  const world = await World.create('bt-checksums-');
  await world.startTracker(60_000);
  let expected = '';
  let damager: DataDamager | null = null;
  for (const id of [1, 2]) {
    const folder = join(world.filesDir, `node${id}`);
    await mkdir(folder, { recursive: true });
    expected = await writeRandomFile(join(folder, NAME), sizeBytes, seed);
    const wrap =
      id === 2 || damage.everyOwner
        ? (inner: DatagramTransport) => {
            damager = new DataDamager(inner, damage.nth, damage.where);
            return damager;
          }
        : undefined;
    const owner = await world.addPeer(id, wrap);
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });
  }
  const leecher = await world.addPeer(10);
  assert.deepEqual(leecher.node.download(NAME), { ok: true });
  const [download] = await leecher.node.whenDownloadsSettled();
  const strikes = new Map(download!.owners.map((owner) => [owner.nodeId, owner.strikes]));
  const context = `(seed ${seed}) ${download!.state}: ${download!.reason}; ${describeOwners(download!)}`;
  const sha256 = await sha256File(join(world.filesDir, 'node10', NAME));
  const damagedBlocks = download!.transfer?.damagedBlocks ?? 0;
  return { context, sha256, expected, world, damager: damager!, strikes, damagedBlocks };
}

test('a block damaged in transit is fetched again and its owner is not blamed', async () => {
  const run = await downloadFrom({ nth: 40, where: 'payload' }, 8101);
  try {
    assert.equal(run.sha256, run.expected, `file exact ${run.context}`);
    assert.ok(run.damager.damaged > 0, `some DATA was damaged ${run.context}`);
    assert.ok(run.damagedBlocks > 0, `the leecher found damaged blocks ${run.context}`);
    assert.deepEqual([...run.strikes.values()], [0, 0], `nobody struck ${run.context}`);
  } finally {
    await run.world.close();
  }
});

test('an owner whose every block arrives damaged is struck, and the file still arrives', async () => {
  const run = await downloadFrom({ nth: 1, where: 'payload' }, 8102);
  try {
    assert.equal(run.sha256, run.expected, `file exact ${run.context}`);
    assert.equal(run.strikes.get(1), 0, `the honest owner is not struck ${run.context}`);
    assert.ok((run.strikes.get(2) ?? 0) >= 1, `the bad-checksum owner is struck ${run.context}`);
  } finally {
    await run.world.close();
  }
});

test('damage that falls on every owner alike (our own link) strikes nobody, even over an eighth', async () => {
  // Every 7th DATA of both owners: 14 % of each one's blocks, over the eighth that strikes an
  // owner whose blocks alone arrive damaged (before 2026-12-07 both were struck here).
  const run = await downloadFrom({ nth: 7, where: 'payload', everyOwner: true }, 8104, 8 * MiB);
  try {
    assert.equal(run.sha256, run.expected, `file exact ${run.context}`);
    assert.ok(run.damagedBlocks > 2 * 16, `many damaged blocks found ${run.context}`);
    assert.deepEqual([...run.strikes.values()], [0, 0], `nobody struck ${run.context}`);
  } finally {
    await run.world.close();
  }
});

test('a bad checksum on the right bytes costs nothing: the piece hash is what decides', async () => {
  const run = await downloadFrom({ nth: 1, where: 'checksum' }, 8103);
  try {
    assert.equal(run.sha256, run.expected, `file exact ${run.context}`);
    assert.equal(
      run.damagedBlocks,
      0,
      `no piece failed, so no checksum was checked ${run.context}`,
    );
    assert.deepEqual([...run.strikes.values()], [0, 0], `nobody struck ${run.context}`);
  } finally {
    await run.world.close();
  }
});
