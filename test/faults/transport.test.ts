/**
 * Transport faults the peer suite does not cover: bursts of loss (Gilbert–Elliott) with
 * truncated and padded datagrams on every socket both ways, and a partition of one owner that
 * later heals (the owner is shown dead, then probed, then used again). The file is exact and
 * retransmitted blocks are reported in every assertion message.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FaultProfile } from '../../source/net/faulty-transport.ts';
import type { RemoteAddress } from '../../source/net/transport.ts';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import {
  describeOwners,
  downloadRow,
  recordOwnerStates,
  Swarm,
  type SwarmNode,
  settled,
} from '../peer/harness/swarm.ts';
import { waitFor } from '../peer/harness/wait.ts';

const MiB = 1024 * 1024;
const NAME = 'transport.bin';
const LEECHER_ID = 10;

async function seededOwners(
  swarm: Swarm,
  ids: number[],
  sizeBytes: number,
  seed: number,
  extra: { inbound?: FaultProfile; outbound?: FaultProfile; uplinkBytesPerSec?: number },
): Promise<{ owners: SwarmNode[]; expected: string }> {
  let expected = '';
  const owners: SwarmNode[] = [];
  for (const id of ids) {
    expected = await writeRandomFile(join(await swarm.folderFor(id), NAME), sizeBytes, seed);
    const owner = await swarm.addNode({ nodeId: id, seed: seed + id, ...extra });
    assert.deepEqual(
      await owner.node.seed(NAME),
      { ok: true },
      `seed on node ${id} (seed ${seed})`,
    );
    owners.push(owner);
  }
  return { owners, expected };
}

test('a file arrives exact through bursts of loss and truncated and padded datagrams', {
  timeout: 60_000,
}, async (t) => {
  const seed = 1001;
  // Bad state entered by 1 % of datagrams, left by 30 %: bursts of ~3 lost in a row.
  const profile: FaultProfile = {
    burstLoss: { enter: 0.01, exit: 0.3 },
    truncate: 0.02,
    pad: 0.02,
  };
  const faults = { inbound: profile, outbound: profile };
  const swarm = await Swarm.start();
  try {
    const { expected } = await seededOwners(swarm, [1, 2, 3], 8 * MiB + 777, seed, faults);
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID, seed, ...faults });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const download = await settled(leecher, NAME, 45_000);
    const counts = leecher.faults.faultCounts();
    const context = `(seed ${seed}; ${download.state}: ${download.reason}; ${describeOwners(download)}; retransmitted blocks ${download.transfer?.retransmittedBlocks}; leecher faults in ${JSON.stringify(counts.inbound)})`;
    t.diagnostic(`${Math.round(download.finishedAtMs - download.startedAtMs)} ms ${context}`);
    assert.equal(download.state, 'done', context);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `SHA-256 ${context}`);
    assert.ok(counts.inbound.burstLost > 0, `bursts happened ${context}`);
    assert.ok(counts.inbound.truncated + counts.inbound.padded > 0, `cut/padded ${context}`);
    for (const owner of download.owners) {
      assert.equal(owner.strikes, 0, `a damaged datagram is loss, not a lie ${context}`);
    }
  } finally {
    await swarm.close();
  }
});

const isAddress =
  (target: RemoteAddress) =>
  (peer: RemoteAddress): boolean =>
    peer.port === target.port && peer.address === target.address;

test('an owner cut off by a partition is shown dead, and used again once the partition heals', {
  timeout: 60_000,
}, async () => {
  const seed = 1011;
  const swarm = await Swarm.start();
  try {
    // Slow uplinks: the transfer outlasts the 3 s silence that marks an owner dead.
    const { owners, expected } = await seededOwners(swarm, [1, 2], 20 * MiB, seed, {
      uplinkBytesPerSec: 2 * MiB,
    });
    const cut = owners[0]!;
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID, seed });
    const seen = recordOwnerStates(leecher, NAME);
    leecher.tripwire.arm(2 * MiB, () => leecher.faults.partition(isAddress(cut.address)));
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const delivered = () =>
      downloadRow(leecher, NAME)?.owners.find((o) => o.nodeId === cut.nodeId)?.bytesDelivered ?? 0;
    await waitFor(
      () => seen.get(cut.nodeId)?.has('dead') === true,
      `node ${cut.nodeId} shown dead behind the partition (seed ${seed})`,
      20_000,
    );
    const deliveredBeforeHeal = delivered();
    leecher.faults.heal();
    const download = await settled(leecher, NAME, 45_000);
    const row = downloadRow(leecher, NAME);
    const context = `(seed ${seed}; ${download.state}: ${download.reason}; ${describeOwners(download)}; retransmitted blocks ${row?.retransmittedBlocks}; node 1 delivered ${deliveredBeforeHeal} B before the heal, ${delivered()} B in all)`;
    assert.equal(download.state, 'done', context);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `SHA-256 ${context}`);
    assert.ok(delivered() > deliveredBeforeHeal, `the healed owner served again ${context}`);
    for (const owner of download.owners) assert.equal(owner.strikes, 0, context);
  } finally {
    await swarm.close();
  }
});
