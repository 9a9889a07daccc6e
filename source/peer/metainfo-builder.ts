/**
 * Hashes a file into its metainfo: one pass over the file, SHA-256 per piece, with memory bounded
 * by one piece buffer whatever the file size (a 4 GiB file costs at most one 4 MiB buffer).
 */
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { pieceSizeFor } from '../config.ts';
import { MAX_FILE_SIZE_BYTES } from '../protocol/messages.ts';
import {
  encodeMetainfo,
  infohashOf,
  MAX_PIECES,
  type Metainfo,
  pieceCount,
} from '../protocol/metainfo.ts';

/** How far hashing has got. */
export interface HashProgress {
  hashedBytes: number;
  totalBytes: number;
}

/** Options of buildMetainfo. */
export interface BuildOptions {
  /** Called at most about every PROGRESS_STEP_BYTES, and once at the end. */
  onProgress?: (progress: HashProgress) => void;
  /** Aborting stops hashing between pieces; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A hashed file: its metainfo, the canonical bytes, their infohash, and the stat it describes. */
export interface BuiltMetainfo {
  metainfo: Metainfo;
  encoded: Buffer;
  infohash: Buffer;
  sizeBytes: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** Progress is reported about this often: often enough for a progress bar, rare enough to be free. */
export const PROGRESS_STEP_BYTES = 64 * 1024 * 1024;
const PIECE_HASH_BYTES = 32;

/**
 * Streams the file at `path` once and returns the metainfo for it under `name`. Throws an Error
 * that says what happened if the file cannot be read, is too large, or changed while hashing (the
 * caller reports it and may try again).
 */
export async function buildMetainfo(
  path: string,
  name: string,
  opts: BuildOptions = {},
): Promise<BuiltMetainfo> {
  opts.signal?.throwIfAborted();
  const handle = await open(path, 'r');
  try {
    const before = await handle.stat();
    if (!before.isFile()) throw new Error(`${name} is not a regular file`);
    const sizeBytes = before.size;
    if (sizeBytes > MAX_FILE_SIZE_BYTES) {
      throw new Error(`${name} is too large to seed (${sizeBytes} bytes)`);
    }
    const pieceSizeBytes = pieceSizeFor(sizeBytes);
    const count = pieceCount(sizeBytes, pieceSizeBytes);
    if (count > MAX_PIECES) {
      throw new Error(
        `${name} is too large to seed: ${count} pieces of ${pieceSizeBytes} bytes, at most ${MAX_PIECES}`,
      );
    }
    const pieceHashes = Buffer.alloc(count * PIECE_HASH_BYTES);
    // The one buffer of this build, reused for every piece.
    const pieceBuffer = Buffer.allocUnsafe(Math.min(pieceSizeBytes, sizeBytes));
    let hashedBytes = 0;
    let reportedBytes = 0;
    for (let piece = 0; piece < count; piece++) {
      opts.signal?.throwIfAborted();
      const length = Math.min(pieceSizeBytes, sizeBytes - hashedBytes);
      await readFully(handle, pieceBuffer, length, hashedBytes, name);
      createHash('sha256')
        .update(pieceBuffer.subarray(0, length))
        .digest()
        .copy(pieceHashes, piece * PIECE_HASH_BYTES);
      hashedBytes += length;
      if (hashedBytes - reportedBytes >= PROGRESS_STEP_BYTES && hashedBytes < sizeBytes) {
        reportedBytes = hashedBytes;
        opts.onProgress?.({ hashedBytes, totalBytes: sizeBytes });
      }
    }
    // A writer that grew, shrank or rewrote the file while we read would make the hashes describe
    // a file that never existed on disk; refuse rather than publish them.
    const after = await handle.stat();
    const grew = (await handle.read(Buffer.alloc(1), 0, 1, sizeBytes)).bytesRead > 0;
    const rewritten = after.mtimeMs !== before.mtimeMs || after.ctimeMs !== before.ctimeMs;
    if (after.size !== sizeBytes || rewritten || grew) {
      throw new Error(`${name} changed while hashing`);
    }
    opts.onProgress?.({ hashedBytes, totalBytes: sizeBytes });
    const metainfo: Metainfo = { name, sizeBytes, pieceSizeBytes, pieceHashes };
    const encoded = encodeMetainfo(metainfo);
    const { mtimeMs, ctimeMs } = before;
    return { metainfo, encoded, infohash: infohashOf(encoded), sizeBytes, mtimeMs, ctimeMs };
  } finally {
    await handle.close();
  }
}

/** Reads exactly `length` bytes at `position`; a short read means the file shrank under us. */
async function readFully(
  handle: FileHandle,
  buffer: Buffer,
  length: number,
  position: number,
  name: string,
): Promise<void> {
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) throw new Error(`${name} changed while hashing`);
    filled += bytesRead;
  }
}
