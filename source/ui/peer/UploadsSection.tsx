import { Text } from 'ink';
import { formatRate, formatSize } from '../../format.ts';
import type { UploadPeerSnapshot } from '../../peer/peer-snapshot.ts';
import { truncate } from '../text.ts';

/** Peer rows shown at most; the rest are counted on the title line. */
export const MAX_UPLOAD_ROWS = 4;

const SLOT_TEXT = {
  regular: 'served',
  optimistic: 'served (optimistic)',
  choked: 'choked',
} as const;
const SLOT_COLOR = { regular: 'green', optimistic: 'cyan', choked: 'yellow' } as const;

/** `node 4294967295` at most. */
const NODE_WIDTH = 15;

/**
 * The node the tracker says asks from that address (its HELLO's claim is never shown: nobody
 * checks it); `unknown` until the tracker answered, or when no registered node is there.
 */
function nodeText(nodeId: number | null): string {
  return nodeId === null ? 'unknown' : `node ${nodeId}`;
}

/** Lines the section takes: none while nobody downloads from this node. */
export function uploadsSectionHeight(uploads: readonly UploadPeerSnapshot[]): number {
  return uploads.length === 0 ? 0 : 1 + Math.min(uploads.length, MAX_UPLOAD_ROWS);
}

/**
 * Who downloads from this node, busiest first: its node (as the tracker knows the address),
 * address, rate, bytes and upload slot here (served or choked): what rtorrent's and
 * Transmission's peer lists show first. `rows` false: the title line alone, where the rows do
 * not fit.
 */
export function UploadsSection(props: {
  uploads: readonly UploadPeerSnapshot[];
  width: number;
  rows?: boolean;
}) {
  const { uploads, width } = props;
  if (uploads.length === 0) return null;
  const rows = props.rows ?? true;
  const more = !rows
    ? ' (a taller window lists them)'
    : uploads.length > MAX_UPLOAD_ROWS
      ? ` (busiest ${MAX_UPLOAD_ROWS} shown)`
      : '';
  return (
    <>
      <Text bold>
        {truncate(`Peers downloading from this node: ${uploads.length}${more}`, width)}
      </Text>
      {uploads.slice(0, rows ? MAX_UPLOAD_ROWS : 0).map((peer) => (
        <Text key={peer.address}>
          {truncate(
            `  ${nodeText(peer.nodeId).padEnd(NODE_WIDTH)} ${peer.address.padEnd(22)} ${formatRate(peer.rateBytesPerSec).padStart(12)} ${formatSize(peer.bytesServed).padStart(10)} `,
            width,
          )}
          <Text color={SLOT_COLOR[peer.slot]}>
            {truncate(SLOT_TEXT[peer.slot], Math.max(0, width - 50 - NODE_WIDTH))}
          </Text>
        </Text>
      ))}
    </>
  );
}
