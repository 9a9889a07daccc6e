/**
 * Every tunable default of bt-tui, in one typed place. The CLI overrides these with flags and
 * prints them in `--help`; engines receive the values they need as parameters and never import
 * this module's globals deep inside logic.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** Defaults ported from the original course design, plus what our protocol needs. */
export const defaults = {
  /** Where the tracker listens and where peers look for it (original design: 127.0.0.1:12345). */
  trackerHost: '127.0.0.1',
  trackerPort: 12345,

  /** Original design: nodes heartbeat every 20 s, the tracker sweeps every 22 s. */
  heartbeatIntervalMs: 20_000,
  sweepIntervalMs: 22_000,

  /** Original design: a download asks the tracker for K = 3 owners at a time, best uploaders
   * first. */
  maxOwnersPerDownload: 3,

  /** Swarming: a download keeps asking (K at a time) until it uses this many owners, complete or
   * partial. Enough to keep a 100 Mbit/s link busy from peers that each upload a share. */
  maxPeersPerDownload: 8,

  /** Rate limits in bytes per second (`--upload-limit`, `--download-limit`); 0 = none. */
  uploadLimitBytesPerSec: 0,
  downloadLimitBytesPerSec: 0,

  /**
   * Payload of one DATA datagram at most. 16 KiB travels whole on loopback; over a route with
   * smaller frames a download asks for one frame's worth where its socket coalesces (GRO).
   */
  blockSizeBytes: 16 * KiB,

  /** Piece size rule: a power of two, at least min, grown until the file has at most
   * targetPieceCount pieces, never above max (so pieces in memory stay bounded). */
  minPieceSizeBytes: 256 * KiB,
  maxPieceSizeBytes: 4 * MiB,
  targetPieceCount: 2048,

  /** Control request/response (tracker messages, HELLO, METAINFO): first timeout, then doubled
   * per retry up to the cap, at most this many retries. */
  requestTimeoutMs: 500,
  requestTimeoutCapMs: 4_000,
  requestRetries: 4,

  /** Block requests: retransmit timeout derived from RTT (RFC 6298 style), clamped to these. */
  minBlockTimeoutMs: 50,
  maxBlockTimeoutMs: 2_000,

  /** An owner with requests outstanding that sends nothing for this long is dead (its pieces
   * go back to the pool); it is probed again later. */
  ownerSilenceTimeoutMs: 3_000,

  /** A headless download with no owner at all for this long fails with a reason. */
  giveUpWithoutOwnersMs: 60_000,

  /** Per-owner window of outstanding blocks (libtorrent keeps 2..500 requests in flight). */
  minWindowBlocks: 2,
  initialWindowBlocks: 16,
  maxWindowBlocks: 256,

  /** Ask the kernel for this much socket receive buffer; all owners share the leecher's socket. */
  socketReceiveBufferBytes: 8 * MiB,
  socketSendBufferBytes: 4 * MiB,

  /** The tracker's bounds (`--max-nodes`, `--max-files`): beyond them it answers `full`. Memory
   * grows ~2.3 KiB per node with 3 files (bench/tracker-scale.ts at 100,000 nodes). */
  trackerMaxNodes: 100_000,
  trackerMaxFiles: 100_000,

  /** Tracker database writes are batched: a burst of events is one write. */
  trackerDbFlushDelayMs: 250,

  /** Default folders, relative to the working directory. */
  filesDir: 'node_files',
  logsDir: 'logs',
  trackerDbDir: 'tracker_db',
} as const;

export type Defaults = typeof defaults;

/**
 * The heartbeat period a tracker asks its nodes to keep. 20 s for the default 22 s sweep; a
 * shorter sweep asks for a proportionally shorter period, always strictly below the sweep, so
 * one `--sweep` flag sets the pace of a whole test or demo swarm.
 */
export function heartbeatIntervalForSweep(sweepIntervalMs: number): number {
  const proportional = Math.floor(
    (sweepIntervalMs * defaults.heartbeatIntervalMs) / defaults.sweepIntervalMs,
  );
  return Math.max(1, Math.min(proportional, sweepIntervalMs - 1));
}

/** Piece size for a file of `sizeBytes`, by the rule described on `defaults`. */
export function pieceSizeFor(sizeBytes: number): number {
  let pieceSize = defaults.minPieceSizeBytes;
  while (
    pieceSize < defaults.maxPieceSizeBytes &&
    Math.ceil(sizeBytes / pieceSize) > defaults.targetPieceCount
  ) {
    pieceSize *= 2;
  }
  return pieceSize;
}
