/**
 * The owner side of the peer protocol: answers HELLO with a cookie, METAINFO requests with chunks
 * of the canonical metainfo, BITFIELD requests with the pieces it can serve (and HAVEs after),
 * and block REQUESTs with DATA read straight from the seeded or part files. Only addresses that
 * proved they receive (a valid cookie) get more bytes than they sent; only peers holding an
 * upload slot get DATA, at most at the upload limit.
 */
import type { Clock, TimerHandle } from '../clock.ts';
import { defaults } from '../config.ts';
import { DOUBLE_ZERO } from '../double-zero.ts';
import { formatAddress, formatDuration } from '../format.ts';
import { IoMode, READS } from '../io-mode.ts';
import type { Logger } from '../log/logger.ts';
import type { UdpEndpoint } from '../net/endpoint.ts';
import type { RemoteAddress } from '../net/transport.ts';
import { isLoopbackAddress } from '../net/unicast-address.ts';
import { bitfieldBytes } from '../protocol/codec-peer.ts';
import type {
  BitfieldRequestMessage,
  Message,
  MetainfoRequestMessage,
  RejectReason,
  RequestMessage,
} from '../protocol/messages.ts';
import { BlockChecksums } from './block-checksums.ts';
import {
  type BlockRun,
  planBlockRun,
  type ReadRun,
  readBlockRun,
  readBlockRunNow,
  runBufferBytes,
} from './block-run.ts';
import type { CookieJar } from './cookie-jar.ts';
import { Bitfield } from './download/bitfield.ts';
import { FirstCopies } from './first-copies.ts';
import { HAVE_FLUSH_MS, HaveBroadcaster } from './have-broadcaster.ts';
import { PacedShares } from './paced-shares.ts';
import {
  BITFIELDS_PER_SLOT,
  METAINFO_FETCHES_PER_SLOT,
  ReplyAllowance,
} from './reply-allowance.ts';
import { RequestReplays } from './request-replays.ts';
import {
  IGNORE_MS,
  type Requester,
  RequesterLedger,
  type RequesterStats,
} from './requester-ledger.ts';
import { RunBuffers } from './run-buffers.ts';
import {
  type SeedEntry,
  type SeededFile,
  type SeededFileStats,
  SeededFiles,
} from './seeded-files.ts';
import { UploadPacer } from './upload-pacer.ts';
import { type SlotHolder, UploadSlots } from './upload-slots.ts';

export type { SeededFile, SeededFileStats } from './seeded-files.ts';

/** Options of a Seeder. */
export interface SeederOptions {
  endpoint: UdpEndpoint;
  nodeId: number;
  clock: Clock;
  cookies: CookieJar;
  logger: Logger;
  /** Blocks accepted for one requester but not sent yet; beyond this it gets 'busy'. */
  maxQueuedBlocksPerPeer?: number;
  /** Bytes per second of DATA for everyone together; 0 or absent for no limit. */
  uploadLimitBytesPerSec?: number;
  /** How well a peer (`address|port`) serves this node, for choosing who gets upload slots. */
  contribution?: (key: string) => number;
  /** Randomness of the optimistic slot (tests pass a seeded one). */
  random?: () => number;
  /** When reads are made at once and when through the thread pool (tests pass their own). */
  readMode?: IoMode;
  /** A served file was found changed on disk by a read (the node then lists its folder). */
  fileChanged?: () => void;
}

/** Per remote address, per file and in total: what was served and refused. */
export interface SeederStats {
  bytesServed: number;
  blocksServed: number;
  rejectsSent: number;
  peers: RequesterStats[];
  files: SeededFileStats[];
  /** Peers asking for data now (see UploadSlots.asking), with their slot. */
  slots: SlotHolder[];
  uploadLimitBytesPerSec: number;
}

/** The part of SeederStats about who is served. */
export type UploadStats = Pick<SeederStats, 'peers' | 'slots'>;

/** A well-behaved downloader never has more than its largest window outstanding at one owner. */
export const DEFAULT_MAX_QUEUED_BLOCKS_PER_PEER = defaults.maxWindowBlocks;
/**
 * Under an upload limit, a request that would wait longer than this for its turn is refused
 * `busy` rather than queued: the downloader's window shrinks to what the limit can carry
 * instead of its requests timing out in our queue and being sent twice.
 */
export const MAX_PACED_WAIT_MS = 300;
/** A round of first copies is said as only granted where the limit needs longer to send it. */
const ROUND_PACED_MS = 1_000;
/**
 * Under an upload limit a run goes out whole once the bucket has tokens, and its debt delays
 * what follows; so a run is cut to what the limit carries in this long (one block at least),
 * the rest refused `busy` for the downloader to ask again. Whole, at `--upload-limit 4K` a
 * 256 KiB file went out in 0.03 s, and at 16K a 2 MiB file came as a 256 KiB burst, then
 * nothing for 16 s (found by a session).
 */
const PACED_RUN_MS = 200;
/** A run under an upload limit goes out in slices of this long at the limit (see pacedSlices). */
const PACED_SLICE_MS = 20;
/**
 * DATA datagrams waiting in the socket's own queue (the kernel's send buffer is full: the uplink
 * cannot keep up) beyond which new requests are refused `busy`: the queue holds its runs'
 * buffers, and nothing else would bound it, since runs read from the page cache are sent at once.
 */
export const MAX_UNSENT_DATAGRAMS = 256;
/** How often at most the log says a file's pieces all went out once (see mayHaveFirstCopy). */
const ROUND_LOG_MS = 60_000;
/** Peers told `not-seeding` when this node leaves (the most recent askers first). */
const MAX_GOODBYES = 64;
/** METAINFO chunks are the size of a default block: whole on loopback, few on a LAN. */
export const METAINFO_CHUNK_BYTES = 16 * 1024;

/** Serves the files this node seeds to the peers that ask. */
export class Seeder {
  private readonly files: SeededFiles;
  private readonly ledger: RequesterLedger;
  private readonly maxQueuedBlocks: number;
  private readonly slots: UploadSlots;
  private readonly pacer: UploadPacer;
  private readonly haves = new HaveBroadcaster();
  private readonly shares = new PacedShares();
  private readonly runBuffers = new RunBuffers();
  private readonly readMode: IoMode;
  private haveTimer: TimerHandle | null = null;
  /** Bitfields of complete files (every bit set), made once per file when first asked. */
  private readonly fullBitfields = new Map<string, Buffer>();
  private bytesServed = DOUBLE_ZERO;
  private blocksServed = 0;
  private rejectsSent = 0;
  private closed = false;
  /** When strangers' ignores were last logged, and how many since went unsaid. */
  private strangersSaidAtMs = Number.NEGATIVE_INFINITY;
  private strangersUnsaid = 0;

  constructor(private readonly opts: SeederOptions) {
    this.bytesServed = 0; // +0 in the double field DOUBLE_ZERO made (see double-zero.ts)
    this.files = new SeededFiles(opts.logger);
    this.maxQueuedBlocks = opts.maxQueuedBlocksPerPeer ?? DEFAULT_MAX_QUEUED_BLOCKS_PER_PEER;
    this.ledger = new RequesterLedger(opts.clock, (r) => {
      if (r.proven) {
        opts.logger.log(`ignoring ${formatAddress(r)} for a while: too many refused requests`);
        return;
      }
      // Forged sources come by the thousand: one line per IGNORE_MS says them all (a flood of
      // 3,000 wrote 184 lines, found by a session).
      const nowMs = opts.clock.now();
      if (nowMs - this.strangersSaidAtMs < IGNORE_MS) {
        this.strangersUnsaid++;
        return;
      }
      const more =
        this.strangersUnsaid > 0
          ? ` (and ${this.strangersUnsaid} more since the last such line)`
          : '';
      this.strangersSaidAtMs = nowMs;
      this.strangersUnsaid = 0;
      opts.logger.log(
        `no more bad-cookie refusals to ${formatAddress(r)} for a while: too many requests without a valid cookie${more}`,
      );
    });
    this.slots = new UploadSlots(opts.clock.now(), opts.random);
    this.pacer = new UploadPacer(opts.clock, opts.uploadLimitBytesPerSec ?? 0);
    this.readMode = opts.readMode ?? new IoMode(READS);
  }

  /** Changes the upload limit at run time (bytes per second, 0 for none). */
  setUploadLimit(bytesPerSec: number): void {
    this.pacer.setLimit(bytesPerSec);
  }

  /**
   * Starts serving: opens the file once and keeps the fd (reads go to the fd, so swapping the path
   * for a symlink later cannot redirect them). Throws if the file cannot be opened or is no longer
   * the size it was hashed at.
   */
  add(file: SeededFile): Promise<void> {
    return this.files.add(file);
  }

  /**
   * Serves the verified pieces of a file being downloaded, from its part file: `have` is the
   * download's own set of verified and written pieces, read live. add() of the complete file
   * later makes it a plain seeded file.
   */
  addPartial(file: SeededFile, have: Bitfield): Promise<void> {
    return this.files.add(file, have);
  }

  /** A piece of a partially served file became readable: tell the peers watching it (batched). */
  noteHave(infohashHex: string, piece: number): void {
    this.haves.noteHave(infohashHex, piece);
    if (this.haveTimer !== null || this.closed) return;
    this.haveTimer = this.opts.clock.setTimeout(() => this.flushHaves(), HAVE_FLUSH_MS);
    this.haveTimer.unref?.();
  }

  /** Stops serving a file and closes its fd. */
  remove(infohashHex: string): Promise<void> {
    this.haves.forget(infohashHex);
    this.fullBitfields.delete(infohashHex);
    return this.files.remove(infohashHex);
  }

  /** True while the file with this infohash is served. */
  has(infohashHex: string): boolean {
    return this.files.get(infohashHex) !== undefined;
  }

  /** Returns true if the message was a peer request this seeder handled (hello, metainfo-request, request). */
  handleMessage(message: Message, txid: number, from: RemoteAddress, _bytes: number): boolean {
    switch (message.type) {
      case 'hello':
        // HELLO is padded to at least the size of WELCOME, and a cookie costs no memory.
        if (!this.closed && !this.ledger.isIgnored(from)) {
          const cookie = this.opts.cookies.issue(from);
          const welcome = { type: 'welcome', nodeId: this.opts.nodeId, cookie } as const;
          this.opts.endpoint.send(from, welcome, txid);
        }
        return true;
      case 'metainfo-request':
        if (!this.closed) this.onMetainfoRequest(message, txid, from);
        return true;
      case 'request':
        if (!this.closed) this.onRequest(message, txid, from);
        return true;
      case 'bitfield-request':
        if (!this.closed) this.onBitfieldRequest(message, txid, from);
        return true;
      default:
        return false;
    }
  }

  /** DATA payload bytes served so far, to everyone: read every snapshot tick, so no object. */
  get bytesServedSoFar(): number {
    return this.bytesServed;
  }

  /** Per remote address: bytes served, blocks served, rejects sent, last active. And totals. */
  stats(): SeederStats {
    return {
      bytesServed: this.bytesServed,
      blocksServed: this.blocksServed,
      rejectsSent: this.rejectsSent,
      ...this.uploadStats(),
      files: this.files.stats(),
      uploadLimitBytesPerSec: this.pacer.limit,
    };
  }

  /**
   * Who is served, for the rates sampled each second: without a row per seeded file (3,000 rows
   * a second made for nothing, a node seeding 3,000 files idle).
   */
  uploadStats(): UploadStats {
    return { peers: this.ledger.snapshot(), slots: this.slots.asking(this.opts.clock.now()) };
  }

  /** Stops answering and closes every file. */
  close(): Promise<void> {
    this.sayGoodbye();
    this.closed = true;
    this.pacer.clear();
    if (this.haveTimer) this.opts.clock.clearTimeout(this.haveTimer);
    return this.files.close();
  }

  /**
   * Leaving: every peer that asked for data lately is told `not-seeding` for each served file, so
   * its download moves our pieces to other owners at once instead of after seconds of silence
   * (a finished leecher leaving a flash crowd left the others waiting 3 s for its last blocks).
   * Small datagrams to addresses that proved they receive: no amplification. Each goodbye echoes
   * the txid of the peer's latest request of that file, without which it takes no REJECT.
   */
  private sayGoodbye(): void {
    if (this.closed) return;
    const peers = this.slots.holders(this.opts.clock.now()).slice(0, MAX_GOODBYES);
    for (const peer of peers) {
      const requester = this.ledger.find(peer.key);
      if (requester === undefined) continue;
      const [address, port] = splitRequesterKey(peer.key);
      for (const [infohashHex, txid] of requester.latestTxids) {
        const entry = this.files.get(infohashHex);
        if (entry === undefined) continue;
        const reject = {
          type: 'reject',
          infohash: entry.file.infohash,
          piece: 0,
          begin: 0,
          reason: 'not-seeding',
        } as const;
        this.opts.endpoint.send({ address, port }, reject, txid);
      }
    }
  }

  /**
   * What every request to an owner passes first: its cookie is valid for its address, the
   * requester is not being ignored, and we seed the file. Anything else is refused with a REJECT.
   */
  private admit(
    m: { cookie: Buffer; infohash: Buffer },
    txid: number,
    from: RemoteAddress,
    at: { piece: number; begin: number },
  ): {
    entry: SeedEntry;
    requester: Requester;
    refuse: (reason: RejectReason, counts?: boolean) => void;
  } | null {
    if (!this.opts.cookies.verify(m.cookie, from)) {
      const stranger = this.ledger.admit(from, false);
      if (stranger !== null)
        this.reject(stranger, from, txid, m.infohash, at.piece, at.begin, 'bad-cookie');
      return null;
    }
    const requester = this.ledger.admit(from);
    if (requester === null) return null;
    const refuse = (reason: RejectReason, counts = true): void =>
      this.reject(requester, from, txid, m.infohash, at.piece, at.begin, reason, counts);
    const entry = this.files.get(m.infohash.toString('hex'));
    if (entry === undefined || entry.changed) {
      refuse('not-seeding');
      return null;
    }
    return { entry, requester, refuse };
  }

  private onMetainfoRequest(m: MetainfoRequestMessage, txid: number, from: RemoteAddress): void {
    const admitted = this.admit(m, txid, from, { piece: 0, begin: m.offset });
    if (admitted === null) return;
    const { encoded, infohash } = admitted.entry.file;
    if (m.offset >= encoded.length) {
      admitted.refuse('bad-range');
      return;
    }
    const chunks = Math.ceil(encoded.length / METAINFO_CHUNK_BYTES);
    if (!this.allows(admitted.requester, 'm', admitted.entry, METAINFO_FETCHES_PER_SLOT * chunks)) {
      admitted.refuse('busy', false);
      return;
    }
    const bytes = encoded.subarray(m.offset, m.offset + METAINFO_CHUNK_BYTES);
    const chunk = { infohash, totalLength: encoded.length, offset: m.offset, bytes };
    if (this.pacer.queuedMs() <= MAX_PACED_WAIT_MS) {
      this.sendPaced(from, { type: 'metainfo-data', ...chunk }, txid, bytes.length);
      return;
    }
    // Not behind seconds of DATA (a downloader at a partial owner held to `--upload-limit 2K`
    // waited 8 s and more at `fetching metainfo`), nor refused while any is queued: every
    // newcomer to a lone owner at `2K` was, until the one it served had finished, 12-23 s idle
    // between them (both found by sessions). At once, charged to the limit, and held in the
    // asker's share until the limit has paid for it: one chunk at a time per share.
    const key = this.shareKey(from);
    if (!this.shares.isEmpty(key)) {
      admitted.refuse('busy', false);
      return;
    }
    this.shares.add(key, bytes.length);
    this.pacer.charge(bytes.length);
    this.opts.clock
      .setTimeout(
        () => this.shares.remove(key, bytes.length),
        Math.ceil((bytes.length * 1000) / this.pacer.limit),
      )
      .unref?.();
    this.opts.endpoint.send(from, { type: 'metainfo-data', ...chunk }, txid);
  }

  /**
   * Whom a share of the paced queue is kept for (see PacedShares): a host, so that more sockets
   * buy no more of it; but on loopback each node, for the nodes of one machine are the swarm
   * there (the demo, a class trying it on one laptop), not one stranger's sockets: as one host,
   * the newcomers to an owner at `--upload-limit 2K` were served one after another.
   */
  private shareKey(from: RemoteAddress): string {
    return isLoopbackAddress(from.address) ? requesterKey(from) : from.address;
  }

  /**
   * One more reply of `kind` (`m` METAINFO, `b` BITFIELD) of the file to `requester` within
   * its allowance (see reply-allowance.ts).
   */
  private allows(requester: Requester, kind: string, entry: SeedEntry, limit: number): boolean {
    requester.allowance ??= new ReplyAllowance();
    const slot = this.opts.cookies.currentSlot();
    return requester.allowance.take(kind + entry.infohashHex, limit, slot);
  }

  /**
   * A control reply, through the upload limit as DATA goes, and in its queue's shares: the limit
   * is all a node uploads. Queued without a bound, 30 ports of one host asking METAINFO held the
   * limit for a minute after they stopped, and an honest downloader got nothing (found by a
   * session).
   */
  private sendPaced(to: RemoteAddress, message: Message, txid: number, bytes: number): void {
    const host = this.pacer.limit > 0 ? this.shareKey(to) : null;
    if (host !== null) this.shares.add(host, bytes);
    this.pacer.submit(bytes, () => {
      if (host !== null) this.shares.remove(host, bytes);
      if (!this.closed) this.opts.endpoint.send(to, message, txid);
    });
  }

  /** The pieces we can serve, in one datagram; the asker is then told of new ones by HAVE. */
  private onBitfieldRequest(m: BitfieldRequestMessage, txid: number, from: RemoteAddress): void {
    const admitted = this.admit(m, txid, from, { piece: 0, begin: 0 });
    if (admitted === null) return;
    const { entry } = admitted;
    const pieceCount = entry.file.metainfo.pieceHashes.length / 32;
    if (pieceCount === 0) {
      admitted.refuse('bad-range');
      return;
    }
    if (!this.allows(admitted.requester, 'b', entry, BITFIELDS_PER_SLOT)) {
      admitted.refuse('busy', false);
      return;
    }
    let bits: Buffer;
    if (entry.have === null) {
      bits =
        this.fullBitfields.get(entry.infohashHex) ?? Buffer.from(Bitfield.all(pieceCount).bytes);
      this.fullBitfields.set(entry.infohashHex, bits);
    } else {
      bits = Buffer.from(
        entry.have.bytes.buffer,
        entry.have.bytes.byteOffset,
        bitfieldBytes(pieceCount),
      );
      this.haves.watch(entry.infohashHex, requesterKey(from), from, txid, this.opts.clock.now());
    }
    const reply = { type: 'bitfield', infohash: entry.file.infohash, pieceCount, bits } as const;
    // At once, as HAVEs go, not behind the DATA an --upload-limit holds back: at `2K` a partial
    // owner refused every BITFIELD `busy` (its queue was seconds long), and its downloaders read
    // `◐0/128` beside its 38 pieces for 20-70 s (found by a session). At most 256 bytes of bits,
    // BITFIELDS_PER_SLOT a requester per cookie slot: next to the DATA, nothing.
    this.opts.endpoint.send(from, reply, txid);
  }

  private onRequest(m: RequestMessage, txid: number, from: RemoteAddress): void {
    const admitted = this.admit(m, txid, from, m);
    if (admitted === null) return;
    const { entry, requester, refuse } = admitted;
    requester.replays ??= new RequestReplays();
    // Seen before: a duplicate or a replay, answered already. Nothing is sent, not even a REJECT.
    if (!requester.replays.firstSeen(txid, this.opts.cookies.currentSlot())) return;
    requester.latestTxids.set(entry.infohashHex, txid);
    const planned = planBlockRun(m, txid, entry.file.metainfo);
    if (planned === null) {
      refuse('bad-range');
      return;
    }
    const run = this.cutToLimit(planned);
    if (entry.have !== null && !entry.have.has(m.piece)) {
      refuse('missing-piece');
      return;
    }
    const key = requesterKey(from);
    if (!this.slots.admit(key, this.opts.clock.now(), this.opts.contribution ?? noScore)) {
      // Being choked is normal, not abuse: it does not count towards ignoring the requester.
      this.reject(requester, from, txid, m.infohash, m.piece, m.begin, 'choked', false);
      return;
    }
    if (requester.queuedBlocks + run.blocks > this.maxQueuedBlocks) {
      refuse('busy');
      return;
    }
    if (
      this.opts.endpoint.transport.unsentDatagrams > MAX_UNSENT_DATAGRAMS ||
      (this.pacer.queuedMs() > MAX_PACED_WAIT_MS &&
        !this.shares.mayQueueOver(this.shareKey(from), run.runBytes, this.pacedCapacityBytes()))
    ) {
      // Our own limit, not the requester's fault: not counted towards ignoring it.
      this.reject(requester, from, txid, m.infohash, m.piece, m.begin, 'busy', false);
      return;
    }
    if (!this.mayHaveFirstCopy(entry, m.piece, requester)) {
      this.reject(requester, from, txid, m.infohash, m.piece, m.begin, 'elsewhere', false);
      return;
    }
    this.files.noteServing(entry, formatAddress(from));
    requester.queuedBlocks += run.blocks;
    // Shares matter only where a limit queues runs; unlimited, a run is served at once.
    const host = this.pacer.limit > 0 ? this.shareKey(from) : null;
    for (const slice of this.pacedSlices(run)) {
      if (host !== null) this.shares.add(host, slice.runBytes);
      this.pacer.submit(slice.runBytes, () => {
        if (host !== null) this.shares.remove(host, slice.runBytes);
        this.serve(entry, requester, slice, from);
      });
    }
    // The rest of a run cut to the limit: asked again (our limit, not the requester's fault).
    if (run.blocks < planned.blocks) {
      const rest = run.begin + run.blocks * run.blockLength;
      this.reject(requester, from, txid, m.infohash, m.piece, rest, 'busy', false);
    }
  }

  /** What the upload limit carries in MAX_PACED_WAIT_MS: the paced queue's capacity. */
  private pacedCapacityBytes(): number {
    return (this.pacer.limit * MAX_PACED_WAIT_MS) / 1000;
  }

  /**
   * `run` in slices of what the upload limit carries in PACED_SLICE_MS (one block at least),
   * each sent in its turn; unlimited, whole. Sent whole, a run's debt held the next one back
   * for up to PACED_RUN_MS, and a downloader that had measured the first run's 3 ms round trip
   * gave up on a dozen blocks of each start at `--upload-limit 1M` and had 8-10 sent twice
   * (found by a session): blocks now come at the limit's pace, each one restarting its timer.
   */
  private pacedSlices(run: BlockRun): BlockRun[] {
    const limit = this.pacer.limit;
    if (limit === 0) return [run];
    const perSlice = Math.max(1, Math.floor((limit * PACED_SLICE_MS) / 1000 / run.blockLength));
    if (perSlice >= run.blocks) return [run];
    const slices: BlockRun[] = [];
    for (let first = 0; first < run.blocks; first += perSlice) {
      const blocks = Math.min(perSlice, run.blocks - first);
      const offset = first * run.blockLength;
      slices.push({
        ...run,
        begin: run.begin + offset,
        filePosition: run.filePosition + offset,
        blocks,
        runBytes: Math.min(blocks * run.blockLength, run.runBytes - offset),
      });
    }
    return slices;
  }

  /** `run`, or under an upload limit its first blocks the limit carries in PACED_RUN_MS. */
  private cutToLimit(run: BlockRun): BlockRun {
    const limit = this.pacer.limit;
    if (limit === 0) return run;
    const blocks = Math.max(1, Math.floor((limit * PACED_RUN_MS) / 1000 / run.blockLength));
    if (blocks >= run.blocks) return run;
    return { ...run, blocks, runBytes: blocks * run.blockLength };
  }

  /** A complete file's pieces each go out once before any goes out twice (see first-copies.ts). */
  private mayHaveFirstCopy(entry: SeedEntry, piece: number, requester: Requester): boolean {
    if (entry.have !== null) return true;
    entry.firstCopies ??= new FirstCopies(entry.file.metainfo.pieceHashes.length / 32);
    const copies = entry.firstCopies;
    const rounds = copies.completedRounds;
    const admitted = copies.admit(piece, requester, this.opts.clock.now());
    // Once a minute at most: rounds of tiny blocks end in no time (246 lines in 7 s from one
    // peer asking 1-byte blocks, found by a session).
    const nowMs = this.opts.clock.now();
    if (
      copies.completedRounds !== rounds &&
      nowMs - (entry.roundSaidAtMs ?? -ROUND_LOG_MS) >= ROUND_LOG_MS
    ) {
      entry.roundSaidAtMs = nowMs;
      const seconds = (copies.lastRoundMs / 1000).toFixed(1);
      const round = `(in ${seconds} s, ${copies.lastRoundRepeats} twice)`;
      // Under a limit a piece is granted when asked and sent when the limit allows (a run is
      // cut to it, the rest asked again): `went out once (in 0.0 s)` was logged 24-64 s before
      // a 2K owner had sent them (found by sessions). Said so where a piece or the queue takes
      // the limit more than a second; within one they are out (at 2 MiB/s a queue of 0.3-1 s
      // read `sends what is queued in 0s`, a CI run).
      const queuedMs = this.pacer.queuedMs();
      const limit = this.pacer.limit;
      const pieceMs = limit > 0 ? (entry.file.metainfo.pieceSizeBytes * 1000) / limit : 0;
      const pace =
        queuedMs > ROUND_PACED_MS
          ? `the upload limit sends what is queued in ${formatDuration(queuedMs)}`
          : 'they go out as the upload limit allows';
      this.opts.logger.log(
        queuedMs > ROUND_PACED_MS || pieceMs > ROUND_PACED_MS
          ? `every piece of ${entry.file.name} was granted once ${round}; ${pace}`
          : `every piece of ${entry.file.name} went out once ${round}`,
      );
    }
    return admitted;
  }

  private flushHaves(): void {
    this.haveTimer = null;
    this.haves.flush(this.opts.clock.now(), (address, infohashHex, pieces, txid) => {
      const entry = this.files.get(infohashHex);
      if (entry === undefined) return;
      const have = { type: 'have', infohash: entry.file.infohash, pieces } as const;
      this.opts.endpoint.send(address, have, txid);
    });
  }

  /**
   * Reads the run with one readv into one buffer, at once or through the thread pool (see
   * io-mode.ts), sends each DATA slot as it is, and releases the requester's queued blocks.
   */
  private serve(entry: SeedEntry, requester: Requester, run: BlockRun, from: RemoteAddress): void {
    if (entry.removed || this.closed) {
      // Its fd is closed or closing, and the number may already name another file: never read it.
      requester.queuedBlocks -= run.blocks;
      return;
    }
    entry.checksums ??= new BlockChecksums(run.blockLength, entry.file.metainfo.sizeBytes);
    const checksums = entry.checksums.blockLength === run.blockLength ? entry.checksums : null;
    const buffer = this.runBuffers.take(runBufferBytes(run));
    const finish = (read: ReadRun | null, error: unknown): void => {
      requester.queuedBlocks -= run.blocks;
      if (read === null) this.readFailed(entry, requester, run, from, error);
      else if (this.files.changedOnDisk(entry)) this.changedUnder(entry, requester, run, from);
      else if (!this.sendRun(entry, requester, from, read)) return; // the kernel still reads it
      this.runBuffers.give(buffer);
    };
    const startMs = this.opts.clock.now();
    if (!this.readMode.atOnce(startMs)) {
      readBlockRun(entry.handle, run, buffer, checksums)
        .then(
          (read) => finish(read, null),
          (error: unknown) => finish(null, error),
        )
        .catch((error: unknown) => this.files.noteReadFailure(entry, `a bug: ${error}`));
      return;
    }
    let read: ReadRun;
    try {
      read = readBlockRunNow(entry.handle, run, buffer, checksums);
    } catch (error) {
      finish(null, error);
      return;
    }
    this.readMode.noteCallAtOnce(startMs, this.opts.clock.now());
    finish(read, null);
  }

  /**
   * Sends a run and counts it. Returns false while a datagram of it waits in the socket's queue
   * (the kernel's send buffer was full): its buffer is then still being read.
   */
  private sendRun(
    entry: SeedEntry,
    requester: Requester,
    from: RemoteAddress,
    read: ReadRun,
  ): boolean {
    if (entry.removed || this.closed) return true;
    const endpoint = this.opts.endpoint;
    const sentBlocks = read.count;
    if (sentBlocks > 0) {
      const { buffer, stride, lastLength } = read;
      endpoint.sendBulkRun({ buffer, stride, count: sentBlocks, lastLength }, from);
    }
    // The file shrank since it was hashed: what is missing cannot be served correctly.
    if (read.shortRead) this.files.noteReadFailure(entry, 'it is shorter than when it was hashed');
    requester.bytesServed += read.payloadBytes;
    requester.blocksServed += sentBlocks;
    entry.bytesServed += read.payloadBytes;
    entry.blocksServed += sentBlocks;
    this.bytesServed += read.payloadBytes;
    this.blocksServed += sentBlocks;
    return endpoint.transport.unsentDatagrams === 0;
  }

  /** What was read is not the hashed file: refused, logged once, and the node told. */
  private changedUnder(
    entry: SeedEntry,
    requester: Requester,
    run: BlockRun,
    from: RemoteAddress,
  ): void {
    if (entry.removed) return;
    const { txid, piece, begin } = run;
    this.reject(requester, from, txid, entry.file.infohash, piece, begin, 'not-seeding');
    this.files.noteReadFailure(entry, 'it changed on disk since it was hashed');
    this.opts.fileChanged?.();
  }

  private readFailed(
    entry: SeedEntry,
    requester: Requester,
    run: BlockRun,
    from: RemoteAddress,
    error: unknown,
  ): void {
    if (entry.removed) return;
    this.files.noteReadFailure(entry, `cannot read it (${(error as Error).message})`);
    const { txid, piece, begin } = run;
    this.reject(requester, from, txid, entry.file.infohash, piece, begin, 'not-seeding');
  }

  /** A REJECT echoes infohash, piece, begin and the request's txid, and is smaller than any request. */
  private reject(
    requester: Requester,
    from: RemoteAddress,
    txid: number,
    infohash: Buffer,
    piece: number,
    begin: number,
    reason: RejectReason,
    countsAgainstRequester = true,
  ): void {
    this.opts.endpoint.send(from, { type: 'reject', infohash, piece, begin, reason }, txid);
    this.rejectsSent++;
    if (countsAgainstRequester) this.ledger.noteReject(requester);
    else requester.rejectsSent++;
  }
}

/** The key of a remote peer in the slot table: the same `address|port` as the ledger's. */
export function requesterKey(from: RemoteAddress): string {
  return `${from.address}|${from.port}`;
}

function splitRequesterKey(key: string): [string, number] {
  const at = key.lastIndexOf('|');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

function noScore(): number {
  return 0;
}
