/**
 * Issue 11: a node's log lines give sizes and rates the way the views do (formatSize /
 * formatRate): `300.0 KiB`, `8.0 MiB`, never a raw byte count or `0.3 MiB` for 300 KiB; and a
 * download's states in the view's words (`fetching metainfo`, not `fetching-metainfo`).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatSize } from '../../source/format.ts';
import { writeRandomFile } from './harness/files.ts';
import { downloadAndSettle, Swarm } from './harness/swarm.ts';

const KiB = 1024;

test('the listening and done lines give sizes and rates in binary units', async () => {
  const swarm = await Swarm.start();
  try {
    await writeRandomFile(join(await swarm.folderFor(1), 'log.bin'), 300 * KiB, 1301);
    const owner = await swarm.addNode({ nodeId: 1 });
    assert.deepEqual(await owner.node.seed('log.bin'), { ok: true });
    const leecher = await swarm.addNode({ nodeId: 2 });
    const download = await downloadAndSettle(leecher, 'log.bin', 20_000);
    assert.equal(download.state, 'done', download.reason);

    const granted = formatSize(leecher.node.endpoint.transport.receiveBufferBytes);
    const listening = leecher.lines.find((line) => line.includes(' node 2 listening on '));
    assert.match(
      listening ?? '',
      new RegExp(
        `\\(receive buffer ${granted.replace('.', '\\.')}, UDP batched by recvmmsg/sendmmsg, segmented and coalesced \\(GSO/GRO\\)\\)`,
      ),
    );
    const done = leecher.lines.find((line) => line.includes(' done log.bin: '));
    assert.match(
      done ?? leecher.lines.join('\n'),
      / done log\.bin: 300\.0 KiB in \d+\.\d\d s \(\d+(\.\d)? (B|KiB|MiB|GiB)\/s\), SHA-256 of every piece verified$/,
    );
    // A file this small gets no CPU figure per GiB: the process's start-up would be most of it.
    const transfer = leecher.lines.find((line) => line.includes(' transfer log.bin: '));
    assert.match(
      transfer ?? leecher.lines.join('\n'),
      / transfer log\.bin: \d+ REQUESTs?, .* damaged blocks; process CPU \d+\.\d\d core-s(;|$)/,
    );
    const sources = leecher.lines.find((line) => line.includes(' sources of log.bin: '));
    assert.match(
      sources ?? leecher.lines.join('\n'),
      / sources of log\.bin: node 1 300\.0 KiB \(verified data each owner delivered\)$/,
    );
    // States in words, as the view says them, not as the code names them.
    const states = leecher.lines.filter((line) => / log\.bin: [a-z -]+$/.test(line));
    assert.ok(
      states.some((line) => line.endsWith(' log.bin: fetching metainfo')),
      states.join('\n'),
    );
    for (const line of [...leecher.lines, ...owner.lines]) {
      assert.doesNotMatch(line, /\d{4,} B\b/, 'no raw byte count');
      assert.doesNotMatch(
        line,
        /fetching-metainfo|waiting-for-owners/,
        'no state as code names it',
      );
    }
  } finally {
    await swarm.close();
  }
});
