import { randomInt } from 'node:crypto';
import { existsSync, lstatSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type Clock, delayToGrid, type TimerHandle } from '../clock.ts';
import { defaults } from '../config.ts';
import { type FolderLock, LOCK_FILE_NAME, lockFolder } from '../folder-lock.ts';
import { formatAddress, formatRate, formatSeconds, formatSize } from '../format.ts';
import type { Logger } from '../log/logger.ts';
import { makeFolder } from '../make-folder.ts';
import { compareNatural } from '../natural-order.ts';
import { UdpEndpoint } from '../net/endpoint.ts';
import {
  type FragmentQueues,
  readFragmentMemoryCeiling,
  readFragmentQueues,
} from '../net/fragment-queues.ts';
import { machineAddresses } from '../net/machine-addresses.ts';
import { describeUdpPath } from '../net/native-udp.ts';
import { isUnspecifiedAddress, routeSourceAddress } from '../net/route-source.ts';
import {
  type DatagramTransport,
  type OpenError,
  openUdpTransport,
  type RemoteAddress,
} from '../net/transport.ts';
import { reachError } from '../net/unicast-address.ts';
import { DATA_TAG_OFFSET } from '../protocol/codec.ts';
import { type HostPort, MAX_UPDATE_CREDITS, type Message } from '../protocol/messages.ts';
import { PART_SUFFIX, shownName } from '../protocol/names.ts';
import { CookieJar } from './cookie-jar.ts';
import type { InFlightBudget } from './download/block-transfer.ts';
import { doneLine, transferLine } from './download/done-lines.ts';
import { DownlinkPacer } from './download/downlink-pacer.ts';
import { Download } from './download/download.ts';
import { snapshotDownload } from './download/download-snapshot.ts';
import { describeTargetError, parseDownloadTarget } from './download/download-target.ts';
import { FragmentLossWatch } from './download/fragment-loss.ts';
import { partPaths, removeProgress } from './download/part-file.ts';
import {
  DOWNLOADS_RECORD_FILE,
  DownloadsRecord,
  type RecordedDownload,
} from './downloads-record.ts';
import { loadOrCreateIdentity, type NodeIdentity, writeIdentity } from './identity.ts';
import { buildMetainfo } from './metainfo-builder.ts';
import { type FileStamp, loadCachedMetainfo, saveCachedMetainfo } from './metainfo-cache.ts';
import {
  type FolderFile,
  type FolderListing,
  folderErrorText,
  folderInUse,
  type NodeFolder,
  openNodeFolder,
  otherNodesFolder,
  STATE_DIR_NAME,
  type UnsupportedEntry,
} from './node-folder.ts';
import { atMostTheLimit, NodeRates } from './node-rates.ts';
import { openForWriting } from './open-writers.ts';
import { PartialSeeding } from './partial-seeding.ts';
import { PeerLinks } from './peer-links.ts';
import { PeerNames } from './peer-names.ts';
import type { LocalFileState, PeerSnapshot } from './peer-snapshot.ts';
import { type CreditReport, PendingCredits } from './pending-credits.ts';
import { RefusedAnnouncements } from './refused-announcements.ts';
import { type FileIdentity, SeededFileWatch } from './seeded-file-watch.ts';
import { requesterKey, Seeder } from './seeder.ts';
import { SEEDING_RECORD_FILE, SeedingRecord } from './seeding-record.ts';
import type { TrackerLookedUp } from './tracker-choice.ts';
import { TrackerClient, type TrackerPatience } from './tracker-client.ts';
import { UploadPeers } from './upload-peers.ts';

export interface PeerNodeOptions {
  nodeId: number;
  host: string;
  port: number;
  /** The swarm's tracker, or several in order of preference (one is used at a time). */
  tracker: RemoteAddress | readonly RemoteAddress[];
  /** Those given by host name looked up again, while none answers (TrackerClient). */
  lookUpTrackersAgain?: () => Promise<readonly TrackerLookedUp[]>;
  /** An id in use is asked again with backoff, not refused for good (TrackerClient). */
  askAgainIfIdInUse?: boolean;
  filesDir: string;
  maxOwners: number;
  /** Owners a download keeps asking for (default config maxPeersPerDownload). */
  maxPeers?: number;
  /** Bytes per second, 0 or absent for none; both can be changed later (setUploadLimit...). */
  uploadLimitBytesPerSec?: number;
  downloadLimitBytesPerSec?: number;
  blockSizeBytes: number;
  /** Downloads give up after this long without any owner; null waits forever (the TUI). */
  giveUpWithoutOwnersMs: number | null;
  /**
   * What this run asks to download (--download): a recorded download of one of these names whose
   * record asked otherwise (another file of the name, by prefix) is not taken up; the ask is.
   */
  askedDownloads?: readonly string[];
  clock: Clock;
  logger: Logger;
  /** Tests wrap the socket in a FaultyTransport here. */
  wrapTransport?: (transport: DatagramTransport) => DatagramTransport;
  /** What the host holds waiting for fragments (tests count their own; default /proc). */
  readFragmentQueues?: () => FragmentQueues | null;
  /** How often a seed the tracker refused to list is announced again (UNLISTED_RETRY_MS). */
  unlistedRetryMs?: number;
  /** How long the tracker is waited for, and the backoff's cap, if not the real world's. */
  trackerPatience?: TrackerPatience;
}

/** What a seeded name is served as. */
interface SeededName {
  infohashHex: string;
  sizeBytes: number;
}

export type IntentOutcome = { ok: true } | { ok: false; reason: string };

/** Why a node could not start: its socket, its folder, or (start() only) its id is taken. */
export type PeerStartError =
  | OpenError
  | { code: 'folder'; message: string }
  | { code: 'id-in-use'; message: string };

/** The snapshot is rebuilt at most this often; per-datagram counters never trigger a redraw. */
const SNAPSHOT_INTERVAL_MS = 100;
/**
 * While a download runs its snapshot changes on every tick: views are told at most this often
 * then, except for what a person just asked for (next tick). A full-screen view downloading 24
 * MiB at 2 MiB/s spent 3.3-3.6 core-s at 10 redraws a second, 2.7-3.2 at 4 (its start-up alone
 * ~1.0; three interleaved pairs): Ink lays out and re-encodes the whole screen per redraw. At 2,
 * the pace the rates are sampled at (node-rates.ts), a 120x40 view downloading 64 MiB at 5 MiB/s
 * spent 1.97-2.16 core-s against 2.33-2.44 at 4 (headless: 0.70; three interleaved pairs,
 * 2026-12-04). The eye sees no difference in a progress bar; keys move the cursor at once (the
 * view's own state), and what a person asked for is shown at the next tick.
 */
const RUNNING_REFRESH_MS = 500;
/** The node folder is listed again this often, so files copied in show up. */
const FOLDER_SCAN_INTERVAL_MS = 1_000;
/**
 * A seeded file the tracker refused to list is announced again this often: the refusal may
 * pass (another node's claim of its infohash with another size, gone with that node; a full
 * tracker with room again). Until 2026-12-07 it was announced again only at a new
 * registration: a stranger's claim, made once the last owner had left and withdrawn at once,
 * kept an honest seeder unlisted for good (found by a session acting as that stranger).
 */
const UNLISTED_RETRY_MS = 60_000;
/** Seeds announced again per round at most: a node far past its host's bound asks gently. */
const UNLISTED_RETRIES_PER_ROUND = 256;
const EMPTY_LISTING: FolderListing = { files: [], unsupported: [] };
const SETTLED_STATES: ReadonlySet<string> = new Set(['done', 'failed', 'cancelled']);
const MOVING_STATES: ReadonlySet<string> = new Set([
  'searching',
  'fetching-metainfo',
  'verifying',
  'downloading',
]);

/**
 * Where a node bound to every address (0.0.0.0, `::`) is known to its tracker: its port at the
 * address its datagrams to the tracker leave from. Null when it is bound to one address, or
 * there is no route to the tracker.
 */
async function knownAddress(
  local: RemoteAddress,
  tracker: RemoteAddress,
): Promise<RemoteAddress | null> {
  if (!isUnspecifiedAddress(local.address)) return null;
  const address = await routeSourceAddress(tracker);
  return address === null ? null : { address, port: local.port };
}

/**
 * One node of the swarm: its folder, its socket, the seeder, the tracker session and its
 * downloads. Views read getSnapshot()/subscribe(); user intents are the public methods.
 */
export class PeerNode {
  private readonly downloads = new Map<string, Download>();
  /** Per download: settles once it ended and its follow-up (UPDATE, seeding) is done. */
  private readonly followUps = new Map<Download, Promise<void>>();
  /**
   * Process CPU and datagrams received coalesced when each download started: the log says what
   * a transfer cost per GiB, and how much of it the kernel handed over coalesced (GRO).
   */
  private readonly atStart = new Map<Download, { cpu: NodeJS.CpuUsage; coalesced: number }>();
  private readonly seeded = new Map<string, SeededName>();
  /** Seeded files that change or leave the folder are withdrawn (and changed ones seeded again). */
  private readonly seedWatch = new SeededFileWatch();
  /** Seeds being hashed or announced: a second seed() of the same name joins the first. */
  private readonly seedsInProgress = new Map<string, Promise<IntentOutcome>>();
  /** Finished downloads whose file left the folder or changed since, and which (see snapshot). */
  private readonly doneFilesLeft = new WeakMap<Download, string>();
  /** Files being hashed to be seeded: unseed() stops the hashing (see hashAndSeed). */
  private readonly hashing = new Map<string, AbortController>();
  private readonly fileStates = new Map<string, LocalFileState>();
  /** Counts changes of fileStates: the snapshot's file rows are built again only after one. */
  private fileStatesVersion = 0;
  /** My files' rows of the last snapshot, and what they were built from (see fileRows). */
  private fileRowsBuilt: {
    rows: PeerSnapshot['files'];
    listing: FolderListing;
    version: number;
  } | null = null;
  private readonly listeners = new Set<() => void>();
  private snapshot: PeerSnapshot;
  private snapshotDirty = true;
  /** A person asked for something since the last rebuild (see RUNNING_REFRESH_MS). */
  private intentPending = false;
  private lastRefreshMs = Number.NEGATIVE_INFINITY;
  /** Something changed while nobody listened: getSnapshot() builds a fresh one when asked. */
  private snapshotStale = false;
  private rateChanged = false;
  /** A download ended (a file appeared): list the folder at the next rebuild. */
  private folderDirty = false;
  private folderListing: FolderListing = EMPTY_LISTING;
  /**
   * With --seed-all, the names of the folder's files this node has seen there, so that one copied
   * in later is seeded once it stops changing (see seedAll); null: only what is asked for.
   */
  private seenNames: Set<string> | null = null;
  /** With --seed-all, the entries of the folder that cannot be shared, each said once. */
  private seenUnsupported: Set<string> | null = null;
  /** The node folder was missing at the last listing. */
  private folderGone = false;
  /** The records whose last save failed (said once until one succeeds; see watchSave). */
  private readonly failingRecords = new Set<string>();
  private saidWhyUnwatched = false;
  /** The folder listing's files by name, kept while the listing is the same object. */
  private listingStamps: {
    listing: FolderListing;
    stamps: ReadonlyMap<string, FileIdentity>;
  } | null = null;
  /** The listing noticeNewFiles() looked at last. */
  private noticedListing: FolderListing | null = null;
  /** The state folder being made again (rebuildStateFolder), once at a time. */
  private rebuilding: Promise<void> | null = null;
  /** Listings in a row that found the folder without its state folder's lock file. */
  private listingsWithoutState = 0;
  /** Why the state folder could not be made again, said once (tried every two listings). */
  private stateFolderError: string | null = null;
  private lastFolderScanMs = Number.NEGATIVE_INFINITY;
  private unlistedRetriedAtMs = Number.NEGATIVE_INFINITY;
  private snapshotTimer: TimerHandle | null = null;
  private readonly rates: NodeRates;
  /**
   * Listening on every address: the address its tracker knows it by, which the view shows (it
   * showed `0.0.0.0:40000`, which names no machine). Null when bound to one address.
   */
  private knownAt: RemoteAddress | null = null;
  private readonly refusedAnnouncements: RefusedAnnouncements;
  private closed = false;
  private leaving = false;
  readonly budget: InFlightBudget;
  /** Paces the requests of every download of this node: its downlink, and `--download-limit`. */
  private readonly pacer: DownlinkPacer;
  /** One link per remote node its downloads fetch from, shared by them. */
  readonly links: PeerLinks;
  private readonly fragments: FragmentLossWatch;
  /**
   * The last transfer tag handed out. From a random start: DATA still in flight to the port of a
   * node that restarted is then nobody's (and would be refused as unasked-for anyway).
   */
  private lastTransferTag = randomInt(0x1_0000_0000);
  private readonly partialSeeding: PartialSeeding;
  private readonly uploadPeers = new UploadPeers();
  /** Node ids of the peers downloading from us, as the tracker knows them (WHO). */
  private readonly peerNames = new PeerNames(async (addresses) => {
    const outcome = await this.tracker.who(addresses);
    return outcome.ok ? outcome.reply : null;
  });
  /** A pass over the pending credits is under way (registrations may come close together). */
  private sendingPendingCredits = false;
  /** Downloads whose owners were credited (or reported as owed): each is reported once. */
  private readonly creditReported = new WeakSet<Download>();
  /** A credit sent on the way out went unanswered: the rest wait on disk without a try. */
  private unansweredWhileLeaving = false;
  private pendingCreditsTimer: TimerHandle | null = null;
  /** Download ids of owed credits the tracker answered `not yet` (said once each). */
  private readonly heldBack = new Set<string>();
  /**
   * The first registration: true once the tracker answered or while it is unreachable (the
   * client keeps retrying), false when it refused our id (in use by another live node).
   */
  registration: Promise<boolean> = Promise.resolve(true);
  /** Re-seeding what the seeding record lists, started by open(); one outcome per name. */
  restored: Promise<IntentOutcome[]> = Promise.resolve([]);
  /**
   * Taking up the downloads left unfinished when the node last stopped (downloads.json), once
   * the tracker answered: resolves with their names. Asking for one of them again (a command
   * line's `--download`, `:get`) is not an error the first time, and resumes it if it is paused.
   */
  resumed: Promise<string[]> = Promise.resolve([]);
  /** Downloads taken up from the record and not asked for again in this run. */
  private readonly takenUp = new Set<string>();

  private constructor(
    private readonly options: PeerNodeOptions,
    readonly folder: NodeFolder,
    readonly endpoint: UdpEndpoint,
    private readonly seeder: Seeder,
    readonly tracker: TrackerClient,
    private readonly record: SeedingRecord,
    private readonly downloadsRecord: DownloadsRecord,
    private readonly pendingCredits: PendingCredits,
    /** Kept to write its key file again should the folder be deleted and made again. */
    private readonly identity: NodeIdentity,
    /** This process's hold on the node folder (see folder-lock.ts), given up at close. */
    private readonly folderLock: FolderLock,
  ) {
    // The kernel charges each datagram its payload plus about 1 KiB of skb overhead (NOTES.md).
    const perBlock = options.blockSizeBytes + 1024;
    this.budget = {
      inFlightBlocks: 0,
      // Everything in flight must fit the receive buffer, or the kernel drops it silently. Half
      // of it, not all: DATA for requests already given up on, endgame duplicates and a stalled
      // event loop all land in the same buffer.
      maxInFlightBlocks: Math.max(
        8,
        Math.floor((endpoint.transport.receiveBufferBytes * 0.5) / perBlock),
      ),
    };
    // An IPv6 socket (`::` too) gets IPv6 fragments: the kernel keeps those apart, with their
    // own ceiling. (A dual-stack socket's IPv4 peers are left to the IPv6 figures.)
    const family = endpoint.transport.localAddress.address.includes(':') ? 6 : 4;
    this.fragments = new FragmentLossWatch(
      options.readFragmentQueues ?? (() => readFragmentQueues(family)),
      readFragmentMemoryCeiling(family),
    );
    this.pacer = new DownlinkPacer(
      options.downloadLimitBytesPerSec ?? defaults.downloadLimitBytesPerSec,
      options.clock.now(),
    );
    this.rates = new NodeRates(options.clock.now(), 0, 0);
    this.refusedAnnouncements = new RefusedAnnouncements(
      (line) => options.logger.log(line),
      options.clock,
    );
    this.links = new PeerLinks({
      endpoint,
      clock: options.clock,
      selfNodeId: options.nodeId,
      limits: {
        minWindowBlocks: defaults.minWindowBlocks,
        initialWindowBlocks: defaults.initialWindowBlocks,
        maxWindowBlocks: defaults.maxWindowBlocks,
        minBlockTimeoutMs: defaults.minBlockTimeoutMs,
        maxBlockTimeoutMs: defaults.maxBlockTimeoutMs,
      },
    });
    this.partialSeeding = new PartialSeeding({
      seeder,
      tracker,
      log: (text) => options.logger.log(text),
      changed: () => this.markChanged(),
    });
    this.snapshot = this.buildSnapshot();
  }

  /**
   * open(), then waits for the tracker's first answer (or for it to count as unreachable);
   * a refused id closes the node and is an error. For callers that need the node registered.
   */
  static async start(
    options: PeerNodeOptions,
  ): Promise<{ ok: true; node: PeerNode } | { ok: false; error: PeerStartError }> {
    const opened = await PeerNode.open(options);
    if (!opened.ok) return opened;
    const { node } = opened;
    if (!(await node.registration)) {
      await node.close();
      return { ok: false, error: { code: 'id-in-use', message: node.tracker.lastError } };
    }
    return opened;
  }

  /**
   * Opens the folder, the key and the socket, and returns at once: registration with the tracker
   * (`registration`) and re-seeding what the seeding record lists (`restored`) go on in the
   * background, so a view opens immediately and shows both as they happen.
   */
  static async open(
    options: PeerNodeOptions,
  ): Promise<{ ok: true; node: PeerNode } | { ok: false; error: PeerStartError }> {
    let folder: NodeFolder;
    let identity: NodeIdentity;
    let identityNote = '';
    let record: SeedingRecord;
    let downloadsRecord: DownloadsRecord;
    let pendingCredits: PendingCredits;
    let lock: FolderLock | null = null;
    const shown = join(options.filesDir, `node${options.nodeId}`);
    try {
      folder = await openNodeFolder(options.filesDir, options.nodeId);
      const others = otherNodesFolder(options.nodeId, shown, folder.path);
      if (others !== null) {
        folder.close();
        return { ok: false, error: { code: 'folder', message: others } };
      }
      const locked = await lockFolder(folder.stateDir);
      if (!locked.ok) {
        const message = await folderInUse(options.nodeId, shown, folder.path, locked.pid);
        return { ok: false, error: { code: 'folder', message } };
      }
      lock = locked.lock;
      const loaded = await loadOrCreateIdentity(folder);
      identity = loaded.identity;
      if (loaded.source === 'replaced') {
        identityNote = 'the identity key file was unreadable: a new key pair replaced it';
      }
      record = await SeedingRecord.load(folder.stateDir);
      downloadsRecord = await DownloadsRecord.load(folder.stateDir);
      pendingCredits = await PendingCredits.load(folder.stateDir);
    } catch (error) {
      await lock?.release();
      return {
        ok: false,
        error: { code: 'folder', message: `cannot use ${shown}: ${folderErrorText(shown, error)}` },
      };
    }
    const opened = await openUdpTransport({
      host: options.host,
      port: options.port,
      receiveBufferBytes: defaults.socketReceiveBufferBytes,
      sendBufferBytes: defaults.socketSendBufferBytes,
    });
    if (!opened.ok) {
      await lock.release();
      return opened;
    }
    const transport = options.wrapTransport
      ? options.wrapTransport(opened.transport)
      : opened.transport;
    const endpoint = new UdpEndpoint(transport, { clock: options.clock });
    const { clock, logger } = options;
    if (identityNote) logger.log(identityNote);
    if (record.damage !== null)
      logger.log(
        `${join(shown, STATE_DIR_NAME, SEEDING_RECORD_FILE)} could not be read (${record.damage}): nothing is seeded again from it; seed the files again (s in the view, or --seed)`,
      );
    if (downloadsRecord.damage !== null)
      logger.log(
        `${join(shown, STATE_DIR_NAME, DOWNLOADS_RECORD_FILE)} could not be read (${downloadsRecord.damage}): ${downloadsRecord.entries.length > 0 ? 'the rest is taken up; ask for what is missing' : 'no download is taken up from it; ask for them'} again (D in the view, or --download), each resumes from its part file`,
      );
    let node: PeerNode | null = null;
    const seeder = new Seeder({
      endpoint,
      nodeId: options.nodeId,
      clock,
      cookies: new CookieJar({ clock }),
      logger,
      uploadLimitBytesPerSec: options.uploadLimitBytesPerSec ?? defaults.uploadLimitBytesPerSec,
      contribution: (key) => node?.contributionOf(key) ?? 0,
      fileChanged: () => node?.servedFileChanged(),
    });
    const tracker = new TrackerClient({
      endpoint,
      clock,
      tracker: options.tracker,
      nodeId: options.nodeId,
      identity,
      log: (text) => logger.log(text),
      // Every registration announces what we seed: seeds may have finished before the first.
      onRegistered: (again) => {
        for (const download of node?.downloads.values() ?? []) download.nodeRegistered();
        void node?.reannounce();
        if (again) void node?.learnKnownAddress();
      },
      changed: () => node?.markChanged(),
      ...(options.lookUpTrackersAgain ? { lookUpAgain: options.lookUpTrackersAgain } : {}),
      askAgainIfIdInUse: options.askAgainIfIdInUse === true,
      ...(options.trackerPatience ? { patience: options.trackerPatience } : {}),
    });
    node = new PeerNode(
      options,
      folder,
      endpoint,
      seeder,
      tracker,
      record,
      downloadsRecord,
      pendingCredits,
      identity,
      lock,
    );
    endpoint.onData((datagram, from) => node.routeData(datagram, from));
    endpoint.onMessage((message, txid, from, bytes) =>
      node.routeMessage(message, txid, from, bytes),
    );
    const local = endpoint.localAddress;
    node.knownAt = await knownAddress(local, tracker.trackerAddress);
    const knownAs =
      node.knownAt === null ? '' : `as ${formatAddress(node.knownAt)} toward the tracker; `;
    logger.log(
      `node ${options.nodeId} listening on ${formatAddress(local)} (${knownAs}receive buffer ${formatSize(transport.receiveBufferBytes)}, ${describeUdpPath(transport.receivesIntoReusedMemory, transport.coalescesReceived)}), folder ${folder.path}`,
    );
    node.registration = tracker.start();
    node.restored = node.restoreSeeding();
    // Downloads need the tracker: taken up once it answered (or counts as unreachable).
    const created = node;
    node.resumed = node.registration.then((ok) => (ok ? created.resumeDownloads() : []));
    node.scheduleSnapshot();
    return { ok: true, node };
  }

  // ---- routing (hot path for DATA) ----

  private routeData(datagram: Buffer, from: RemoteAddress): void {
    // The endpoint passes on only DATA of at least a header, so the tag is there to read.
    const tag = datagram.readUInt32BE(DATA_TAG_OFFSET);
    for (const download of this.downloads.values()) {
      const transfer = download.transfer;
      if (transfer && transfer.tag === tag) {
        transfer.onData(datagram, from);
        return;
      }
    }
  }

  private routeMessage(message: Message, txid: number, from: RemoteAddress, bytes: number): void {
    if (this.seeder.handleMessage(message, txid, from, bytes)) return;
    if (message.type === 'reject' || message.type === 'have') {
      for (const download of this.downloads.values()) {
        if (!download.infohash?.equals(message.infohash)) continue;
        if (message.type === 'have') download.onHave(from, message.pieces, txid);
        else download.onReject(from, message.reason, message.piece, message.begin, null, txid);
      }
    }
  }

  /**
   * How well the peer at `key` (`address|port`) serves this node now: its delivery rate summed
   * over our downloads. Upload slots go to the best (reciprocity, BitTorrent's tit-for-tat).
   */
  private contributionOf(key: string): number {
    let rate = 0;
    for (const download of this.downloads.values()) {
      for (const owner of download.owners) {
        if (requesterKey(owner.address) === key) rate += owner.rateBytesPerSec;
      }
    }
    return rate;
  }

  /** Changes the upload limit at run time (bytes per second, 0 for none). */
  setUploadLimit(bytesPerSec: number): void {
    this.noteIntent();
    this.seeder.setUploadLimit(bytesPerSec);
    this.options.logger.log(`upload limit: ${describeLimit(bytesPerSec)}`);
  }

  /** Changes the download limit at run time (bytes per second, 0 for none). */
  setDownloadLimit(bytesPerSec: number): void {
    this.noteIntent();
    this.pacer.userLimit.setLimit(bytesPerSec, this.options.clock.now());
    this.options.logger.log(`download limit: ${describeLimit(bytesPerSec)}`);
    for (const download of this.downloads.values()) download.transfer?.pumpAll();
  }

  // ---- intents ----

  /**
   * Seeds a file of the node folder: hash it (or use the cached metainfo), serve it, OWN it.
   * Settles once the tracker answered the OWN; `served`, when given, is called as soon as the
   * file is served (before that answer).
   */
  seed(name: string, served?: () => void): Promise<IntentOutcome> {
    this.noteIntent();
    if (this.seeded.has(name)) return Promise.resolve({ ok: true });
    const running = this.seedsInProgress.get(name);
    if (running) return running;
    const attempt = this.hashAndSeed(name, served).finally(() => this.seedsInProgress.delete(name));
    this.seedsInProgress.set(name, attempt);
    return attempt;
  }

  private async hashAndSeed(name: string, served?: () => void): Promise<IntentOutcome> {
    // A node on its way out starts no hash: Ctrl-C during `--seed-all` of a big folder went on
    // hashing (and caching) the files it had not reached, the seeds of the list one by one.
    if (this.leaving || this.closed) return { ok: false, reason: 'the node has exited' };
    const resolved = await this.folder.resolve(name);
    if (!resolved.ok) return this.refuse(name, resolved.reason);
    const info = await stat(resolved.path).catch(() => null);
    const downloading = this.downloads.get(name);
    if (info === null && downloading && !SETTLED_STATES.has(downloading.state))
      // Said before: `there is no big.bin in …`, beside its row in Downloads (found by hand).
      return this.refuse(
        name,
        `${name} is still being downloaded: it is seeded once it is done (its verified pieces are served meanwhile)`,
      );
    if (info === null) {
      // What the shell gave for a name that is not UTF-8 on disk has U+FFFD for its bytes.
      const why = name.includes('\uFFFD')
        ? ' (a name shown with � may be one that is not UTF-8 on disk: rename it to share it)'
        : '';
      return this.refuse(name, `there is no ${name} in ${this.folder.path}${why}`);
    }
    if (!info.isFile()) return this.refuse(name, `${name} is not a plain file`);
    const stamp = { sizeBytes: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs };
    let built = await loadCachedMetainfo(this.folder, name, stamp);
    if (built === null) {
      this.setFileState(name, { kind: 'hashing', percent: 0 });
      let loggedAtMs = this.options.clock.now();
      let fresh: Awaited<ReturnType<typeof buildMetainfo>>;
      // `s` again stops it: a wrong file of 50 GB hashed on for minutes, and only quitting the
      // node ended it (found by hand: `s` during hashing joined the hash under way).
      const stop = new AbortController();
      this.hashing.set(name, stop);
      let percent = 0;
      try {
        fresh = await buildMetainfo(resolved.path, name, {
          signal: stop.signal,
          onProgress: ({ hashedBytes, totalBytes }) => {
            percent = totalBytes === 0 ? 100 : Math.floor((hashedBytes * 100) / totalBytes);
            this.setFileState(name, { kind: 'hashing', percent });
            // A big file takes a while: say how far it got, at most once a second.
            const nowMs = this.options.clock.now();
            if (percent < 100 && nowMs - loggedAtMs >= 1_000) {
              loggedAtMs = nowMs;
              this.options.logger.log(`hashing ${name}: ${percent}%`);
            }
          },
        });
      } catch (error) {
        if (stop.signal.aborted) {
          this.setFileState(name, { kind: 'not-shared' });
          return this.refuse(name, `stopped hashing ${name} at ${percent}%`);
        }
        // The row must not stay at "hashing 0 %": it says what went wrong until seeded again.
        const reason = `cannot read ${name}: ${(error as Error).message}`;
        this.setFileState(name, { kind: 'error', reason });
        return this.refuse(name, reason);
      } finally {
        this.hashing.delete(name);
      }
      await this.cacheMetainfo(
        name,
        { sizeBytes: fresh.sizeBytes, mtimeMs: fresh.mtimeMs, ctimeMs: fresh.ctimeMs },
        fresh.encoded,
      );
      built = fresh;
    }
    return this.startSeeding(
      { name, path: resolved.path, sizeBytes: info.size, ...built },
      { sizeBytes: info.size, mtimeMs: info.mtimeMs, ino: info.ino },
      served,
    );
  }

  /** Serves `file` and OWNs it; `stamp` is the file on disk that was hashed (seeded-file-watch). */
  private async startSeeding(
    file: Parameters<Seeder['add']>[0],
    stamp: FileIdentity,
    served?: () => void,
  ): Promise<IntentOutcome> {
    // A hash that ends after exit() must not serve, announce or record anything.
    if (this.closed) return { ok: false, reason: 'the node has exited' };
    const infohashHex = file.infohash.toString('hex');
    try {
      await this.seeder.add(file);
    } catch (error) {
      const reason = (error as Error).message;
      this.setFileState(file.name, { kind: 'error', reason });
      return this.refuse(file.name, reason);
    }
    this.seeded.set(file.name, { infohashHex, sizeBytes: file.sizeBytes });
    this.seedWatch.seeding(file.name, stamp);
    this.setFileState(file.name, { kind: 'seeding', infohashHex, unlistedBecause: null });
    this.saveRecord(this.record.add(file.name));
    served?.();
    const announced = await this.tracker.own(file.infohash, file.name, file.sizeBytes);
    if (announced.ok) return { ok: true };
    if (announced.refused) {
      this.noteListing(file.name, infohashHex, announced.reason);
      this.refusedAnnouncements.refused(file.name, announced.reason);
    } else if (this.tracker.status !== 'registering') {
      // While the first registration runs there is nothing to say: it announces every seed.
      this.options.logger.log(
        `seeding ${file.name}, but the tracker was not told yet: ${announced.reason}`,
      );
    }
    return { ok: true };
  }

  /**
   * Seeds every file of the folder; with `alsoNewFiles` (--seed-all), from now on also each file
   * that appears there later, once it has not changed between two listings (1-2 s), as a torrent
   * client's watched folder does. The files there now are seeded here (one that fails is not
   * tried again, nor one a person stops seeding later); one copied in while these are hashed is
   * new. A name that leaves the folder and comes back is new again. What cannot be shared (a
   * folder, a name no peer may create) is logged with why, once: headless, a file left out said
   * nothing anywhere (until 2026-12-06, found by hand).
   */
  async seedAll(options: { alsoNewFiles?: boolean } = {}): Promise<IntentOutcome[]> {
    const { files, unsupported } = await this.folder.listNow();
    if (options.alsoNewFiles) {
      this.seenNames = new Set(files.map((file) => file.name));
      this.seenUnsupported = new Set(unsupported.map((entry) => entry.name));
    }
    for (const entry of unsupported) this.logNotSeeded(entry);
    let toSeed = files.filter((file) => !this.downloads.has(file.name));
    // A file still being copied in when the node starts waits as one copied in later does: it
    // was seeded half-copied, then withdrawn as changed (found by a session).
    if (options.alsoNewFiles) toSeed = await this.holdUnsettled(toSeed);
    // A file's slot is free once it is served: the OWNs of many go to the tracker together.
    return inBoundedParallel(toSeed, (file, done) => this.seed(file.name, done));
  }

  /**
   * The files of `files` no other process has open for writing; those it has wait to settle,
   * as new files (see seedAll). A file just written and closed is not held: at start the copy
   * that made it is over, or it would still have it open.
   */
  private async holdUnsettled(files: FolderFile[]): Promise<FolderFile[]> {
    const pathOf = (file: FolderFile) => join(this.folder.path, file.name);
    const written = await openForWriting(new Set(files.map(pathOf)));
    return files.filter((file) => {
      if (!written.has(pathOf(file))) return true;
      this.seedWatch.waitToSettle(file.name);
      this.setFileState(file.name, { kind: 'new' });
      this.options.logger.log(
        `${file.name} is still being written: seeding it once it stops changing`,
      );
      return false;
    });
  }

  /** Files new in the folder since the last listing wait to settle (see seedAll). */
  private noticeNewFiles(listing: FolderListing): void {
    const seen = this.seenNames;
    // A listing that is the last one itself holds no name not seen already.
    if (seen === null || listing === this.noticedListing) return;
    this.noticedListing = listing;
    const here = new Set<string>();
    for (const { name } of listing.files) {
      here.add(name);
      if (seen.has(name)) continue;
      seen.add(name);
      const busy = this.seeded.has(name) || this.downloads.has(name) || this.hashing.has(name);
      if (busy || this.seedWatch.isWaiting(name)) continue;
      this.seedWatch.waitToSettle(name);
      // My files said `not shared` meanwhile, of a file about to be seeded (found by a session).
      this.setFileState(name, { kind: 'new' });
      this.options.logger.log(`${name} is new in the folder: seeding it once it stops changing`);
    }
    for (const name of seen) if (!here.has(name)) seen.delete(name);
    const seenUnsupported = this.seenUnsupported;
    if (seenUnsupported === null) return;
    const unsupportedHere = new Set<string>();
    for (const entry of listing.unsupported) {
      unsupportedHere.add(entry.name);
      if (seenUnsupported.has(entry.name)) continue;
      seenUnsupported.add(entry.name);
      this.logNotSeeded(entry);
    }
    for (const name of seenUnsupported)
      if (!unsupportedHere.has(name)) seenUnsupported.delete(name);
  }

  private logNotSeeded(entry: UnsupportedEntry): void {
    this.options.logger.log(`not seeding ${shownName(entry.name)}: ${entry.reason}`);
  }

  /** Stops serving a file, withdraws it at the tracker and forgets it in the seeding record. */
  async unseed(name: string): Promise<IntentOutcome> {
    this.noteIntent();
    const hashing = this.hashing.get(name);
    if (hashing) {
      hashing.abort();
      // Settled before this answers: its "stopped while hashing" comes first, this last.
      await this.seedsInProgress.get(name);
      return { ok: true };
    }
    if (this.seedWatch.isWaiting(name)) {
      // Withdrawn as changed, waiting to be seeded again: stopping it means not seeding it again.
      this.seedWatch.forget(name);
      this.setFileState(name, { kind: 'not-shared' });
      this.saveRecord(this.record.remove(name));
      return { ok: true };
    }
    const entry = this.seeded.get(name);
    if (!entry) return { ok: false, reason: `${name} is not seeded` };
    this.seedWatch.forget(name);
    this.setFileState(name, { kind: 'not-shared' });
    this.saveRecord(this.record.remove(name));
    await this.withdraw(name, entry);
    return { ok: true };
  }

  /** Stops serving a seeded file and withdraws it at the tracker; the seeding record stays. */
  private async withdraw(name: string, entry: SeededName): Promise<void> {
    // At once, not after the handle closed: the same name may be seeded anew meanwhile.
    if (this.seeded.get(name) === entry) this.seeded.delete(name);
    await this.seeder.remove(entry.infohashHex);
    const withdrawn = await this.tracker.own(
      Buffer.from(entry.infohashHex, 'hex'),
      name,
      entry.sizeBytes,
      'withdrawn',
    );
    // Not told (unreachable): the tracker forgets the file with this node, after two sweeps.
    this.options.logger.log(
      withdrawn.ok
        ? `withdrew ${name} at the tracker`
        : `could not withdraw ${name} at the tracker: ${withdrawn.reason}`,
    );
  }

  /** Acts on seeded files that changed or left the folder (see SeededFileWatch). */
  private reviewSeededFiles(listing: FolderListing, listingNumber: number): void {
    // The same map while the listing is the same object: the watch then knows nothing changed.
    if (this.listingStamps?.listing !== listing) {
      const stamps = new Map<string, FileIdentity>();
      for (const file of listing.files) stamps.set(file.name, file);
      this.listingStamps = { listing, stamps };
    }
    const review = this.seedWatch.review(
      this.listingStamps.stamps,
      listingNumber,
      this.options.clock.wallNow(),
    );
    const log = (line: string) => this.options.logger.log(line);
    for (const name of review.gone) {
      const entry = this.seeded.get(name);
      if (entry === undefined) continue;
      log(`${name} is gone from the folder: no longer seeded`);
      this.noteDoneFileLeft(name, 'the file has left the folder since');
      this.forgetFileState(name);
      this.saveRecord(this.record.remove(name));
      this.withdrawInBackground(name, entry);
    }
    for (const name of review.changed) {
      const entry = this.seeded.get(name);
      if (entry === undefined) continue;
      log(
        `${name} changed on disk: seeding it again once it stops changing (its old content, ${entry.infohashHex.slice(0, 8)}, is no longer served)`,
      );
      this.setFileState(name, { kind: 'changed' });
      this.noteDoneFileLeft(name, 'the file has changed on disk since');
      this.withdrawInBackground(name, entry);
    }
    for (const name of review.forgotten) {
      this.forgetFileState(name);
      this.saveRecord(this.record.remove(name));
    }
    if (review.settled.length > 0) void this.seedSettled(review.settled);
    if (review.gone.length + review.forgotten.length > 0) this.markChanged();
    this.noticeNewFiles(listing);
  }

  /**
   * A finished download's row says what became of its file: it read `done` with the file
   * deleted or edited by hand, where a torrent client says its data is gone (found by a session).
   */
  private noteDoneFileLeft(name: string, what: string): void {
    const download = this.downloads.get(name);
    if (download?.state === 'done') this.doneFilesLeft.set(download, what);
  }

  /** withdraw() from a timer: a failure is logged, never left unhandled (it would end the view). */
  private withdrawInBackground(name: string, entry: SeededName): void {
    this.withdraw(name, entry).catch((error: Error) =>
      this.options.logger.log(`could not stop serving ${name}: ${error.message}`),
    );
  }

  /**
   * Seeds the files that settled (changed ones again, new ones under --seed-all), but for those
   * another process still has open for writing: they wait on.
   */
  private async seedSettled(names: readonly string[]): Promise<void> {
    const paths = new Map(names.map((name) => [join(this.folder.path, name), name]));
    const written = await openForWriting(new Set(paths.keys()));
    for (const [path, name] of paths) {
      if (this.closed) return;
      if (written.has(path)) this.seedWatch.waitToSettle(name);
      else void this.seedAgain(name);
    }
  }

  /** Seeds a changed file again once it settled; waits again if it changed while hashed. */
  private async seedAgain(name: string): Promise<void> {
    const outcome = await this.seed(name);
    if (outcome.ok || this.closed) return;
    if (this.seedWatch.reseedFailed(name)) this.setFileState(name, { kind: 'changed' });
  }

  /**
   * Tells the tracker a file seeded before this start is gone. A restart on the same port within
   * the tracker's registration slot (30 s) carries on the old session there, its files listed:
   * a file deleted while the node was down stayed listed under it (found by a session).
   */
  private async withdrawGone(name: string): Promise<void> {
    const last = await loadCachedMetainfo(this.folder, name, null);
    // After the registration this start began with: sent before it, the OWN failed at once
    // (`not registered with the tracker yet`, no token) and the file stayed listed; the start
    // runs both together, and under a CI run's load the registration came second.
    if (last === null || !(await this.registration) || this.closed) return;
    await this.tracker.own(last.infohash, name, last.metainfo.sizeBytes, 'withdrawn');
  }

  /** Seeds again what the seeding record lists (a restart); names no longer here are forgotten. */
  private async restoreSeeding(): Promise<IntentOutcome[]> {
    const outcomes: IntentOutcome[] = [];
    for (const name of this.record.names) {
      if (lstatSync(join(this.folder.path, name), { throwIfNoEntry: false }) === undefined) {
        this.options.logger.log(`${name} was seeded before but is gone from the folder`);
        void this.withdrawGone(name);
        this.saveRecord(this.record.remove(name));
        continue;
      }
      outcomes.push(await this.seed(name));
    }
    return outcomes;
  }

  private saveRecord(saving: Promise<string | null>, record = 'seeding record'): void {
    this.watchSave(saving, record);
  }

  private saveDownloadsRecord(saving: Promise<string | null>): void {
    this.watchSave(saving, 'downloads record');
  }

  /**
   * Says when a record could not be saved, unless its folder is why. With the node folder gone
   * the state folder is too: the line saying so is enough (the save may fail before the listing
   * has noticed: seen in CI under load). The state folder missing while the node folder is there
   * (deleted on its own, or a save failed while the folder was gone and ended once it was back:
   * seen in CI too) is the listing's to find: it makes the state folder again, records included.
   */
  private watchSave(saving: Promise<string | null>, record: string): void {
    void saving.then((error) => {
      if (error === null) {
        // Said once per failing streak: a full disk wrote the same line at every change.
        if (this.failingRecords.delete(record))
          this.options.logger.log(`saved the ${record} again`);
        return;
      }
      if (this.folderGone) return;
      if (lstatSync(this.folder.path, { throwIfNoEntry: false }) === undefined) return;
      // QueuedFileWriter gives the message, which starts with the code.
      if (error.startsWith('ENOENT') || this.failingRecords.has(record)) return;
      this.failingRecords.add(record);
      this.options.logger.log(`could not save the ${record}: ${error}`);
    });
  }

  /** Starts again the downloads the record lists (a restart); paused ones start paused. */
  private resumeDownloads(): string[] {
    const names: string[] = [];
    // `--download big.iso@1b2c3d4e` after the file changed: taken up, the old file's download
    // refused the ask as `already being downloaded` and waited for good (found by hand). The ask
    // starts from the same part file instead, keeping what the two files share.
    const entries = this.downloadsRecord.entries.filter((entry) => {
      const asked = this.askedOtherwise(entry);
      if (asked !== null)
        this.options.logger.log(`${entry.name}: not taken up: --download ${asked} asks for it`);
      return asked === null;
    });
    // Leaving already: a shutdown signal during start-up, before the tracker answered. Taken up
    // then, a download ran on with the socket closed and the process never exited (found by a
    // session).
    if (this.leaving || this.closed || entries.length === 0) return names;
    const paused = entries.filter((entry) => entry.paused).map((entry) => entry.name);
    this.options.logger.log(
      `taking up ${entries.length} unfinished ${entries.length === 1 ? 'download' : 'downloads'}: ${entries.map((entry) => entry.name).join(', ')}${paused.length > 0 ? ` (paused: ${paused.join(', ')})` : ''}`,
    );
    for (const entry of entries) {
      const running = this.downloads.get(entry.name);
      // Asked for already in this run (a person was quicker than the tracker's answer).
      if (running && !SETTLED_STATES.has(running.state)) continue;
      if (this.finishedBeforeStop(entry)) {
        void this.adoptFinished(entry);
        continue;
      }
      if (this.startDownload(entry.target, entry.paused).ok) {
        names.push(entry.name);
        this.takenUp.add(entry.name);
      } else {
        // Refused (logged): the file is here by now, say, or the name no longer valid.
        this.saveDownloadsRecord(this.downloadsRecord.remove(entry.name));
      }
    }
    return names;
  }

  /**
   * A recorded download whose file is in the folder under its own name and its part file gone:
   * it finished, and the node stopped (killed) before the records said so. Until 2026-12-07 the
   * next start refused it as `already here (not shared)` and seeded nothing (found by a session,
   * kill -9 a few ms after `done`).
   */
  private finishedBeforeStop(entry: RecordedDownload): boolean {
    if (entry.infohashHex === undefined || this.seeded.has(entry.name)) return false;
    const path = join(this.folder.path, entry.name);
    return existsSync(path) && !existsSync(`${path}${PART_SUFFIX}`);
  }

  /**
   * Seeds such a file once its bytes hash to the infohash the download was after; anything else
   * there (a person's file of the name) is left alone and the download taken up as before.
   */
  private async adoptFinished(entry: RecordedDownload): Promise<void> {
    const path = join(this.folder.path, entry.name);
    const built = await buildMetainfo(path, entry.name).catch(() => null);
    if (this.leaving || this.closed) return;
    if (built === null || built.infohash.toString('hex') !== entry.infohashHex) {
      if (!this.startDownload(entry.target, entry.paused).ok)
        this.saveDownloadsRecord(this.downloadsRecord.remove(entry.name));
      return;
    }
    const stamp = { sizeBytes: built.sizeBytes, mtimeMs: built.mtimeMs, ctimeMs: built.ctimeMs };
    await this.cacheMetainfo(entry.name, stamp, built.encoded);
    this.options.logger.log(
      `${entry.name}: finished before the node stopped (its bytes hash to the file it was after); seeding it`,
    );
    this.saveDownloadsRecord(this.downloadsRecord.remove(entry.name));
    await this.seed(entry.name);
  }

  /** The --download of the entry's name where it asks otherwise than the record did, or null. */
  private askedOtherwise(entry: { name: string; target: string }): string | null {
    for (const text of this.options.askedDownloads ?? []) {
      const parsed = parseDownloadTarget(text);
      if (parsed.ok && parsed.target.name === entry.name && text !== entry.target) return text;
    }
    return null;
  }

  /**
   * Starts downloading `text` from the swarm: a file name, or `NAME@PREFIX` for the file of that
   * name whose infohash starts with PREFIX. Returns once it has started, not finished.
   */
  download(text: string): IntentOutcome {
    return this.startDownload(text, false);
  }

  /**
   * True when this node already seeds (or is about to seed) the file `text` names: nothing to
   * download. For --download, which counts it as done, as a torrent client finds its data whole.
   */
  seedsAlready(text: string): boolean {
    const parsed = parseDownloadTarget(text);
    if (!parsed.ok) return false;
    const { name, infohashPrefix } = parsed.target;
    const seeded = this.seeded.get(name);
    if (seeded) return infohashPrefix === null || seeded.infohashHex.startsWith(infohashPrefix);
    return infohashPrefix === null && this.seedsInProgress.has(name);
  }

  private startDownload(text: string, paused: boolean): IntentOutcome {
    if (this.leaving || this.closed) return { ok: false, reason: 'the node has exited' };
    this.noteIntent();
    const parsed = parseDownloadTarget(text);
    if (!parsed.ok) return this.refuse(text, describeTargetError(text, parsed.error));
    const { name, infohashPrefix } = parsed.target;
    const existing = this.downloads.get(name);
    if (existing && !SETTLED_STATES.has(existing.state)) {
      // Taken up from the record: the first ask for it is the same wish, and resumes it.
      if (this.takenUp.delete(name) && this.downloadsRecord.has(name, text)) {
        if (existing.heldByPerson) this.togglePause(name);
        return { ok: true };
      }
      const theirs = existing.infohash?.toString('hex') ?? null;
      const other =
        infohashPrefix !== null && theirs !== null && !theirs.startsWith(infohashPrefix)
          ? ` (${theirs.slice(0, 8)}, another file of that name): ${ONE_FILE_PER_NAME}`
          : '';
      // Asked again while paused: how to go on, not only that it is there (found by hand).
      const paused = other === '' && existing.heldByPerson ? ', paused: p on it resumes it' : '';
      return { ok: false, reason: `${name} is already being downloaded${other}${paused}` };
    }
    // Before anything changes: a file we have must keep its row (and keep being served).
    const here = this.alreadyHere(name, infohashPrefix);
    if (here !== null) return this.refuse(name, here);
    this.downloadsRecord.asked(name);
    const download = new Download(
      {
        name,
        infohashPrefix,
        paths: partPaths(this.folder.path, this.folder.stateDir, name),
        selfNodeId: this.options.nodeId,
        maxOwners: this.options.maxOwners,
        maxPeers: this.options.maxPeers ?? defaults.maxPeersPerDownload,
        blockSizeBytes: this.options.blockSizeBytes,
        giveUpWithoutOwnersMs: this.options.giveUpWithoutOwnersMs,
        ownerSilenceTimeoutMs: defaults.ownerSilenceTimeoutMs,
        minWindowBlocks: defaults.minWindowBlocks,
        startPaused: paused,
      },
      {
        endpoint: this.endpoint,
        links: this.links,
        clock: this.options.clock,
        budget: this.budget,
        pacer: this.pacer,
        fragments: this.fragments,
        transferTag: () => {
          this.lastTransferTag = (this.lastTransferTag + 1) >>> 0;
          return this.lastTransferTag;
        },
        findOwners: (query, maxOwners, exclude) => this.tracker.need(query, maxOwners, exclude),
        reachError: (host) => {
          const tracker = this.tracker.trackerAddress.address;
          const trackerIsHere = () => machineAddresses().includes(tracker);
          return reachError(this.endpoint.localAddress.address, tracker, host, trackerIsHere);
        },
        listFiles: (cursor) => this.tracker.list(cursor),
        // Recorded for the next start once its file is found: a name never found (a typo) was
        // looked for at every start, and failed every --exit-when-done run 60 s in (found by
        // hand). A download taken up is recorded already.
        fileFound: () => {
          const saving = this.downloadsRecord.add(
            name,
            text,
            download.heldByPerson,
            download.infohash?.toString('hex'),
          );
          this.saveDownloadsRecord(saving);
          return saving;
        },
        piecesReadable: (piece) => this.partialSeeding.piecesReadable(download, piece),
        log: (text) => this.options.logger.log(text),
        changed: () => this.markChanged(),
      },
    );
    this.downloads.set(name, download);
    this.takenUp.delete(name);
    this.setFileState(name, { kind: 'downloading' });
    this.atStart.set(download, {
      cpu: process.cpuUsage(),
      coalesced: this.endpoint.transport.coalescedDatagrams,
    });
    void download.start();
    this.followUps.set(
      download,
      download
        .whenSettled()
        .then(() => this.onDownloadSettled(download))
        .catch((error: Error) =>
          this.options.logger.log(`${name}: after download: ${error.message}`),
        ),
    );
    return { ok: true };
  }

  /** Why `name` cannot be downloaded because this node already has it, or null. */
  private alreadyHere(name: string, infohashPrefix: string | null): string | null {
    const seeded = this.seeded.get(name);
    if (seeded && infohashPrefix !== null && !seeded.infohashHex.startsWith(infohashPrefix)) {
      const ours = seeded.infohashHex.slice(0, 8);
      return `${name} is already here (seeding ${ours}, another file of that name): ${ONE_FILE_PER_NAME}`;
    }
    if (seeded) return `${name} is already here (seeding)`;
    // Hashed, or its metainfo read from the cache: `hashing` was said of a file not hashed.
    if (this.seedsInProgress.has(name)) return `${name} is already here (being seeded)`;
    const entry = lstatSync(join(this.folder.path, name), { throwIfNoEntry: false });
    if (entry === undefined) return null;
    if (entry.isDirectory()) return `${name} is already here (a folder)`;
    // What to do, since nothing here says whether it is the swarm's file (found by hand).
    return `${name} is already here (not shared): seed it, or move it away first`;
  }

  /**
   * Takes a download off the list, cancelling it first if it runs. `deletePartFile` also deletes
   * `<name>.part` and its resume record; otherwise both stay for a later download to resume.
   * A finished file is never touched.
   */
  async removeDownload(name: string, deletePartFile: boolean): Promise<IntentOutcome> {
    this.noteIntent();
    const download = this.downloads.get(name);
    if (!download) return { ok: false, reason: `${name} is not in the downloads list` };
    if (!SETTLED_STATES.has(download.state)) await download.cancel('removed from the list');
    await this.followUps.get(download);
    // A new download of the same name may have replaced this one while we waited.
    if (this.downloads.get(name) !== download) return { ok: true };
    this.downloads.delete(name);
    this.followUps.delete(download);
    const { partPath } = download.options.paths;
    // Said of a part file only where there is one: a finished download (its file stays) and a
    // name never found have none, and `part file kept` was said of both (found by a session).
    const hadPart =
      download.state !== 'done' && lstatSync(partPath, { throwIfNoEntry: false }) !== undefined;
    if (deletePartFile && download.state !== 'done') {
      try {
        await rm(partPath, { force: true });
        await removeProgress(download.options.paths);
      } catch (error) {
        return this.refuse(name, `could not delete ${partPath}: ${(error as Error).message}`);
      }
    }
    this.folderDirty = true;
    this.markChanged();
    const partFile = !hadPart ? '' : deletePartFile ? ', part file deleted' : ', part file kept';
    const stays = download.state === 'done' ? ' (the file stays)' : '';
    this.options.logger.log(`removed ${name} from the downloads${partFile}${stays}`);
    return { ok: true };
  }

  /** Names of the downloads still under way (not done, failed or cancelled), paused ones too. */
  /**
   * Whether the next start takes the download of `name` up by itself: recorded, and the record
   * on disk (its last save did not fail: a full disk).
   */
  async nextStartTakesUp(name: string): Promise<boolean> {
    return this.downloadsRecord.holds(name) && (await this.downloadsRecord.written) === null;
  }

  unfinishedDownloads(): string[] {
    return [...this.downloads.values()]
      .filter((download) => !SETTLED_STATES.has(download.state))
      .map((download) => download.name);
  }

  /** The names of the unfinished downloads the record lists: the next start takes them up. */
  recordedDownloads(): string[] {
    return this.downloadsRecord.entries.map((entry) => entry.name);
  }

  /** The names of the downloads a person paused (or that were taken up paused), in order. */
  heldDownloads(): string[] {
    return [...this.downloads.values()]
      .filter((download) => download.heldByPerson)
      .map((download) => download.name);
  }

  /**
   * Resolves with every download's final state once none is running. `exceptHeld`: not waiting
   * for downloads a person paused (taken up paused from the record by a headless node, say).
   */
  async whenDownloadsSettled(options: { exceptHeld?: boolean } = {}): Promise<Download[]> {
    const all = [...this.downloads.values()].filter(
      (download) => !(options.exceptHeld && download.heldByPerson),
    );
    await Promise.all(all.map((download) => this.followUps.get(download)));
    return all;
  }

  private async onDownloadSettled(download: Download): Promise<void> {
    const start = this.atStart.get(download);
    this.atStart.delete(download);
    const cpu = process.cpuUsage(start?.cpu);
    const coalesced = this.endpoint.transport.coalescedDatagrams - (start?.coalesced ?? 0);
    this.folderDirty = true;
    // The node's exit keeps the download for its next start; anything else ends the wish.
    if (!this.leaving && this.downloads.get(download.name) === download) {
      this.takenUp.delete(download.name);
      this.saveDownloadsRecord(this.downloadsRecord.remove(download.name));
    }
    await this.partialSeeding.settled(download, this.leaving);
    if (download.state !== 'done') {
      if (this.fileStates.get(download.name)?.kind === 'downloading')
        this.forgetFileState(download.name);
      this.markChanged();
      // A node on its way out credits before its EXIT (exit() does); a download that was
      // cancelled or failed credits what it verified now, or its owners never get it.
      if (!this.leaving) await this.creditWhatWasVerified(download, 'before it stopped');
      return;
    }
    const { transfer, metainfo, name, resumedBytes } = download;
    const sizeBytes = metainfo!.sizeBytes;
    const elapsedMs = download.finishedAtMs - download.startedAtMs;
    const { pausedMs, waitingMs } = download;
    this.options.logger.log(
      doneLine({ name, sizeBytes, resumedBytes, elapsedMs, pausedMs, waitingMs }),
    );
    if (transfer)
      this.options.logger.log(
        transferLine({
          name,
          requestsSent: transfer.requestsSent,
          retransmittedBlocks: transfer.retransmittedBlocks,
          endgameBlocks: transfer.endgameBlocks,
          lateBlocks: transfer.lateBlocks,
          duplicateBlocks: transfer.duplicateBlocks,
          unsolicitedBlocks: transfer.unsolicitedBlocks,
          damagedBlocks: transfer.damagedBlocks,
          coreSeconds: (cpu.user + cpu.system) / 1e6,
          fetchedBytes: sizeBytes - resumedBytes,
          coalescedDatagrams: coalesced,
        }),
      );
    // Credit and seed side by side: while no tracker answers, each waits for its retries to
    // end (~10 s), and the file should be served whole meanwhile.
    await Promise.all([this.creditWhatWasVerified(download, ''), this.seedDownloaded(download)]);
  }

  /**
   * Says who gave `download` what, exactly, and credits them at the tracker (UPDATE), if anyone
   * did. Also for a download that did not finish: a later run resumes from the verified pieces
   * and fetches only the rest, so their bytes are credited now or never. The tracker caps what
   * one host credits per file at its size, however many runs report (credit-ledger.ts).
   */
  private async creditWhatWasVerified(
    download: Download,
    when: '' | 'before it stopped',
    leaving = false,
  ): Promise<void> {
    if (this.creditReported.has(download)) return;
    this.creditReported.add(download);
    const { transfer } = download;
    const sources = download.owners
      .filter((owner) => owner.verifiedBytes > 0)
      .sort((a, b) => b.verifiedBytes - a.verifiedBytes);
    if (transfer === null || sources.length === 0) return;
    // The tracker's credit is capped per host and file, so a second download of a file from
    // one host is not in it: this line is the exact figure (the benches read it).
    this.options.logger.log(
      `sources of ${download.name}${when ? ` ${when}` : ''}: ${sources.map((owner) => `node ${owner.nodeId} ${formatSize(owner.verifiedBytes)}`).join(', ')} (verified data each owner delivered)`,
    );
    const report = {
      name: download.name,
      infohashHex: transfer.infohash.toString('hex'),
      downloadIdHex: download.downloadId.toString('hex'),
      credits: sources
        .slice(0, MAX_UPDATE_CREDITS)
        .map((owner) => ({ nodeId: owner.nodeId, bytes: owner.verifiedBytes })),
    };
    await this.credit(report, leaving);
  }

  /** Caches a file's metainfo: one that cannot be written costs a hash at the next start. */
  private async cacheMetainfo(name: string, stamp: FileStamp, encoded: Buffer): Promise<void> {
    await saveCachedMetainfo(this.folder, name, stamp, encoded).catch((error: Error) => {
      this.options.logger.log(
        `${name}: its metainfo could not be cached (${error.message}); it is hashed again at the next start`,
      );
    });
  }

  /** Seeds what a download just verified, without hashing it again. */
  private async seedDownloaded(download: Download): Promise<void> {
    const { transfer, metainfo } = download;
    const path = download.options.paths.finalPath;
    const info = await stat(path).catch(() => null);
    if (info && download.metainfoBytes && transfer) {
      await this.cacheMetainfo(
        download.name,
        { sizeBytes: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs },
        download.metainfoBytes,
      );
      await this.startSeeding(
        {
          name: download.name,
          path,
          sizeBytes: info.size,
          metainfo: metainfo!,
          encoded: download.metainfoBytes,
          infohash: transfer.infohash,
        },
        { sizeBytes: info.size, mtimeMs: info.mtimeMs, ino: info.ino },
      );
    }
  }

  cancel(name: string): Promise<void> {
    this.noteIntent();
    return this.downloads.get(name)?.cancel() ?? Promise.resolve();
  }

  /** Pauses a running download or resumes a paused one. */
  togglePause(name: string): void {
    this.noteIntent();
    const download = this.downloads.get(name);
    if (!download) return;
    if (download.state === 'paused' || download.heldByPerson) download.resume();
    else download.pause();
    // Only a pause by a person is kept (a full disk's pause resumes by itself).
    this.saveDownloadsRecord(this.downloadsRecord.setPaused(name, download.heldByPerson));
  }

  /** Every download waiting for owners, or short of them, asks the tracker again now (`r`). */
  askAgainForOwners(): number {
    let asked = 0;
    for (const download of this.downloads.values()) if (download.askAgainNow()) asked++;
    return asked;
  }

  /**
   * Learns again where the tracker knows this node (a node listening on every address): a
   * registration anew may follow a new address of this machine (a laptop on another network, a
   * new lease) or a tracker that moved, and the view's header and the log named the old one.
   */
  private async learnKnownAddress(): Promise<void> {
    const was = this.knownAt;
    const now = await knownAddress(this.endpoint.localAddress, this.tracker.trackerAddress);
    if (now === null || now.address === was?.address || this.closed) return;
    this.knownAt = now;
    const before = was === null ? '' : ` (was ${formatAddress(was)})`;
    this.options.logger.log(`as ${formatAddress(now)} toward the tracker now${before}`);
    this.markChanged();
  }

  /** Re-announces every seeded file after the tracker lost our session (it restarted). */
  private async reannounce(): Promise<void> {
    // All at once: announced together, they go to the tracker together, 16 to a datagram.
    const seeded = [...this.seeded];
    const outcomes = await Promise.all(
      seeded.map(([name, entry]) =>
        this.tracker.own(Buffer.from(entry.infohashHex, 'hex'), name, entry.sizeBytes),
      ),
    );
    // What the tracker said of each: a file refused before may be listed now, and the reverse.
    for (const [index, outcome] of outcomes.entries()) {
      const [name, entry] = seeded[index]!;
      if (outcome.ok || outcome.refused)
        this.noteListing(name, entry.infohashHex, outcome.ok ? null : outcome.reason);
    }
    // Unanswered: the next registration announces them all again.
    if (outcomes.some((outcome) => !outcome.ok && !outcome.refused)) return;
    const refused = outcomes.flatMap((outcome, index) =>
      outcome.ok ? [] : [`${seeded[index]![0]}: ${outcome.reason}`],
    );
    const files = `${seeded.length} seeded ${seeded.length === 1 ? 'file' : 'files'}`;
    // One refusal said in full; thousands (a host over its bound) are not a line each.
    const why = refused.length > 0 ? ` (${refused.length} refused; ${refused[0]})` : '';
    if (seeded.length > 0) this.options.logger.log(`re-announced ${files} to the tracker${why}`);
    await this.partialSeeding.reannounce();
    this.schedulePendingCredits();
  }

  /**
   * Owed credits go one heartbeat period after a registration, not at once: a tracker credits
   * only current owners, and after its restart the owners that run (partial ones above all,
   * which it does not keep) have registered and announced again within a heartbeat period.
   */
  private schedulePendingCredits(): void {
    if (this.pendingCredits.reports.length === 0) return;
    if (this.pendingCreditsTimer) this.options.clock.clearTimeout(this.pendingCreditsTimer);
    this.pendingCreditsTimer = this.options.clock.setTimeout(() => {
      this.pendingCreditsTimer = null;
      void this.sendPendingCredits();
    }, this.tracker.heartbeatIntervalMs);
    this.pendingCreditsTimer.unref?.();
  }

  /**
   * Credits the owners of a download; keeps the report when no tracker answered. `leaving`: one
   * short try before EXIT, and what it leaves owed is sent after the next start's registration.
   */
  private async credit(report: CreditReport, leaving = false): Promise<void> {
    const outcome =
      leaving && this.unansweredWhileLeaving
        ? { ok: false as const, reason: 'tracker unreachable' }
        : await this.sendCredit(report, leaving);
    if (outcome.ok) return;
    // One unanswered try is enough on the way out: a node with many unfinished downloads
    // should not wait a second for each.
    if (leaving && !outcome.refused) this.unansweredWhileLeaving = true;
    const { logger } = this.options;
    if (outcome.refused) {
      logger.log(`could not credit the owners of ${report.name}: ${outcome.reason}`);
      return;
    }
    const kept = await this.pendingCredits.add(report);
    this.markChanged();
    if (outcome.later) this.heldBack.add(report.downloadIdHex);
    const later = leaving
      ? 'after this node starts again'
      : outcome.later
        ? `again in ${formatSeconds(this.tracker.heartbeatIntervalMs, 1)}`
        : 'once the tracker answers';
    logger.log(
      kept.writeError === null
        ? `could not credit the owners of ${report.name} yet: ${outcome.reason}; the credit is kept and sent ${later}`
        : `could not credit the owners of ${report.name} yet: ${outcome.reason}; ${leaving ? 'lost' : 'kept until this node exits'} (cannot save it: ${kept.writeError})`,
    );
    if (kept.dropped > 0)
      logger.log(`dropped the oldest ${kept.dropped} of the credits still owed to the tracker`);
    // Also when still registered (the session was lost twice in a row): no registration may
    // come to send it.
    this.schedulePendingCredits();
  }

  /**
   * Sends what earlier outages left owed, oldest first, until one goes unanswered; then tries
   * again a heartbeat period later (while no tracker answers that fails at once, unsent).
   */
  private async sendPendingCredits(): Promise<void> {
    if (this.sendingPendingCredits) return;
    this.sendingPendingCredits = true;
    try {
      for (const report of [...this.pendingCredits.reports]) {
        if (this.closed) return;
        const outcome = await this.sendCredit(report);
        if (!outcome.ok && !outcome.refused) {
          // Said once: the tracker may say `not yet` for a minute and more after its restart.
          if (outcome.later && !this.heldBack.has(report.downloadIdHex)) {
            this.heldBack.add(report.downloadIdHex);
            const again = formatSeconds(this.tracker.heartbeatIntervalMs, 1);
            this.options.logger.log(
              `the tracker holds back the credit report owed for the owners of ${report.name}: ${outcome.reason}; sent again in ${again}`,
            );
          }
          this.schedulePendingCredits();
          return;
        }
        this.heldBack.delete(report.downloadIdHex);
        await this.pendingCredits.remove(report.downloadIdHex);
        this.markChanged();
        this.options.logger.log(
          outcome.ok
            ? `the tracker took the credit report owed for the owners of ${report.name} (it did not answer before)`
            : `could not credit the owners of ${report.name}: ${outcome.reason}`,
        );
      }
    } finally {
      this.sendingPendingCredits = false;
    }
  }

  private sendCredit(report: CreditReport, leaving = false) {
    const infohash = Buffer.from(report.infohashHex, 'hex');
    const downloadId = Buffer.from(report.downloadIdHex, 'hex');
    return leaving
      ? this.tracker.updateBeforeExit(infohash, downloadId, report.credits)
      : this.tracker.update(infohash, downloadId, report.credits);
  }

  /** Leaves the swarm: saves downloads for resume, says EXIT, closes the socket. */
  async exit(): Promise<void> {
    if (this.closed) return;
    this.leaving = true;
    const downloads = [...this.downloads.values()];
    for (const download of downloads)
      await download.stopWithNode(await this.nextStartTakesUp(download.name));
    // Before EXIT: the tracker credits only for a registered node. Those cancelled or failed
    // before are credited already, unless the exit came before their follow-up could.
    for (const download of downloads)
      if (download.state !== 'done')
        await this.creditWhatWasVerified(download, 'before it stopped', true);
    const unacknowledged = await this.tracker.exit();
    this.options.logger.log(
      unacknowledged === null ? 'exited the swarm' : `exited (${unacknowledged})`,
    );
    await this.close();
  }

  private async close(): Promise<void> {
    this.closed = true;
    // A hash under way would only be thrown away (nothing is seeded after close): stop reading.
    for (const stop of this.hashing.values()) stop.abort();
    this.tracker.stop();
    this.refusedAnnouncements.flush();
    if (this.snapshotTimer) this.options.clock.clearTimeout(this.snapshotTimer);
    if (this.pendingCreditsTimer) this.options.clock.clearTimeout(this.pendingCreditsTimer);
    this.folder.close();
    await this.seeder.close();
    await this.endpoint.close();
    // Record writes wait a moment to take the changes after them along (record-file.ts).
    await Promise.all([
      this.record.written,
      this.downloadsRecord.written,
      this.pendingCredits.written,
    ]);
    await this.folderLock.release();
  }

  private refuse(name: string, reason: string): IntentOutcome {
    // A reason that names the file already is logged as it is, not as `x.bin: x.bin is …`.
    this.options.logger.log(reason.startsWith(`${name} `) ? reason : `${name}: ${reason}`);
    return { ok: false, reason };
  }

  // ---- snapshot ----

  getSnapshot = (): PeerSnapshot => {
    // Nobody subscribed (a headless node, a script polling): built when asked, not 10 times a
    // second while a download runs.
    if (this.snapshotStale && this.listeners.size === 0 && !this.closed) {
      this.snapshotStale = false;
      this.snapshot = this.buildSnapshot(this.folderListing);
    }
    return this.snapshot;
  };

  subscribe = (listener: () => void): (() => void) => {
    this.getSnapshot(); // a first listener gets a current snapshot, not one from before it came
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private markChanged(): void {
    this.snapshotDirty = true;
  }

  /** A read found a served file changed: the folder is listed at the next tick, not in a second. */
  private servedFileChanged(): void {
    this.folderDirty = true;
  }

  /** A person asked for something: the views show it at the next tick, download or not. */
  private noteIntent(): void {
    this.intentPending = true;
    this.snapshotDirty = true;
  }

  private setFileState(name: string, state: LocalFileState): void {
    this.fileStates.set(name, state);
    this.fileStatesVersion++;
    this.markChanged();
  }

  /** The tracker listed a seeded file (`refusal` null) or refused to, saying `refusal`. */
  private noteListing(name: string, infohashHex: string, refusal: string | null): void {
    const state = this.fileStates.get(name);
    // Seeded anew (another file by that name) or stopped since it was announced: not this one.
    if (state?.kind !== 'seeding' || state.infohashHex !== infohashHex) return;
    if (state.unlistedBecause !== refusal)
      this.setFileState(name, { ...state, unlistedBecause: refusal });
  }

  /** OWN again for each seeded file the tracker refused to list (see UNLISTED_RETRY_MS). */
  private announceUnlistedAgain(): void {
    if (this.tracker.status === 'registering') return;
    let asked = 0;
    for (const [name, state] of this.fileStates) {
      if (state.kind !== 'seeding' || state.unlistedBecause === null) continue;
      if (asked++ >= UNLISTED_RETRIES_PER_ROUND) return;
      const seeded = this.seeded.get(name);
      if (seeded?.infohashHex !== state.infohashHex) continue;
      const infohash = Buffer.from(state.infohashHex, 'hex');
      void this.tracker.own(infohash, name, seeded.sizeBytes).then((announced) => {
        if (announced.ok) {
          this.noteListing(name, state.infohashHex, null);
          this.options.logger.log(`${name} is listed at the tracker now`);
        } else if (announced.refused) this.noteListing(name, state.infohashHex, announced.reason);
      });
    }
  }

  private forgetFileState(name: string): void {
    if (this.fileStates.delete(name)) this.fileStatesVersion++;
  }

  /**
   * Snapshot upkeep, every 100 ms: rebuilt when something changed or a download is running;
   * the folder is listed again once a second (so a file copied in appears) or at once after an
   * event that changes it, never per datagram.
   */
  private scheduleSnapshot(): void {
    this.snapshotTimer = this.options.clock.setTimeout(
      this.snapshotTick,
      delayToGrid(this.options.clock.now(), SNAPSHOT_INTERVAL_MS),
    );
    this.snapshotTimer.unref?.();
  }

  private readonly snapshotTick = (): void => {
    if (this.closed) return;
    this.sampleRates();
    const nowMs = this.options.clock.now();
    if (nowMs - this.unlistedRetriedAtMs >= (this.options.unlistedRetryMs ?? UNLISTED_RETRY_MS)) {
      this.unlistedRetriedAtMs = nowMs;
      this.announceUnlistedAgain();
    }
    const rescan = this.folderDirty || nowMs - this.lastFolderScanMs >= FOLDER_SCAN_INTERVAL_MS;
    const moving = this.hasMovingDownload();
    const due = !moving || this.intentPending || nowMs - this.lastRefreshMs >= RUNNING_REFRESH_MS;
    if (due && (rescan || this.snapshotDirty || this.rateChanged || moving)) {
      this.snapshotDirty = false;
      this.folderDirty = false;
      this.rateChanged = false;
      this.intentPending = false;
      this.lastRefreshMs = nowMs;
      void this.refreshSnapshot(rescan);
    }
    this.scheduleSnapshot();
  };

  /**
   * A download whose snapshot changes by itself (bytes arriving, pieces verified): one waiting
   * for owners or paused changes only through events, which mark the snapshot dirty. Counting
   * those woke a view with two downloads waiting for a name twice a second for nothing: 2.5 % of
   * a core for hours (found by hand).
   */
  private hasMovingDownload(): boolean {
    for (const download of this.downloads.values()) {
      if (MOVING_STATES.has(download.state)) return true;
    }
    return false;
  }

  private sampleRates(): void {
    const nowMs = this.options.clock.now();
    const before = this.rates.rates;
    // File bytes only: heartbeats and LISTs are not a transfer, and would wake an idle view.
    if (!this.rates.tick(nowMs, this.seeder.bytesServedSoFar, this.endpoint.dataBytesIn)) return;
    this.uploadPeers.sample(this.seeder.uploadStats(), nowMs, this.nameOfPeer);
    void this.namePeers(nowMs);
    const { up, down } = this.rates.rates;
    // An idle node's rates stay 0 second after second: nothing to redraw then.
    if (up !== before.up || down !== before.down) this.rateChanged = true;
    if (this.uploadPeers.snapshot.length > 0) this.rateChanged = true;
  }

  private readonly nameOfPeer = (address: HostPort): number | null => this.peerNames.idOf(address);

  /** Asks the tracker who the peers downloading from us are, where it has not said lately. */
  private async namePeers(nowMs: number): Promise<void> {
    if (!(await this.peerNames.refresh(this.uploadPeers.addresses, nowMs))) return;
    this.uploadPeers.rename(this.nameOfPeer);
    this.rateChanged = true;
  }

  /**
   * A listing that worked: the folder is there (again, if it had gone). Its state folder is
   * looked at too, by its lock file: gone with the folder, or alone, it is made again once two
   * listings in a row (a second apart) found it gone. Not at the first: an `rm -r` of the folder
   * under way failed with ENOTEMPTY when the node wrote into it meanwhile (seen in a test).
   */
  private folderFound(listing: FolderListing): FolderListing {
    if (this.folderGone) {
      this.folderGone = false;
      this.options.logger.log(`folder ${this.folder.path} is back`);
    }
    const stateThere = existsSync(join(this.folder.stateDir, LOCK_FILE_NAME));
    this.listingsWithoutState = stateThere ? 0 : this.listingsWithoutState + 1;
    if (this.listingsWithoutState >= 2) {
      this.listingsWithoutState = 0;
      this.rebuildStateFolder();
    }
    return listing;
  }

  /**
   * The node folder made again after it was deleted (or its state folder deleted alone): the
   * identity key, the lock and the records this node still holds in memory are written again.
   * Before, they stayed gone: every later save failed, and a restart came up with a new key
   * (refused its id while the old registration lived) and nothing to seed again or take up.
   */
  private rebuildStateFolder(): void {
    this.rebuilding ??= this.writeStateFolder().finally(() => {
      this.rebuilding = null;
    });
  }

  private async writeStateFolder(): Promise<void> {
    const { stateDir } = this.folder;
    const { logger } = this.options;
    if (this.closed) return;
    try {
      await makeFolder(stateDir);
      const locked = await lockFolder(stateDir);
      if (!locked.ok) {
        logger.log(
          `process ${locked.pid} took ${this.folder.path} while it was gone: stop one of the two`,
        );
        return;
      }
      await writeIdentity(stateDir, this.identity);
    } catch (error) {
      const message = `could not make ${stateDir} again: ${(error as Error).message}`;
      if (message !== this.stateFolderError) logger.log(message);
      this.stateFolderError = message;
      return;
    }
    this.stateFolderError = null;
    this.saveRecord(this.record.save());
    this.saveDownloadsRecord(this.downloadsRecord.save());
    void this.pendingCredits.save().then((error) => {
      if (error !== null) logger.log(`could not save the unsent credit reports: ${error}`);
    });
  }

  /**
   * A listing that failed. The folder itself gone (deleted, moved, its disk unmounted): its files
   * are gone with it, so it lists as empty and the seeded-file watch withdraws each; before, the
   * node kept the last listing and went on seeding from open handles for good. Any other error
   * (a permission changed): null, the last listing stands.
   */
  private folderListingFailed(error: unknown): FolderListing | null {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return null;
    this.listingsWithoutState = 0;
    if (!this.folderGone) {
      this.folderGone = true;
      this.options.logger.log(
        `folder ${this.folder.path} is gone (deleted, moved or unmounted): its files are no longer seeded, and downloads cannot be saved until it is back`,
      );
    }
    return { files: [], unsupported: [] };
  }

  private async refreshSnapshot(rescanFolder: boolean): Promise<void> {
    if (rescanFolder) {
      this.lastFolderScanMs = this.options.clock.now();
      const listingNumber = this.seedWatch.listingStarts();
      // Not watched while a download writes its part file there: each write would be an event.
      const listed = await this.folder
        .listEntries(this.seedWatch.watchedNames(), !this.hasMovingDownload())
        .then((listing) => this.folderFound(listing))
        .catch((error: unknown) => this.folderListingFailed(error));
      this.sayWhyUnwatched();
      if (listed !== null && !this.closed) {
        this.folderListing = listed;
        this.reviewSeededFiles(listed, listingNumber);
      }
    }
    if (this.listeners.size === 0) {
      this.snapshotStale = true;
      return;
    }
    const snapshot = this.buildSnapshot(this.folderListing);
    // The folder is listed again every second; an unchanged result must not wake the views (an
    // idle view redrew twice a second, ~2 % of a core, for nothing). While a download runs the
    // snapshot changes anyway: no comparison then.
    if (!this.hasMovingDownload() && isDeepStrictEqual(snapshot, this.snapshot)) return;
    this.snapshot = snapshot;
    for (const listener of this.listeners) listener();
  }

  /** Once: a folder that cannot be watched is looked at file by file, more often. */
  private sayWhyUnwatched(): void {
    const why = this.folder.whyUnwatched();
    if (why === null || this.saidWhyUnwatched) return;
    this.saidWhyUnwatched = true;
    this.options.logger.log(
      `changes in ${this.folder.path} are not watched (${why}): each file is looked at in turn`,
    );
  }

  private fileRows(listing: FolderListing): PeerSnapshot['files'] {
    const built = this.fileRowsBuilt;
    if (built?.listing === listing && built.version === this.fileStatesVersion) return built.rows;
    const rows = fileRowsOf(listing, this.fileStates);
    this.fileRowsBuilt = { rows, listing, version: this.fileStatesVersion };
    return rows;
  }

  private buildSnapshot(listing: FolderListing = EMPTY_LISTING): PeerSnapshot {
    const tracker = this.tracker;
    const seeding = this.seeder.stats();
    return {
      nodeId: this.options.nodeId,
      address: formatAddress(this.knownAt ?? this.endpoint.localAddress),
      tracker: {
        address: tracker.trackerLabel,
        status: tracker.status,
        sinceWallMs: tracker.statusSinceWallMs,
        error: tracker.lastError,
        asksAgain: tracker.asksAgain,
        unansweredSec: Math.floor(tracker.unansweredForMs() / 1000),
      },
      uploadRateBytesPerSec: atMostTheLimit(this.rates.rates.up, seeding.uploadLimitBytesPerSec),
      downloadRateBytesPerSec: atMostTheLimit(this.rates.rates.down, this.pacer.userLimit.limit),
      bytesUploaded: seeding.bytesServed,
      limits: {
        uploadBytesPerSec: seeding.uploadLimitBytesPerSec,
        downloadBytesPerSec: this.pacer.userLimit.limit,
        downlinkPacedBytesPerSec: this.pacer.rateAt(this.options.clock.now()),
      },
      creditsWaiting: this.pendingCredits.reports.length,
      uploads: this.uploadPeers.snapshot,
      files: this.fileRows(listing),
      downloads: [...this.downloads.values()].map((download) => {
        const row = snapshotDownload(download, this.partialSeeding.isAnnounced(download));
        const left = this.doneFilesLeft.get(download);
        return left === undefined ? row : { ...row, reason: left };
      }),
    };
  }
}

/**
 * My files' rows: the last snapshot's array itself while the folder listing (the same object
 * while nothing in the folder changed) and the files' states are the same. With 5,000 files in
 * the folder an idle view sorted and compared 5,000 rows every second (1.8 % of a core); the
 * same array compares equal at once.
 */
function fileRowsOf(
  listing: FolderListing,
  fileStates: ReadonlyMap<string, LocalFileState>,
): PeerSnapshot['files'] {
  const rows: PeerSnapshot['files'][number][] = listing.files.map((file) => ({
    name: file.name,
    sizeBytes: file.sizeBytes,
    state: fileStates.get(file.name) ?? { kind: 'not-shared' as const },
  }));
  if (listing.unsupported.length === 0) return rows; // the listing is in name order already
  for (const entry of listing.unsupported)
    rows.push({
      name: entry.name,
      sizeBytes: 0,
      state: { kind: 'unsupported' as const, reason: entry.reason },
    });
  return rows.sort((a, b) => compareNatural(a.name, b.name));
}

/**
 * Seeds hashed at once at most (see inBoundedParallel): one after the other, each small file's
 * hash, cache entry and OWN round trip waited for the one before (350 files: 0.87-1.01 s from
 * start, 0.35-0.42 s with 8). Their OWNs are not held to it: they go together (OwnBatcher).
 */
const SEEDS_AT_ONCE = 8;
/** Bytes hashed at once at most: a big file is hashed alone, as it reads best from a disk. */
const SEED_BYTES_AT_ONCE = 64 * 1024 * 1024;

/**
 * `work` for each file, in order, several at once while they are small together; the outcomes in
 * the files' order. A work's slot is freed when it calls `done` or settles, whichever is first.
 */
async function inBoundedParallel<T>(
  files: FolderFile[],
  work: (file: FolderFile, done: () => void) => Promise<T>,
): Promise<T[]> {
  const outcomes: Promise<T>[] = [];
  const running = new Set<Promise<void>>();
  let bytes = 0;
  for (const file of files) {
    while (
      running.size > 0 &&
      (running.size >= SEEDS_AT_ONCE || bytes + file.sizeBytes > SEED_BYTES_AT_ONCE)
    )
      await Promise.race(running);
    bytes += file.sizeBytes;
    let free!: () => void;
    const slot = new Promise<void>((resolve) => {
      free = resolve;
    });
    const freed = slot.then(() => {
      bytes -= file.sizeBytes;
      running.delete(freed);
    });
    running.add(freed);
    outcomes.push(work(file, free).finally(free));
  }
  return Promise.all(outcomes);
}

/** Why a second file of a name cannot come in beside the first, and what would let it. */
const ONE_FILE_PER_NAME =
  'a folder holds one file of a name; move or rename that one to download this';

function describeLimit(bytesPerSec: number): string {
  return bytesPerSec === 0 ? 'none' : formatRate(bytesPerSec);
}
