import type { DownloadState } from './download/download.ts';
import type { EntryChoice } from './download/entry-choice.ts';
import type { OwnerState } from './download/owner-session.ts';
import type { TrackerStatus } from './tracker-client.ts';

/** What the screen shows of one owner of one download. */
export interface OwnerSnapshot {
  nodeId: number;
  address: string;
  state: OwnerState;
  reason: string;
  /** Pieces this owner delivered most of, and the same as inclusive index ranges. */
  piecesDelivered: number;
  ranges: Array<[number, number]>;
  bytesDelivered: number;
  rateBytesPerSec: number;
  windowBlocks: number;
  strikes: number;
  /** False for a partial owner (a downloader serving what it has). */
  complete: boolean;
  /** Pieces a partial owner has told us it holds; null for a complete owner. */
  piecesHave: number | null;
}

/** One peer that downloads from this node (the peers pane), as rtorrent's peer list shows. */
export interface UploadPeerSnapshot {
  /**
   * The node the tracker says is registered at that address (WHO, see peer-names.ts); null
   * while unknown, or when none is. Never the id its HELLO claims: that is checked by nobody.
   */
  nodeId: number | null;
  /** `host:port`. */
  address: string;
  /** Its upload slot here: served (regular or optimistic) or told `choked`. */
  slot: 'regular' | 'optimistic' | 'choked';
  rateBytesPerSec: number;
  bytesServed: number;
}

export interface DownloadSnapshot {
  name: string;
  infohashHex: string;
  state: DownloadState;
  reason: string;
  sizeBytes: number;
  piecesVerified: number;
  pieceCount: number;
  bytesVerified: number;
  /**
   * Verified bytes and the blocks received of pieces not verified yet: what the percentage and
   * the ETA count, as Transmission's do. By verified pieces alone, a one-piece file at an owner
   * held to `--upload-limit 2K` read `0.0%` and the same ETA for a minute (found by a session).
   * A piece that fails its hash takes its bytes back.
   */
  bytesHeld: number;
  rateBytesPerSec: number;
  /** Seconds to go at the current rate; null when unknown. */
  etaSec: number | null;
  /** Downloading, how long nothing has come once that is too long (0: not stalled). */
  stalledSec: number;
  owners: OwnerSnapshot[];
  /**
   * Per piece, the index into `owners` of who delivered it this session, or -1 missing, -2 in
   * flight, -3 verified in an earlier session (found on disk at resume).
   */
  pieceSources: Int16Array;
  retransmittedBlocks: number;
  /** Several files have this name and none was picked: the candidates (the download failed). */
  choices: readonly EntryChoice[];
  /** Paused by a person, or taken up paused and to pause as soon as it starts (`p` resumes). */
  heldByPerson: boolean;
  /**
   * The tracker counts this node among the file's owners: it serves the verified pieces and its
   * OWN partial was acknowledged (until the download ends; once done the file is seeded).
   */
  partialOwner: boolean;
}

export type LocalFileState =
  | { kind: 'not-shared' }
  | { kind: 'hashing'; percent: number }
  /**
   * Served to peers; `unlistedBecause` is the tracker's reason when it refused to list the file
   * (a host or node over its bound, a full tracker), so nobody learns of it from there: null
   * when listed, or not answered yet.
   */
  | { kind: 'seeding'; infohashHex: string; unlistedBecause: string | null }
  /** It changed on disk after it was hashed: withdrawn, seeded again once it stops changing. */
  | { kind: 'changed' }
  /** New in the folder under --seed-all: seeded once it stops changing (a copy still going). */
  | { kind: 'new' }
  | { kind: 'downloading' }
  | { kind: 'error'; reason: string }
  /** In the folder but not shareable (a folder, a FIFO, a link leading out), and why. */
  | { kind: 'unsupported'; reason: string };

export interface LocalFileSnapshot {
  name: string;
  sizeBytes: number;
  state: LocalFileState;
}

/** Everything a view of one peer draws; immutable, replaced as a whole when something changes. */
export interface PeerSnapshot {
  nodeId: number;
  address: string;
  /**
   * `sinceWallMs`: when the tracker session got its current status (e.g. retrying since).
   * `asksAgain`: refused, but not for good (a full tracker; not an id in use): asked again.
   */
  tracker: {
    address: string;
    status: TrackerStatus;
    sinceWallMs: number;
    error: string;
    asksAgain?: boolean;
    /** Registered, how long a request has waited for the tracker unanswered (0: not long). */
    unansweredSec?: number;
  };
  uploadRateBytesPerSec: number;
  downloadRateBytesPerSec: number;
  bytesUploaded: number;
  /**
   * Bytes per second; 0 when there is no limit. `downlinkPacedBytesPerSec`: the rate this node
   * paces its requests to because blocks were lost (see DownlinkPacer); 0 while unpaced and once
   * no download runs.
   */
  limits: {
    uploadBytesPerSec: number;
    downloadBytesPerSec: number;
    downlinkPacedBytesPerSec: number;
  };
  /**
   * Credits of finished downloads no tracker has answered yet (kept in the node's folder, see
   * pending-credits.ts): sent once a tracker answers.
   */
  creditsWaiting: number;
  /** Peers that asked this node for data lately, busiest first. */
  uploads: UploadPeerSnapshot[];
  files: LocalFileSnapshot[];
  downloads: DownloadSnapshot[];
}
