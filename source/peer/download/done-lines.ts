import { formatRate, formatSize } from '../../format.ts';

/** What a finished download's `done` line reports. */
export interface DoneFacts {
  name: string;
  sizeBytes: number;
  /** Verified before this download began (its part file's pieces): not fetched now. */
  resumedBytes: number;
  /** From the start of this run's download (searching included) to the file saved. */
  elapsedMs: number;
  /** Of that, time spent paused (by a person, or waiting out a full disk). */
  pausedMs: number;
  /** ...and time spent waiting for owners (none found yet, or every one gone). */
  waitingMs: number;
}

/**
 * `done big.iso: 200.0 MiB in 8.15 s (24.6 MiB/s), SHA-256 of every piece verified`, where the
 * time and rate are this run's fetching. A download resumed or paused says so: before, one that
 * resumed 127.5 MiB and was paused 6 s said `200.0 MiB in 8.15 s (24.6 MiB/s)` for 72.5 MiB
 * fetched in ~1 s (found by hand), and one that waited 60 s for an owner to come back, a rate
 * of a sixtieth of the link's (found by a session). The fresh form is the one benches read
 * (`bench/lib`).
 */
export function doneLine(facts: DoneFacts): string {
  const { name, sizeBytes, resumedBytes, pausedMs, waitingMs } = facts;
  const fetchedBytes = sizeBytes - resumedBytes;
  const seconds = Math.max(0, facts.elapsedMs - pausedMs - waitingMs) / 1000;
  const rate = formatRate(fetchedBytes / Math.max(seconds, 0.001));
  const notes: string[] = [];
  if (resumedBytes > 0) notes.push(`${formatSize(resumedBytes)} already in the part file`);
  if (pausedMs >= 50) notes.push(`paused ${(pausedMs / 1000).toFixed(1)} s, not counted`);
  if (waitingMs >= 50)
    notes.push(`waited ${(waitingMs / 1000).toFixed(1)} s for owners, not counted`);
  const fetched =
    resumedBytes > 0
      ? `${formatSize(sizeBytes)}, ${formatSize(fetchedBytes)} of it fetched in`
      : `${formatSize(sizeBytes)} in`;
  const noted = notes.length > 0 ? `; ${notes.join('; ')}` : '';
  return `done ${name}: ${fetched} ${seconds.toFixed(2)} s (${rate}${noted}), SHA-256 of every piece verified`;
}

/** The transfer's counters for a finished download's `transfer` line. */
export interface TransferFacts {
  name: string;
  requestsSent: number;
  retransmittedBlocks: number;
  /** Of those, asked of a second owner in endgame; the rest had timed out or been overtaken. */
  endgameBlocks: number;
  lateBlocks: number;
  duplicateBlocks: number;
  unsolicitedBlocks: number;
  damagedBlocks: number;
  /** The process's CPU while the download ran (other work of the node included). */
  coreSeconds: number;
  /** Bytes fetched in this run: the CPU figure per GiB is of these. */
  fetchedBytes: number;
  coalescedDatagrams: number;
}

export function transferLine(facts: TransferFacts): string {
  const { requestsSent, retransmittedBlocks, lateBlocks, duplicateBlocks } = facts;
  const inEndgame = retransmittedBlocks > 0 ? ` (${facts.endgameBlocks} in endgame)` : '';
  const cpu = `process CPU ${facts.coreSeconds.toFixed(2)} core-s${perGiB(facts.coreSeconds, facts.fetchedBytes)}`;
  const coalesced =
    facts.coalescedDatagrams > 0
      ? `; ${facts.coalescedDatagrams} datagrams arrived coalesced (GRO)`
      : '';
  return `transfer ${facts.name}: ${requestsSent} ${requestsSent === 1 ? 'REQUEST' : 'REQUESTs'}, ${retransmittedBlocks} ${blockWord(retransmittedBlocks)} asked again${inEndgame}, ${lateBlocks} late ${blockWord(lateBlocks)} kept, ${duplicateBlocks} duplicate, ${facts.unsolicitedBlocks} unsolicited and ${facts.damagedBlocks} damaged blocks; ${cpu}${coalesced}`;
}

/**
 * ` (1.23 per GiB)`, or nothing under 16 MiB: there the process's start-up and the tracker's
 * round trips are most of the CPU, and a 1-byte file read `24336358.44 per GiB`.
 */
function perGiB(coreSeconds: number, bytes: number): string {
  if (bytes < 16 * 2 ** 20) return '';
  return ` (${(coreSeconds / (bytes / 2 ** 30)).toFixed(2)} per GiB)`;
}

/** `block` or `blocks`, for a count in a log line. */
function blockWord(count: number): string {
  return count === 1 ? 'block' : 'blocks';
}
