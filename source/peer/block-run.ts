/**
 * A REQUEST as a run of blocks: checked against the file's metainfo, then read into the DATA
 * datagrams that answer it with one readv into one buffer laid out as
 * [DATA header|payload][DATA header|payload]...: the readv fills every payload slot straight from
 * the file, then each slot is sent as it is (no copy per block). The buffer is the caller's, so it
 * can be reused run after run (see run-buffers.ts).
 */
import { readvSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { DATA_HEADER_BYTES, writeDataHeader } from '../protocol/codec.ts';
import type { RequestMessage } from '../protocol/messages.ts';
import { type Metainfo, pieceCount, pieceLength } from '../protocol/metainfo.ts';
import type { BlockChecksums } from './block-checksums.ts';

/** A run of blocks inside one piece, inside the file. */
export interface BlockRun {
  txid: number;
  infohash: Uint8Array;
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
export function planBlockRun(
  m: RequestMessage,
  txid: number,
  metainfo: Metainfo,
  infohash: Uint8Array,
): BlockRun | null {
  // Every value is a u32 from the codec, so each sum and product below is an exact integer.
  if (m.piece >= pieceCount(metainfo.sizeBytes, metainfo.pieceSizeBytes)) return null;
  const pieceBytes = pieceLength(metainfo, m.piece);
  if (m.begin >= pieceBytes || m.blockLength < 1 || m.count < 1) return null;
  const blocks = Math.min(m.count, Math.ceil((pieceBytes - m.begin) / m.blockLength));
  return {
    txid,
    infohash,
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
  /** Whole DATA datagrams, ready to send, in block order; only blocks the read filled. */
  datagrams: Buffer[];
  /** The buffer they lie in, one every `stride` bytes from its start (to send them at once). */
  buffer: Buffer;
  stride: number;
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

/** Writes the DATA header of every slot the read filled, and returns those datagrams. */
function fillHeaders(
  run: BlockRun,
  buffer: Buffer,
  payloads: Buffer[],
  bytesRead: number,
  checksums: BlockChecksums | null,
): ReadRun {
  const slotBytes = DATA_HEADER_BYTES + run.blockLength;
  const datagrams: Buffer[] = [];
  let payloadBytes = 0;
  for (let i = 0; i < run.blocks; i++) {
    const payload = payloads[i]!;
    // Only blocks the read filled completely: never a byte of stale memory on the wire.
    if (payloadBytes + payload.length > bytesRead) break;
    const slotStart = i * slotBytes;
    const datagram = buffer.subarray(slotStart, slotStart + DATA_HEADER_BYTES + payload.length);
    const offset = i * run.blockLength;
    const payloadCrc = checksums?.payloadCrc(run.filePosition + offset, payload);
    writeDataHeader(datagram, run.txid, run.infohash, run.piece, run.begin + offset, payloadCrc);
    datagrams.push(datagram);
    payloadBytes += payload.length;
  }
  return {
    datagrams,
    buffer,
    stride: slotBytes,
    payloadBytes,
    shortRead: bytesRead < run.runBytes,
  };
}
