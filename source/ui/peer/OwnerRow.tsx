import { Text } from 'ink';
import { formatRate, formatSize } from '../../format.ts';
import type { DownloadSnapshot, OwnerSnapshot } from '../../peer/peer-snapshot.ts';
import { stateText, truncate } from '../text.ts';
import { ownerColor, ownerLetter } from './piece-map.ts';

const OWNER_STATE_COLOR: Partial<Record<OwnerSnapshot['state'], string>> = {
  active: 'green',
  slow: 'yellow',
  dead: 'red',
  banned: 'red',
};

/** What an owner is doing, given how its download stands: no "active" once it has ended. */
export function ownerStateText(
  owner: OwnerSnapshot,
  downloadState: DownloadSnapshot['state'],
): {
  text: string;
  color?: string;
} {
  const working =
    owner.state === 'active' || owner.state === 'slow' || owner.state === 'connecting';
  if (working && downloadState === 'done') return { text: 'done', color: 'green' };
  if (working && downloadState !== 'downloading' && downloadState !== 'waiting-for-owners')
    return { text: 'idle' };
  const strikes =
    owner.strikes > 0 && owner.state !== 'banned'
      ? ` (${owner.strikes} strike${owner.strikes === 1 ? '' : 's'})`
      : '';
  return {
    text: stateText(owner.state, owner.reason) + strikes,
    color: OWNER_STATE_COLOR[owner.state],
  };
}

/**
 * One owner: its share of the file as a bar (the part of all pieces it delivered, so the bars
 * of all owners add up to what this session fetched), the same as a percentage, bytes, rate
 * while the download runs and the owner serves it, and its state.
 */
export function OwnerRow(props: {
  owner: OwnerSnapshot;
  index: number;
  pieces: number;
  pieceCount: number;
  downloadState: DownloadSnapshot['state'];
  width: number;
  narrow: boolean;
}) {
  const { owner, index } = props;
  const address = props.narrow ? '' : ` ${owner.address.padEnd(21)}`;
  const running = props.downloadState === 'downloading';
  // Of an owner in use only: a dead one's read `0 B/s` while its download ran (stalled) and
  // nothing while it waited for owners (found by a session).
  const serving = owner.state === 'active' || owner.state === 'slow';
  const rate =
    props.width < 70
      ? ''
      : ` ${(running && serving ? formatRate(owner.rateBytesPerSec) : '').padStart(12)}`;
  const state = ownerStateText(owner, props.downloadState);
  // A partial owner (a downloader too): ◐ and how many pieces it has told us it holds. Only while
  // the download runs: its HAVEs are not followed after, so the count would go stale.
  const live = running || props.downloadState === 'waiting-for-owners';
  const holds = owner.complete || !live ? '' : ` ◐${owner.piecesHave ?? 0}/${props.pieceCount}`;
  // "  A node 1234" + address + " [" + share + "] " + "100% " + size 10 + rate + " ".
  const fixed = 33 + address.length + rate.length;
  const shareWidth = Math.max(8, Math.min(40, Math.floor((props.width - fixed) / 2)));
  const fraction = props.pieceCount === 0 ? 0 : props.pieces / props.pieceCount;
  const filled = Math.round(fraction * shareWidth);
  // A share too small to round to a cell still gets one: it delivered something.
  const cells = props.pieces > 0 ? Math.max(1, filled) : 0;
  const percent = `${Math.round(fraction * 100)}%`.padStart(4);
  return (
    <Text>
      {'  '}
      <Text color={ownerColor(index)} bold>
        {ownerLetter(index)}
      </Text>
      {` node ${String(owner.nodeId).padEnd(4)}${address} [`}
      <Text color={ownerColor(index)}>{'█'.repeat(cells).padEnd(shareWidth)}</Text>
      {`] ${percent} ${formatSize(owner.bytesDelivered).padStart(10)}${rate} `}
      <Text color={state.color}>
        {truncate(state.text + holds, Math.max(1, props.width - fixed - shareWidth))}
      </Text>
    </Text>
  );
}
