import assert from 'node:assert/strict';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { BlockChecksums } from '../../source/peer/block-checksums.ts';
import { planBlockRun, readBlockRun } from '../../source/peer/block-run.ts';
import { DATA_HEADER_BYTES, type DataHeader, readDataHeader } from '../../source/protocol/codec.ts';
import {
  COOKIE_BYTES,
  INFOHASH_BYTES,
  type RequestMessage,
} from '../../source/protocol/messages.ts';
import type { Metainfo } from '../../source/protocol/metainfo.ts';

const root = await mkdtemp(join(tmpdir(), 'bt-tui-block-run-'));
after(() => rm(root, { recursive: true, force: true }));

const PIECE = 16 * 1024;
const INFOHASH = Buffer.alloc(INFOHASH_BYTES, 0xab);
/** 2 full pieces and a last piece of 5000 bytes. */
const METAINFO: Metainfo = {
  name: 'f.bin',
  sizeBytes: 2 * PIECE + 5000,
  pieceSizeBytes: PIECE,
  pieceHashes: Buffer.alloc(3 * 32),
};

function request(piece: number, begin: number, blockLength: number, count: number): RequestMessage {
  const cookie = Buffer.alloc(COOKIE_BYTES);
  return { type: 'request', cookie, infohash: INFOHASH, piece, begin, blockLength, count };
}

describe('planBlockRun', () => {
  test('plans a run inside a piece at its file position', () => {
    assert.deepEqual(planBlockRun(request(1, 4096, 1024, 4), 77, METAINFO, INFOHASH), {
      txid: 77,
      infohash: INFOHASH,
      piece: 1,
      begin: 4096,
      blockLength: 1024,
      blocks: 4,
      runBytes: 4096,
      filePosition: PIECE + 4096,
    });
  });

  test('stops the run at the piece end, its last block shorter', () => {
    const run = planBlockRun(request(0, PIECE - 1500, 1024, 64), 1, METAINFO, INFOHASH);
    assert.equal(run?.blocks, 2);
    assert.equal(run?.runBytes, 1500);
    const last = planBlockRun(request(2, 0, 4096, 64), 1, METAINFO, INFOHASH);
    assert.equal(last?.blocks, 2);
    assert.equal(last?.runBytes, 5000);
  });

  test('refuses a piece past the last, and a begin at or past the piece end', () => {
    assert.equal(planBlockRun(request(3, 0, 1024, 1), 1, METAINFO, INFOHASH), null);
    assert.equal(planBlockRun(request(0xffff_ffff, 0, 1024, 1), 1, METAINFO, INFOHASH), null);
    assert.equal(planBlockRun(request(0, PIECE, 1024, 1), 1, METAINFO, INFOHASH), null);
    assert.equal(planBlockRun(request(2, 5000, 1024, 1), 1, METAINFO, INFOHASH), null);
  });

  test('refuses every request for an empty file', () => {
    const empty = { ...METAINFO, sizeBytes: 0, pieceHashes: Buffer.alloc(0) };
    assert.equal(planBlockRun(request(0, 0, 1024, 1), 1, empty, INFOHASH), null);
  });
});

describe('readBlockRun', () => {
  test('checksums cached at the first send are exactly what a fresh checksum gives', async () => {
    const content = new SeededRandom(8).bytes(METAINFO.sizeBytes);
    const path = join(root, 'cached.bin');
    await writeFile(path, content);
    const handle = await open(path, 'r');
    try {
      const checksums = new BlockChecksums(1500, METAINFO.sizeBytes);
      const run = planBlockRun(request(2, 0, 1500, 64), 7, METAINFO, INFOHASH)!;
      const plain = await readBlockRun(handle, run);
      const first = await readBlockRun(handle, run, checksums);
      const again = await readBlockRun(handle, { ...run, txid: 8 }, checksums);
      assert.deepEqual(first.datagrams, plain.datagrams);
      const header: DataHeader = { txid: 0, piece: 0, begin: 0, payloadLength: 0, checksum: 0 };
      for (const datagram of [...first.datagrams, ...again.datagrams]) {
        assert.equal(readDataHeader(datagram, header), null, 'a valid checksum');
      }
    } finally {
      await handle.close();
    }
  });

  test('lays out DATA datagrams whose payloads are the file bytes of each block', async () => {
    const content = new SeededRandom(7).bytes(METAINFO.sizeBytes);
    const path = join(root, 'f.bin');
    await writeFile(path, content);
    const handle = await open(path, 'r');
    try {
      const run = planBlockRun(request(2, 1000, 1500, 64), 99, METAINFO, INFOHASH)!;
      const read = await readBlockRun(handle, run);
      assert.equal(read.shortRead, false);
      assert.equal(read.payloadBytes, 4000);
      assert.deepEqual(
        read.datagrams.map((d) => d.length - DATA_HEADER_BYTES),
        [1500, 1500, 1000],
      );
      const header: DataHeader = { txid: 0, piece: 0, begin: 0, payloadLength: 0, checksum: 0 };
      read.datagrams.forEach((datagram, i) => {
        assert.equal(readDataHeader(datagram, header), null);
        assert.equal(header.txid, 99);
        assert.equal(header.piece, 2);
        assert.equal(header.begin, 1000 + i * 1500);
        const at = 2 * PIECE + header.begin;
        assert.deepEqual(
          datagram.subarray(DATA_HEADER_BYTES),
          content.subarray(at, at + header.payloadLength),
        );
      });
    } finally {
      await handle.close();
    }
  });

  test('sends only whole blocks when the file is shorter than its metainfo says', async () => {
    const path = join(root, 'short.bin');
    await writeFile(path, Buffer.alloc(2 * PIECE + 2500, 5));
    const handle = await open(path, 'r');
    try {
      const run = planBlockRun(request(2, 0, 1024, 64), 1, METAINFO, INFOHASH)!;
      const read = await readBlockRun(handle, run);
      assert.equal(read.shortRead, true);
      assert.equal(read.datagrams.length, 2);
      assert.equal(read.payloadBytes, 2048);
    } finally {
      await handle.close();
    }
  });
});
