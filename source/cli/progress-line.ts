import { formatDuration, formatRate } from '../format.ts';
import type { DownloadSnapshot } from '../peer/peer-snapshot.ts';

/** One headless progress line: `big.iso 42.0% 107/256 pieces 312.4 MiB/s ETA 1s | node 1 ...`. */
export function formatProgressLine(download: DownloadSnapshot): string {
  const percent = download.sizeBytes === 0 ? 100 : (download.bytesHeld * 100) / download.sizeBytes;
  const owners = download.owners
    .map((owner) => `node ${owner.nodeId} ${owner.state} ${formatRate(owner.rateBytesPerSec)}`)
    .join(', ');
  const eta =
    download.stalledSec > 0
      ? `? (stalled ${formatDuration(download.stalledSec * 1000)})`
      : download.etaSec === null
        ? '?'
        : formatDuration(download.etaSec * 1000);
  return `progress ${download.name} ${percent.toFixed(1)}% ${download.piecesVerified}/${download.pieceCount} pieces ${formatRate(download.rateBytesPerSec)} ETA ${eta} | ${owners}`;
}
