import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SeededRandom } from '../../../source/net/seeded-random.ts';
import { Bitfield } from '../../../source/peer/download/bitfield.ts';
import {
  FLUSH_AHEAD_BYTES,
  loadProgress,
  MAX_WRITE_AT_ONCE_BYTES,
  PartFile,
  PartFileOpenError,
  partNameOf,
  partPaths,
  piecesWithinVerified,
  removeProgress,
} from '../../../source/peer/download/part-file.ts';
import { encodeMetainfo, type Metainfo } from '../../../source/protocol/metainfo.ts';

const root = await mkdtemp(join(tmpdir(), 'bt-tui-part-file-'));
after(() => rm(root, { recursive: true, force: true }));

/** A part file for `content` in pieces of `pieceSizeBytes`, in a folder of its own. */
async function openFor(name: string, content: Buffer, pieceSizeBytes: number) {
  const pieces = Math.ceil(content.length / pieceSizeBytes);
  const hashes = Buffer.alloc(pieces * 32);
  for (let piece = 0; piece < pieces; piece++) {
    const bytes = content.subarray(piece * pieceSizeBytes, (piece + 1) * pieceSizeBytes);
    createHash('sha256')
      .update(bytes)
      .digest()
      .copy(hashes, piece * 32);
  }
  const metainfo: Metainfo = {
    name,
    sizeBytes: content.length,
    pieceSizeBytes,
    pieceHashes: hashes,
  };
  const folder = await mkdtemp(join(root, `${name.slice(0, 40)}-`));
  const paths = partPaths(folder, join(folder, '.bt-tui'), name);
  const encodedMetainfo = encodeMetainfo(metainfo);
  return {
    paths,
    partFile: await PartFile.open(paths, metainfo, encodedMetainfo),
    encodedMetainfo,
  };
}

/** Writes every piece of `content` in reverse order, each from a buffer of its own. */
async function writeAll(partFile: PartFile, content: Buffer, pieceSizeBytes: number) {
  const pieces = Math.ceil(content.length / pieceSizeBytes);
  for (let piece = pieces - 1; piece >= 0; piece--) {
    const bytes = content.subarray(piece * pieceSizeBytes, (piece + 1) * pieceSizeBytes);
    const buffer = Buffer.alloc(pieceSizeBytes, 0xee);
    bytes.copy(buffer);
    await partFile.writePiece(piece, buffer, bytes.length);
  }
}

test('pieces written at once (small) and through the pool (over the bound) land exact', async () => {
  for (const pieceSizeBytes of [256 * 1024, 2 * MAX_WRITE_AT_ONCE_BYTES]) {
    const content = new SeededRandom(pieceSizeBytes).bytes(3 * pieceSizeBytes + 1234);
    const { paths, partFile } = await openFor(`p${pieceSizeBytes}.bin`, content, pieceSizeBytes);
    await writeAll(partFile, content, pieceSizeBytes);
    assert.equal((await partFile.finalize()).ok, true);
    assert.deepEqual(await readFile(paths.finalPath), content, `pieces of ${pieceSizeBytes} B`);
  }
});

test('a write after close is refused and touches no other file', async () => {
  const content = new SeededRandom(5).bytes(64 * 1024);
  const { partFile } = await openFor('closed.bin', content, 16 * 1024);
  await partFile.close();
  // A file opened now may get the closed part file's descriptor number.
  const { paths, partFile: second } = await openFor('second.bin', content, 16 * 1024);
  await assert.rejects(partFile.writePiece(0, Buffer.alloc(16 * 1024, 1), 16 * 1024), {
    message: 'the part file is closed',
  });
  assert.deepEqual(await readFile(paths.partPath), Buffer.alloc(content.length));
  await second.close();
});

test('writes go on exact while the part file is flushed ahead; closing waits for the flush', async () => {
  // Past the flush-ahead bound twice over: writes at once land while a background fdatasync of
  // the same file runs in the thread pool, and finalize (its own sync, then close) follows one.
  const pieceSizeBytes = 1024 * 1024;
  const content = new SeededRandom(77).bytes(2 * FLUSH_AHEAD_BYTES + 12_345);
  const { paths, partFile } = await openFor('flushed.bin', content, pieceSizeBytes);
  await writeAll(partFile, content, pieceSizeBytes);
  assert.equal((await partFile.finalize()).ok, true);
  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  assert.equal(sha(await readFile(paths.finalPath)), sha(content));

  const { partFile: closing } = await openFor('closing.bin', content, pieceSizeBytes);
  await writeAll(closing, content.subarray(0, FLUSH_AHEAD_BYTES + 1), pieceSizeBytes);
  await closing.close();
  await assert.rejects(closing.writePiece(0, Buffer.alloc(pieceSizeBytes), pieceSizeBytes), {
    message: 'the part file is closed',
  });
});

test('a part file deleted under it: damage() says so, finalize fails with the reason, no record left', async () => {
  const content = new SeededRandom(7).bytes(300 * 1024);
  const { paths, partFile } = await openFor('gone.bin', content, 256 * 1024);
  await writeAll(partFile, content, 256 * 1024);
  await partFile.saveProgress(new Bitfield(2));
  assert.equal(await partFile.damage(), null);
  await rm(paths.partPath);
  assert.equal(await partFile.damage(), 'deleted');
  assert.deepEqual(await partFile.finalize(), {
    ok: false,
    reason:
      'gone.bin.part was deleted or moved out of the folder before the download finished; download it again to start over',
  });
  await assert.rejects(readFile(paths.finalPath), { code: 'ENOENT' });
  await assert.rejects(readFile(paths.progressPath), { code: 'ENOENT' });
  await assert.rejects(readFile(paths.metainfoPath), { code: 'ENOENT' });
  // A save that comes after the record was discarded writes nothing.
  await partFile.saveProgress(new Bitfield(2));
  await assert.rejects(readFile(paths.progressPath), { code: 'ENOENT' });
});

test('a part file cut short by another program: damage() says so, finalize fails, the record stays', async () => {
  // Found by a session: `truncate -s 0` mid-download, and the download ended `done` with zeros.
  const content = new SeededRandom(8).bytes(300 * 1024);
  const { paths, partFile } = await openFor('cut.bin', content, 256 * 1024);
  await writeAll(partFile, content, 256 * 1024);
  await partFile.saveProgress(new Bitfield(2));
  await truncate(paths.partPath, 0);
  assert.equal(await partFile.damage(), 'resized');
  // Moved out of the folder: as good as deleted.
  const moved = `${paths.partPath}.moved`;
  await rename(paths.partPath, moved);
  assert.equal(await partFile.damage(), 'deleted');
  await rename(moved, paths.partPath);
  assert.deepEqual(await partFile.finalize(), {
    ok: false,
    reason: `cut.bin.part was resized by another program while it downloaded (it must stay ${300 * 1024} B): the pieces verified so far are checked again when it starts again`,
  });
  await assert.rejects(readFile(paths.finalPath), { code: 'ENOENT' });
  await readFile(paths.progressPath);
});

test('a part file cut short before its last piece is written: finalize still fails', async () => {
  // The last piece fills the file out to its size again, over the pieces the cut left zeros:
  // only a look before writing it tells (the download ended `done` in one CI run without it).
  const content = new SeededRandom(9).bytes(300 * 1024);
  const { paths, partFile } = await openFor('late.bin', content, 256 * 1024);
  await partFile.writePiece(0, content.subarray(0, 256 * 1024), 256 * 1024);
  await truncate(paths.partPath, 0);
  const last = Buffer.alloc(256 * 1024);
  content.subarray(256 * 1024).copy(last);
  await partFile.writePiece(1, last, content.length - 256 * 1024);
  assert.equal((await partFile.finalize()).ok, false);
  await assert.rejects(readFile(paths.finalPath), { code: 'ENOENT' });
});

test('the resume record is the verified pieces alone; the metainfo is written once beside it', async () => {
  const pieceSizeBytes = 16 * 1024;
  const content = new SeededRandom(11).bytes(1024 * pieceSizeBytes);
  const { paths, partFile, encodedMetainfo } = await openFor('big.bin', content, pieceSizeBytes);
  const verified = new Bitfield(1024);
  verified.add(0);
  verified.add(1023);
  await partFile.saveProgress(verified);
  assert.deepEqual(await readFile(paths.metainfoPath), encodedMetainfo);
  const firstMetainfo = await stat(paths.metainfoPath);
  // 1,024 pieces: 128 bytes of bits, not the 32 KiB of piece hashes again with every save.
  const record = JSON.parse(await readFile(paths.progressPath, 'utf8'));
  assert.deepEqual(Object.keys(record), ['version', 'infohash', 'verified']);
  assert.equal(record.version, 2);
  verified.add(5);
  await partFile.saveProgress(verified);
  // Each write is a new file renamed into place: the same inode, not written again.
  assert.equal((await stat(paths.metainfoPath)).ino, firstMetainfo.ino, 'written once');
  const saved = await loadProgress(paths);
  assert.deepEqual(saved?.encodedMetainfo, encodedMetainfo);
  assert.deepEqual(saved?.claimed.bytes, verified.bytes);
  // Without its metainfo (or with another file's) a record is no record: nothing is trusted.
  await writeFile(paths.metainfoPath, encodedMetainfo.subarray(1));
  assert.equal(await loadProgress(paths), null);
  await rm(paths.metainfoPath);
  assert.equal(await loadProgress(paths), null);
  // The state folder removed under a running download: the next save makes it all again.
  await rm(join(paths.progressPath, '..'), { recursive: true });
  await partFile.saveProgress(verified);
  assert.deepEqual((await loadProgress(paths))?.claimed.bytes, verified.bytes);
  await partFile.close();
  // A save a killed node left half done: its temp file goes too.
  await writeFile(`${paths.progressPath}.tmp`, '{"vers');
  await removeProgress(paths);
  await assert.rejects(readFile(`${paths.progressPath}.tmp`), { code: 'ENOENT' });
  await assert.rejects(readFile(paths.progressPath), { code: 'ENOENT' });
  await assert.rejects(readFile(paths.metainfoPath), { code: 'ENOENT' });
});

test('saves asked for together are written one after the other: the last one stands', async () => {
  const pieceSizeBytes = 16 * 1024;
  const content = new SeededRandom(12).bytes(256 * pieceSizeBytes);
  const { paths, partFile } = await openFor('saves.bin', content, pieceSizeBytes);
  // A periodic save and the stop's save at once: they wrote one temporary file together, and
  // the older could land last (a node stopped at 12 pieces resumed at 11, found by a session).
  const saves: Promise<void>[] = [];
  const last = new Bitfield(256);
  for (let piece = 0; piece < 40; piece++) {
    const verified = new Bitfield(256);
    for (let each = 0; each <= piece; each++) verified.add(each);
    if (piece === 39) last.bytes.set(verified.bytes);
    saves.push(partFile.saveProgress(verified));
  }
  await Promise.all(saves);
  assert.deepEqual((await loadProgress(paths))?.claimed.bytes, last.bytes);
  await partFile.close();
});

test('a resume record of version 1 (metainfo inside) is still read', async () => {
  const content = new SeededRandom(12).bytes(3 * 256 * 1024);
  const { paths, partFile, encodedMetainfo } = await openFor('old.bin', content, 256 * 1024);
  await partFile.close();
  const verified = new Bitfield(3);
  verified.add(1);
  await mkdir(join(paths.progressPath, '..'), { recursive: true });
  const infohash = createHash('sha256').update(encodedMetainfo).digest('hex');
  const bits = Buffer.from(verified.bytes).toString('base64');
  await writeFile(
    paths.progressPath,
    JSON.stringify({
      version: 1,
      infohash,
      metainfo: encodedMetainfo.toString('base64'),
      verified: bits,
    }),
  );
  const saved = await loadProgress(paths);
  assert.deepEqual(saved?.encodedMetainfo, encodedMetainfo);
  assert.deepEqual(saved?.claimed.bytes, verified.bytes);
  assert.equal(saved?.infohash.toString('hex'), infohash);
});

test('a part file whose folder is gone says so in words, not as ENOENT', async () => {
  const content = Buffer.alloc(1000, 1);
  const metainfo: Metainfo = {
    name: 'x.bin',
    sizeBytes: content.length,
    pieceSizeBytes: 16 * 1024,
    pieceHashes: createHash('sha256').update(content).digest(),
  };
  const gone = join(root, 'no-such-folder');
  const paths = partPaths(gone, join(gone, '.bt-tui'), 'x.bin');
  await assert.rejects(PartFile.open(paths, metainfo, encodeMetainfo(metainfo)), (error: Error) => {
    assert.ok(error instanceof PartFileOpenError);
    assert.equal(
      error.message,
      `cannot create x.bin.part: its folder ${gone} is gone (deleted, moved or unmounted)`,
    );
    return true;
  });
});

test('a name too long for its record files with their suffixes keeps them under a hash', async () => {
  const name = 'n'.repeat(245);
  const content = new SeededRandom(13).bytes(300 * 1024);
  const { paths, partFile, encodedMetainfo } = await openFor(name, content, 256 * 1024);
  assert.match(paths.progressPath, /\/~[0-9a-f]{64}\.json$/);
  assert.match(paths.metainfoPath, /\/~[0-9a-f]{64}\.metainfo$/);
  assert.equal(paths.partPath.endsWith(`/${name}.part`), true);
  const verified = new Bitfield(2);
  verified.add(1);
  await partFile.saveProgress(verified);
  const saved = await loadProgress(paths);
  assert.deepEqual(saved?.encodedMetainfo, encodedMetainfo);
  assert.deepEqual(saved?.claimed.bytes, verified.bytes);
  await partFile.close();
});

test('a name too long to take .part after it has a part file of its start, a hash and .part', async () => {
  // Until 2026-12-06 refused: `cannot create <name>.part: the name is too long …`, so a file of
  // a 251–255-byte name could be seeded but never downloaded.
  const name = 'é'.repeat(127); // 254 bytes
  const content = Buffer.alloc(300 * 1024, 7);
  const { paths, partFile } = await openFor(name, content, 256 * 1024);
  const partName = paths.partPath.slice(paths.partPath.lastIndexOf('/') + 1);
  assert.match(partName, /^é+~[0-9a-f]{8}\.part$/);
  assert.ok(Buffer.byteLength(partName) <= 255, `${Buffer.byteLength(partName)} bytes`);
  assert.equal(partNameOf(name), partName, 'the same name each time: a later run resumes it');
  assert.notEqual(partNameOf(`${'é'.repeat(126)}e`), partName);
  assert.equal(partNameOf('big.bin'), 'big.bin.part');
  await writeAll(partFile, content, 256 * 1024);
  assert.deepEqual(await partFile.finalize(), { ok: true });
  assert.deepEqual(await readFile(paths.finalPath), content);
});

test('piecesWithinVerified: the pieces of another version that lie wholly in verified ones', () => {
  const metainfo = (sizeBytes: number, pieceSizeBytes: number): Metainfo => ({
    name: 'v.bin',
    sizeBytes,
    pieceSizeBytes,
    pieceHashes: Buffer.alloc(Math.ceil(sizeBytes / pieceSizeBytes) * 32),
  });
  const verified = (size: number, pieces: number[]) => {
    const set = new Bitfield(size);
    for (const piece of pieces) set.add(piece);
    return set;
  };
  const listed = (set: Bitfield) => [...Array(set.size).keys()].filter((piece) => set.has(piece));
  // The same piece size: the same pieces, but none past the old file's end.
  const old = metainfo(10 * 1024, 1024);
  assert.deepEqual(
    listed(piecesWithinVerified(old, verified(10, [0, 1, 5, 9]), metainfo(12 * 1024, 1024))),
    [0, 1, 5, 9],
  );
  assert.deepEqual(
    listed(piecesWithinVerified(old, verified(10, [0, 8, 9]), metainfo(9 * 1024 + 10, 1024))),
    [0, 8, 9],
    'the last piece of a shorter file lies within verified piece 9',
  );
  // Pieces twice as large: both old pieces under one must be verified.
  assert.deepEqual(
    listed(piecesWithinVerified(old, verified(10, [0, 1, 2, 4, 5]), metainfo(10 * 1024, 2048))),
    [0, 2],
  );
  // Half as large: each old piece covers two.
  assert.deepEqual(
    listed(piecesWithinVerified(old, verified(10, [1]), metainfo(10 * 1024, 512))),
    [2, 3],
  );
  assert.deepEqual(listed(piecesWithinVerified(old, verified(10, []), old)), []);
});

test('a save that fails leaves no temporary file behind', async () => {
  const content = new SeededRandom(13).bytes(2 * 16 * 1024);
  const { paths, partFile } = await openFor('full.bin', content, 16 * 1024);
  const verified = new Bitfield(2);
  verified.add(0);
  await partFile.saveProgress(verified);
  // The record's name taken by a folder: the rename fails as a full disk's write would, with
  // the temporary made (found by hand on a full disk: a 0-byte `<name>.metainfo.tmp` stayed).
  await rm(paths.progressPath);
  await mkdir(join(paths.progressPath, 'in-the-way'), { recursive: true });
  await assert.rejects(partFile.saveProgress(verified));
  await assert.rejects(stat(`${paths.progressPath}.tmp`), { code: 'ENOENT' });
  await partFile.close();
});

test('verifyClaimed stops reading once told to', async () => {
  const pieceSizeBytes = 16 * 1024;
  const content = new SeededRandom(14).bytes(8 * pieceSizeBytes);
  const { partFile } = await openFor('stop.bin', content, pieceSizeBytes);
  await writeAll(partFile, content, pieceSizeBytes);
  let checked = 0;
  const good = await partFile.verifyClaimed(
    Bitfield.all(8),
    (count) => {
      checked = count;
    },
    () => checked === 3,
  );
  assert.equal(checked, 3);
  assert.deepEqual([good.count, good.has(2), good.has(3)], [3, true, false]);
  await partFile.close();
});
