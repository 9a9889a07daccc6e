/**
 * Whole downloads over real loopback UDP, in one process: every file size with an edge (empty,
 * one byte, one block, an exact number of pieces, a large file) from one owner and from three,
 * each checked by the SHA-256 of the downloaded file.
 */
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { describeOwners, downloadAndSettle, Swarm } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const NAME = 'file.bin';
const LEECHER_ID = 10;

/** Sizes with an edge: nothing, one byte, exactly one 16 KiB block, exactly two 256 KiB pieces. */
const SIZES = [
  { label: '0 bytes', sizeBytes: 0 },
  { label: '1 byte', sizeBytes: 1 },
  { label: 'one block (16 KiB)', sizeBytes: 16 * KiB },
  { label: 'two whole pieces (512 KiB)', sizeBytes: 2 * 256 * KiB },
];

/**
 * Seeds `sizeBytes` of random bytes (content from `seed`) on `ownerCount` nodes, downloads it on
 * another and checks the result, the owners and the swarm's follow-up (the leecher seeds it).
 */
async function downloadsExactly(
  ownerCount: number,
  sizeBytes: number,
  seed: number,
): Promise<void> {
  const swarm = await Swarm.start();
  try {
    let expected = '';
    for (let id = 1; id <= ownerCount; id++) {
      expected = await writeRandomFile(join(await swarm.folderFor(id), NAME), sizeBytes, seed);
    }
    for (let id = 1; id <= ownerCount; id++) {
      const owner = await swarm.addNode({ nodeId: id });
      assert.deepEqual(await owner.node.seed(NAME), { ok: true }, `seed on node ${id}`);
    }
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID });
    const download = await downloadAndSettle(leecher, NAME, 60_000);
    const context = `(seed ${seed}, ${ownerCount} owners, ${sizeBytes} B; ${describeOwners(download)})`;
    assert.equal(download.state, 'done', `state ${download.reason} ${context}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `SHA-256 ${context}`);
    await assert.rejects(
      access(join(leecher.folder, `${NAME}.part`)),
      `no part file left ${context}`,
    );
    for (const owner of download.owners) {
      assert.equal(owner.strikes, 0, `strikes of node ${owner.nodeId} ${context}`);
      assert.notEqual(owner.state, 'banned', `node ${owner.nodeId} ${context}`);
    }
    // UPDATE: the tracker credited each owner with exactly the verified bytes it delivered.
    const credited = new Map<number, number>();
    for (const line of swarm.trackerLines) {
      const match = / credited node (\d+) -> node (\d+) \+(\d+) B /.exec(line);
      if (match && Number(match[1]) === LEECHER_ID)
        credited.set(Number(match[2]), (credited.get(Number(match[2])) ?? 0) + Number(match[3]));
    }
    const delivered = new Map(
      download.owners
        .filter((owner) => owner.verifiedBytes > 0)
        .map((owner) => [owner.nodeId, owner.verifiedBytes]),
    );
    assert.deepEqual(credited, delivered, `credits at the tracker ${context}`);
    assert.equal(
      [...delivered.values()].reduce((sum, bytes) => sum + bytes, 0),
      sizeBytes,
      `verified bytes add up to the file ${context}`,
    );
    // The snapshot is rebuilt on a timer: wait for the row rather than read it at once.
    await waitFor(
      () =>
        leecher.node.getSnapshot().files.find((file) => file.name === NAME)?.state.kind ===
        'seeding',
      `the leecher to seed what it downloaded ${context}`,
    );
  } finally {
    await swarm.close();
  }
}

for (const ownerCount of [1, 3]) {
  describe(`a download from ${ownerCount} owner${ownerCount > 1 ? 's' : ''}`, () => {
    for (const [index, { label, sizeBytes }] of SIZES.entries()) {
      test(`delivers a file of ${label} byte-identical`, () =>
        downloadsExactly(ownerCount, sizeBytes, 100 + index));
    }
  });
}

test('delivers a 64 MiB file from 3 owners byte-identical', { timeout: 60_000 }, () =>
  downloadsExactly(3, 64 * MiB, 164),
);
