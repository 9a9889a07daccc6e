import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PieceAssembly } from '../../../source/peer/download/piece-assembly.ts';
import { PieceBlame } from '../../../source/peer/download/piece-blame.ts';

const BLOCK = 4;

/** A piece of three 4-byte blocks, each filled with `fill[block]` and sent by `from[block]`. */
function piece(fill: number[], from: number[]): PieceAssembly {
  const assembly = new PieceAssembly(7, 12, BLOCK, Buffer.alloc(12));
  for (let block = 0; block < 3; block++) {
    assembly.buffer.fill(fill[block]!, block * BLOCK, (block + 1) * BLOCK);
    assembly.contributor[block] = from[block]!;
    assembly.receivedCount++;
  }
  return assembly;
}

describe('piece blame', () => {
  test('a failed piece from one owner is a strike against that owner', () => {
    assert.deepEqual(new PieceBlame().failed(piece([1, 2, 3], [4, 4, 4])), {
      kind: 'strike',
      nodeId: 4,
    });
  });

  test('a failed piece from several owners blames nobody until the whole piece passes', () => {
    const blame = new PieceBlame();
    assert.deepEqual(blame.failed(piece([1, 9, 3], [5, 1, 5])), { kind: 'parole' });
    // Refetched whole from node 5: only block 1 differs, and node 1 sent it.
    assert.deepEqual(blame.passed(piece([1, 2, 3], [5, 5, 5])), [1]);
    assert.deepEqual(blame.passed(piece([1, 2, 3], [5, 5, 5])), [], 'blamed once');
  });

  test('an honest owner that only sent good blocks is never blamed', () => {
    const blame = new PieceBlame();
    blame.failed(piece([1, 2, 9], [2, 3, 3]));
    assert.deepEqual(blame.passed(piece([1, 2, 3], [2, 2, 2])), [3]);
  });
});
