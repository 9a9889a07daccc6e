import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pieceSizeFor } from '../../source/config.ts';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { buildMetainfo, type HashProgress } from '../../source/peer/metainfo-builder.ts';
import { decodeMetainfo, encodeMetainfo, infohashOf } from '../../source/protocol/metainfo.ts';

const root = await mkdtemp(join(tmpdir(), 'bt-tui-builder-'));
after(() => rm(root, { recursive: true, force: true }));

const KiB = 1024;
const MiB = 1024 * KiB;
const SEED = 20260101;

/** A file of `sizeBytes` seeded random bytes; returns its path and content. */
async function writeRandomFile(
  name: string,
  sizeBytes: number,
): Promise<{ path: string; content: Buffer }> {
  const content = new SeededRandom(SEED + sizeBytes).bytes(sizeBytes);
  const path = join(root, name);
  await writeFile(path, content);
  return { path, content };
}

/** SHA-256 of every piece, computed here independently of the builder. */
function expectedHashes(content: Buffer, pieceSizeBytes: number): Buffer {
  const hashes: Buffer[] = [];
  for (let at = 0; at < content.length; at += pieceSizeBytes) {
    hashes.push(
      createHash('sha256')
        .update(content.subarray(at, at + pieceSizeBytes))
        .digest(),
    );
  }
  return Buffer.concat(hashes);
}

describe('buildMetainfo', () => {
  const pieceSize = pieceSizeFor(0);
  const cases: Array<[string, number, number]> = [
    ['an empty file', 0, 0],
    ['a 1-byte file', 1, 1],
    ['an exact multiple of the piece size', 3 * pieceSize, 3],
    ['one byte more than a piece', pieceSize + 1, 2],
  ];
  for (const [what, sizeBytes, pieces] of cases) {
    test(`hashes ${what} into ${pieces} piece(s) equal to sha256 of each slice (seed ${SEED})`, async () => {
      const { path, content } = await writeRandomFile(`f${sizeBytes}.bin`, sizeBytes);
      const progress: HashProgress[] = [];
      const built = await buildMetainfo(path, 'file.bin', { onProgress: (p) => progress.push(p) });
      assert.equal(built.metainfo.pieceSizeBytes, pieceSizeFor(sizeBytes));
      assert.equal(built.metainfo.pieceHashes.length, pieces * 32);
      assert.deepEqual(
        built.metainfo.pieceHashes,
        expectedHashes(content, built.metainfo.pieceSizeBytes),
        `seed ${SEED}`,
      );
      assert.equal(built.metainfo.name, 'file.bin');
      assert.equal(built.metainfo.sizeBytes, sizeBytes);
      assert.equal(built.sizeBytes, sizeBytes);
      assert.equal(built.mtimeMs, (await stat(path)).mtimeMs);
      assert.deepEqual(built.encoded, encodeMetainfo(built.metainfo));
      assert.deepEqual(built.infohash, infohashOf(built.encoded));
      const decoded = decodeMetainfo(built.encoded);
      assert.ok(decoded.ok);
      assert.deepEqual(decoded.metainfo, built.metainfo);
      assert.deepEqual(progress, [{ hashedBytes: sizeBytes, totalBytes: sizeBytes }]);
    });
  }

  test('reports progress about every 64 MiB and at the end', async () => {
    const sizeBytes = 64 * MiB + 256 * KiB;
    const { path } = await writeRandomFile('progress.bin', sizeBytes);
    const progress: HashProgress[] = [];
    await buildMetainfo(path, 'progress.bin', { onProgress: (p) => progress.push(p) });
    assert.deepEqual(progress, [
      { hashedBytes: 64 * MiB, totalBytes: sizeBytes },
      { hashedBytes: sizeBytes, totalBytes: sizeBytes },
    ]);
  });

  test('throws "changed while hashing" when the file grows during hashing', async () => {
    const { path } = await writeRandomFile('growing.bin', 64 * MiB + 1);
    await assert.rejects(
      buildMetainfo(path, 'growing.bin', {
        // Progress at 64 MiB happens mid-file: a writer appends right then.
        onProgress: (p) => {
          if (p.hashedBytes < p.totalBytes) appendFileSync(path, 'more');
        },
      }),
      { message: 'growing.bin changed while hashing' },
    );
  });

  test('stops with the abort reason when aborted', async () => {
    const { path } = await writeRandomFile('aborted.bin', 1000);
    const controller = new AbortController();
    controller.abort(new Error('user cancelled'));
    await assert.rejects(buildMetainfo(path, 'aborted.bin', { signal: controller.signal }), {
      message: 'user cancelled',
    });
  });

  test('gives the same infohash for the same content and a different one for another name', async () => {
    const { path } = await writeRandomFile('same.bin', 5000);
    const a = await buildMetainfo(path, 'same.bin');
    const b = await buildMetainfo(path, 'same.bin');
    const c = await buildMetainfo(path, 'other.bin');
    assert.deepEqual(a.infohash, b.infohash);
    assert.notDeepEqual(a.infohash, c.infohash);
  });
});
