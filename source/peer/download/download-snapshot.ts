import { formatAddress } from '../../format.ts';
import type { DownloadSnapshot } from '../peer-snapshot.ts';
import type { BlockTransfer } from './block-transfer.ts';
import type { Download } from './download.ts';
import type { OwnerSession } from './owner-session.ts';
import { NO_OWNER } from './piece-assembly.ts';

/** Piece source codes besides owner indexes (see ui/peer/piece-map.ts, which draws them). */
const PIECE_MISSING = -1;
/** Being fetched now. */
export const PIECE_IN_FLIGHT = -2;
/** Verified, but in an earlier session: found on disk and re-hashed at resume. */
export const PIECE_RESUMED = -3;

/** The reason shown while a download taken up paused is still being found or checked. */
export const HELD_BEFORE_START = 'stays paused once found, as you left it';

/**
 * Who delivered each piece this session, as an index into `owners` (the transfer names owners
 * by node id), with resumed pieces marked, and pieces being fetched (asked of an owner now, or
 * partly received while `moving`: not stalled) marked in flight while `fetching`.
 * A paused download, or one whose owners are all gone, keeps the blocks of its pieces begun but
 * asks nobody for them: its map showed them in flight (`▒ 1 in flight` beside `every owner is
 * gone`); they are missing until verified.
 */
function pieceSourcesOf(
  transfer: BlockTransfer,
  owners: readonly OwnerSession[],
  fetching: boolean,
  moving: boolean,
): Int16Array {
  const indexById = new Map(owners.map((owner, index) => [owner.nodeId, index]));
  const sources = new Int16Array(transfer.pieceCount).fill(PIECE_MISSING);
  const { verified } = transfer.picker;
  for (let piece = 0; piece < sources.length; piece++) {
    const id = transfer.pieceSource[piece]!;
    // Clamped so a 32,768th owner (a flood of liars) never wraps into one of the codes below 0.
    if (id !== NO_OWNER) sources[piece] = Math.min(indexById.get(id) ?? PIECE_MISSING, 0x7fff);
    else if (verified.has(piece)) sources[piece] = PIECE_RESUMED;
  }
  if (!fetching) return sources;
  // Begun is not in flight: a download whose only owner left has nothing of its pieces begun
  // asked of anyone, and showed `downloading · ▒ 1 in flight` for as long (found by a session).
  // Pieces begun count only while blocks come: stalled, one begun from a seeder gone quiet read
  // as in flight (found by a session).
  for (const piece of transfer.fetchedPieces(moving)) {
    if (sources[piece] === PIECE_MISSING) sources[piece] = PIECE_IN_FLIGHT;
  }
  return sources;
}

function serving(owner: OwnerSession): boolean {
  return owner.state === 'active' || owner.state === 'slow';
}

/** A plain, immutable picture of one download for the views (built ~10 times a second). */
export function snapshotDownload(download: Download, partialOwner = false): DownloadSnapshot {
  const transfer = download.transfer;
  const sizeBytes = download.metainfo?.sizeBytes ?? download.match?.size ?? 0;
  const bytesVerified = transfer?.verifiedBytes ?? 0;
  const bytesHeld = bytesVerified + (transfer?.unverifiedBytes ?? 0);
  const stalledMs = download.stalledForMs();
  // Stalled, every rate is a decaying average of what came before: none is shown.
  const moving = download.state === 'downloading' && stalledMs === 0;
  const rate = moving ? download.rateSoFar() : 0;
  return {
    name: download.name,
    infohashHex: download.infohash?.toString('hex') ?? '',
    state: download.state,
    // Taken up paused and still looking or checking: say what comes, or `p` looks like a no-op.
    reason:
      download.state !== 'paused' && download.heldByPerson ? HELD_BEFORE_START : download.reason,
    heldByPerson: download.heldByPerson,
    partialOwner,
    sizeBytes,
    piecesVerified: transfer?.picker.verified.count ?? 0,
    pieceCount: transfer?.pieceCount ?? 0,
    bytesVerified,
    bytesHeld,
    rateBytesPerSec: rate,
    // Under a byte a second (a rate decaying between the rare blocks of a tiny limit) an ETA is
    // years of nothing: none is shown.
    etaSec: rate >= 1 ? Math.ceil((sizeBytes - bytesHeld) / rate) : null,
    stalledSec: Math.floor(stalledMs / 1000),
    owners: download.owners.map((owner) => ({
      nodeId: owner.nodeId,
      address: formatAddress(owner.address),
      state: owner.state,
      reason: owner.reason,
      piecesDelivered: owner.deliveredPieces.count,
      ranges: owner.deliveredPieces.ranges(),
      bytesDelivered: owner.bytesDelivered,
      // Only an owner that serves has a rate: a dead or refusing one's average decays for
      // seconds, and the row showed `2.4 KiB/s connecting: refused: not-seeding`.
      rateBytesPerSec: moving && serving(owner) ? download.rateSoFar(owner) : 0,
      windowBlocks: Math.floor(owner.link.windowBlocks),
      strikes: owner.strikes,
      complete: owner.complete,
      piecesHave: owner.has === null ? null : owner.has.count,
    })),
    pieceSources: transfer
      ? pieceSourcesOf(transfer, download.owners, download.state === 'downloading', moving)
      : new Int16Array(0),
    retransmittedBlocks: transfer?.retransmittedBlocks ?? 0,
    choices: download.choices,
  };
}
