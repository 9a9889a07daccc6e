import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  OWNER_COLORS,
  ownerColor,
  ownerLetter,
  PIECE_IN_FLIGHT,
  PIECE_MISSING,
  PIECE_RESUMED,
  type PieceCell,
  pieceCells,
  tallyPieces,
} from '../../source/ui/peer/piece-map.ts';

const M = PIECE_MISSING;
const F = PIECE_IN_FLIGHT;
const R = PIECE_RESUMED;

/**
 * Cells as the map draws them without colour: owner letters, █ resumed, ▒ in flight, · missing;
 * a mostly missing cell in lower case (▪ for resumed).
 */
function drawn(cells: PieceCell[]): string {
  return cells
    .map((cell) => {
      if (cell.kind === 'owner')
        return cell.partial ? ownerLetter(cell.owner).toLowerCase() : ownerLetter(cell.owner);
      if (cell.kind === 'resumed') return cell.partial ? '▪' : '█';
      return cell.kind === 'in-flight' ? '▒' : '·';
    })
    .join('');
}

describe('pieceCells', () => {
  test('one cell per piece when the map is wider than the file has pieces', () => {
    const sources = Int8Array.from([0, 1, 2, M, F, 0]);
    assert.deepEqual(pieceCells(sources, 40), [
      { kind: 'owner', owner: 0, partial: false },
      { kind: 'owner', owner: 1, partial: false },
      { kind: 'owner', owner: 2, partial: false },
      { kind: 'missing' },
      { kind: 'in-flight' },
      { kind: 'owner', owner: 0, partial: false },
    ]);
  });

  test('exactly `width` cells, each a group of consecutive pieces, when there are more pieces', () => {
    const sources = new Int8Array(100).fill(0);
    assert.equal(pieceCells(sources, 7).length, 7);
    assert.equal(pieceCells(sources, 100).length, 100);
    assert.equal(pieceCells(sources, 1).length, 1);
  });

  test('groups of four pieces: one owner, the majority owner, a tie to the first, all missing', () => {
    const sources = Int8Array.from([
      ...[1, 1, 1, 1], // all from owner 1
      ...[0, 2, 2, 2], // mostly owner 2
      ...[2, 0, 0, 2], // a tie: the owner seen first in the group
      ...[M, M, M, M], // nothing yet
    ]);
    assert.equal(drawn(pieceCells(sources, 4)), 'BCC·');
  });

  test('in flight, missing and resumed win a cell by majority too, like owners', () => {
    // Before: one piece in flight coloured the whole group, so a big file looked all in flight.
    assert.equal(drawn(pieceCells(Int8Array.from([0, 0, 0, F, M, M, M, F]), 2)), 'A·');
    assert.equal(drawn(pieceCells(Int8Array.from([F, F, 0, M, R, R, R, 1]), 2)), '▒█');
    // Before: one delivered piece among missing ones drew the owner as if it sent the cell.
    assert.equal(drawn(pieceCells(Int8Array.from([M, M, M, 1, M, M, M, M]), 2)), 'b·');
  });

  test('a mostly missing cell shows who delivered most of the rest, as partly (a scattered picker)', () => {
    // 12 pieces in 3 cells of 4: one from B, one resumed, one in flight.
    const sources = Int8Array.from([M, 1, M, M, R, M, M, M, M, M, M, F]);
    assert.equal(drawn(pieceCells(sources, 3)), 'b▪·');
    // Missing wins only a strict majority: two of four delivered is a tie, won by the first seen.
    assert.equal(drawn(pieceCells(Int8Array.from([0, M, 0, M]), 1)), 'A');
  });

  test('pieces verified before a resume are drawn resumed, not missing', () => {
    assert.equal(drawn(pieceCells(Int8Array.from([R, R, 0, 1, M]), 40)), '██AB·');
    assert.equal(drawn(pieceCells(new Int8Array(1000).fill(R), 50)), '█'.repeat(50));
  });

  test('a big file keeps each owner where it delivered: 4096 pieces in 100 cells', () => {
    // Owner A the first half, owner B the second, every 10th piece of each half from C.
    const sources = Int8Array.from({ length: 4096 }, (_, piece) =>
      piece % 10 === 0 ? 2 : piece < 2048 ? 0 : 1,
    );
    assert.equal(drawn(pieceCells(sources, 100)), `${'A'.repeat(50)}${'B'.repeat(50)}`);
  });

  test('uneven groups cover every piece exactly once (10 pieces in 3 cells: 3, 3, 4)', () => {
    const sources = Int8Array.from([0, 0, 0, 1, 1, 1, 2, 2, 2, F]);
    assert.equal(drawn(pieceCells(sources, 3)), 'ABC', 'one piece in flight of four is outvoted');
    assert.equal(drawn(pieceCells(Int8Array.from([0, 0, 0, 1, 1, 1, 2, 2, 2, 2]), 3)), 'ABC');
  });

  test('no pieces (metainfo not fetched yet) or no room: no cells', () => {
    assert.deepEqual(pieceCells(new Int8Array(0), 40), []);
    assert.deepEqual(pieceCells(Int8Array.from([0, 1]), 0), []);
  });
});

describe('tallyPieces', () => {
  test('counts the pieces of each owner, in flight, missing and resumed', () => {
    const sources = Int8Array.from([0, 0, 1, M, F, R, R, R, 2]);
    assert.deepEqual(tallyPieces(sources, 4), {
      byOwner: [2, 1, 1, 0],
      inFlight: 1,
      missing: 1,
      resumed: 3,
    });
  });
});

describe('owner letters and colours', () => {
  test('owners are A, B, C... by their index, wrapping after Z', () => {
    assert.deepEqual(
      [0, 1, 2, 25, 26, 27].map((owner) => ownerLetter(owner)),
      ['A', 'B', 'C', 'Z', 'A', 'B'],
    );
  });

  test('owner colours cycle through the palette', () => {
    assert.equal(ownerColor(0), 'cyan');
    assert.equal(ownerColor(1), 'magenta');
    assert.equal(ownerColor(OWNER_COLORS.length), ownerColor(0));
  });
});
