import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  OWNER_COLORS,
  ownerColor,
  ownerLetter,
  PIECE_IN_FLIGHT,
  PIECE_MISSING,
  type PieceCell,
  pieceCells,
  shareCells,
} from '../../source/ui/peer/piece-map.ts';

const M = PIECE_MISSING;
const F = PIECE_IN_FLIGHT;

/** Cells as the map draws them without colour: owner letters, ▒ in flight, · missing. */
function drawn(cells: PieceCell[]): string {
  return cells
    .map((cell) =>
      cell.kind === 'owner' ? ownerLetter(cell.owner) : cell.kind === 'in-flight' ? '▒' : '·',
    )
    .join('');
}

describe('pieceCells', () => {
  test('one cell per piece when the map is wider than the file has pieces', () => {
    const sources = Int8Array.from([0, 1, 2, M, F, 0]);
    assert.deepEqual(pieceCells(sources, 40), [
      { kind: 'owner', owner: 0 },
      { kind: 'owner', owner: 1 },
      { kind: 'owner', owner: 2 },
      { kind: 'missing' },
      { kind: 'in-flight' },
      { kind: 'owner', owner: 0 },
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

  test('a group with a piece in flight shows in flight, even when the rest is delivered', () => {
    assert.equal(drawn(pieceCells(Int8Array.from([0, 0, 0, F, M, M, M, F]), 2)), '▒▒');
  });

  test('a group partly delivered and partly missing shows the owner that delivered its pieces', () => {
    assert.equal(drawn(pieceCells(Int8Array.from([M, M, M, 1, M, M, M, M]), 2)), 'B·');
  });

  test('uneven groups cover every piece exactly once (10 pieces in 3 cells: 3, 3, 4)', () => {
    const sources = Int8Array.from([0, 0, 0, 1, 1, 1, 2, 2, 2, F]);
    assert.equal(drawn(pieceCells(sources, 3)), 'AB▒');
    assert.equal(drawn(pieceCells(Int8Array.from([0, 0, 0, 1, 1, 1, 2, 2, 2, 2]), 3)), 'ABC');
  });

  test('no pieces (metainfo not fetched yet) or no room: no cells', () => {
    assert.deepEqual(pieceCells(new Int8Array(0), 40), []);
    assert.deepEqual(pieceCells(Int8Array.from([0, 1]), 0), []);
  });
});

describe('shareCells', () => {
  test("marks the cells where the owner delivered any of the group's pieces", () => {
    const sources = Int8Array.from([0, 0, 1, 1, 0, 1, M, F]);
    assert.deepEqual(shareCells(sources, 0, 8), [
      true,
      true,
      false,
      false,
      true,
      false,
      false,
      false,
    ]);
    assert.deepEqual(shareCells(sources, 1, 8), [
      false,
      false,
      true,
      true,
      false,
      true,
      false,
      false,
    ]);
    assert.deepEqual(shareCells(sources, 0, 4), [true, false, true, false]);
    assert.deepEqual(shareCells(sources, 1, 4), [false, true, true, false]);
  });

  test('an owner that delivered nothing has an empty share; missing and in-flight are nobody', () => {
    const sources = Int8Array.from([M, F, 0, 0]);
    assert.deepEqual(shareCells(sources, 2, 4), [false, false, false, false]);
  });

  test('at most one cell per piece, and no cells for a file without pieces', () => {
    assert.equal(shareCells(Int8Array.from([0, 1, 0]), 0, 40).length, 3);
    assert.deepEqual(shareCells(new Int8Array(0), 0, 40), []);
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
