/** Piece source codes in a download snapshot: an owner index, or one of these. */
export const PIECE_MISSING = -1;
export const PIECE_IN_FLIGHT = -2;

/** One cell of the piece map: who delivered (most of) its pieces, or what is still to come. */
export type PieceCell =
  | { kind: 'owner'; owner: number }
  | { kind: 'in-flight' }
  | { kind: 'missing' };

/**
 * Squeezes a per-piece source array into `width` cells, one cell per piece or per group of
 * pieces. A cell shows the owner that delivered most of its group; a group with anything in
 * flight shows in flight; a group with nothing delivered shows missing.
 */
export function pieceCells(sources: Int8Array, width: number): PieceCell[] {
  const count = sources.length;
  const cells = Math.min(width, count);
  const result: PieceCell[] = [];
  for (let cell = 0; cell < cells; cell++) {
    const from = Math.floor((cell * count) / cells);
    const to = Math.floor(((cell + 1) * count) / cells);
    const tally = new Map<number, number>();
    let inFlight = false;
    for (let piece = from; piece < to; piece++) {
      const source = sources[piece]!;
      if (source === PIECE_IN_FLIGHT) inFlight = true;
      else if (source >= 0) tally.set(source, (tally.get(source) ?? 0) + 1);
    }
    let best = -1;
    for (const [owner, pieces] of tally) if (best < 0 || pieces > tally.get(best)!) best = owner;
    if (best >= 0 && !inFlight && tally.get(best)! === to - from)
      result.push({ kind: 'owner', owner: best });
    else if (inFlight) result.push({ kind: 'in-flight' });
    else if (best >= 0) result.push({ kind: 'owner', owner: best });
    else result.push({ kind: 'missing' });
  }
  return result;
}

/** One owner's share of the file as `width` cells: true where it delivered pieces of that cell. */
export function shareCells(sources: Int8Array, owner: number, width: number): boolean[] {
  const count = sources.length;
  const cells = Math.min(width, count);
  const result: boolean[] = [];
  for (let cell = 0; cell < cells; cell++) {
    const from = Math.floor((cell * count) / cells);
    const to = Math.floor(((cell + 1) * count) / cells);
    let delivered = false;
    for (let piece = from; piece < to && !delivered; piece++) delivered = sources[piece] === owner;
    result.push(delivered);
  }
  return result;
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
