/**
 * A host that loses fragments of what it receives (many datagrams wait for fragments) fetches
 * new pieces in blocks that fit one Ethernet frame, so a lost frame loses one small block and
 * nothing waits in the fragment reassembly memory (see UNFRAGMENTED_BLOCK_BYTES). Loopback
 * fragments nothing, so the count is the test's own. Real UDP with seeded loss on the
 * leecher's inbound side; the file must arrive exact, from blocks of both sizes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PassthroughTransport } from '../../source/net/passthrough-transport.ts';
import type { RemoteAddress } from '../../source/net/transport.ts';
import { UNFRAGMENTED_BLOCK_BYTES } from '../../source/peer/download/block-transfer.ts';
import { STUCK_FRAGMENT_QUEUES } from '../../source/peer/download/fragment-loss.ts';
import { DATA_HEADER_BYTES } from '../../source/protocol/codec.ts';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadAndSettle, Swarm } from './harness/swarm.ts';

const MiB = 1024 * 1024;
const FILE_BYTES = 8 * MiB;
const NAME = 'framed.bin';
const OWNER_IDS = [1, 2, 3];
const LEECHER_ID = 10;

/** Counts the DATA datagrams an owner sends whose block fits one frame. */
class FramedBlocks extends PassthroughTransport {
  count = 0;

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    if (length === DATA_HEADER_BYTES + UNFRAGMENTED_BLOCK_BYTES) this.count++;
    super.send(datagram, length, to);
  }
}

async function download(readFragmentQueues: () => number | null, seed: number) {
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
      readFragmentQueues,
    });
    const settled = await downloadAndSettle(leecher, NAME, 80_000);
    const detail = `seed ${seed}: ${settled.state} ${settled.reason}`;
    assert.equal(settled.state, 'done', detail);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, detail);
    const framedBytes =
      framed.reduce((sum, counted) => sum + counted.count, 0) * UNFRAGMENTED_BLOCK_BYTES;
    return { detail, framedBytes, lines: leecher.lines };
  } finally {
    await swarm.close();
  }
}

test('a host losing fragments fetches new pieces in blocks that fit one frame', {
  timeout: 90_000,
}, async () => {
  // Every read finds datagrams that wait for fragments that do not come.
  const { detail, framedBytes, lines } = await download(() => STUCK_FRAGMENT_QUEUES, 1601);
  assert.ok(
    lines.some((line) => /fragments of arriving datagrams are being lost/.test(line)),
    `${detail}: no log line`,
  );
  assert.ok(framedBytes >= FILE_BYTES / 2, `${detail}: only ${framedBytes} B in framed blocks`);
});

test('a host that loses no fragments keeps 16 KiB blocks, loss or not', {
  timeout: 90_000,
}, async () => {
  const { detail, framedBytes } = await download(() => STUCK_FRAGMENT_QUEUES - 1, 1602);
  assert.equal(framedBytes, 0, detail);
});
