/**
 * An owner that stops sending for a second mid-transfer (a stall: its disk, its GC, its machine
 * busy) then sends what it held: the node's requests time out meanwhile and the replies come
 * after. Those replies are known for what they are (they echo the txid of the request given up
 * on): kept, not thrown away as unsolicited, and the loss they seemed to be is undone, so the
 * node does not pace itself "after losses" that never were. Before this, each download from an
 * owner under `--upload-limit` paced its requests for good (the view said `paced to … after
 * losses`) and dropped 10–25 late blocks as unsolicited. And blocks that only wait in such an
 * owner's queue, behind blocks arriving, are not asked twice. Real loopback UDP, SHA-256 of the
 * file; counts, never times.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PassthroughTransport } from '../../source/net/passthrough-transport.ts';
import type { RemoteAddress } from '../../source/net/transport.ts';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { Swarm, settled } from './harness/swarm.ts';

const MiB = 1024 * 1024;
const NAME = 'queued.bin';

/** Once `afterBytes` have gone out, holds everything sent for `stallMs`, then sends it in order. */
class StallOnce extends PassthroughTransport {
  private sentBytes = 0;
  private held: Array<{ bytes: Buffer; to: RemoteAddress }> | null = null;
  stalled = false;

  constructor(
    inner: ConstructorParameters<typeof PassthroughTransport>[0],
    private readonly afterBytes: number,
    private readonly stallMs: number,
  ) {
    super(inner);
  }

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    if (this.held !== null) {
      this.held.push({ bytes: Buffer.from(datagram.subarray(0, length)), to: { ...to } });
      return;
    }
    this.sentBytes += length;
    if (!this.stalled && this.sentBytes >= this.afterBytes) {
      this.stalled = true;
      this.held = [];
      setTimeout(() => {
        const held = this.held ?? [];
        this.held = null;
        for (const { bytes, to: address } of held) super.send(bytes, bytes.length, address);
      }, this.stallMs);
    }
    super.send(datagram, length, to);
  }
}

test('replies an owner held past the timeout are kept, and pace nothing', {
  timeout: 120_000,
}, async () => {
  const seed = 1701;
  const sizeBytes = 12 * MiB;
  const swarm = await Swarm.start();
  try {
    const expected = await writeRandomFile(join(await swarm.folderFor(1), NAME), sizeBytes, seed);
    let stall: StallOnce | null = null;
    const owner = await swarm.addNode({
      nodeId: 1,
      uploadLimitBytesPerSec: 2 * MiB,
      // A second: far past any timeout here, and short of the 3 s that make an owner dead.
      wrapOutbound: (transport) => {
        stall = new StallOnce(transport, 2 * MiB, 1_000);
        return stall;
      },
    });
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 2 });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    // What a view would show, read as often as it redraws.
    let samples = 0;
    let pacedSamples = 0;
    const watch = setInterval(() => {
      samples++;
      if (leecher.node.getSnapshot().limits.downlinkPacedBytesPerSec > 0) pacedSamples++;
    }, 100);
    const download = await settled(leecher, NAME, 90_000).finally(() => clearInterval(watch));
    const detail = `seed ${seed}:\n${leecher.lines.filter((l) => /paced|transfer/.test(l)).join('\n')}`;
    assert.equal(download.state, 'done', `${detail}\n${download.reason}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, detail);
    // Pacing that late replies undid is never told of: the log said `paced` and `unpaced
    // again` in the same second, five times in a 24 s download from a 4 MiB/s owner.
    assert.equal(leecher.lines.filter((l) => l.includes('requests paced to')).length, 0, detail);
    assert.ok(pacedSamples <= samples / 10, `${detail}\npaced in ${pacedSamples} of ${samples}`);
    const transfer = leecher.lines.find((l) => l.includes(`transfer ${NAME}:`)) ?? '';
    const counts = / (\d+) late blocks? kept.* (\d+) unsolicited/.exec(transfer);
    assert.ok(counts, detail);
    const [late, unsolicited] = [Number(counts[1]), Number(counts[2])];
    assert.ok((stall as StallOnce | null)?.stalled, 'the owner stalled');
    assert.ok(late > 0, `replies came late: ${detail}`);
    // A late reply is unrecognised only if its block was given up on twice before it came.
    assert.ok(unsolicited <= late / 4, detail);
  } finally {
    await swarm.close();
  }
});

test('blocks queued at an upload-limited owner behind others arriving are not asked twice', {
  timeout: 60_000,
}, async () => {
  // The retransmission timer restarts with each block the owner delivers (RFC 6298 5.3). Timed
  // from each request alone, 32 of this file's 192 blocks came twice (found by hand, 5 MiB/s).
  const seed = 1702;
  const swarm = await Swarm.start();
  try {
    const name = 'small.bin';
    const expected = await writeRandomFile(join(await swarm.folderFor(1), name), 3 * MiB, seed);
    const owner = await swarm.addNode({ nodeId: 1, uploadLimitBytesPerSec: 5 * MiB });
    assert.deepEqual(await owner.node.seed(name), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 2 });
    assert.deepEqual(leecher.node.download(name), { ok: true });
    const download = await settled(leecher, name, 50_000);
    const transfer = leecher.lines.find((l) => l.includes(`transfer ${name}:`)) ?? '';
    const detail = `seed ${seed}: ${transfer}`;
    assert.equal(download.state, 'done', `${detail}\n${download.reason}`);
    assert.equal(await sha256File(join(leecher.folder, name)), expected, detail);
    const counts = / (\d+) blocks? asked again, (\d+) late blocks? kept, (\d+) duplicate/.exec(
      transfer,
    );
    assert.ok(counts, detail);
    // Asked again and came twice: none. A late one kept (its timer ran out, its reply then came)
    // is what a stall of this loaded process makes of a block now and then: one in a fresh-clone
    // CI of 2026-12-07, none asked again; before the fix, 32 of 192 blocks came twice.
    assert.deepEqual(
      { askedAgain: Number(counts[1]), duplicate: Number(counts[3]) },
      { askedAgain: 0, duplicate: 0 },
      detail,
    );
    assert.ok(Number(counts[2]) <= 2, detail);
  } finally {
    await swarm.close();
  }
});
