/**
 * A REQUEST as a run of blocks: checked against the file's metainfo, then read into the DATA
 * datagrams that answer it with one readv into one buffer laid out as
 * [DATA header|payload][DATA header|payload]...: the readv fills every payload slot straight from
 * the file, then each slot is sent as it is (no copy per block). The buffer is the caller's, so it
 * can be reused run after run (see run-buffers.ts).
 */
import { readvSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { DATA_HEADER_BYTES, writeDataHeaderRun } from '../protocol/codec.ts';
import { crc32Span } from '../protocol/crc32.ts';
import { MAX_BLOCKS_PER_REQUEST, type RequestMessage } from '../protocol/messages.ts';
import { type Metainfo, pieceCount, pieceLength } from '../protocol/metainfo.ts';
import type { BlockChecksums } from './block-checksums.ts';

/** A run of blocks inside one piece, inside the file. */
export interface BlockRun {
  txid: number;
  /** The REQUEST's tag, echoed in every DATA. */
  tag: number;
  piece: number;
  /** Byte offset of the first block within the piece. */
  begin: number;
  blockLength: number;
  blocks: number;
  /** Payload bytes of the run: blocks * blockLength, less when the run ends at the piece end. */
  runBytes: number;
  /** Byte offset of the first block in the file. */
  filePosition: number;
}

/**
 * The run a REQUEST asks for, or null if it does not lie in the file ('bad-range'). Blocks past
 * the piece end are simply not part of the run: it stops there, its last block shorter.
 */
export function planBlockRun(m: RequestMessage, txid: number, metainfo: Metainfo): BlockRun | null {
  // Every value is a u32 from the codec, so each sum and product below is an exact integer.
  if (m.piece >= pieceCount(metainfo.sizeBytes, metainfo.pieceSizeBytes)) return null;
  const pieceBytes = pieceLength(metainfo, m.piece);
  if (m.begin >= pieceBytes || m.blockLength < 1 || m.count < 1) return null;
  const blocks = Math.min(m.count, Math.ceil((pieceBytes - m.begin) / m.blockLength));
  return {
    txid,
    tag: m.tag,
    piece: m.piece,
    begin: m.begin,
    blockLength: m.blockLength,
    blocks,
    runBytes: Math.min(blocks * m.blockLength, pieceBytes - m.begin),
    filePosition: m.piece * metainfo.pieceSizeBytes + m.begin,
  };
}

/** The datagrams of a run, and how many payload bytes the file gave (less if it shrank). */
export interface ReadRun {
  /** The buffer the datagrams lie in, one every `stride` bytes from its start, in block order. */
  buffer: Buffer;
  stride: number;
  /** Whole DATA datagrams ready to send: only blocks the read filled. */
  count: number;
  /** Bytes of the last datagram (header and payload); 0 when count is 0. */
  lastLength: number;
  payloadBytes: number;
  /** True when the file ended before the run did: it changed on disk since it was hashed. */
  shortRead: boolean;
}

/** The bytes of a buffer that holds the run's datagrams back to back. */
export function runBufferBytes(run: BlockRun): number {
  return run.blocks * DATA_HEADER_BYTES + run.runBytes;
}

/**
 * Reads `run` from `handle` into DATA datagrams laid out in `buffer` (at least runBufferBytes),
 * through libuv's thread pool. Rejects if the read fails. `checksums` (of this run's block
 * length) saves checksumming blocks already sent once.
 */
export async function readBlockRun(
  handle: FileHandle,
  run: BlockRun,
  buffer: Buffer,
  checksums: BlockChecksums | null = null,
): Promise<ReadRun> {
  const payloads = payloadSlots(run, buffer);
  const { bytesRead } = await handle.readv(payloads, run.filePosition);
  return fillHeaders(run, buffer, payloads, bytesRead, checksums);
}

/** readBlockRun, read at once on this thread (see io-mode.ts for when). Throws if it fails. */
export function readBlockRunNow(
  handle: FileHandle,
  run: BlockRun,
  buffer: Buffer,
  checksums: BlockChecksums | null = null,
): ReadRun {
  const payloads = payloadSlots(run, buffer);
  const bytesRead = readvSync(handle.fd, payloads, run.filePosition);
  return fillHeaders(run, buffer, payloads, bytesRead, checksums);
}

/** Views of the payload slots of `buffer`, laid out [DATA header|payload][DATA header|payload]... */
function payloadSlots(run: BlockRun, buffer: Buffer): Buffer[] {
  if (buffer.length < runBufferBytes(run)) throw new RangeError('run buffer too small');
  const slotBytes = DATA_HEADER_BYTES + run.blockLength;
  const payloads: Buffer[] = [];
  for (let i = 0; i < run.blocks; i++) {
    const payloadStart = i * slotBytes + DATA_HEADER_BYTES;
    const payloadBytes = Math.min(run.blockLength, run.runBytes - i * run.blockLength);
    payloads.push(buffer.subarray(payloadStart, payloadStart + payloadBytes));
  }
  return payloads;
}

/** Payload CRCs of the run being filled: one run is filled at a time (on the event loop). */
const payloadCrcs = new Uint32Array(MAX_BLOCKS_PER_REQUEST);

/** Writes the DATA header of every slot the read filled, and says which datagrams are ready. */
function fillHeaders(
  run: BlockRun,
  buffer: Buffer,
  payloads: Buffer[],
  bytesRead: number,
  checksums: BlockChecksums | null,
): ReadRun {
  const stride = DATA_HEADER_BYTES + run.blockLength;
  let count = 0;
  let payloadBytes = 0;
  let lastPayloadBytes = 0;
  for (; count < run.blocks; count++) {
    const length = payloads[count]!.length;
    // Only blocks the read filled completely: never a byte of stale memory on the wire.
    if (payloadBytes + length > bytesRead) break;
    const start = count * stride + DATA_HEADER_BYTES;
    payloadCrcs[count] =
      checksums === null
        ? crc32Span(buffer, start, start + length, 0)
        : checksums.payloadCrc(run.filePosition + payloadBytes, buffer, start, start + length);
    payloadBytes += length;
    lastPayloadBytes = length;
  }
  if (count > 0) writeDataHeaderRun(buffer, run, count, lastPayloadBytes, payloadCrcs);
  return {
    buffer,
    stride,
    count,
    lastLength: count === 0 ? 0 : DATA_HEADER_BYTES + lastPayloadBytes,
    payloadBytes,
    shortRead: bytesRead < run.runBytes,
  };
}
