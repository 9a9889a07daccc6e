import { randomBytes } from 'node:crypto';
import { access, statfs } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { type Clock, delayToGrid, notRunningMs, type TimerHandle } from '../../clock.ts';
import { isDiskFull } from '../../disk-full.ts';
import { DOUBLE_ZERO, settleDoubleZeros } from '../../double-zero.ts';
import { formatAddress, formatRate, formatSeconds, formatSize } from '../../format.ts';
import type { UdpEndpoint } from '../../net/endpoint.ts';
import { describeSendFailure } from '../../net/send-failure.ts';
import type { RemoteAddress } from '../../net/transport.ts';
import { unicastHostError } from '../../net/unicast-address.ts';
import {
  MAX_NEED_EXCLUDE,
  MAX_OWNERS_PER_MATCH,
  type NeedMatch,
  type NeedQuery,
  type NeedReplyMessage,
  type OwnerEntry,
  type RejectReason,
} from '../../protocol/messages.ts';
import type { Metainfo } from '../../protocol/metainfo.ts';
import { quoteUntrusted } from '../../protocol/names.ts';
import { didYouMean } from '../../suggest.ts';
import { atMostTheLimit } from '../node-rates.ts';
import type { PeerLinks } from '../peer-links.ts';
import { Bitfield } from './bitfield.ts';
import {
  BlockTransfer,
  type InFlightBudget,
  LOSING_FRAGMENTS_BLOCK_BYTES,
  UNFRAGMENTED_BLOCK_BYTES,
} from './block-transfer.ts';
import { type DownlinkPacer, MIN_PACED_IN_FLIGHT_BLOCKS } from './downlink-pacer.ts';
import { DOWNLOAD_STATE_WORDS, type DownloadState } from './download-state.ts';
import { formatTarget } from './download-target.ts';
import { describeChoice, describePick, type EntryChoice } from './entry-choice.ts';
import { type EntryLookup, nearbyName, resolveEntry, wholeNameHint } from './entry-resolver.ts';
import type { FragmentLossWatch } from './fragment-loss.ts';
import { fetchMetainfo } from './metainfo-fetch.ts';
import { OwnerSession, type OwnerState } from './owner-session.ts';
import { OwnerTable } from './owner-table.ts';
import {
  isPartWithoutRecord,
  loadProgress,
  PartFile,
  PartFileOpenError,
  type PartPaths,
  partWithoutRecordReason,
  piecesWithinVerified,
  type SavedProgress,
} from './part-file.ts';
import { NO_OWNER } from './piece-assembly.ts';
import { RateWindow } from './rate-window.ts';
import { rejectText } from './reject-text.ts';

export type { DownloadState } from './download-state.ts';

export type OwnerFinder = (
  query: NeedQuery,
  maxOwners: number,
  exclude: number[],
) => Promise<{ ok: true; reply: NeedReplyMessage } | { ok: false; reason: string }>;

export interface DownloadOptions {
  name: string;
  /** `NAME@PREFIX`: the file whose infohash starts with these hex digits; else the name alone. */
  infohashPrefix?: string | null;
  paths: PartPaths;
  selfNodeId: number;
  /** K: owners asked of the tracker at once. */
  maxOwners: number;
  /** Owners (complete or partial) a download keeps asking the tracker for, K at a time. */
  maxPeers: number;
  blockSizeBytes: number;
  /** Fail once no owner has been usable for this long; null waits for owners forever. */
  giveUpWithoutOwnersMs: number | null;
  /** An owner with requests outstanding and no data for this long is dead. */
  ownerSilenceTimeoutMs: number;
  /** Blocks in flight from an owner judged slow (its link's window may be larger). */
  minWindowBlocks: number;
  /**
   * Paused by a person before the node last stopped: the file is found and its part file
   * checked as usual, then the transfer waits, paused, for resume().
   */
  startPaused?: boolean;
}

export interface DownloadDeps {
  endpoint: UdpEndpoint;
  /** The node's links to remote nodes, shared by its downloads (one HELLO, one window each). */
  links: PeerLinks;
  clock: Clock;
  budget: InFlightBudget;
  /** Paces the node's requests (its downlink, and `--download-limit`), shared by its downloads. */
  pacer: DownlinkPacer;
  /** Whether this host loses fragments of what it receives, shared by its downloads. */
  fragments: FragmentLossWatch;
  /** A number no other transfer of this node has now (see BlockTransfer's `tag`). */
  transferTag(): number;
  findOwners: OwnerFinder;
  /**
   * Why an owner at `host` cannot be reached from this node (see reachError), or null. Such an
   * owner is left out with the reason logged, instead of being greeted into silence.
   */
  reachError?(host: string): string | null;
  /** LIST pages: where a prefix is looked up that a NEED reply by name did not list. */
  listFiles?: EntryLookup['listFiles'];
  /**
   * The file was found in the swarm, or a part file of it here: said once (see PeerNode). What
   * it returns settles once the node's downloads record holds the download (or failed to).
   */
  fileFound?(): Promise<unknown> | undefined;
  /**
   * Verified pieces are on disk and may be served (partial seeding): `piece` was just written,
   * or null when the transfer starts with pieces found at resume.
   */
  piecesReadable(piece: number | null): void;
  log(text: string): void;
  /** A discrete change: state, a verified piece, an owner's state. */
  changed(): void;
}

/** `node 1 at 127.0.0.1, the owner the tracker named, is out of…`: why nobody is asked. */
function describeOutOfReach(owners: readonly OwnerEntry[]): string {
  const first = owners[0]!;
  const host = unicastHostError(first.host) === null ? first.host : quoteUntrusted(first.host);
  const named =
    owners.length === 1
      ? `node ${first.nodeId} at ${host}, the owner the tracker named, is`
      : `the ${owners.length} owners the tracker named are`;
  return `${named} out of this node's reach: the log says why`;
}

/**
 * Timer period for retransmit checks. Fast retransmit and RTT-derived timeouts (at least 50 ms)
 * need no finer grain; at 10 ms the ticks of a swarm's downloads cost a visible share of a 2-core
 * machine (N = 16 on the emulated LAN: 40.8 s at 10 ms, 33.4 s at 20 ms).
 */
const TICK_MS = 20;
/**
 * Under the user's --download-limit the tick comes once per this many blocks' time at the limit
 * (between TICK_MS and the longest of LIMITED_TICK_MS), so that a slow download ticks in
 * proportion to its bytes: at 500 KiB/s a 20 ms tick was most of the CPU the download cost
 * (bench/limited.ts, 16 MiB: 34-37 core-s/GiB beyond start-up, 19-21 at four blocks a tick).
 * Eight, not four (2026-12-06): at 1 and 2 MiB/s a quarter to a third less CPU a GiB at the same
 * rate (50 ms ticks at 2 MiB/s, 100 at 1). Not more: what a tick's tokens let in must fit what
 * may be in flight (at least MIN_PACED_IN_FLIGHT_BLOCKS), or the rest goes to whichever
 * download's DATA arrives first, not in turns: at sixteen blocks (100 ms ticks at 2 MiB/s) one of
 * two downloads ran 7 pieces ahead (test/peer/download-limit-downloads.test.ts;
 * docs/performance-log.md).
 */
const TICK_BLOCKS_AT_LIMIT = MIN_PACED_IN_FLIGHT_BLOCKS;
/**
 * The periods a tick under a limit may have, longest first: at most the pacer's slot and the
 * bucket's burst (100 ms), and each a divisor of the node's 100 ms snapshot, so that on the grid
 * (delayToGrid) the ticks fall due with it.
 */
const LIMITED_TICK_MS = [100, 50, 25, TICK_MS];
/** Bookkeeping (rates, slow and dead owners, resume record) runs this often. */
const HOUSEKEEPING_MS = 500;
/**
 * The resume record is saved at housekeeping once this much was verified since the last save,
 * or PROGRESS_SAVE_MAX_MS after the first change not yet saved: its cost follows the bytes (a
 * download held to 500 KiB/s saved twice a second, as often as one at 50 MiB/s), and a node
 * killed without warning fetches again at most this much or this long's worth.
 */
const PROGRESS_SAVE_BYTES = 4 * 1024 * 1024;
const PROGRESS_SAVE_MAX_MS = 5_000;
/** How often a running download checks that its part file still has a name (one fstat). */
const PART_CHECK_MS = 2_000;
/**
 * Nothing received for this long, or for this many blocks' time at a --download-limit or at the
 * pace blocks last came, and a running download is stalled: no rate, no ETA (see stalledForMs).
 */
const STALL_MS = 5_000;
const STALL_BLOCKS = 4;
/** Shown rates are measured over this many blocks at least (see RateWindow). */
const SHOWN_RATE_BLOCKS = 4;

/** A rate over less time than this is mostly the burst a transfer starts with: not shown. */
const MIN_RATE_SPAN_MS = 150;
/** Re-ask the tracker for owners: quickly at first, then backing off to this cap. */
const SEARCH_BACKOFF_MIN_MS = 1_000;
const SEARCH_BACKOFF_MAX_MS = 30_000;
/**
 * While fewer than maxPeers owners are in use, ask for more: at once while each answer brings
 * new owners and the tracker knows more than we met (K come per answer), otherwise after
 * MORE_OWNERS_MIN_MS, doubling to the cap while answers bring nobody new. Downloaders become
 * partial owners after their first piece, so a flash crowd's owners appear a few at a time
 * within its first second, and each one met early is an uplink that serves the crowd sooner.
 * Asked every 500 ms (housekeeping's pace), three at a time, a leecher of the LAN testbed's
 * crowd of eight met the others three per half second at best, and the crowd's links ran near
 * their rate only from ~2.3 s; at once and every 250 ms, interleaved pairs (2026-12-05):
 * all done in 6.90–7.43 s against 7.10–7.39 (five pairs; a first version 7.09–7.41 against
 * 7.27–7.74). Every 100 ms: 7.19–7.62 against 7.17–7.91 (four pairs).
 */
const MORE_OWNERS_MIN_MS = 250;
/**
 * ...to this. At 2 s a download with fewer owners than --max-peers (any swarm of under nine
 * nodes) asked the tracker every 2 s for as long as it ran (found by hand: the tracker's log
 * said `searches answered as before: 10 in the last 10 s` for two leechers of one seeder), and
 * each answer named its dead owners again, which were then probed at once. At 10 s an owner
 * that joins later is met within 10 s. (Also looking again at once when an owner was lost made
 * the CPU-bound N = 16 crowd slower: more owners met, more work; see the performance log.)
 */
const MORE_OWNERS_MAX_MS = 10_000;
/** A partial owner's BITFIELD is asked again this often: repairs lost HAVEs, renews the watch. */
const BITFIELD_REFRESH_MS = 10_000;
/** A choked owner is asked again after this (plus up to as much again, at random). */
const CHOKED_RETRY_MS = 500;
/**
 * An owner that has just answered HELLO is given this long in all to answer a metainfo request
 * (not the ~12 s of a peer never heard from): owners are asked in turn, and three that answered
 * HELLO and then nothing held a download for 43 s before the fourth, honest one was asked.
 */
const METAINFO_PATIENCE_MS = 3_000;
/** An owner that refused every request this long, with no block between, is no source. */
const REFUSING_MS = 5_000;
/** Unreachable owner hosts named in the log per download; more are left out silently. */
const MAX_UNUSABLE_HOSTS_LOGGED = 8;
/** Probe a dead owner with HELLO again after this, doubling per failure up to the cap. */
const PROBE_MIN_MS = 1_000;
const PROBE_MAX_MS = 15_000;
/** Why a download of a name the tracker does not know waits (see findEntry). */
const NOT_IN_SWARM_YET = 'no file of this name in the swarm yet';
/** The reason of a download the node's exit ended (see stopWithNode). */
const STOPPED_WITH_NODE = 'node exited';
/** The reason of a pause a person asked for (a full disk pauses with another). */
export const PAUSED_BY_YOU = 'paused by you';
/** A download paused by a full disk looks for room again this often. */
const DISK_RETRY_MS = 5_000;

/** Why an owner is slow, in the rates of the latest sample (its row shows it beside its rate). */
function slowReason(rateBytesPerSec: number, bestRateBytesPerSec: number): string {
  return `${formatRate(rateBytesPerSec)} while the best owner does ${formatRate(bestRateBytesPerSec)}`;
}

/**
 * One file being downloaded, from search to verified file: NEED at the tracker, metainfo from an
 * owner (checked against the infohash), blocks from several owners at once (BlockTransfer), new
 * owners from the tracker when they vanish, resume after a crash, and the final rename.
 */
export class Download {
  state: DownloadState = 'searching';
  reason = '';
  match: NeedMatch | null = null;
  /** The swarm's name this one may be a typo of (see notInSwarmReason); undefined: not looked. */
  private likelyMeant: string | null | undefined = undefined;
  /** Several files have this name and none was picked: the candidates, for a person to choose. */
  choices: readonly EntryChoice[] = [];
  metainfo: Metainfo | null = null;
  transfer: BlockTransfer | null = null;
  /** Every owner met, banned ones too (they stay excluded at the tracker), found by node id. */
  private readonly ownerTable = new OwnerTable();
  readonly downloadId = randomBytes(8);
  startedAtMs: number;
  finishedAtMs = DOUBLE_ZERO;
  /** Bytes the part file held verified when the transfer started (resumed, not fetched). */
  resumedBytes = 0;
  /** Time spent paused in this run, up to the last time it left `paused`. */
  pausedMs = 0;
  /**
   * Time spent waiting for owners in this run (every owner gone, none found yet), up to the
   * last time it left that state: the done line's rate leaves it out, as it does pauses.
   */
  waitingMs = 0;
  /** Since when the download is paused or waiting for owners; null while it is neither. */
  private idleSince: { state: 'paused' | 'waiting-for-owners'; ms: number } | null = null;
  /** The rate its row shows (see RateWindow), and the samples it comes from. */
  rateBytesPerSec = DOUBLE_ZERO;
  private readonly shownRate = new RateWindow();
  private encodedMetainfo: Buffer | null = null;
  private partFile: PartFile | null = null;
  private tickTimer: TimerHandle | null = null;
  private tickPeriodMs = TICK_MS;
  private housekeepingTimer: TimerHandle | null = null;
  private searchTimer: TimerHandle | null = null;
  /** Ends the lookup loop's wait before the search timer does (see askAgainNow). */
  private wakeSearch: (() => void) | null = null;
  /** The next search for more owners while downloading (see MORE_OWNERS_MIN_MS). */
  private moreOwnersTimer: TimerHandle | null = null;
  private partCheckedAtMs = 0;
  private searchBackoffMs = SEARCH_BACKOFF_MIN_MS;
  /** Owners banned when the tracker was last asked (a ban since then is a reason to ask again). */
  private bannedAtLastSearch = 0;
  private lastSearchAtMs = Number.NEGATIVE_INFINITY;
  private moreOwnersDelayMs = MORE_OWNERS_MIN_MS;
  private searching = false;
  /** Hosts the tracker named that name no single host (logged once each; see addOwners). */
  private readonly unusableHosts = new Set<string>();
  /** The wait's reason while it names another file of this name (see lookForAnotherVersion). */
  private otherVersionHint: string | null = null;
  /** The part file's record where it holds another file of this name (see run), until used. */
  private otherVersion: SavedProgress | null = null;
  /** The part file's record is there but cannot be read (see run): its pieces are checked. */
  private unreadableRecord = false;
  /** The downloads record's write that holds this download (see fileFound), and whether done. */
  private recordSaving: Promise<unknown> | undefined;
  private recordSaved = false;
  private ownerlessSinceMs: number | null = null;
  /** The transfer's bytesDelivered, and the time, at the last rate sample (set as it starts). */
  private sampledBytes = DOUBLE_ZERO;
  private sampledAtMs = DOUBLE_ZERO;
  /** Since when nothing new was delivered while downloading (see stalledForMs). */
  private quietSinceMs = DOUBLE_ZERO;
  /** When the transfer began, until housekeeping first samples its rates (see rateSoFar). */
  private unsampledSinceMs: number | null = null;
  /** Since when the resume record is behind (null: saved), and the pieces it last saved. */
  private progressDirtySinceMs: number | null = null;
  private savedPieceCount = 0;
  /** The pieces the resume record on disk holds, and why its last save failed (null: saved). */
  private recordedPieceCount = 0;
  private progressSaveError: string | null = null;
  /**
   * Dead owners' next probe and its back-off; `delivered` is the owner's bytesDelivered when the
   * back-off began: only data delivered since resets it (see markDead). `loggedWhy`: the reason
   * its death was last logged with (a probe failing the same way is not logged again);
   * `saidBack`: a probe was answered and the log said so (said once until it delivers again).
   */
  private readonly probeAtMs = new Map<
    OwnerSession,
    {
      atMs: number;
      delayMs: number;
      delivered: number;
      loggedWhy: string | null;
      saidBack?: boolean;
    }
  >();
  /**
   * Owners that answered HELLO but sent no metainfo, in that order: tried after the others and
   * left out of the tracker's answers until the metainfo is known (see excludedOwners).
   */
  private readonly noMetainfoFrom = new Set<OwnerSession>();
  /** Per owner, the number of its latest HELLO attempt: older answers are stale. */
  private readonly connectAttempts = new Map<OwnerSession, number>();
  private stopped = false;
  /** A write failed and the download is (about to be) paused for it, until it resumes. */
  private pausingForDisk = false;
  /** The transfer pauses as it starts (see DownloadOptions.startPaused), unless resumed before. */
  private pauseAtStart: boolean;
  private readonly finished: Promise<void>;
  private resolveFinished!: () => void;

  /** Every owner met, in the order met. */
  get owners(): readonly OwnerSession[] {
    return this.ownerTable.all;
  }

  constructor(
    readonly options: DownloadOptions,
    private readonly deps: DownloadDeps,
  ) {
    this.startedAtMs = deps.clock.now();
    this.pauseAtStart = options.startPaused ?? false;
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
    settleDoubleZeros(this, 'finishedAtMs', 'rateBytesPerSec');
  }

  get name(): string {
    return this.options.name;
  }

  get infohash(): Buffer | null {
    return this.transfer?.infohash ?? this.match?.infohash ?? null;
  }

  /** Resolves when the download is done, failed or cancelled. */
  whenSettled(): Promise<void> {
    return this.finished;
  }

  /** Runs the download to its end; never throws (failures become state 'failed'). */
  async start(): Promise<void> {
    try {
      await this.run();
    } catch (error) {
      // Stopped meanwhile: its part file was closed under a read (a long check, see run).
      if (this.stopped) return;
      if (error instanceof PartFileOpenError) this.fail(error.message);
      else this.fail(`unexpected error: ${(error as Error).message}`);
    }
  }

  private async run(): Promise<void> {
    const { paths } = this.options;
    if (await exists(paths.finalPath)) {
      this.fail(`${paths.finalPath} already exists; not overwriting it`);
      return;
    }
    const saved = await loadProgress(paths);
    if (saved && saved.metainfo.name === this.name && (await exists(paths.partPath))) {
      const prefix = this.options.infohashPrefix ?? null;
      const savedHex = saved.infohash.toString('hex');
      if (prefix !== null && !savedHex.startsWith(prefix)) {
        // Another version of the file (its seeder changed it): what the two share is kept once
        // this one's metainfo is known. Until 2026-12-06 this failed (`holds another file of
        // this name: … remove the part file first`), and a headless node had no way on.
        this.otherVersion = saved;
        this.deps.log(
          `${this.name}: ${basename(paths.partPath)} holds another file of this name (${formatTarget(this.name, savedHex)}); the pieces it shares with this one are kept`,
        );
        await this.searchUntilFound();
        return;
      }
      this.metainfo = saved.metainfo;
      this.encodedMetainfo = saved.encodedMetainfo;
      this.match = {
        infohash: saved.infohash,
        name: this.name,
        size: saved.metainfo.sizeBytes,
        ownerCount: 0,
        owners: [],
      };
      this.recorded(this.deps.fileFound?.());
      this.setState('verifying');
      await this.untilRecordedIfShort();
      if (this.stopped) return;
      this.partFile = await PartFile.open(paths, saved.metainfo, saved.encodedMetainfo);
      const good = await this.partFile.verifyClaimed(saved.claimed);
      this.deps.log(`resuming ${this.name}: ${good.count}/${good.size} pieces already verified`);
      if (this.stopped) return;
      this.startTransfer(good);
      this.search();
      return;
    }
    if (await isPartWithoutRecord(paths)) {
      this.fail(partWithoutRecordReason(paths, this.name));
      return;
    }
    // A part file whose record cannot be read (cut short, its metainfo file gone): once the
    // metainfo is known, every piece in it is checked and the good ones kept, as a torrent
    // client rechecks data on disk. Before 2026-12-07 it was fetched again whole.
    this.unreadableRecord = saved === null && (await exists(paths.partPath));
    await this.searchUntilFound();
  }

  // ---- finding the file and its owners ----

  private async searchUntilFound(): Promise<void> {
    while (!this.stopped && this.metainfo === null) {
      // Paused while it waited for its file or owners: it asks nobody until resumed. Before,
      // its next try set it back to searching, and the pause was gone within seconds (found by
      // hand on a name not in the swarm yet).
      if (this.state === 'paused') {
        await this.untilResumed();
        continue;
      }
      // Asking again while it waits is part of the wait: not two log lines per try (up to one
      // every 30 s for as long as it waits).
      if (this.state !== 'waiting-for-owners') this.setState('searching');
      const found = await this.findEntry();
      if (this.stopped) return;
      if (this.pausedNow()) continue; // paused while the tracker answered
      if (!found.ok) {
        this.reason = found.reason;
        // `tracker unreachable` as it is; a tracker's refusal says whose it is.
        const why = found.reason.includes('tracker') ? found.reason : `tracker: ${found.reason}`;
        await this.waitForOwners(why);
        continue;
      }
      if (found.match === null) {
        if (!found.absent) return; // failed: a choice to make, or a prefix nothing has
        await this.waitForOwners(await this.notInSwarmReason());
        continue;
      }
      const firstFound = this.match === null;
      this.match = found.match;
      // After the match: the record keeps the infohash it names (see PeerNode.adoptFinished).
      if (firstFound) this.recorded(this.deps.fileFound?.());
      if (this.everyOwnerLied(found.match)) return;
      const outOfReach = this.addOwners(found.match);
      if (this.owners.length === 0 && outOfReach.length > 0) {
        await this.waitForOwners(describeOutOfReach(outOfReach));
        continue;
      }
      const bannedBefore = this.bannedCount();
      if (await this.obtainMetainfo()) return;
      // Liars banned: ask again at once, without them (the tracker leaves them out).
      if (this.bannedCount() > bannedBefore) continue;
      await this.waitForOwners('no owner could send the metainfo');
    }
  }

  /**
   * NOT_IN_SWARM_YET, and the swarm's name this one may be a typo of, looked for once:
   * `no file of this name in the swarm yet; did you mean big.iso?`.
   */
  private async notInSwarmReason(): Promise<string> {
    if (this.likelyMeant === undefined) {
      const lookup: EntryLookup = { findOwners: this.deps.findOwners };
      if (this.deps.listFiles) lookup.listFiles = this.deps.listFiles;
      this.likelyMeant = await nearbyName(this.name, lookup);
    }
    return this.likelyMeant === null
      ? NOT_IN_SWARM_YET
      : `${NOT_IN_SWARM_YET}; ${didYouMean(this.name, this.likelyMeant)}`;
  }

  /**
   * The file this download means and its best owners: by name (and prefix) the first time, by
   * infohash after that, banned owners left out. A match of null: the download failed here.
   */
  private async findEntry(): Promise<
    { ok: true; match: NeedMatch | null; absent?: boolean } | { ok: false; reason: string }
  > {
    const exclude = this.excludedOwners();
    if (this.match !== null) {
      const infohash = this.match.infohash;
      const found = await this.deps.findOwners(
        { kind: 'infohash', infohash },
        this.ownersToAskFor(),
        exclude,
      );
      if (!found.ok) return found;
      const match = found.reply.matches.find((candidate) => candidate.infohash.equals(infohash));
      return { ok: true, match: match ?? { ...this.match, ownerCount: 0, owners: [] } };
    }
    const target = { name: this.name, infohashPrefix: this.options.infohashPrefix ?? null };
    const lookup: EntryLookup = { findOwners: this.deps.findOwners };
    if (this.deps.listFiles) lookup.listFiles = this.deps.listFiles;
    const resolved = await resolveEntry(target, lookup, exclude);
    if (!resolved.ok) return resolved;
    const { pick } = resolved;
    if (pick.kind === 'chosen') {
      // Everything the tracker named was for a person to choose from; a download starts with K.
      const owners = pick.match.owners.slice(0, this.options.maxOwners);
      return { ok: true, match: { ...pick.match, owners } };
    }
    // Not there yet: its seeder may not have registered (a script that starts every node at
    // once), as a torrent client waits for its torrent's peers. Before, it failed at once.
    if (pick.kind === 'not-found' && target.infohashPrefix === null && !target.name.includes('@'))
      return { ok: true, match: null, absent: true };
    if (pick.kind !== 'not-found') {
      this.choices = pick.choices;
      for (const choice of pick.choices)
        this.deps.log(`${this.name}: candidate ${describeChoice(choice)}`);
    }
    const hint =
      pick.kind === 'unknown-prefix' || pick.kind === 'not-found'
        ? await wholeNameHint(target, lookup)
        : '';
    this.fail(`${describePick(target, pick)}${hint}`);
    return { ok: true, match: null };
  }

  /**
   * K, and one more per owner banned (liars the exclude list cannot name may fill a reply) and
   * per owner dead (not excluded: it may have restarted elsewhere, so it may fill one too). With
   * K alone, three registered ids that never served stood first in every answer for good.
   */
  private ownersToAskFor(): number {
    let dead = 0;
    for (const owner of this.owners) if (owner.state === 'dead') dead++;
    return Math.min(MAX_OWNERS_PER_MATCH, this.options.maxOwners + this.bannedCount() + dead);
  }

  private bannedCount(): number {
    return this.bannedIds().length;
  }

  /**
   * Why nobody serves us now. Banned owners said as such: `every owner is gone` was said of a
   * download whose one owner was banned, alive and seeding (found by a session).
   */
  private noOwnerLeft(): string {
    const banned = this.bannedIds();
    if (banned.length === 0) return 'every owner is gone';
    const named = banned.slice(0, 3).join(', ') + (banned.length > 3 ? ', …' : '');
    const who = `node${banned.length === 1 ? '' : 's'} ${named}`;
    return banned.length === this.owners.length
      ? `every owner was banned for lying (${who})`
      : `every owner is gone or banned for lying (${who})`;
  }

  /** Node ids banned by this download, the latest met first (the exclude list may be cut). */
  private bannedIds(): number[] {
    const ids: number[] = [];
    const all = this.owners;
    for (let i = all.length - 1; i >= 0; i--)
      if (all[i]!.state === 'banned') ids.push(all[i]!.nodeId);
    return ids;
  }

  /**
   * Fails the download when every owner it met was banned and the tracker, asked without them,
   * offers no other: the file's owners are all liars, and waiting would never end.
   */
  private everyOwnerLied(match: NeedMatch | undefined): boolean {
    if (this.owners.length === 0 || this.owners.some((owner) => owner.state !== 'banned'))
      return false;
    const banned = new Set(this.bannedIds());
    const offered = (match?.owners ?? []).filter(
      (owner) => owner.nodeId !== this.options.selfNodeId && !banned.has(owner.nodeId),
    );
    if (offered.length > 0) return false;
    // The tracker knows more owners than we banned: our exclude list (32 ids) could not name
    // them all, so the reply may have been all liars while honest owners wait behind them.
    if ((match?.ownerCount ?? 0) > banned.size) return false;
    const ids = [...banned].sort((a, b) => a - b).join(', ');
    this.fail(
      `every owner of ${formatTarget(this.name, this.infohash!.toString('hex'))} was banned for lying (node${banned.size === 1 ? '' : 's'} ${ids}) and the tracker knows no other`,
    );
    return true;
  }

  /** Read anew each time: TypeScript narrows `this.state` across an await it cannot see into. */
  private pausedNow(): boolean {
    return this.state === 'paused';
  }

  /** Until resume() (or never, if the download stops meanwhile). */
  private untilResumed(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wakeSearch = () => {
        this.wakeSearch = null;
        resolve();
      };
    });
  }

  private async waitForOwners(why: string): Promise<void> {
    // Stopped while it asked (the node quit during a HELLO): it said so, and waits for nothing.
    // Before, `waiting for owners` followed `exited the swarm` in the log (found by hand).
    if (this.stopped) return;
    this.setState('waiting-for-owners', why);
    const giveUp = this.checkGiveUp();
    if (giveUp) return;
    await new Promise<void>((resolve) => {
      const wake = () => {
        if (this.searchTimer) this.deps.clock.clearTimeout(this.searchTimer);
        this.searchTimer = null;
        this.wakeSearch = null;
        resolve();
      };
      this.wakeSearch = wake;
      this.searchTimer = this.deps.clock.setTimeout(wake, this.searchDelayWithin());
    });
  }

  /**
   * The next search's delay, but no later than the give-up time: one last look then, and the
   * download fails on time. Before, the back-off (up to 30 s) ran past it: `not found in the
   * swarm (waited 60 s)` came 65 s after the wait began (found by hand), and up to 90 s.
   */
  private searchDelayWithin(): number {
    const delay = this.nextSearchDelay();
    const limit = this.options.giveUpWithoutOwnersMs;
    if (limit === null || this.ownerlessSinceMs === null) return delay;
    const untilGiveUp = this.ownerlessSinceMs + limit - this.deps.clock.now();
    return Math.max(0, Math.min(delay, untilGiveUp));
  }

  /**
   * A person asked (`r` in the view): waiting for owners, or downloading from fewer than
   * --max-peers, the download asks the tracker again now, not when its back-off says (up to 30
   * s, or 10 s, later), as a torrent client's "ask tracker for more peers" does; the back-off
   * starts over. Before, a seeder restarted after a crash was found 9 s after it was back (by
   * hand), and a person could do nothing to hurry it. Returns whether it asked.
   */
  askAgainNow(): boolean {
    if (this.stopped) return false;
    if (this.state === 'waiting-for-owners') {
      this.searchBackoffMs = SEARCH_BACKOFF_MIN_MS;
      this.deps.log(`${this.name}: asking the tracker again for owners`);
      if (this.wakeSearch) this.wakeSearch();
      else this.search();
      return true;
    }
    if (!this.wantsMoreOwners()) return false;
    this.moreOwnersDelayMs = MORE_OWNERS_MIN_MS;
    this.deps.log(`${this.name}: asking the tracker again for more owners`);
    // A search already out answers as soon; the back-off after it starts over all the same.
    if (!this.searching) this.search();
    return true;
  }

  /**
   * The node registered again, after an outage or a refusal: a download waiting for owners asks
   * now, since its searches failed for want of a session, not of owners. Before, it asked when
   * its back-off said: 10 s after a full tracker let the node in (found by hand).
   */
  nodeRegistered(): void {
    if (this.stopped || this.state !== 'waiting-for-owners') return;
    this.searchBackoffMs = SEARCH_BACKOFF_MIN_MS;
    if (this.wakeSearch) this.wakeSearch();
    else this.search();
  }

  private nextSearchDelay(): number {
    const delay = this.searchBackoffMs * (0.75 + Math.random() * 0.5);
    this.searchBackoffMs = Math.min(this.searchBackoffMs * 2, SEARCH_BACKOFF_MAX_MS);
    return delay;
  }

  /**
   * While downloading: ask the tracker for more or other owners, in the background. Owners in
   * use or banned are excluded, so each answer brings new ones (such as downloaders that became
   * partial owners since the last answer), K at a time.
   */
  private search(): void {
    if (this.stopped || this.match === null || this.searching) return;
    this.lastSearchAtMs = this.deps.clock.now();
    this.searching = true;
    const known = this.owners.length;
    this.bannedAtLastSearch = this.bannedCount();
    void this.deps
      .findOwners(
        { kind: 'infohash', infohash: this.match.infohash },
        this.ownersToAskFor(),
        this.excludedOwners(true),
      )
      .then((found) => {
        this.searching = false;
        if (this.stopped) return;
        if (!found.ok) {
          // The tracker did not answer: asked again later, not every 250 ms.
          this.moreOwnersDelayMs = Math.min(this.moreOwnersDelayMs * 2, MORE_OWNERS_MAX_MS);
          this.scheduleMoreOwners();
          return;
        }
        const match = found.reply.matches.find((candidate) =>
          candidate.infohash.equals(this.match!.infohash),
        );
        if (this.everyOwnerLied(match)) return;
        if (this.state === 'waiting-for-owners' && (match?.ownerCount ?? 0) === 0)
          void this.lookForAnotherVersion();
        let outOfReach = 0;
        if (match) {
          this.match = { ...this.match!, ownerCount: match.ownerCount };
          outOfReach = this.addOwners(match).length;
        }
        const met = this.owners.length > known;
        // Owners left out as out of reach are no owners to meet: not asked for again and again.
        const unmet = (match?.ownerCount ?? 0) > this.owners.length + outOfReach;
        this.moreOwnersDelayMs =
          met || unmet
            ? MORE_OWNERS_MIN_MS
            : Math.min(this.moreOwnersDelayMs * 2, MORE_OWNERS_MAX_MS);
        this.deps.changed();
        // New owners, and the tracker knows more: the next K now, not a timer later.
        if (met && unmet && this.wantsMoreOwners()) this.search();
        else this.scheduleMoreOwners();
      });
  }

  /**
   * Nobody owns this file any more: is there another file of its name now? Its source may have
   * changed it (a seeder whose file changes on disk seeds the new content under a new infohash),
   * and the person sees that file in Swarm files with owners while this download waits for the
   * old one for good (found by hand). The wait says so, and how to take the other; asked after
   * each search that found no owner, so at the ownerless back-off's pace (up to 30 s).
   */
  private async lookForAnotherVersion(): Promise<void> {
    const ours = this.match?.infohash;
    if (!ours) return;
    const found = await this.deps.findOwners({ kind: 'name', name: this.name }, 1, []);
    if (!found.ok || this.stopped || this.state !== 'waiting-for-owners') return;
    const other = found.reply.matches.find(
      (candidate) => !candidate.infohash.equals(ours) && candidate.ownerCount > 0,
    );
    if (!other) {
      // Said before, and that file has gone too: not a way out any more.
      if (this.reason === this.otherVersionHint)
        this.setState('waiting-for-owners', 'every owner is gone');
      return;
    }
    const theirs = other.infohash.toString('hex');
    const owners = `${other.ownerCount} owner${other.ownerCount === 1 ? '' : 's'}`;
    // What the person can do first: the Downloads row cuts it at its width. A download by the
    // name alone resumes this file from its part file; by the other's prefix it takes the part
    // file over, keeping what the two share (logged by setState, once).
    this.otherVersionHint = `another ${this.name} has ${owners}: download ${formatTarget(this.name, theirs)} (in the view R, y, then d on it in Swarm files); the pieces the two share are kept`;
    this.setState('waiting-for-owners', this.otherVersionHint);
  }

  /** Downloading (not paused, not waiting) with fewer than maxPeers owners serving it. */
  private wantsMoreOwners(): boolean {
    if (this.stopped || this.state !== 'downloading') return false;
    return this.servingOwners(this.deps.clock.now()) < this.options.maxPeers;
  }

  /**
   * Owners in use but those that have refused every request (choked, busy) for REFUSING_MS
   * without a block: alive, but no source. Counted as serving, eight such owners (a stranger's
   * ids that answer HELLO and refuse all) stopped the search for others: a download sat at 0 %
   * while an honest seeder waited behind them at the tracker (found by a session acting as one).
   */
  private servingOwners(nowMs: number): number {
    let serving = 0;
    for (const owner of this.owners) {
      const refusing =
        owner.lastRefusedAtMs > owner.lastDataAtMs && nowMs - owner.lastDataAtMs >= REFUSING_MS;
      if (this.isUsable(owner) && !refusing) serving++;
    }
    return serving;
  }

  /**
   * In use, or about to be: answering, or being met for the first time. A dead owner being
   * probed again is not usable until it answers: counting it would stop both the search for
   * other owners and the give-up clock while its probes keep failing.
   */
  private isUsable(owner: OwnerSession): boolean {
    if (owner.state === 'active' || owner.state === 'slow') return true;
    return owner.state === 'connecting' && !this.probeAtMs.has(owner);
  }

  /** Arms the next search for more owners, MORE_OWNERS_MIN_MS or more from now. */
  private scheduleMoreOwners(): void {
    if (this.moreOwnersTimer) this.deps.clock.clearTimeout(this.moreOwnersTimer);
    this.moreOwnersTimer = null;
    if (!this.wantsMoreOwners()) return;
    this.moreOwnersTimer = this.deps.clock.setTimeout(() => {
      this.moreOwnersTimer = null;
      if (this.wantsMoreOwners()) this.search();
    }, this.moreOwnersDelayMs);
  }

  /**
   * Node ids the tracker need not offer again: banned ones first, then those answering now, and
   * with `withNew` those being met for the first time (a search chained to the answer that named
   * them would get them again). An owner that does not answer is offered again: it may have
   * restarted at another address.
   */
  private excludedOwners(withNew = false): number[] {
    const working = this.owners.filter((owner) =>
      withNew ? this.isUsable(owner) : owner.state === 'active' || owner.state === 'slow',
    );
    const ids = [...this.bannedIds(), ...working.map((owner) => owner.nodeId)];
    // Before the metainfo: those that answered but never sent it, after every other.
    if (this.metainfo === null)
      for (const owner of this.noMetainfoFrom)
        if (!ids.includes(owner.nodeId)) ids.push(owner.nodeId);
    return ids.slice(0, MAX_NEED_EXCLUDE);
  }

  /**
   * Says once per host (a few at most) that the tracker named an owner this node cannot reach:
   * one that is no host's (quoted: a tracker's lie), or an address out of this node's reach.
   */
  private noteUnusableHost(entry: OwnerEntry, why: string, shownHost: string): void {
    if (this.unusableHosts.has(entry.host) || this.unusableHosts.size >= MAX_UNUSABLE_HOSTS_LOGGED)
      return;
    this.unusableHosts.add(entry.host);
    this.deps.log(
      `${this.name}: the tracker named node ${entry.nodeId} at ${shownHost}, ${why}: left out`,
    );
  }

  /** Takes the owners of a NEED answer in; returns those left out as out of reach. */
  private addOwners(match: NeedMatch): OwnerEntry[] {
    const nowMs = this.deps.clock.now();
    const unreachable: OwnerEntry[] = [];
    for (const entry of match.owners) {
      // Id 0 names nobody (NO_OWNER): no registered node has it.
      if (entry.nodeId === this.options.selfNodeId || entry.nodeId === NO_OWNER) continue;
      const hostError = unicastHostError(entry.host);
      if (hostError !== null) {
        this.noteUnusableHost(entry, hostError, quoteUntrusted(entry.host));
        unreachable.push(entry);
        continue;
      }
      const reachError = this.deps.reachError?.(entry.host) ?? null;
      if (reachError !== null) {
        this.noteUnusableHost(entry, reachError, entry.host);
        unreachable.push(entry);
        continue;
      }
      const address = { address: entry.host, port: entry.port };
      const known = this.ownerTable.get(entry.nodeId);
      if (known) {
        if (known.state === 'banned') continue;
        if (entry.complete && !known.complete) this.transfer?.ownerCompleted(known);
        const moved = known.link.moveTo(address);
        if (moved || known.state === 'dead') {
          const delivered = known.bytesDelivered;
          // At a new address its next death is news; at the same one, the same death is not.
          const loggedWhy = moved ? null : (this.probeAtMs.get(known)?.loggedWhy ?? null);
          this.probeAtMs.set(known, { atMs: nowMs, delayMs: PROBE_MIN_MS, delivered, loggedWhy });
        }
        if (moved) {
          // Restarted elsewhere: what was asked of the old address will never come. Say HELLO
          // at once rather than wait for a probe behind a HELLO still retrying the old address.
          this.transfer?.dropOwner(known);
          void this.connect(known);
        }
        continue;
      }
      const link = this.deps.links.acquire(entry.nodeId, address);
      const owner = new OwnerSession(link, this.options.minWindowBlocks, nowMs, entry.complete);
      if (this.transfer) this.sizeOwner(owner, this.transfer.pieceCount);
      this.ownerTable.add(owner);
      this.deps.log(
        `${this.name}: ${entry.complete ? 'owner' : 'partial owner'} node ${entry.nodeId} at ${formatAddress(address)} (credit ${formatSize(entry.uploadCredit)})`,
      );
      void this.connect(owner);
    }
    return unreachable;
  }

  /**
   * HELLO -> cookie: proves to the owner that we receive at this address. The link's cookie is
   * used if another download got one already, unless `fresh` (a probe: is it still there?).
   */
  private async connect(owner: OwnerSession, fresh = false): Promise<boolean> {
    const attempt = (this.connectAttempts.get(owner) ?? 0) + 1;
    this.connectAttempts.set(owner, attempt);
    // A probe leaves a dead owner dead until it answers: its row went dead, connecting, dead
    // with every probe, for as long as the owner stayed away (found by hand).
    if (!(fresh && owner.state === 'dead')) owner.state = 'connecting';
    const greeted = await this.deps.links.greet(owner.link, fresh);
    // The owner may have been banned while the HELLO was out; and only the latest attempt
    // decides, or a HELLO that timed out at an old address would kill an owner that answered.
    if (this.stopped || (owner.state as OwnerState) === 'banned') return false;
    if (this.connectAttempts.get(owner) !== attempt)
      return (owner.state as OwnerState) === 'active';
    if (!greeted) {
      this.markDead(owner, 'no answer to HELLO', this.silenceHint(owner));
      return false;
    }
    owner.state = 'active';
    owner.reason = '';
    owner.inUseSinceMs = this.deps.clock.now();
    // Said once per death, or the log showed the download waiting, then downloading, with
    // nothing of why between (found by hand). Not that it is back: an owner alive that no
    // longer serves the file answers HELLO too (`answers again` alone read as back; found by a
    // session).
    const probe = this.probeAtMs.get(owner);
    if (probe !== undefined && probe.saidBack !== true) {
      probe.saidBack = true;
      // Not of one dead for no longer serving the file: its HELLO says nothing of the file, and
      // the log's last word on a seeder that dropped it read `answers again` (found by a session).
      if (probe.loggedWhy !== rejectText('not-seeding'))
        this.deps.log(
          `${this.name}: node ${owner.nodeId} answers again, at ${formatAddress(owner.link.address)}; used again once it delivers`,
        );
    }
    owner.lastDataAtMs = this.deps.clock.now();
    // A dead owner that answers a probe ends the wait for owners only once it delivers (see
    // housekeeping): one alive that no longer serves the file answered every probe, and each
    // answer set the give-up clock back, so `--exit-when-done` waited for good.
    if (probe === undefined) this.ownerlessSinceMs = null;
    this.deps.changed();
    this.learnPieces(owner);
    this.transfer?.pumpAll();
    return true;
  }

  /**
   * What the log adds to an owner's first silence: the kernel's refusal where it refused the
   * HELLO, otherwise the likeliest cause on a LAN of an owner the tracker just named that never
   * answered (found by hand: a seeder behind its machine's firewall, `no answer to HELLO` alone).
   */
  private silenceHint(owner: OwnerSession): string {
    const address = owner.link.address;
    const failure = this.deps.endpoint.sendFailureTo(address.address);
    if (failure !== null) return `: ${describeSendFailure(failure)}`;
    if (this.probeAtMs.has(owner) || owner.bytesDelivered > 0) return '';
    return ` at ${formatAddress(address)}: gone, or a firewall on its machine drops UDP to that port`;
  }

  /** Sizes the piece sets of an owner once the metainfo is known. */
  private sizeOwner(owner: OwnerSession, pieceCount: number): void {
    owner.deliveredPieces = new Bitfield(pieceCount);
    if (owner.has !== null && owner.has.size !== pieceCount) owner.has = new Bitfield(pieceCount);
  }

  /**
   * A connected owner's pieces enter the picker: at once for a complete owner, after its
   * BITFIELD for a partial one.
   */
  private learnPieces(owner: OwnerSession): void {
    const transfer = this.transfer;
    if (transfer === null || owner.link.cookie === null) return;
    if (owner.has === null) transfer.ownerJoined(owner);
    else void this.fetchBitfield(owner);
  }

  /** Asks a partial owner which pieces it has; asked again now and then (see housekeeping). */
  private async fetchBitfield(owner: OwnerSession): Promise<void> {
    const transfer = this.transfer;
    const cookie = owner.link.cookie;
    if (transfer === null || cookie === null) return;
    owner.bitfieldAskedAtMs = this.deps.clock.now();
    const txid = this.deps.endpoint.nextTxid();
    owner.bitfieldTxids.unshift(txid);
    owner.bitfieldTxids.length = 2;
    const outcome = await this.deps.endpoint.request(
      owner.address,
      { type: 'bitfield-request', cookie, infohash: transfer.infohash },
      { ...owner.link.controlRequestOptions(), txid },
    );
    if (this.stopped || owner.state === 'banned' || owner.state === 'dead') return;
    if (!outcome.ok) {
      // A partial owner that has nothing this download lacks is asked nothing else, so the
      // silence rule (requests outstanding) never judged it: killed, it read `0 B/s active`
      // until the tracker dropped it, 35-50 s (found by a session). Unanswered through a
      // request's whole patience, it is gone; a probe finds it again if it is not.
      if (outcome.reason === 'timeout' && (owner.state === 'active' || owner.state === 'slow'))
        this.markDead(owner, 'no answer to BITFIELD', this.silenceHint(owner));
      return;
    }
    const reply = outcome.reply;
    // A REJECT answers the BITFIELD request as it would a block's: a cookie it no longer takes is
    // renewed (before, a partial owner that restarted stayed an owner of no known piece until
    // the cookie's 45 s renewal), a file it no longer has ends its part in this download.
    if (reply.type === 'reject' && reply.infohash.equals(transfer.infohash)) {
      this.onReject(owner.link.address, reply.reason, reply.piece, reply.begin, cookie);
      return;
    }
    if (reply.type !== 'bitfield' || !reply.infohash.equals(transfer.infohash)) return;
    if (reply.pieceCount !== transfer.pieceCount) {
      this.ban(
        owner,
        `its bitfield has ${reply.pieceCount} pieces, the file ${transfer.pieceCount}`,
      );
      return;
    }
    transfer.ownerBitfield(owner, reply.bits);
    this.deps.changed();
  }

  private async obtainMetainfo(): Promise<boolean> {
    this.setState('fetching-metainfo');
    const match = this.match!;
    const fetchFrom = (owner: OwnerSession, cookie: Buffer) =>
      fetchMetainfo(
        this.deps.endpoint,
        owner.address,
        cookie,
        { infohash: match.infohash, name: match.name, sizeBytes: match.size },
        owner.link.controlRequestOptions(METAINFO_PATIENCE_MS),
      );
    // Owners not tried yet first: one that answered and sent nothing may do so again.
    const untried = this.owners.filter((owner) => !this.noMetainfoFrom.has(owner));
    // Greeted together and asked in the order they answer (ties in the tracker's order). One
    // after the other, an owner named first that never answered (a seeder killed a moment ago,
    // which the tracker lists for up to 44 s) held the download 11.5 s, its HELLO's whole
    // patience, with live owners named beside it (found by a session).
    const greetings = new Map<OwnerSession, Promise<{ owner: OwnerSession; greeted: boolean }>>();
    for (const owner of [...untried, ...this.noMetainfoFrom]) {
      if (owner.state === 'banned') continue;
      // Renews a cookie the owner may no longer take (PeerLinks.greet).
      greetings.set(
        owner,
        this.connect(owner).then((greeted) => ({ owner, greeted })),
      );
    }
    while (greetings.size > 0) {
      const { owner, greeted } = await Promise.race(greetings.values());
      greetings.delete(owner);
      if (this.stopped) return false;
      if (!greeted || owner.state === 'banned') continue;
      const cookie = owner.link.cookie;
      if (cookie === null) continue; // voided again while it connected
      let outcome = await fetchFrom(owner, cookie);
      if (this.stopped) return false;
      // Not known there (it restarted, with a new secret): one HELLO, and asked once more.
      // Before, the owner was taken for dead and asked with the same cookie at every try.
      if (!outcome.ok && outcome.refused === 'bad-cookie') {
        const renewed = (await this.renewRefusedCookie(owner, cookie)) ? owner.link.cookie : null;
        if (this.stopped) return false;
        if (renewed !== null) outcome = await fetchFrom(owner, renewed);
        if (this.stopped) return false;
      }
      if (outcome.ok) {
        this.metainfo = outcome.metainfo;
        this.encodedMetainfo = outcome.encoded;
        await this.untilRecordedIfShort();
        if (this.stopped) return false;
        const part = await this.openPartFile(outcome.metainfo, outcome.encoded);
        if (part === null) return true; // stopped, or gave up waiting for room
        this.partFile = part;
        const verified = this.unreadableRecord
          ? await this.keptFromUnreadableRecord(outcome.metainfo)
          : await this.keptFromOtherVersion(outcome.metainfo);
        if (!this.stopped) this.startTransfer(verified);
        return true;
      }
      if (outcome.lying) this.ban(owner, outcome.reason);
      else if (outcome.refused === 'busy') {
        // Alive, its upload limit held by others: asked last next time, and used for pieces.
        // Taken for dead, an owner at `--upload-limit 2K` was left out for its probes' seconds.
        this.noMetainfoFrom.add(owner);
      } else {
        this.markDead(owner, outcome.reason);
        this.noMetainfoFrom.add(owner);
      }
    }
    return false;
  }

  private recorded(saving: Promise<unknown> | undefined): void {
    this.recordSaving = saving;
    void saving?.then(() => {
      if (this.recordSaving === saving) this.recordSaved = true;
    });
  }

  /**
   * Where the disk has no room for the rest of the file, the part file waits for the downloads
   * record's write (100 ms after it is asked, see record-file.ts): on loopback 20 MiB of file
   * filled a disk in 0.1 s, the record's write then failed, and the node stopped there took
   * nothing up at its next start (a CI run). Not otherwise: waiting always put that 100 ms in
   * front of every download (a LAN crowd's leechers, `fetching metainfo` to `downloading`).
   */
  private async untilRecordedIfShort(): Promise<void> {
    if (this.recordSaving === undefined || this.recordSaved) return;
    if ((await this.bytesShort()) > 0) await this.recordSaving;
  }

  /**
   * Opens the part file; on a full disk the download waits for room, paused, as it does when a
   * piece cannot be written, and gives up only where it may (--exit-when-done). Until
   * 2026-12-07 a download asked for on a full disk failed at once (found by a session). Null
   * once stopped or given up.
   */
  private async openPartFile(metainfo: Metainfo, encoded: Buffer): Promise<PartFile | null> {
    const sinceMs = this.deps.clock.now();
    for (;;) {
      try {
        return await PartFile.open(this.options.paths, metainfo, encoded);
      } catch (error) {
        if (!(error instanceof PartFileOpenError) || !isDiskFull(error)) throw error;
        if (this.stopped) return null;
        const short = await this.bytesShort();
        const why = short > 0 ? `disk full, needs ${formatSize(short)} more` : 'disk full';
        const waitedMs = this.deps.clock.now() - sinceMs;
        const giveUpMs = this.options.giveUpWithoutOwnersMs;
        if (giveUpMs !== null && waitedMs >= giveUpMs) {
          this.fail(`${why} (waited ${Math.round(waitedMs / 1000)} s for room)`);
          return null;
        }
        if (this.state !== 'paused' || !this.reason.startsWith(why))
          this.setState('paused', `${why}; retrying in ${DISK_RETRY_MS / 1000} s`);
        await new Promise<void>((resolve) => this.deps.clock.setTimeout(resolve, DISK_RETRY_MS));
        if (this.stopped) return null;
      }
    }
  }

  /**
   * The pieces of the part file's other version (see run) that hold this version's bytes, each
   * hashed against this metainfo; none without one.
   */
  private async keptFromOtherVersion(metainfo: Metainfo): Promise<Bitfield> {
    const other = this.otherVersion;
    this.otherVersion = null;
    if (other === null) return new Bitfield(metainfo.pieceHashes.length / 32);
    this.setState('verifying');
    const claimed = piecesWithinVerified(other.metainfo, other.claimed, metainfo);
    const kept = await this.partFile!.verifyClaimed(claimed);
    this.deps.log(
      `${this.name}: kept ${kept.count}/${kept.size} pieces from the part file of ${formatTarget(this.name, other.infohash.toString('hex'))}`,
    );
    return kept;
  }

  /** The pieces of a part file whose record cannot be read (see run) that hash right. */
  private async keptFromUnreadableRecord(metainfo: Metainfo): Promise<Bitfield> {
    this.unreadableRecord = false;
    this.setState('verifying');
    const every = Bitfield.all(metainfo.pieceHashes.length / 32);
    const kept = await this.partFile!.verifyClaimed(every, undefined, () => this.stopped);
    if (this.stopped) return kept; // a check cut short says nothing of the part file
    const part = basename(this.options.paths.partPath);
    this.deps.log(
      `${this.name}: the resume record of ${part} cannot be read; checked every piece in it: kept ${kept.count}/${kept.size}`,
    );
    return kept;
  }

  // ---- the transfer ----

  private startTransfer(verified: Bitfield): void {
    const metainfo = this.metainfo!;
    const pieceCount = metainfo.pieceHashes.length / 32;
    for (const owner of this.owners) this.sizeOwner(owner, pieceCount);
    this.transfer = new BlockTransfer(
      metainfo,
      this.match!.infohash,
      verified,
      this.partFile!,
      this.ownerTable,
      {
        endpoint: this.deps.endpoint,
        clock: this.deps.clock,
        tag: this.deps.transferTag(),
        blockSizeBytes: this.options.blockSizeBytes,
        budget: this.deps.budget,
        pacer: this.deps.pacer,
        fragments: this.deps.fragments,
        events: {
          changed: () => {
            this.progressDirtySinceMs ??= this.deps.clock.now();
            this.deps.changed();
          },
          log: (text) => this.deps.log(`${this.name}: ${text}`),
          complete: () => void this.complete(),
          diskError: (error) => this.onDiskError(error),
          pieceWritten: (piece) => this.deps.piecesReadable(piece),
        },
      },
    );
    this.resumedBytes = this.transfer.verifiedBytes;
    void this.warnIfDiskTooSmall();
    this.sampledBytes = 0;
    this.savedPieceCount = verified.count;
    this.recordedPieceCount = verified.count;
    this.sampledAtMs = this.deps.clock.now();
    this.unsampledSinceMs = this.sampledAtMs;
    this.shownRate.sample(this.sampledAtMs, 0);
    if (this.pauseAtStart) {
      // Straight to paused: the log and the view never say `downloading` for it in between.
      this.transfer.setPaused(true);
      this.setState('paused', PAUSED_BY_YOU);
    } else {
      this.setState('downloading');
    }
    this.scheduleTick();
    this.scheduleHousekeeping();
    // The first answer named K owners of more, maybe: the others now.
    if ((this.match?.ownerCount ?? 0) > this.owners.length && this.wantsMoreOwners()) this.search();
    else this.scheduleMoreOwners();
    for (const owner of this.owners) if (owner.state === 'active') this.learnPieces(owner);
    if (verified.count > 0) this.deps.piecesReadable(null);
    if (!this.pauseAtStart) this.transfer.pumpAll();
  }

  /** Unlimited, every TICK_MS; under a limit on the node's grid, with its other timers. */
  private scheduleTick(): void {
    this.tickPeriodMs = this.tickPeriod();
    const delayMs =
      this.tickPeriodMs === TICK_MS
        ? TICK_MS
        : delayToGrid(this.deps.clock.now(), this.tickPeriodMs);
    this.tickTimer = this.deps.clock.setTimeout(this.tick, delayMs);
  }

  /**
   * TICK_MS, or under a --download-limit about the time of TICK_BLOCKS_AT_LIMIT blocks at it.
   * Losses and the pacer's own pacing keep TICK_MS: their timeouts are what recovers the rate.
   */
  private tickPeriod(): number {
    const limit = this.deps.pacer.userLimit;
    if (!limit.limited) return TICK_MS;
    const blocksMs = (TICK_BLOCKS_AT_LIMIT * this.options.blockSizeBytes * 1000) / limit.limit;
    return LIMITED_TICK_MS.find((periodMs) => periodMs <= blocksMs) ?? TICK_MS;
  }

  /**
   * Every tickPeriod() while the transfer runs. Its cost is per unit of time, not per byte: a
   * download held to 500 KiB/s spent half its CPU here, so it reads the clock once and re-arms
   * its timer.
   */
  private readonly tick = (): void => {
    if (this.stopped) return;
    const pacer = this.deps.pacer;
    const nowMs = this.deps.clock.now();
    pacer.tick(nowMs, this.deps.endpoint.dataBytesIn);
    const pacedTo = pacer.takeNews(nowMs);
    if (pacedTo > 0) {
      const rate = formatRate(pacedTo);
      // Where the queue overflowed is not known here: on the LAN testbed every drop was on an
      // owner's uplink (its DATA) or this node's (a REQUEST), none on the downlink.
      this.deps.log(
        `requests paced to ${rate}: over 5 % of what was asked for in 100 ms was lost on the way (an overflowing queue: this node's downlink or an owner's uplink)`,
      );
    }
    // Nothing this download receives is fragmented (loopback; blocks that fit a frame): the
    // host's fragment queues say nothing about it, and reading them is a few system calls.
    if (this.transfer?.receivesFragments() !== false) this.watchFragments(nowMs);
    this.transfer?.checkTimeouts(nowMs);
    // Paced: send what the tokens returned since the last tick allow.
    if (pacer.limited) this.transfer?.pumpAll();
    else this.transfer?.pumpIfStalledOnDeclines();
    // Ended meanwhile (failed, or finished by a pump): its timer stays cleared.
    if (this.stopped) return;
    // Unlimited, 50 times a second: the timer is armed again, not made anew.
    if (this.tickPeriodMs === TICK_MS && this.tickPeriod() === TICK_MS) this.tickTimer!.refresh();
    else this.scheduleTick();
  };

  /** Reads the host's fragment queues; says so when it starts to fare worse (block sizes). */
  private watchFragments(nowMs: number): void {
    const fragments = this.deps.fragments;
    const before = fragments.state(nowMs);
    fragments.tick(nowMs);
    const now = fragments.state(nowMs);
    if (now === before || now === 'none' || before === 'near-full') return;
    if (now === 'losing') {
      this.deps.log(
        `fragments of arriving datagrams are being lost: new pieces come in ${LOSING_FRAGMENTS_BLOCK_BYTES}-byte blocks, three frames each`,
      );
      return;
    }
    const held = formatSize(fragments.lastReading?.bytes ?? 0);
    this.deps.log(
      `datagrams waiting for lost fragments hold ${held} of the host's ${formatSize(fragments.ceilingBytes)}: new pieces come in ${UNFRAGMENTED_BLOCK_BYTES}-byte blocks, each in one frame`,
    );
  }

  private scheduleHousekeeping(): void {
    const delayMs = delayToGrid(this.deps.clock.now(), HOUSEKEEPING_MS);
    const dueMs = this.deps.clock.now() + delayMs;
    this.housekeepingTimer = this.deps.clock.setTimeout(() => {
      if (this.stopped) return;
      const awayMs = notRunningMs(dueMs, this.deps.clock.now(), HOUSEKEEPING_MS);
      if (awayMs > 0) this.excuseAbsence(awayMs);
      this.housekeeping();
      this.scheduleHousekeeping();
    }, delayMs);
  }

  /**
   * This process did not run for `awayMs` (see notRunningMs): the owners' DATA of that time waits
   * unread in the socket, and timers run before it is read. Their silence is this node's, so
   * each counts as heard `awayMs` later. Without this, a view suspended with Ctrl+Z for five
   * seconds came back to `node 1 is dead (silent for 5.1 s)` for every owner (found by hand).
   */
  private excuseAbsence(awayMs: number): void {
    const nowMs = this.deps.clock.now();
    for (const owner of this.owners) {
      owner.lastDataAtMs = Math.min(nowMs, owner.lastDataAtMs + awayMs);
      owner.lastRefusedAtMs = Math.min(nowMs, owner.lastRefusedAtMs + awayMs);
      owner.waitedOnSinceMs = Math.min(nowMs, owner.waitedOnSinceMs + awayMs);
    }
    this.deps.log(
      `${this.name}: this node did not run for ${formatSeconds(awayMs, 1)} (stopped or asleep); its owners are not blamed`,
    );
  }

  /**
   * Saves the resume record now; false where it could not be: then it is tried again as a save
   * falls due (PROGRESS_SAVE_MAX_MS on), and the log says so once. Until 2026-12-07 a failure
   * went unsaid and was not tried again until more pieces came (found by a session).
   */
  private async saveProgress(): Promise<boolean> {
    if (!this.transfer || !this.partFile) return true;
    const { written, pieceCount } = this.transfer;
    const count = written.count;
    const savedBefore = this.savedPieceCount;
    this.progressDirtySinceMs = null;
    this.savedPieceCount = count;
    try {
      await this.partFile.saveProgress(written);
    } catch (error) {
      this.progressDirtySinceMs ??= this.deps.clock.now();
      this.savedPieceCount = savedBefore;
      if (this.progressSaveError === null)
        this.deps.log(
          `${this.name}: cannot save its resume record (${(error as Error).message}); it holds ${this.recordedPieceCount}/${pieceCount} pieces, trying again`,
        );
      this.progressSaveError = (error as Error).message;
      return false;
    }
    this.recordedPieceCount = Math.max(this.recordedPieceCount, count);
    if (this.progressSaveError !== null) {
      this.progressSaveError = null;
      this.deps.log(`${this.name}: resume record saved again (${count}/${pieceCount} pieces)`);
    }
    return true;
  }

  /** See PROGRESS_SAVE_BYTES. */
  private progressSaveDue(nowMs: number): boolean {
    const unsavedPieces = this.transfer!.written.count - this.savedPieceCount;
    return (
      unsavedPieces * (this.metainfo?.pieceSizeBytes ?? 0) >= PROGRESS_SAVE_BYTES ||
      nowMs - this.progressDirtySinceMs! >= PROGRESS_SAVE_MAX_MS
    );
  }

  /**
   * Bytes per second for the view, of the download or of one owner: the blocks they delivered.
   * Housekeeping samples rates every HOUSEKEEPING_MS; before its first sample they are averages
   * since the transfer began, so a download moving at 10 MiB/s no longer showed `0 B/s` (and each
   * owner `0 B/s active`) beside its first pieces. Blocks, not verified pieces: a piece is 256
   * KiB, so at 500 KiB/s a half-second sample held one piece or none and the rate read ~511 KiB/s;
   * at 200 KiB/s it swung between 140 and 241 (test/peer/download-rate.test.ts).
   */
  rateSoFar(owner?: OwnerSession): number {
    return atMostTheLimit(this.measuredRate(owner), this.deps.pacer.userLimit.limit);
  }

  private measuredRate(owner?: OwnerSession): number {
    if (this.unsampledSinceMs === null || this.transfer === null)
      return owner?.shownRateBytesPerSec ?? this.rateBytesPerSec;
    const elapsedMs = this.deps.clock.now() - this.unsampledSinceMs;
    if (elapsedMs < MIN_RATE_SPAN_MS) return 0;
    const bytes = owner?.bytesDelivered ?? this.transfer.bytesDelivered;
    return (bytes * 1000) / elapsedMs;
  }

  /**
   * How long a running download has received nothing, once that is STALL_MS or more (or four
   * blocks' time at its --download-limit or at the pace they last came, if longer); 0
   * otherwise. Its decaying average rate read as an ETA of 76 days while its owners had nothing
   * for it (found by a session).
   */
  stalledForMs(): number {
    if (this.state !== 'downloading') return 0;
    const quietMs = this.deps.clock.now() - this.quietSinceMs;
    const limit = this.deps.pacer.userLimit;
    const blocksAtLimitMs = limit.limited
      ? (STALL_BLOCKS * this.options.blockSizeBytes * 1000) / limit.limit
      : 0;
    // Blocks that come slowly (an owner held to a tiny --upload-limit) are not a stall.
    const pace = this.shownRate.steadyRate(SHOWN_RATE_BLOCKS * this.options.blockSizeBytes);
    const blocksAtPaceMs =
      pace > 0 ? (STALL_BLOCKS * this.options.blockSizeBytes * 1000) / pace : 0;
    return quietMs >= Math.max(STALL_MS, blocksAtLimitMs, blocksAtPaceMs) ? quietMs : 0;
  }

  private restartShownRates(nowMs: number): void {
    this.shownRate.clear();
    this.shownRate.sample(nowMs, this.transfer?.bytesDelivered ?? 0);
    this.rateBytesPerSec = 0;
    for (const owner of this.owners) owner.restartShownRate(nowMs);
  }

  /** Rates, snubbing, dead owners, probes, re-search, resume record: twice a second. */
  private housekeeping(): void {
    const transfer = this.transfer!;
    const nowMs = this.deps.clock.now();
    // Over the time that passed, not HOUSEKEEPING_MS: on a busy machine the timer runs late.
    const elapsedMs = Math.max(1, nowMs - this.sampledAtMs);
    const delivered = transfer.bytesDelivered;
    if (delivered !== this.sampledBytes) this.quietSinceMs = nowMs;
    const shownOverBytes = SHOWN_RATE_BLOCKS * this.options.blockSizeBytes;
    this.shownRate.sample(nowMs, delivered);
    this.rateBytesPerSec = this.shownRate.rate(shownOverBytes);
    this.sampledBytes = delivered;
    this.sampledAtMs = nowMs;
    // Until bytes came, a sample holds none: the rates stay averages since the start, or the
    // first pieces sat beside `0 B/s` until the next sample (found by a session).
    if (delivered > 0) this.unsampledSinceMs = null;
    let bestRate = 0;
    // Reasons give the rates the rows show; the judging goes by the decaying averages.
    let bestShownRate = 0;
    for (const owner of this.owners) {
      owner.sampleRate(nowMs, elapsedMs, shownOverBytes);
      if (owner.state === 'active' || owner.state === 'slow') {
        bestRate = Math.max(bestRate, owner.rateBytesPerSec);
        bestShownRate = Math.max(bestShownRate, owner.shownRateBytesPerSec);
      }
    }
    let usable = 0;
    let connected = 0;
    for (const owner of this.owners) {
      // Another download voided the link's cookie (the node moved, refused the cookie, or a
      // probe went unanswered): greet too, sharing any HELLO out. Requests stopped with the
      // cookie, so the silence rule below (requests outstanding) would never judge this owner.
      if ((owner.state === 'active' || owner.state === 'slow') && owner.link.cookie === null)
        void this.connect(owner);
      // A cookie the owner will soon refuse is renewed while requests go on with it.
      else if (owner.state === 'active' || owner.state === 'slow')
        void this.deps.links.greet(owner.link);
      // A slow owner can die too: an owner that stops sending is first rated slow (its rate
      // falls to 0), so the silence check must cover 'slow' or a dead owner stays 'slow'.
      const waitedOn =
        (owner.state === 'active' || owner.state === 'slow') && owner.inFlightBlocks > 0;
      const silentMs = owner.silentForMs(nowMs);
      if (waitedOn && silentMs > this.options.ownerSilenceTimeoutMs) {
        this.markDead(owner, `silent for ${(silentMs / 1000).toFixed(1)} s`);
      } else if (owner.slowBeside(bestRate, nowMs)) {
        owner.state = 'slow';
        owner.reason = slowReason(owner.shownRateBytesPerSec, bestShownRate);
        this.deps.log(
          `${this.name}: node ${owner.nodeId} is slow (${owner.reason}); fewer requests go to it`,
        );
      } else if (owner.state === 'slow' && owner.fastAgainBeside(bestRate)) {
        owner.state = 'active';
        owner.reason = '';
      } else if (owner.state === 'slow') {
        // Its row shows the reason beside its live rate: the rates it was judged at read as a
        // second, stale figure (found by a session). The log keeps those.
        owner.reason = slowReason(owner.shownRateBytesPerSec, bestShownRate);
      }
      const probe = this.probeAtMs.get(owner);
      // Back in use once it delivers again: a later death starts the back-off anew.
      if (probe && owner.state === 'active' && owner.bytesDelivered > probe.delivered) {
        this.probeAtMs.delete(owner);
        this.ownerlessSinceMs = null;
      }
      if (owner.state === 'dead' && probe && nowMs >= probe.atMs) {
        this.probeAtMs.set(owner, {
          ...probe,
          atMs: nowMs + probe.delayMs * 2,
          delayMs: Math.min(probe.delayMs * 2, PROBE_MAX_MS),
        });
        void this.connect(owner, true);
      }
      // One that answered a probe after its death ends a wait only once it delivers: an owner
      // that no longer served the file answered each probe, and the download flipped between
      // `waiting for owners` and `downloading` every few seconds (found by a session).
      if ((owner.state === 'active' || owner.state === 'slow') && !this.probeAtMs.has(owner))
        connected++;
      if (
        owner.has !== null &&
        owner.link.cookie !== null &&
        (owner.state === 'active' || owner.state === 'slow') &&
        nowMs - owner.bitfieldAskedAtMs >= BITFIELD_REFRESH_MS
      )
        void this.fetchBitfield(owner);
      if (this.isUsable(owner)) usable++;
    }
    if (this.state === 'downloading' || this.state === 'waiting-for-owners') {
      if (usable === 0) {
        if (this.state !== 'waiting-for-owners')
          this.setState('waiting-for-owners', this.noOwnerLeft());
        if (this.checkGiveUp()) return;
      } else if (this.state === 'waiting-for-owners' && connected > 0) {
        // Only an owner that answered ends the wait: a HELLO probe of a dead owner in flight
        // ('connecting'), or answered (see above), is no reason to show 'downloading' while
        // nothing arrives.
        this.searchBackoffMs = SEARCH_BACKOFF_MIN_MS;
        this.setState('downloading');
      }
      // A ban is news: the next answer leaves that owner out, so there is no reason to wait.
      const banned = this.bannedCount();
      if (banned > this.bannedAtLastSearch) this.searchBackoffMs = SEARCH_BACKOFF_MIN_MS;
      if (usable === 0) {
        if (nowMs - this.lastSearchAtMs >= this.searchBackoffMs) {
          this.searchBackoffMs = Math.min(this.searchBackoffMs * 2, SEARCH_BACKOFF_MAX_MS);
          this.search();
        }
      } else if (
        this.servingOwners(nowMs) < this.options.maxPeers &&
        this.moreOwnersTimer === null &&
        nowMs - this.lastSearchAtMs >= this.moreOwnersDelayMs
      ) {
        // What the timer would do, when nothing armed it (an owner lost since the last answer).
        this.search();
      }
    }
    if (this.progressDirtySinceMs !== null && this.progressSaveDue(nowMs)) {
      void this.saveProgress();
    }
    if (nowMs - this.partCheckedAtMs >= PART_CHECK_MS) {
      this.partCheckedAtMs = nowMs;
      void this.stopIfPartDamaged();
    }
    transfer.pumpAll();
    this.deps.changed();
  }

  /**
   * A part file deleted from the folder while it downloads: the download stops now rather than
   * fetch the rest into a file nobody can name (found by hand; it then crashed the node at the
   * end). Its progress record goes too: there is nothing left to resume. One resized by another
   * program stops too, its record kept: the next start hashes the pieces it claims again and
   * fetches the ones lost.
   */
  private async stopIfPartDamaged(): Promise<void> {
    const partFile = this.partFile;
    if (partFile === null) return;
    const damage = await partFile.damage().catch(() => null);
    if (damage === null || this.stopped || this.state === 'verifying') return;
    if (damage === 'deleted') {
      await partFile.discardProgress().catch(() => {});
      if (!this.stopped) this.fail(partFile.deletedReason);
    } else this.fail(partFile.resizedReason);
  }

  private checkGiveUp(): boolean {
    const nowMs = this.deps.clock.now();
    this.ownerlessSinceMs ??= nowMs;
    const limit = this.options.giveUpWithoutOwnersMs;
    if (limit !== null && nowMs - this.ownerlessSinceMs >= limit) {
      const waited = `waited ${Math.round(limit / 1000)} s`;
      this.fail(
        this.reason.startsWith(NOT_IN_SWARM_YET)
          ? `not found in the swarm (${waited}${this.likelyMeant ? `; ${didYouMean(this.name, this.likelyMeant)}` : ''})`
          : // Never met one (no tracker answered): none was "left" (found by a session).
            `${this.owners.length === 0 ? 'no owner found' : 'no owners left'} (${waited}${this.reason ? `; ${this.reason}` : ''})`,
      );
      return true;
    }
    return false;
  }

  /** `detail`: said in the log line after `why`, not in the owner's row (which is narrow). */
  private markDead(owner: OwnerSession, why: string, detail = ''): void {
    // A dead owner's probe failing another way is news (its row and the log say the new why).
    if (owner.state === 'banned' || (owner.state === 'dead' && owner.reason === why)) return;
    owner.state = 'dead';
    owner.reason = why;
    // The back-off goes on unless the owner delivered data since it began. Why: a HELLO answered
    // used to end it, and an owner alive but no longer seeding the file (it changed on disk)
    // answered every probe's HELLO, refused the requests and was probed again 1.5 s later,
    // for good: a `node 1 is dead (refused: not-seeding)` line every 1.5 s (found by hand).
    const probe = this.probeAtMs.get(owner);
    const delivered = owner.bytesDelivered;
    const anew = !probe || delivered > probe.delivered;
    // Each failed probe of it logged the death again: a line every 15 s for as long as the
    // download waited (found by hand). Its row says dead all the while.
    // A probe failing another way is said as such: a second `is dead` read as a second death.
    if (anew)
      this.deps.log(
        `${this.name}: node ${owner.nodeId} is dead (${why}${detail}); its pieces go back to the pool`,
      );
    else if (probe.loggedWhy !== why)
      this.deps.log(`${this.name}: node ${owner.nodeId} is still dead (${why}${detail})`);
    if (anew)
      this.probeAtMs.set(owner, {
        atMs: this.deps.clock.now() + PROBE_MIN_MS,
        delayMs: PROBE_MIN_MS,
        delivered,
        loggedWhy: why,
      });
    else probe.loggedWhy = why;
    this.transfer?.dropOwner(owner);
    this.deps.changed();
  }

  private ban(owner: OwnerSession, why: string): void {
    owner.state = 'banned';
    owner.reason = why;
    this.deps.log(`${this.name}: banned node ${owner.nodeId} for this download: ${why}`);
    this.transfer?.dropOwner(owner);
    owner.forgetClaims();
    this.deps.changed();
  }

  /**
   * The owner refused the link's cookie (it restarted with a new secret, or the cookie outlived
   * its life there): voided, unless another download renewed it since `used` went out (null: not
   * known which, as for a block's REJECT), then HELLO, shared with any other download's.
   */
  private renewRefusedCookie(owner: OwnerSession, used: Buffer | null): Promise<boolean> {
    const cookie = owner.link.cookie;
    if (cookie !== null && (used === null || cookie === used)) owner.link.forgetCookie();
    return this.connect(owner);
  }

  /**
   * A REJECT from an owner, for this file: of a block request (`txid` the REJECT's, to be matched
   * to the request it names), or of the BITFIELD request that went out with `cookie` (a reply the
   * endpoint matched already: `txid` null).
   */
  onReject(
    from: RemoteAddress,
    reason: RejectReason,
    piece: number,
    begin: number,
    cookie: Buffer | null = null,
    txid: number | null = null,
  ): void {
    // An ended download keeps its owners as they were (a leaving owner says goodbye to everyone).
    if (this.stopped) return;
    const owner = this.ownerAt(from);
    if (!owner || owner.state === 'banned' || owner.state === 'dead') return;
    // Anyone on the LAN can send a REJECT with the owner's address; only the owner knows the
    // txids of our requests to it (random: UdpEndpoint.nextTxid). A leaving owner's goodbye
    // echoes the latest it had from us (Seeder.sayGoodbye).
    if (txid !== null && !owner.wasSent(txid)) return;
    const nowMs = this.deps.clock.now();
    if (reason === 'bad-cookie') {
      this.transfer?.dropOwner(owner);
      void this.renewRefusedCookie(owner, cookie);
    } else if (reason === 'choked') {
      // No upload slot for us there now: others get its pieces meanwhile; ask again soon.
      owner.lastRefusedAtMs = nowMs;
      owner.link.onChoked(nowMs, CHOKED_RETRY_MS * (1 + Math.random()));
      this.transfer?.refused(owner, piece, begin);
    } else if (reason === 'elsewhere') {
      // It gave this piece to another peer moments ago: that peer will have it soon, and this
      // owner has pieces nobody got yet. Alive, not at fault.
      owner.lastRefusedAtMs = nowMs;
      this.transfer?.declined(owner, piece, begin);
    } else if (reason === 'missing-piece') {
      this.transfer?.missingPiece(owner, piece, begin, txid);
      // What it really has, from a reply only it can send (at most one ask per second).
      if (nowMs - owner.bitfieldAskedAtMs >= 1_000) void this.fetchBitfield(owner);
    } else if (reason === 'busy') {
      owner.lastRefusedAtMs = nowMs;
      owner.link.onBusy(nowMs);
      this.transfer?.refused(owner, piece, begin);
    } else {
      this.markDead(owner, rejectText(reason));
    }
  }

  /**
   * Pieces an owner verified since (HAVE), for this file; taken only with the txid of one of our
   * latest BITFIELD requests to it (see HaveBroadcaster): anyone can send one with its address.
   */
  onHave(from: RemoteAddress, pieces: readonly number[], txid: number): void {
    if (this.stopped) return;
    const owner = this.ownerAt(from);
    if (!owner?.bitfieldTxids.includes(txid)) return;
    if (owner.state !== 'banned' && owner.state !== 'dead') {
      this.transfer?.onHave(owner, pieces);
    }
  }

  private ownerAt(from: RemoteAddress): OwnerSession | undefined {
    return this.owners.find(
      (candidate) =>
        candidate.address.port === from.port && candidate.address.address === from.address,
    );
  }

  /**
   * Says at the start when the rest of the file cannot fit on the disk as it is (the part file
   * is sparse: what is still to fetch is what it will take). Not refused: room may be made
   * meanwhile; the download pauses when the disk fills, and goes on once there is room.
   */
  private async warnIfDiskTooSmall(): Promise<void> {
    const short = await this.bytesShort();
    if (short > 0 && !this.stopped)
      this.deps.log(
        `${this.name}: ${formatSize(short)} short of disk space for the rest; it will pause once the disk is full`,
      );
  }

  /** Bytes still to fetch beyond the free space of the part file's disk (0: it fits, or unknown). */
  private async bytesShort(): Promise<number> {
    const size = this.metainfo?.sizeBytes ?? 0;
    try {
      // What the sparse part file does not hold yet: blocks written over take no more room.
      // From the pieces verified instead, a resumed download that had lost its record said
      // `64.0 MiB short` with all but 256 KiB of it on disk (found by a session).
      const held = Math.max(this.transfer?.verifiedBytes ?? 0, await this.partAllocatedBytes());
      const toFetch = Math.max(0, size - held);
      const stats = await statfs(dirname(this.options.paths.partPath));
      return Math.max(0, toFetch - stats.bavail * stats.bsize);
    } catch {
      return 0;
    }
  }

  private onDiskError(error: NodeJS.ErrnoException): void {
    // Every write in flight fails alike: the first says why, for all of them.
    if (this.pausingForDisk) return;
    this.pausingForDisk = true;
    void this.pauseForDisk(error);
  }

  private async pauseForDisk(error: NodeJS.ErrnoException): Promise<void> {
    let why = `cannot write: ${error.message}`;
    if (isDiskFull(error)) {
      const short = await this.bytesShort();
      why = short > 0 ? `disk full, needs ${formatSize(short)} more` : 'disk full';
    }
    if (this.stopped) return;
    this.setState('paused', `${why}; retrying in ${DISK_RETRY_MS / 1000} s`);
    const sinceMs = this.deps.clock.now();
    const giveUpMs = this.options.giveUpWithoutOwnersMs;
    const retry = () =>
      this.deps.clock.setTimeout(async () => {
        if (this.state !== 'paused' || !this.reason.startsWith(why)) return;
        // Fetching pieces only to throw them away costs the owners: wait until there is room.
        if (isDiskFull(error) && !(await this.hasRoomForPieces())) {
          // A download that may give up (--exit-when-done) does so here too, as it does
          // without owners: until 2026-12-07 a script waited for room for good (found by a
          // session). What it verified stays for a later run.
          const waitedMs = this.deps.clock.now() - sinceMs;
          if (giveUpMs !== null && waitedMs >= giveUpMs && this.state === 'paused') {
            this.fail(`${why} (waited ${Math.round(waitedMs / 1000)} s for room)`);
            return;
          }
          return retry();
        }
        this.resume();
      }, DISK_RETRY_MS);
    retry();
  }

  private async partAllocatedBytes(): Promise<number> {
    return (await this.partFile?.allocatedBytes().catch(() => 0)) ?? 0;
  }

  /** Free space for a few pieces in the part file's folder (true when it cannot be told). */
  private async hasRoomForPieces(): Promise<boolean> {
    const pieceSize = this.metainfo?.pieceSizeBytes ?? 0;
    try {
      const stats = await statfs(dirname(this.options.paths.partPath));
      return stats.bavail * stats.bsize >= 2 * pieceSize;
    } catch {
      return true;
    }
  }

  private async complete(): Promise<void> {
    this.setState('verifying');
    // Not a crash of the node, whatever the disk says (finalize names the usual failures).
    const outcome = await this.partFile!.finalize().catch((error: Error) => ({
      ok: false as const,
      reason: `cannot save ${this.name}: ${error.message}`,
    }));
    if (!outcome.ok) {
      this.fail(outcome.reason);
      return;
    }
    this.finishedAtMs = this.deps.clock.now();
    this.setState('done');
    this.shutdown();
  }

  // ---- user intents ----

  pause(): void {
    if (this.state !== 'downloading' && this.state !== 'waiting-for-owners') return;
    this.transfer?.setPaused(true);
    this.setState('paused', PAUSED_BY_YOU);
    void this.saveProgress();
  }

  /** Paused by a person, or to be paused by them as soon as the transfer starts. */
  get heldByPerson(): boolean {
    if (this.stopped) return false;
    return this.state === 'paused' ? this.reason === PAUSED_BY_YOU : this.pauseAtStart;
  }

  resume(): void {
    this.pausingForDisk = false;
    this.pauseAtStart = false;
    if (this.state !== 'paused') return;
    // Owners were last heard before the pause: the first housekeeping after it found the
    // requests sent now unanswered and their owner `silent for 6.4 s`, dead (found by a
    // session). The pause was this node's: each owner's silence counts from now, and its rate
    // (decayed to nothing meanwhile) is judged anew (`node 1 is slow (693 B/s …)` 80 ms after
    // a resume: found by a session).
    const nowMs = this.deps.clock.now();
    for (const owner of this.owners) {
      owner.lastDataAtMs = Math.max(owner.lastDataAtMs, nowMs);
      owner.inUseSinceMs = nowMs;
    }
    this.setState(this.metainfo === null ? 'searching' : 'downloading');
    this.transfer?.setPaused(false);
    this.wakeSearch?.();
  }

  /** Stops the download; the part file and resume record stay for a later resume. */
  async cancel(reason = 'cancelled'): Promise<void> {
    if (this.stopped) return;
    await this.saveProgress();
    this.setState('cancelled', reason);
    this.shutdown();
    await this.partFile?.close();
  }

  /**
   * The node exits: progress saved, and the download ends here, to be taken up at the next
   * start if `recorded`. Said as that, not as `cancelled (node exited)`, which read like `c`'s
   * cancel (after which the next start does not take it up).
   */
  async stopWithNode(recorded: boolean): Promise<void> {
    if (this.stopped) return;
    const saved = await this.saveProgress();
    const transfer = this.transfer;
    const verified = transfer
      ? `${transfer.written.count}/${transfer.pieceCount} pieces verified${saved ? '' : `, but its resume record holds ${this.recordedPieceCount}: it could not be saved (${this.progressSaveError})`}; `
      : '';
    // Recorded once its file is found (see PeerNode's fileFound), or taken up from the record;
    // not recorded though found: the record could not be saved (a full disk).
    const next = recorded
      ? 'the next start takes it up'
      : this.match === null
        ? 'never found in the swarm: the next start does not look for it'
        : `the downloads record could not be saved: --download ${this.name} takes it up`;
    this.deps.log(`${this.name}: stopped with the node (${verified}${next})`);
    this.setState('cancelled', STOPPED_WITH_NODE, false);
    this.shutdown();
    await this.partFile?.close();
  }

  private fail(reason: string): void {
    this.setState('failed', reason);
    this.deps.log(`${this.name}: failed: ${reason}`);
    // What was verified stays for a later attempt: the record, up to PROGRESS_SAVE_MAX_MS
    // behind, is saved before the download counts as ended.
    this.shutdown(this.saveProgress());
    void this.partFile?.close();
  }

  /** Stops every timer and the transfer; the download has ended once `saving` settles. */
  private shutdown(saving?: Promise<unknown>): void {
    if (this.stopped) return;
    this.stopped = true;
    const timers = [this.tickTimer, this.housekeepingTimer, this.searchTimer, this.moreOwnersTimer];
    for (const timer of timers) {
      if (timer) this.deps.clock.clearTimeout(timer);
    }
    this.transfer?.stop();
    // Its owners stay listed for the view; their links go to downloads that still need them.
    for (const owner of this.owners) {
      owner.leaveLink();
      this.deps.links.release(owner.link);
    }
    if (saving) void saving.then(this.resolveFinished);
    else this.resolveFinished();
  }

  /** `logged`: false where the caller says it in its own words. */
  private setState(state: DownloadState, reason = '', logged = true): void {
    if (this.state === state && this.reason === reason) return;
    const nowMs = this.deps.clock.now();
    if (this.idleSince !== null && this.idleSince.state !== state) {
      const spentMs = nowMs - this.idleSince.ms;
      if (this.idleSince.state === 'paused') this.pausedMs += spentMs;
      else this.waitingMs += spentMs;
      this.idleSince = null;
    }
    if ((state === 'paused' || state === 'waiting-for-owners') && this.idleSince === null)
      this.idleSince = { state, ms: nowMs };
    if (state === 'downloading' && this.state !== 'downloading') this.quietSinceMs = nowMs;
    // A rate from before a pause or a wait is not this one's: it starts anew, from now.
    if (state === 'downloading' && (this.state === 'paused' || this.state === 'waiting-for-owners'))
      this.restartShownRates(nowMs);
    this.state = state;
    this.reason = reason;
    // "cancelled (cancelled)" and "paused (paused by you)" say a thing twice: the reason alone
    // where it starts with the state, and only where it adds something.
    const words = DOWNLOAD_STATE_WORDS[state];
    const text =
      !reason || reason === state
        ? words
        : reason.startsWith(`${words} `)
          ? reason
          : `${words} (${reason})`;
    if (state !== 'failed' && logged) this.deps.log(`${this.name}: ${text}`);
    this.deps.changed();
  }

  /** Encoded metainfo, once known (the node seeds it after completion without re-hashing). */
  get metainfoBytes(): Buffer | null {
    return this.encodedMetainfo;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
