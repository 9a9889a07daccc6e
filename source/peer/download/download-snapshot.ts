import type { DownloadSnapshot } from '../peer-snapshot.ts';
import type { Download } from './download.ts';

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
    piecesVerified: transfer?.scheduler.verified.count ?? 0,
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
      rateBytesPerSec: owner.rateBytesPerSec,
      windowBlocks: Math.floor(owner.windowBlocks),
      strikes: owner.strikes,
    })),
    pieceSources: transfer ? transfer.pieceSource.slice() : new Int8Array(0),
    retransmittedBlocks: transfer?.retransmittedBlocks ?? 0,
  };
}
