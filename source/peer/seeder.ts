/**
 * The owner side of the peer protocol: answers HELLO with a cookie, METAINFO requests with chunks
 * of the canonical metainfo, and block REQUESTs with DATA read straight from the seeded files.
 * Only addresses that proved they receive (a valid cookie) get more bytes than they sent.
 */
import type { Clock } from '../clock.ts';
import { defaults } from '../config.ts';
import { formatAddress } from '../format.ts';
import type { Logger } from '../log/logger.ts';
import type { UdpEndpoint } from '../net/endpoint.ts';
import type { RemoteAddress } from '../net/transport.ts';
import type {
  Message,
  MetainfoRequestMessage,
  RejectReason,
  RequestMessage,
} from '../protocol/messages.ts';
import { type BlockRun, planBlockRun, type ReadRun, readBlockRun } from './block-run.ts';
import type { CookieJar } from './cookie-jar.ts';
import { type Requester, RequesterLedger, type RequesterStats } from './requester-ledger.ts';
import {
  type SeedEntry,
  type SeededFile,
  type SeededFileStats,
  SeededFiles,
} from './seeded-files.ts';

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
}

/** Per remote address, per file and in total: what was served and refused. */
export interface SeederStats {
  bytesServed: number;
  blocksServed: number;
  rejectsSent: number;
  peers: RequesterStats[];
  files: SeededFileStats[];
}

/** A well-behaved downloader never has more than its largest window outstanding at one owner. */
export const DEFAULT_MAX_QUEUED_BLOCKS_PER_PEER = defaults.maxWindowBlocks;
/** METAINFO chunks are the size of a default block: whole on loopback, few on a LAN. */
export const METAINFO_CHUNK_BYTES = 16 * 1024;

/** Serves the files this node seeds to the peers that ask. */
export class Seeder {
  private readonly files: SeededFiles;
  private readonly ledger: RequesterLedger;
  private readonly maxQueuedBlocks: number;
  private bytesServed = 0;
  private blocksServed = 0;
  private rejectsSent = 0;
  private closed = false;

  constructor(private readonly opts: SeederOptions) {
    this.files = new SeededFiles(opts.logger);
    this.maxQueuedBlocks = opts.maxQueuedBlocksPerPeer ?? DEFAULT_MAX_QUEUED_BLOCKS_PER_PEER;
    this.ledger = new RequesterLedger(opts.clock, (r) =>
      opts.logger.log(`ignoring ${formatAddress(r)} for a while: too many refused requests`),
    );
  }

  /**
   * Starts serving: opens the file once and keeps the fd (reads go to the fd, so swapping the path
   * for a symlink later cannot redirect them). Throws if the file cannot be opened or is no longer
   * the size it was hashed at.
   */
  add(file: SeededFile): Promise<void> {
    return this.files.add(file);
  }

  /** Stops serving a file and closes its fd. */
  remove(infohashHex: string): Promise<void> {
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
      default:
        return false;
    }
  }

  /** Per remote address: bytes served, blocks served, rejects sent, last active. And totals. */
  stats(): SeederStats {
    return {
      bytesServed: this.bytesServed,
      blocksServed: this.blocksServed,
      rejectsSent: this.rejectsSent,
      peers: this.ledger.snapshot(),
      files: this.files.stats(),
    };
  }

  /** Stops answering and closes every file. */
  close(): Promise<void> {
    this.closed = true;
    return this.files.close();
  }

  /**
   * What every request to an owner passes first: the requester is not being ignored, its cookie
   * is valid for its address, and we seed the file. Anything else is refused with a REJECT.
   */
  private admit(
    m: { cookie: Buffer; infohash: Buffer },
    txid: number,
    from: RemoteAddress,
    at: { piece: number; begin: number },
  ): { entry: SeedEntry; requester: Requester; refuse: (reason: RejectReason) => void } | null {
    const requester = this.ledger.admit(from);
    if (requester === null) return null;
    const refuse = (reason: RejectReason): void =>
      this.reject(requester, from, txid, m.infohash, at.piece, at.begin, reason);
    if (!this.opts.cookies.verify(m.cookie, from)) {
      refuse('bad-cookie');
      return null;
    }
    const entry = this.files.get(m.infohash.toString('hex'));
    if (entry === undefined) {
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
    const bytes = encoded.subarray(m.offset, m.offset + METAINFO_CHUNK_BYTES);
    const chunk = { infohash, totalLength: encoded.length, offset: m.offset, bytes };
    this.opts.endpoint.send(from, { type: 'metainfo-data', ...chunk }, txid);
  }

  private onRequest(m: RequestMessage, txid: number, from: RemoteAddress): void {
    const admitted = this.admit(m, txid, from, m);
    if (admitted === null) return;
    const { entry, requester, refuse } = admitted;
    const run = planBlockRun(m, txid, entry.file.metainfo, entry.file.infohash);
    if (run === null) {
      refuse('bad-range');
      return;
    }
    if (requester.queuedBlocks + run.blocks > this.maxQueuedBlocks) {
      refuse('busy');
      return;
    }
    this.files.noteServing(entry, formatAddress(from));
    requester.queuedBlocks += run.blocks;
    this.serve(entry, requester, run, from)
      .catch((error: unknown) => this.files.noteReadFailure(entry, `a bug: ${error}`))
      .finally(() => {
        requester.queuedBlocks -= run.blocks;
      });
  }

  /** Reads the run with one readv into one buffer, then sends each DATA slot as it is. */
  private async serve(
    entry: SeedEntry,
    requester: Requester,
    run: BlockRun,
    from: RemoteAddress,
  ): Promise<void> {
    let read: ReadRun;
    try {
      read = await readBlockRun(entry.handle, run);
    } catch (error) {
      if (entry.removed) return;
      this.files.noteReadFailure(entry, `cannot read it (${(error as Error).message})`);
      const { txid, piece, begin } = run;
      this.reject(requester, from, txid, entry.file.infohash, piece, begin, 'not-seeding');
      return;
    }
    if (entry.removed || this.closed) return;
    for (const datagram of read.datagrams) {
      this.opts.endpoint.sendRaw(datagram, datagram.length, from);
    }
    // The file shrank since it was hashed: what is missing cannot be served correctly.
    if (read.shortRead) this.files.noteReadFailure(entry, 'it is shorter than when it was hashed');
    const sentBlocks = read.datagrams.length;
    requester.bytesServed += read.payloadBytes;
    requester.blocksServed += sentBlocks;
    entry.bytesServed += read.payloadBytes;
    entry.blocksServed += sentBlocks;
    this.bytesServed += read.payloadBytes;
    this.blocksServed += sentBlocks;
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
  ): void {
    this.opts.endpoint.send(from, { type: 'reject', infohash, piece, begin, reason }, txid);
    this.rejectsSent++;
    this.ledger.noteReject(requester);
  }
}
