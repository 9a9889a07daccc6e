/**
 * A host that loses fragments of what it receives (many datagrams wait for fragments) fetches
 * new pieces in blocks of three frames, and in blocks that fit one frame once what waits holds
 * half its reassembly memory, so a lost frame leaves little or nothing waiting there (see
 * LOSING_FRAGMENTS_BLOCK_BYTES). Loopback fragments nothing, so the count is the test's own.
 * Real UDP with seeded loss on the leecher's inbound side; the file must arrive exact, from
 * blocks of several sizes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatSize } from '../../source/format.ts';
import {
  type FragmentQueues,
  readFragmentMemoryCeiling,
} from '../../source/net/fragment-queues.ts';
import { PassthroughTransport } from '../../source/net/passthrough-transport.ts';
import type { RemoteAddress } from '../../source/net/transport.ts';
import {
  LOSING_FRAGMENTS_BLOCK_BYTES,
  UNFRAGMENTED_BLOCK_BYTES,
} from '../../source/peer/download/block-transfer.ts';
import {
  NEAR_FULL_SHARE,
  STUCK_FRAGMENT_QUEUES,
} from '../../source/peer/download/fragment-loss.ts';
import { DATA_HEADER_BYTES } from '../../source/protocol/codec.ts';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadAndSettle, Swarm } from './harness/swarm.ts';

const MiB = 1024 * 1024;
const FILE_BYTES = 8 * MiB;
const NAME = 'framed.bin';
const OWNER_IDS = [1, 2, 3];
const LEECHER_ID = 10;

/** Counts the DATA datagrams an owner sends whose block has three frames, or one. */
class FramedBlocks extends PassthroughTransport {
  threeFrames = 0;
  oneFrame = 0;

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    if (length === DATA_HEADER_BYTES + LOSING_FRAGMENTS_BLOCK_BYTES) this.threeFrames++;
    if (length === DATA_HEADER_BYTES + UNFRAGMENTED_BLOCK_BYTES) this.oneFrame++;
    super.send(datagram, length, to);
  }
}

/**
 * The leecher's transport as on a host whose 16 KiB blocks cross the wire in fragments (no GRO,
 * so no blocks sized to one frame): only such a host reads its fragment queues.
 */
class FragmentingPath extends PassthroughTransport {
  override unfragmentedPayloadBytes(): null {
    return null;
  }
}

async function download(reading: FragmentQueues, seed: number) {
  const swarm = await Swarm.start();
  try {
    const framed: FramedBlocks[] = [];
    let expected = '';
    for (const nodeId of OWNER_IDS) {
      const path = join(await swarm.folderFor(nodeId), NAME);
      expected = await writeRandomFile(path, FILE_BYTES, seed);
      const owner = await swarm.addNode({
        nodeId,
        wrapOutbound: (transport) => {
          const counted = new FramedBlocks(transport);
          framed.push(counted);
          return counted;
        },
      });
      assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    }
    const leecher = await swarm.addNode({
      nodeId: LEECHER_ID,
      seed,
      inbound: { loss: 0.05 },
      // Slow enough that the pieces begun before the count's second read (100 ms) are few.
      downloadLimitBytesPerSec: 4 * MiB,
      readFragmentQueues: () => reading,
      wrapOutbound: (transport) => new FragmentingPath(transport),
    });
    const settled = await downloadAndSettle(leecher, NAME, 80_000);
    const detail = `seed ${seed}: ${settled.state} ${settled.reason}`;
    assert.equal(settled.state, 'done', detail);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, detail);
    const threeFrameBytes =
      framed.reduce((sum, counted) => sum + counted.threeFrames, 0) * LOSING_FRAGMENTS_BLOCK_BYTES;
    const oneFrameBytes =
      framed.reduce((sum, counted) => sum + counted.oneFrame, 0) * UNFRAGMENTED_BLOCK_BYTES;
    return { detail, threeFrameBytes, oneFrameBytes, lines: leecher.lines };
  } finally {
    await swarm.close();
  }
}

test('a host losing fragments fetches new pieces in blocks of three frames', {
  timeout: 90_000,
}, async () => {
  // Every read finds many datagrams that wait for fragments that do not come, holding little.
  const { detail, threeFrameBytes, oneFrameBytes, lines } = await download(
    { queues: STUCK_FRAGMENT_QUEUES, bytes: 100_000 },
    1601,
  );
  assert.ok(
    lines.some((line) =>
      /fragments of arriving datagrams are being lost: new pieces come in 4407-byte blocks, three frames each/.test(
        line,
      ),
    ),
    `${detail}: no log line`,
  );
  assert.ok(threeFrameBytes >= FILE_BYTES / 2, `${detail}: only ${threeFrameBytes} B in them`);
  assert.equal(oneFrameBytes, 0, detail);
});

test('a host whose fragment memory is half full fetches new pieces in blocks of one frame', {
  timeout: 90_000,
}, async () => {
  // The node compares with this host's own ceiling (4 MiB by default).
  const ceiling = readFragmentMemoryCeiling();
  const bytes = Math.ceil(ceiling * NEAR_FULL_SHARE);
  const { detail, threeFrameBytes, oneFrameBytes, lines } = await download(
    { queues: STUCK_FRAGMENT_QUEUES * 2, bytes },
    1603,
  );
  const logged = `datagrams waiting for lost fragments hold ${formatSize(bytes)} of the host's ${formatSize(ceiling)}: new pieces come in 1447-byte blocks, each in one frame`;
  assert.ok(
    lines.some((line) => line.endsWith(logged)),
    `${detail}: no line ${logged}`,
  );
  assert.ok(oneFrameBytes >= FILE_BYTES / 2, `${detail}: only ${oneFrameBytes} B in them`);
  assert.equal(threeFrameBytes, 0, detail);
});

test('a host that loses no fragments keeps 16 KiB blocks, loss or not', {
  timeout: 90_000,
}, async () => {
  const { detail, threeFrameBytes, oneFrameBytes } = await download(
    { queues: STUCK_FRAGMENT_QUEUES - 1, bytes: 100_000 },
    1602,
  );
  assert.equal(threeFrameBytes + oneFrameBytes, 0, detail);
});
