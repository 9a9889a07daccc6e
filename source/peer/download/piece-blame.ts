import { crc32 } from '../../protocol/crc32.ts';
import type { PieceAssembly } from './piece-assembly.ts';

/** A failed attempt kept for blame: who sent each block and a checksum of what they sent. */
interface FailedAttempt {
  contributor: Uint32Array;
  blockCrc: Uint32Array;
}

/** What a failed piece means for its owners. */
export type FailureVerdict =
  /** One owner (this node id) sent every block: it is to blame. */
  | { kind: 'strike'; nodeId: number }
  /** Several owners: nobody is blamed yet; the piece must come whole from one owner. */
  | { kind: 'parole' };

/**
 * Who to blame for pieces that fail verification (libtorrent's lesson: blame carefully). A piece
 * from one owner is that owner's fault. From several owners the culprit is unknown, so the piece
 * is fetched again whole from one owner ("parole"); once it passes, each block of the failed
 * attempt is compared with the good one and whoever sent a differing block is blamed. Corruption
 * in transit never gets here: before blaming, BlockTransfer checks the datagram checksum of each
 * block of the failed piece and fetches damaged blocks again as loss.
 */
export class PieceBlame {
  private readonly failedAttempts = new Map<number, FailedAttempt>();

  /** Records a failed piece (before its buffer is reset) and says what follows. */
  failed(assembly: PieceAssembly): FailureVerdict {
    const contributors = assembly.contributors();
    if (contributors.length === 1) return { kind: 'strike', nodeId: contributors[0]! };
    this.failedAttempts.set(assembly.piece, {
      contributor: assembly.contributor.slice(),
      blockCrc: blockChecksums(assembly),
    });
    return { kind: 'parole' };
  }

  /**
   * A piece passed: the owners (node ids) whose blocks differed in its earlier failed attempt,
   * if any.
   */
  passed(assembly: PieceAssembly): number[] {
    const failed = this.failedAttempts.get(assembly.piece);
    if (failed === undefined) return [];
    this.failedAttempts.delete(assembly.piece);
    const good = blockChecksums(assembly);
    const guilty = new Set<number>();
    for (let block = 0; block < assembly.blockCount; block++) {
      if (good[block] !== failed.blockCrc[block]) guilty.add(failed.contributor[block]!);
    }
    return [...guilty];
  }
}

function blockChecksums(assembly: PieceAssembly): Uint32Array {
  const checksums = new Uint32Array(assembly.blockCount);
  for (let block = 0; block < assembly.blockCount; block++) {
    const start = block * assembly.blockSizeBytes;
    checksums[block] = crc32(assembly.buffer.subarray(start, start + assembly.blockLength(block)));
  }
  return checksums;
}
