import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildMetainfo } from '../../source/peer/metainfo-builder.ts';
import { loadCachedMetainfo, saveCachedMetainfo } from '../../source/peer/metainfo-cache.ts';
import { type NodeFolder, openNodeFolder } from '../../source/peer/node-folder.ts';

const root = await mkdtemp(join(tmpdir(), 'bt-tui-cache-'));
after(() => rm(root, { recursive: true, force: true }));

let nextNodeId = 1;
/** A fresh node folder holding `name` (3000 bytes), hashed and cached. */
async function cachedFile(name: string) {
  const folder = await openNodeFolder(root, nextNodeId++);
  const path = join(folder.path, name);
  await writeFile(path, Buffer.alloc(3000, 9));
  const built = await buildMetainfo(path, name);
  const stamp = { sizeBytes: built.sizeBytes, mtimeMs: built.mtimeMs, ctimeMs: built.ctimeMs };
  await saveCachedMetainfo(folder, name, stamp, built.encoded);
  return { folder, built, stamp };
}

function cacheFile(folder: NodeFolder, name: string): string {
  return join(folder.stateDir, 'meta', `${name}.json`);
}

describe('metainfo cache', () => {
  test('returns the saved metainfo while size and mtime are unchanged', async () => {
    const { folder, built, stamp } = await cachedFile('hit.bin');
    const hit = await loadCachedMetainfo(folder, 'hit.bin', stamp);
    assert.ok(hit);
    assert.deepEqual(hit.encoded, built.encoded);
    assert.deepEqual(hit.infohash, built.infohash);
    assert.deepEqual(hit.metainfo, built.metainfo);
    assert.deepEqual(await readdir(join(folder.stateDir, 'meta')), ['hit.bin.json']);
  });

  test('misses when the size, the mtime or the ctime changed', async () => {
    const { folder, stamp } = await cachedFile('changed.bin');
    assert.equal(
      await loadCachedMetainfo(folder, 'changed.bin', { ...stamp, sizeBytes: stamp.sizeBytes + 1 }),
      null,
    );
    assert.equal(
      await loadCachedMetainfo(folder, 'changed.bin', { ...stamp, mtimeMs: stamp.mtimeMs + 1 }),
      null,
    );
    // Edited in place with its mtime put back (touch -r): only the ctime tells.
    assert.equal(
      await loadCachedMetainfo(folder, 'changed.bin', { ...stamp, ctimeMs: stamp.ctimeMs + 1 }),
      null,
    );
  });

  test('misses when nothing was cached', async () => {
    const { folder, stamp } = await cachedFile('one.bin');
    assert.equal(await loadCachedMetainfo(folder, 'never.bin', stamp), null);
  });

  test('misses on a corrupt entry: bad JSON, bad base64, undecodable metainfo, wrong shape', async () => {
    const { folder, stamp } = await cachedFile('corrupt.bin');
    const path = cacheFile(folder, 'corrupt.bin');
    const good = JSON.parse(await readFile(path, 'utf8')) as { metainfo: string };
    const corruptions = [
      '{"sizeBytes": 3000, "mtimeMs": ',
      JSON.stringify({
        ...stamp,
        metainfo: `${good.metainfo.slice(0, 10)}!!${good.metainfo.slice(10)}`,
      }),
      JSON.stringify({ ...stamp, metainfo: Buffer.from('not metainfo').toString('base64') }),
      JSON.stringify({ ...stamp, metainfo: 42 }),
      'null',
    ];
    for (const text of corruptions) {
      await writeFile(path, text);
      assert.equal(await loadCachedMetainfo(folder, 'corrupt.bin', stamp), null, text);
    }
  });

  test('misses when the entry describes a file of another name', async () => {
    const { folder, stamp } = await cachedFile('first.bin');
    await writeFile(
      cacheFile(folder, 'second.bin'),
      await readFile(cacheFile(folder, 'first.bin')),
    );
    assert.equal(await loadCachedMetainfo(folder, 'second.bin', stamp), null);
  });

  test('caches a name that fits "<name>.json" but not the temp file written on the way', async () => {
    // 245 bytes: `<name>.json` is 250, its temp file `<name>.json.<pid>.<random>.tmp` over 255.
    const name = 'n'.repeat(245);
    const { folder, built, stamp } = await cachedFile(name);
    assert.deepEqual((await loadCachedMetainfo(folder, name, stamp))?.infohash, built.infohash);
    assert.deepEqual(await readdir(join(folder.stateDir, 'meta')), [`${name}.json`]);
  });

  test('caches a name too long for "<name>.json" under a hash of the name', async () => {
    const name = `${'n'.repeat(250)}.bin`;
    const { folder, built, stamp } = await cachedFile(name);
    const hit = await loadCachedMetainfo(folder, name, stamp);
    assert.deepEqual(hit?.infohash, built.infohash);
  });
});
