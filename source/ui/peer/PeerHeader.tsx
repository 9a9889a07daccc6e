import { Box, Text } from 'ink';
import { formatDuration, formatRate, formatSize } from '../../format.ts';
import type { PeerSnapshot } from '../../peer/peer-snapshot.ts';
import { firstFitting, textWidth, truncate } from '../text.ts';

const TRACKER_COLOR = {
  registered: 'green',
  registering: 'yellow',
  retrying: 'red',
  refused: 'red',
} as const;

/**
 * Below this the node only keeps its sessions alive (heartbeats, HELLO probes: a few hundred
 * bytes a second), so the header says idle instead of a rate that suggests a transfer.
 */
export const IDLE_BELOW_BYTES_PER_SEC = 1024;

function rateOrIdle(bytesPerSec: number): string {
  return bytesPerSec < IDLE_BELOW_BYTES_PER_SEC ? 'idle' : formatRate(bytesPerSec);
}

/**
 * A rate with what holds it back, if anything: `idle (limit 10.0 MiB/s)`, `2.8 MiB/s (paced to
 * 2.9 MiB/s after losses)`. The second is the node's own doing, so it is said: a person watching
 * a slow download should not have to read the log to learn why. It says what the node saw, not
 * a cause: an overflowing downlink and owners slow to answer (their upload limits) look alike.
 */
function rateWithLimit(bytesPerSec: number, limit: number, pacedTo = 0, short = false): string {
  // A pace at or above the limit holds nothing back: `limit 1.0 MiB/s; paced to 2.0 MiB/s` read
  // as if the limit did not hold (found by a session).
  const paced = pacedTo > 0 && (limit === 0 || pacedTo < limit);
  const held = [
    ...(limit > 0 ? [`${short ? '≤' : 'limit '}${formatRate(limit)}`] : []),
    ...(paced ? [`paced to ${formatRate(pacedTo)}${short ? '' : ' after losses'}`] : []),
  ];
  const rate = rateOrIdle(bytesPerSec);
  return held.length === 0 ? rate : `${rate} (${held.join('; ')})`;
}

/**
 * Who this node is, how its tracker session is, and how fast it moves bytes. `exitsWhenDone`
 * (--exit-when-done): the view closes by itself, so it says so before it does.
 */
export function PeerHeader({
  snapshot,
  width,
  exiting,
  exitsWhenDone = false,
}: {
  snapshot: PeerSnapshot;
  width: number;
  exiting: boolean;
  exitsWhenDone?: boolean;
}) {
  const { tracker } = snapshot;
  // A refusal that is asked again says so, in registering's yellow: `refused (tracker is full
  // (2 nodes))` in red read as final, the asking again only in the log (found by hand).
  const asksAgain = tracker.status === 'refused' && tracker.asksAgain === true;
  const since =
    tracker.status === 'retrying'
      ? ` since ${new Date(tracker.sinceWallMs).toISOString().slice(11, 19)}`
      : '';
  // Registered and unanswered: a tracker that died read `registered` until its node gave up.
  const unanswered =
    tracker.status === 'registered' && (tracker.unansweredSec ?? 0) > 0
      ? ` · no answer for ${formatDuration(tracker.unansweredSec! * 1000)}`
      : '';
  const trackerText = `${tracker.status}${unanswered}${since}${tracker.error && tracker.status !== 'registered' ? ` (${tracker.error})` : ''}${asksAgain ? ' · retrying' : ''}${exitsWhenDone ? ' · exits when done' : ''}`;
  const seeding = snapshot.files.filter((file) => file.state.kind === 'seeding').length;
  const status = exiting ? 'exiting…' : trackerText;
  const title = titleFitting(snapshot, width - textWidth(status));
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>{truncate(title, width)}</Text>
        <Text color={TRACKER_COLOR[asksAgain || unanswered ? 'registering' : tracker.status]}>
          {truncate(status, Math.max(0, width - textWidth(title)))}
        </Text>
      </Text>
      <Text>{firstFitting(ratesLines(snapshot, seeding), width)}</Text>
    </Box>
  );
}

/**
 * The rates line, longest first: then limits said short (`≤300.0 KiB/s`), then without the bytes
 * uploaded, then without the files seeded. Cut at its end, at 80 columns with both limits set it
 * read `seeding 9 files · uploa…` (found by a session).
 */
function ratesLines(snapshot: PeerSnapshot, seeding: number): string[] {
  const { limits } = snapshot;
  const rates = (short: boolean) =>
    `↓ ${rateWithLimit(snapshot.downloadRateBytesPerSec, limits.downloadBytesPerSec, limits.downlinkPacedBytesPerSec, short)}  ↑ ${rateWithLimit(snapshot.uploadRateBytesPerSec, limits.uploadBytesPerSec, 0, short)}`;
  const to = uploadingTo(snapshot);
  const files = `seeding ${seeding} file${seeding === 1 ? '' : 's'}`;
  const uploaded = ` · uploaded ${formatSize(snapshot.bytesUploaded)}`;
  const credits = creditsWaiting(snapshot);
  return [
    `${rates(false)} · ${to}${files}${uploaded}${credits}`,
    `${rates(true)} · ${to}${files}${uploaded}${credits}`,
    `${rates(true)} · ${to}${files}${credits}`,
    `${rates(true)} · ${to}${files}`,
    `${rates(true)}${to ? ` · ${to.replace(/ · $/, '')}` : ''}`,
  ];
}

/**
 * Who this node is, in `room` cells if it can be: the product's name gives way first, then the
 * node's own address (its log's first line says it), so that what the tracker says stays whole.
 * Before, at 80 columns `retrying since 06:21:34 (tracker unreachable)` read `retrying since…`,
 * and `refused (tracker is full (2 nodes))` read `refused (track…` (found by hand).
 */
function titleFitting(snapshot: PeerSnapshot, room: number): string {
  const node = `node ${snapshot.nodeId}`;
  const tracker = `tracker ${snapshot.tracker.address} `;
  const titles = [
    `bt-tui peer · ${node} · ${snapshot.address} · ${tracker}`,
    `${node} · ${snapshot.address} · ${tracker}`,
    `${node} · ${tracker}`,
  ];
  // Not firstFitting, which cuts the last text to fit: where even `node 5 · tracker A ` leaves
  // too little room (a long refusal), that is kept and the state cut, whose whole text the log
  // pane shows wrapped. Cut, the title lost the tracker's address (a8f9b4d, the e2e view of an id
  // in use).
  return titles.find((title) => textWidth(title) <= room) ?? titles[titles.length - 1]!;
}

/**
 * ` · 1 credit waiting for the tracker` while finished downloads' credits wait for a tracker
 * to answer: without it a person saw the owners' credit stay 0 and had to read the log for why.
 */
function creditsWaiting(snapshot: PeerSnapshot): string {
  const waiting = snapshot.creditsWaiting;
  if (waiting === 0) return '';
  return ` · ${waiting} credit${waiting === 1 ? '' : 's'} waiting for the tracker`;
}

/** `to 3 peers · ` while peers download from this node (the peers pane lists them). */
function uploadingTo(snapshot: PeerSnapshot): string {
  const served = snapshot.uploads.filter((peer) => peer.slot !== 'choked').length;
  return served === 0 ? '' : `to ${served} peer${served === 1 ? '' : 's'} · `;
}
