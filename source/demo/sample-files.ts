import { createHash, randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';

const CHUNK_BYTES = 1024 * 1024;

/** A generated sample: where it is and the SHA-256 every downloaded copy must have. */
export interface SampleFile {
  name: string;
  path: string;
  sizeBytes: number;
  sha256Hex: string;
}

/** Writes `sizeBytes` of random bytes to `path` one MiB at a time (memory stays flat). */
export async function writeRandomFile(
  path: string,
  name: string,
  sizeBytes: number,
): Promise<SampleFile> {
  const handle = await open(path, 'wx');
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  try {
    for (let written = 0; written < sizeBytes; ) {
      const length = Math.min(CHUNK_BYTES, sizeBytes - written);
      randomFillSync(chunk, 0, length);
      hash.update(chunk.subarray(0, length));
      await handle.write(chunk, 0, length, written);
      written += length;
    }
  } finally {
    await handle.close();
  }
  return { name, path, sizeBytes, sha256Hex: hash.digest('hex') };
}

/** SHA-256 of a whole file, streamed. */
export async function sha256OfFile(path: string): Promise<string> {
  const handle = await open(path, 'r');
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  try {
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      hash.update(chunk.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}
