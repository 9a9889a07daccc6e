/** Piece source codes in a download snapshot: an owner index, or one of these. */
export const PIECE_MISSING = -1;
export const PIECE_IN_FLIGHT = -2;
/** Verified in an earlier session (found on disk at resume): nobody sent it this time. */
export const PIECE_RESUMED = -3;

/**
 * One cell of the piece map: what most of its pieces are. `partial`: most of the cell is still
 * missing, but this owner (or the resume) delivered the most of the rest; drawn in lower case
 * (or ▪), so a picker that spreads its pieces over the file still shows progress everywhere.
 */
export type PieceCell =
  | { kind: 'owner'; owner: number; partial: boolean }
  | { kind: 'resumed'; partial: boolean }
  | { kind: 'in-flight' }
  | { kind: 'missing' };

function cellOf(source: number, partial: boolean): PieceCell {
  if (source >= 0) return { kind: 'owner', owner: source, partial };
  if (source === PIECE_IN_FLIGHT) return { kind: 'in-flight' };
  if (source === PIECE_RESUMED) return { kind: 'resumed', partial };
  return { kind: 'missing' };
}

/** The piece range [from, to) drawn by `cell` when `count` pieces share `cells` cells. */
function groupOf(cell: number, count: number, cells: number): [number, number] {
  return [Math.floor((cell * count) / cells), Math.floor(((cell + 1) * count) / cells)];
}

/** The source with the most pieces among those `accept` allows; a tie to the first seen. */
function topSource(tally: Map<number, number>, accept: (source: number) => boolean): number | null {
  let best: number | null = null;
  for (const [source, pieces] of tally) {
    if (accept(source) && (best === null || pieces > tally.get(best)!)) best = source;
  }
  return best;
}

/**
 * Squeezes a per-piece source array into `width` cells, one cell per piece or per group of
 * consecutive pieces. A cell shows what most of its pieces are: an owner, in flight, missing
 * or resumed, so the map reads the same at every width; a tie goes to whichever of the tied
 * comes first in the group. A mostly missing cell with delivered pieces in it shows who
 * delivered most of those, as partial.
 */
export function pieceCells(
  sources: ArrayLike<number> & Iterable<number>,
  width: number,
): PieceCell[] {
  const count = sources.length;
  const cells = Math.min(width, count);
  const result: PieceCell[] = [];
  for (let cell = 0; cell < cells; cell++) {
    const [from, to] = groupOf(cell, count, cells);
    // Map iteration follows insertion order: the first piece of each source comes first.
    const tally = new Map<number, number>();
    for (let piece = from; piece < to; piece++) {
      const source = sources[piece]!;
      tally.set(source, (tally.get(source) ?? 0) + 1);
    }
    const best = topSource(tally, () => true)!;
    const delivered =
      best === PIECE_MISSING
        ? topSource(tally, (source) => source >= 0 || source === PIECE_RESUMED)
        : null;
    result.push(delivered === null ? cellOf(best, false) : cellOf(delivered, true));
  }
  return result;
}

/** How many pieces each owner delivered, and how many are in flight, missing or resumed. */
export interface PieceTally {
  byOwner: number[];
  inFlight: number;
  missing: number;
  resumed: number;
}

export function tallyPieces(
  sources: ArrayLike<number> & Iterable<number>,
  owners: number,
): PieceTally {
  const tally: PieceTally = {
    byOwner: new Array<number>(owners).fill(0),
    inFlight: 0,
    missing: 0,
    resumed: 0,
  };
  for (const source of sources) {
    if (source >= 0) tally.byOwner[source] = (tally.byOwner[source] ?? 0) + 1;
    else if (source === PIECE_IN_FLIGHT) tally.inFlight++;
    else if (source === PIECE_RESUMED) tally.resumed++;
    else tally.missing++;
  }
  return tally;
}

/** Colours owners are drawn in, by their index in the download's owner list. */
export const OWNER_COLORS = ['cyan', 'magenta', 'green', 'yellow', 'blue', 'red', 'white'] as const;

export function ownerColor(owner: number): (typeof OWNER_COLORS)[number] {
  return OWNER_COLORS[owner % OWNER_COLORS.length]!;
}

/** Letters that tell owners apart without colour (NO_COLOR): A, B, C, ... */
export function ownerLetter(owner: number): string {
  return String.fromCharCode(65 + (owner % 26));
}
