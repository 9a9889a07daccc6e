import chalk from 'chalk';
import { Box, Text } from 'ink';
import { formatRate, formatSize } from '../../format.ts';
import type { DownloadSnapshot, OwnerSnapshot } from '../../peer/peer-snapshot.ts';
import { textWidth, truncate } from '../text.ts';
import { ownerColor, ownerLetter, type PieceCell, pieceCells, shareCells } from './piece-map.ts';

const STATE_TEXT: Record<DownloadSnapshot['state'], string> = {
  searching: 'searching',
  'fetching-metainfo': 'fetching metainfo',
  verifying: 'verifying',
  downloading: 'downloading',
  'waiting-for-owners': 'waiting for owners',
  paused: 'paused',
  cancelled: 'cancelled',
  done: 'done',
  failed: 'failed',
};

const STATE_COLOR: Partial<Record<DownloadSnapshot['state'], string>> = {
  done: 'green',
  failed: 'red',
  'waiting-for-owners': 'yellow',
  paused: 'yellow',
  cancelled: 'yellow',
};

const OWNER_STATE_COLOR: Partial<Record<OwnerSnapshot['state'], string>> = {
  active: 'green',
  slow: 'yellow',
  dead: 'red',
  banned: 'red',
};

/** `[█████░░░░]` of `width` cells for a fraction 0..1. */
export function progressBar(fraction: number, width: number): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

/** Text after the bar: state (and reason) first, so a cut line still says it; then figures. */
export function downloadStatus(download: DownloadSnapshot): string {
  const state = STATE_TEXT[download.state] + (download.reason ? `: ${download.reason}` : '');
  const pieces =
    download.pieceCount > 0 ? ` ${download.piecesVerified}/${download.pieceCount} pieces` : '';
  const rate = download.state === 'downloading' ? ` ${formatRate(download.rateBytesPerSec)}` : '';
  const eta =
    download.etaSec !== null && download.state === 'downloading' ? ` ETA ${download.etaSec}s` : '';
  return ` ${state}${pieces || rate || eta ? ' ·' : ''}${pieces}${rate}${eta}`;
}

/**
 * The piece map as one pre-coloured string: one Ink node instead of one per cell, which keeps
 * a redraw of a large map cheap while a download runs in the same process.
 */
function pieceMapText(cells: PieceCell[]): string {
  let text = '';
  for (const cell of cells) {
    if (cell.kind === 'owner') text += chalk[ownerColor(cell.owner)](ownerLetter(cell.owner));
    else text += chalk.dim(cell.kind === 'in-flight' ? '▒' : '·');
  }
  return text;
}

/** How many lines a download block takes: title, piece map, legend, one row per owner. */
export function downloadBlockHeight(download: DownloadSnapshot): number {
  return 3 + download.owners.length;
}

/**
 * One download: name, progress bar and figures; a piece map of the whole file coloured by the
 * owner that delivered each part; then a row per owner with its share of the file as a bar.
 */
export function DownloadBlock({
  download,
  width,
  selected,
}: {
  download: DownloadSnapshot;
  width: number;
  selected: boolean;
}) {
  const fraction =
    download.sizeBytes === 0
      ? download.state === 'done'
        ? 1
        : 0
      : download.bytesVerified / download.sizeBytes;
  const barWidth = Math.max(10, Math.min(30, Math.floor(width / 4)));
  const status = downloadStatus(download);
  // Name, bar and percentage first; the status gets what is left of the line.
  const nameWidth = Math.max(8, Math.min(textWidth(download.name), width - barWidth - 12 - 24));
  const shownName = truncate(download.name, nameWidth);
  // "▸ name" + " [bar] " + "100.0%" = 2 + name + barWidth + 4 + 6.
  const statusWidth = Math.max(0, width - 12 - barWidth - textWidth(shownName));
  const mapWidth = Math.max(1, width - 6);
  const cells = pieceCells(download.pieceSources, mapWidth);
  const narrow = width < 90;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold inverse={selected}>{`${selected ? '▸' : ' '} ${shownName}`}</Text>
        {` ${progressBar(fraction, barWidth)} ${(fraction * 100).toFixed(1).padStart(5)}%`}
        <Text color={STATE_COLOR[download.state]}>{truncate(status, statusWidth)}</Text>
      </Text>
      <Text>
        {'  map '}
        {cells.length === 0 ? <Text dimColor>(no pieces yet)</Text> : null}
        {pieceMapText(cells)}
      </Text>
      <Text dimColor>
        {truncate(
          `  legend: ${download.owners.map((owner, index) => `${ownerLetter(index)} node ${owner.nodeId}`).join('  ')}  ▒ in flight  · missing`,
          width,
        )}
      </Text>
      {download.owners.map((owner, index) => (
        <OwnerRow
          key={owner.nodeId}
          owner={owner}
          index={index}
          sources={download.pieceSources}
          width={width}
          narrow={narrow}
        />
      ))}
    </Box>
  );
}

function OwnerRow(props: {
  owner: OwnerSnapshot;
  index: number;
  sources: Int8Array;
  width: number;
  narrow: boolean;
}) {
  const { owner, index } = props;
  const address = props.narrow ? '' : ` ${owner.address.padEnd(21)}`;
  const rate = props.width < 70 ? '' : ` ${formatRate(owner.rateBytesPerSec).padStart(12)}`;
  const state =
    owner.state +
    (owner.reason ? `: ${owner.reason}` : '') +
    (owner.strikes > 0 && owner.state !== 'banned' ? ` (${owner.strikes} strikes)` : '');
  // "  A node 1234" + address + " [" + share + "] " + size 10 + rate + " " = 28 + the variable parts.
  const fixed = 28 + address.length + rate.length;
  const shareWidth = Math.max(8, Math.min(40, Math.floor((props.width - fixed) / 2)));
  const share = shareCells(props.sources, index, shareWidth);
  const shareText = share.map((delivered) => (delivered ? '█' : ' ')).join('');
  return (
    <Text>
      {'  '}
      <Text color={ownerColor(index)} bold>
        {ownerLetter(index)}
      </Text>
      {` node ${String(owner.nodeId).padEnd(4)}${address} [`}
      <Text color={ownerColor(index)}>{shareText.padEnd(shareWidth)}</Text>
      {`] ${formatSize(owner.bytesDelivered).padStart(10)}${rate} `}
      <Text color={OWNER_STATE_COLOR[owner.state]}>
        {truncate(state, Math.max(1, props.width - fixed - shareWidth))}
      </Text>
    </Text>
  );
}
