import type { DownloadSnapshot } from '../peer-snapshot.ts';
import type { BlockTransfer } from './block-transfer.ts';
import type { Download } from './download.ts';

/** Piece source codes besides owner indexes (see ui/peer/piece-map.ts, which draws them). */
const PIECE_MISSING = -1;
/** Being fetched now. */
export const PIECE_IN_FLIGHT = -2;
/** Verified, but in an earlier session: found on disk and re-hashed at resume. */
export const PIECE_RESUMED = -3;

/** Who delivered each piece this session, with pieces in flight and resumed pieces marked. */
function pieceSourcesOf(transfer: BlockTransfer): Int8Array {
  const sources = transfer.pieceSource.slice();
  const { verified } = transfer.picker;
  for (let piece = 0; piece < sources.length; piece++) {
    if (sources[piece] === PIECE_MISSING && verified.has(piece)) sources[piece] = PIECE_RESUMED;
  }
  for (const piece of transfer.activePieces()) {
    if (sources[piece] === PIECE_MISSING) sources[piece] = PIECE_IN_FLIGHT;
  }
  return sources;
}

/** A plain, immutable picture of one download for the views (built ~10 times a second). */
export function snapshotDownload(download: Download): DownloadSnapshot {
  const transfer = download.transfer;
  const sizeBytes = download.metainfo?.sizeBytes ?? download.match?.size ?? 0;
  const bytesVerified = transfer?.verifiedBytes ?? 0;
  const rate = download.state === 'downloading' ? download.rateBytesPerSec : 0;
  return {
    name: download.name,
    infohashHex: download.infohash?.toString('hex') ?? '',
    state: download.state,
    reason: download.reason,
    sizeBytes,
    piecesVerified: transfer?.picker.verified.count ?? 0,
    pieceCount: transfer?.pieceCount ?? 0,
    bytesVerified,
    rateBytesPerSec: rate,
    etaSec: rate > 0 ? Math.ceil((sizeBytes - bytesVerified) / rate) : null,
    owners: download.owners.map((owner) => ({
      nodeId: owner.nodeId,
      address: `${owner.address.address}:${owner.address.port}`,
      state: owner.state,
      reason: owner.reason,
      piecesDelivered: owner.deliveredPieces.count,
      ranges: owner.deliveredPieces.ranges(),
      bytesDelivered: owner.bytesDelivered,
      rateBytesPerSec: download.state === 'downloading' ? owner.rateBytesPerSec : 0,
      windowBlocks: Math.floor(owner.windowBlocks),
      strikes: owner.strikes,
      complete: owner.complete,
      piecesHave: owner.has === null ? null : owner.has.count,
    })),
    pieceSources: transfer ? pieceSourcesOf(transfer) : new Int8Array(0),
    retransmittedBlocks: transfer?.retransmittedBlocks ?? 0,
    choices: download.choices,
  };
}
