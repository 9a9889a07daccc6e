import assert from 'node:assert/strict';
import { type FileHandle, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { BlockChecksums } from '../../source/peer/block-checksums.ts';
import {
  type BlockRun,
  planBlockRun,
  type ReadRun,
  readBlockRun,
  readBlockRunNow,
  runBufferBytes,
} from '../../source/peer/block-run.ts';
import {
  DATA_HEADER_BYTES,
  type DataHeader,
  newDataHeader,
  readDataHeader,
} from '../../source/protocol/codec.ts';
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

/** Writes `content` to a file of the test folder and runs `use` with it open for reading. */
async function withFile(
  name: string,
  content: Uint8Array,
  use: (handle: FileHandle) => Promise<void>,
): Promise<void> {
  const path = join(root, name);
  await writeFile(path, content);
  const handle = await open(path, 'r');
  try {
    await use(handle);
  } finally {
    await handle.close();
  }
}

/** The datagrams of a run as views of its buffer, as the addon's sendmmsg sends them. */
function datagramsOf(read: ReadRun): Buffer[] {
  return Array.from({ length: read.count }, (_, i) => {
    const start = i * read.stride;
    return read.buffer.subarray(
      start,
      start + (i === read.count - 1 ? read.lastLength : read.stride),
    );
  });
}

function bufferFor(run: BlockRun): Buffer {
  return Buffer.alloc(runBufferBytes(run));
}

function request(piece: number, begin: number, blockLength: number, count: number): RequestMessage {
  const cookie = Buffer.alloc(COOKIE_BYTES);
  return { type: 'request', cookie, infohash: INFOHASH, piece, begin, blockLength, count, tag: 5 };
}

describe('planBlockRun', () => {
  test('plans a run inside a piece at its file position', () => {
    assert.deepEqual(planBlockRun(request(1, 4096, 1024, 4), 77, METAINFO), {
      txid: 77,
      tag: 5,
      piece: 1,
      begin: 4096,
      blockLength: 1024,
      blocks: 4,
      runBytes: 4096,
      filePosition: PIECE + 4096,
    });
  });

  test('stops the run at the piece end, its last block shorter', () => {
    const run = planBlockRun(request(0, PIECE - 1500, 1024, 64), 1, METAINFO);
    assert.equal(run?.blocks, 2);
    assert.equal(run?.runBytes, 1500);
    const last = planBlockRun(request(2, 0, 4096, 64), 1, METAINFO);
    assert.equal(last?.blocks, 2);
    assert.equal(last?.runBytes, 5000);
  });

  test('refuses a piece past the last, and a begin at or past the piece end', () => {
    assert.equal(planBlockRun(request(3, 0, 1024, 1), 1, METAINFO), null);
    assert.equal(planBlockRun(request(0xffff_ffff, 0, 1024, 1), 1, METAINFO), null);
    assert.equal(planBlockRun(request(0, PIECE, 1024, 1), 1, METAINFO), null);
    assert.equal(planBlockRun(request(2, 5000, 1024, 1), 1, METAINFO), null);
  });

  test('refuses every request for an empty file', () => {
    const empty = { ...METAINFO, sizeBytes: 0, pieceHashes: Buffer.alloc(0) };
    assert.equal(planBlockRun(request(0, 0, 1024, 1), 1, empty), null);
  });
});

describe('readBlockRun', () => {
  test('checksums cached at the first send are exactly what a fresh checksum gives', async () => {
    const content = new SeededRandom(8).bytes(METAINFO.sizeBytes);
    await withFile('cached.bin', content, async (handle) => {
      const checksums = new BlockChecksums(1500, METAINFO.sizeBytes);
      const run = planBlockRun(request(2, 0, 1500, 64), 7, METAINFO)!;
      const plain = await readBlockRun(handle, run, bufferFor(run));
      const first = await readBlockRun(handle, run, bufferFor(run), checksums);
      const again = await readBlockRun(handle, { ...run, txid: 8 }, bufferFor(run), checksums);
      assert.deepEqual(datagramsOf(first), datagramsOf(plain));
      const header: DataHeader = newDataHeader();
      for (const datagram of [...datagramsOf(first), ...datagramsOf(again)]) {
        assert.equal(readDataHeader(datagram, header), null, 'a valid checksum');
      }
    });
  });

  test('lays out DATA datagrams whose payloads are the file bytes of each block', async () => {
    const content = new SeededRandom(7).bytes(METAINFO.sizeBytes);
    await withFile('f.bin', content, async (handle) => {
      const run = planBlockRun(request(2, 1000, 1500, 64), 99, METAINFO)!;
      const read = await readBlockRun(handle, run, bufferFor(run));
      assert.equal(read.shortRead, false);
      assert.equal(read.payloadBytes, 4000);
      assert.deepEqual(
        datagramsOf(read).map((d) => d.length - DATA_HEADER_BYTES),
        [1500, 1500, 1000],
      );
      const header: DataHeader = newDataHeader();
      datagramsOf(read).forEach((datagram, i) => {
        assert.equal(readDataHeader(datagram, header), null);
        assert.equal(header.txid, 99);
        assert.equal(header.tag, 5);
        assert.equal(header.piece, 2);
        assert.equal(header.begin, 1000 + i * 1500);
        const at = 2 * PIECE + header.begin;
        assert.deepEqual(
          datagram.subarray(DATA_HEADER_BYTES),
          content.subarray(at, at + header.payloadLength),
        );
      });
    });
  });

  test('sends only whole blocks when the file is shorter than its metainfo says', async () => {
    await withFile('short.bin', Buffer.alloc(2 * PIECE + 2500, 5), async (handle) => {
      const run = planBlockRun(request(2, 0, 1024, 64), 1, METAINFO)!;
      const read = await readBlockRun(handle, run, bufferFor(run));
      assert.equal(read.shortRead, true);
      assert.equal(read.count, 2);
      assert.equal(read.payloadBytes, 2048);
    });
  });

  test('reading at once gives the same datagrams as reading through the thread pool', async () => {
    const content = new SeededRandom(9).bytes(METAINFO.sizeBytes);
    await withFile('at-once.bin', content, async (handle) => {
      for (const run of [
        planBlockRun(request(0, 0, 1024, 64), 5, METAINFO)!,
        planBlockRun(request(2, 1000, 1500, 64), 6, METAINFO)!,
      ]) {
        const pooled = await readBlockRun(handle, run, bufferFor(run));
        const atOnce = readBlockRunNow(handle, run, bufferFor(run));
        assert.deepEqual(atOnce, pooled);
      }
    });
  });

  test('a reused buffer, larger than the run, carries only the new run', async () => {
    const content = new SeededRandom(10).bytes(METAINFO.sizeBytes);
    await withFile('reused.bin', content, async (handle) => {
      const buffer = Buffer.alloc(64 * 1024, 0xee);
      const long = planBlockRun(request(0, 0, 4096, 4), 1, METAINFO)!;
      readBlockRunNow(handle, long, buffer);
      const short = planBlockRun(request(1, 2048, 1000, 3), 2, METAINFO)!;
      const read = readBlockRunNow(handle, short, buffer);
      const alone = readBlockRunNow(handle, short, bufferFor(short));
      // The same datagrams, only the buffer they lie in differs.
      assert.deepEqual({ ...read, buffer: null }, { ...alone, buffer: null });
      assert.equal(read.buffer, buffer);
      assert.equal(read.payloadBytes, 3000);
      assert.deepEqual(
        [read.count, read.stride, read.lastLength],
        [3, DATA_HEADER_BYTES + 1000, DATA_HEADER_BYTES + 1000],
      );
    });
  });

  test('refuses a buffer too small for the run', async () => {
    await withFile('small.bin', Buffer.alloc(METAINFO.sizeBytes), async (handle) => {
      const run = planBlockRun(request(0, 0, 4096, 4), 1, METAINFO)!;
      const small = Buffer.alloc(runBufferBytes(run) - 1);
      assert.throws(() => readBlockRunNow(handle, run, small), /run buffer too small/);
      await assert.rejects(readBlockRun(handle, run, small), /run buffer too small/);
    });
  });
});
