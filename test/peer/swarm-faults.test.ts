/**
 * Downloads through a hostile network: the FaultyTransport loses, duplicates, reorders and
 * corrupts datagrams both ways on the leecher and on every owner (tracker traffic included).
 * The file must still arrive byte-identical; corruption must look like loss (the datagram
 * checksum drops it), never like a lie: no honest owner gets a strike.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FaultCounts, FaultProfile } from '../../source/net/faulty-transport.ts';
import { sha256File, writeRandomFile } from './harness/files.ts';
import {
  describeOwners,
  downloadAndSettle,
  finalRow,
  Swarm,
  type SwarmNode,
} from './harness/swarm.ts';

const MiB = 1024 * 1024;
const NAME = 'faulty.bin';
const FILE_BYTES = 6 * MiB + 12_345;
const OWNER_IDS = [1, 2, 3];
const LEECHER_ID = 10;

/** Runs a 3-owner download with `profile` on every socket, both ways; returns what happened. */
async function downloadThrough(
  profile: FaultProfile,
  seed: number,
): Promise<{ context: string; nodes: SwarmNode[]; strikes: number[]; states: string[] }> {
  const swarm = await Swarm.start();
  try {
    let expected = '';
    for (const id of OWNER_IDS) {
      expected = await writeRandomFile(join(await swarm.folderFor(id), NAME), FILE_BYTES, seed);
    }
    const faulty = { inbound: profile, outbound: profile };
    const nodes: SwarmNode[] = [];
    for (const id of OWNER_IDS) {
      const owner = await swarm.addNode({ nodeId: id, seed: seed + id, ...faulty });
      assert.deepEqual(
        await owner.node.seed(NAME),
        { ok: true },
        `seed on node ${id} (seed ${seed})`,
      );
      nodes.push(owner);
    }
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID, seed, ...faulty });
    nodes.push(leecher);
    const download = await downloadAndSettle(leecher, NAME, 60_000);
    const context = `(seed ${seed}, faults ${JSON.stringify(profile)}; ${describeOwners(download)})`;
    assert.equal(download.state, 'done', `state: ${download.reason} ${context}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `SHA-256 ${context}`);
    assert.equal(leecher.node.budget.inFlightBlocks, 0, `in-flight budget released ${context}`);
    // What a person sees: the snapshot's owner rows.
    const row = await finalRow(leecher, NAME);
    return {
      context,
      nodes,
      strikes: row.owners.map((owner) => owner.strikes),
      states: row.owners.map((owner) => owner.state),
    };
  } finally {
    await swarm.close();
  }
}

/** Faults of one kind applied over every node, both directions. */
function applied(nodes: SwarmNode[], kind: keyof FaultCounts): number {
  let total = 0;
  for (const node of nodes) {
    const counts = node.faults.faultCounts();
    total += counts.inbound[kind] + counts.outbound[kind];
  }
  return total;
}

test('a file arrives exact through 5% loss both ways', { timeout: 60_000 }, async () => {
  const seed = 501;
  const { context, nodes } = await downloadThrough({ loss: 0.05 }, seed);
  assert.ok(applied(nodes, 'lost') > 5, `datagrams were lost ${context}`);
});

test('a file arrives exact through 20% duplication', { timeout: 60_000 }, async () => {
  const seed = 502;
  const { context, nodes, strikes } = await downloadThrough({ duplicate: 0.2 }, seed);
  assert.ok(applied(nodes, 'duplicated') > 5, `datagrams were duplicated ${context}`);
  assert.deepEqual(strikes, [0, 0, 0], `duplicates are no offence ${context}`);
});

test('a file arrives exact through reordering (20%, up to 20 ms)', {
  timeout: 60_000,
}, async () => {
  const seed = 503;
  const profile = { reorder: 0.2, reorderMaxDelayMs: 20 };
  const { context, nodes, strikes } = await downloadThrough(profile, seed);
  assert.ok(applied(nodes, 'reordered') > 5, `datagrams were reordered ${context}`);
  assert.deepEqual(strikes, [0, 0, 0], `late blocks are no offence ${context}`);
});

test('bit corruption in transit is loss, never a strike against an honest owner', {
  timeout: 60_000,
}, async () => {
  const seed = 504;
  const { context, nodes, strikes, states } = await downloadThrough({ corrupt: 0.01 }, seed);
  assert.ok(applied(nodes, 'corrupted') > 5, `datagrams were corrupted ${context}`);
  assert.deepEqual(strikes, [0, 0, 0], `no honest owner got a strike ${context}`);
  assert.ok(!states.includes('banned'), `no honest owner was banned ${context}`);
});
