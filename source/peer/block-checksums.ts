import { crc32Span } from '../protocol/crc32.ts';

/**
 * Beyond this many blocks (16 GiB of file in 16 KiB blocks, 4.1 MiB of table) the rest of a file
 * is checksummed on every send: the table's memory stays bounded whatever the file's size.
 */
const MAX_CACHED_BLOCKS = 1 << 20;

/**
 * The CRC-32 of each block of one served file, for one block length, computed the first time a
 * block is sent and reused for every later copy: a seeder serving a file N times checksums its
 * bytes once, not N times (a CRC of 16 KiB costs about as much as the send itself here).
 * Only bytes already read from the file go in, so a block that was never served costs nothing.
 */
export class BlockChecksums {
  private readonly crcs: Uint32Array;
  private readonly known: Uint8Array;

  constructor(
    readonly blockLength: number,
    fileSizeBytes: number,
  ) {
    const blocks = Math.min(MAX_CACHED_BLOCKS, Math.ceil(fileSizeBytes / blockLength));
    this.crcs = new Uint32Array(blocks);
    this.known = new Uint8Array(blocks);
  }

  /** The CRC-32 of `buffer[start..end)`, the block that starts at `filePosition`. */
  payloadCrc(filePosition: number, buffer: Uint8Array, start: number, end: number): number {
    const block = filePosition / this.blockLength;
    // Only whole-block positions of this block length are cached; anything else is computed.
    if (!Number.isInteger(block) || block >= this.known.length) {
      return crc32Span(buffer, start, end, 0);
    }
    if (this.known[block] === 1) return this.crcs[block]!;
    const crc = crc32Span(buffer, start, end, 0);
    this.crcs[block] = crc;
    this.known[block] = 1;
    return crc;
  }
}
