/**
 * Slow (~25 s): a partial owner whose own download ends is a complete owner. Its HAVEs made it
 * one; a BITFIELD holding every piece did not, and the leecher's row read `◐128/128` and its
 * legend `◐partial` until the leecher's download ended (found by a session). Real loopback UDP;
 * a seeder held to 512 KiB/s, node 2 downloading freely with every HAVE it sends lost (the
 * leecher learns its pieces from BITFIELDs alone), node 3 held to 32 KiB/s so that it is still
 * downloading when node 2 is done.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PassthroughTransport } from '../../source/net/passthrough-transport.ts';
import type { RemoteAddress } from '../../source/net/transport.ts';
import { decode } from '../../source/protocol/codec.ts';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { downloadRow, Swarm, settled } from '../peer/harness/swarm.ts';
import { waitFor } from '../peer/harness/wait.ts';

const KiB = 1024;
const NAME = 'grows.bin';

/** Drops every HAVE the node sends. */
class HavesLost extends PassthroughTransport {
  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    const decoded = decode(Buffer.from(datagram.buffer, datagram.byteOffset, length));
    if (decoded.ok && decoded.message.type === 'have') return;
    super.send(datagram, length, to);
  }
}

test('a partial owner that finished its download reads as a complete owner', {
  timeout: 90_000,
}, async () => {
  const seed = 3720;
  const swarm = await Swarm.start();
  try {
    const seeder = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 512 * KiB });
    const expected = await writeRandomFile(join(seeder.folder, NAME), 2048 * KiB, seed);
    assert.deepEqual(await seeder.node.seed(NAME), { ok: true });
    const partial = await swarm.addNode({
      nodeId: 2,
      wrapOutbound: (transport) => new HavesLost(transport),
    });
    assert.deepEqual(partial.node.download(NAME), { ok: true });
    await waitFor(
      () => downloadRow(partial, NAME)?.partialOwner === true,
      'node 2 listed as a partial owner',
      20_000,
    );
    const leecher = await swarm.addNode({ nodeId: 3, downloadLimitBytesPerSec: 32 * KiB });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const ownerRow = () =>
      downloadRow(leecher, NAME)?.owners.find((owner) => owner.nodeId === 2) ?? null;
    await waitFor(
      () => ownerRow()?.complete === false,
      `node 2 met as a partial owner (seed ${seed})`,
      20_000,
    );
    assert.equal((await settled(partial, NAME, 30_000)).state, 'done', `seed ${seed}`);
    await waitFor(
      () => ownerRow()?.complete === true,
      `node 2 shown complete once its download ended (seed ${seed}): ${JSON.stringify(ownerRow())}`,
      30_000,
    );
    assert.equal(downloadRow(leecher, NAME)?.state, 'downloading', 'node 3 still downloading');
    assert.equal(ownerRow()?.piecesHave, null);
    assert.equal(await sha256File(join(partial.folder, NAME)), expected, `seed ${seed}`);
  } finally {
    await swarm.close();
  }
});
