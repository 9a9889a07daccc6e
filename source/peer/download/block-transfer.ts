import { createHash } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import { DOUBLE_ZERO, settleDoubleZeros } from '../../double-zero.ts';
import type { UdpEndpoint } from '../../net/endpoint.ts';
import type { RemoteAddress } from '../../net/transport.ts';
import {
  DATA_HEADER_BYTES,
  type DataHeader,
  dataChecksumMatches,
  newDataHeader,
  readDataHeaderUnverified,
} from '../../protocol/codec.ts';
import { MAX_BLOCKS_PER_REQUEST } from '../../protocol/messages.ts';
import { type Metainfo, pieceLength } from '../../protocol/metainfo.ts';
import { Bitfield } from './bitfield.ts';
import type { DownlinkPacer } from './downlink-pacer.ts';
import type { FragmentLossWatch } from './fragment-loss.ts';
import { type InFlightLimits, inFlightRoom } from './in-flight-room.ts';
import { type OwnerSession, STRIKES_TO_BAN } from './owner-session.ts';
import type { OwnerTable } from './owner-table.ts';
import type { PartFile } from './part-file.ts';
import { NO_OWNER, PieceAssembly, PieceBufferPool } from './piece-assembly.ts';
import { PieceBlame } from './piece-blame.ts';
import { PiecePicker } from './piece-picker.ts';

/** Blocks in flight across every download of this node, kept below the socket's receive buffer. */
export interface InFlightBudget {
  inFlightBlocks: number;
  maxInFlightBlocks: number;
}

export interface TransferEvents {
  /** A discrete change worth redrawing (piece verified, owner state). */
  changed(): void;
  log(text: string): void;
  /** Every piece is verified and written. */
  complete(): void;
  /** Writing to the part file failed (disk full, ...); the transfer has paused itself. */
  diskError(error: NodeJS.ErrnoException): void;
  /** A piece is verified and on disk: this node can serve it from now on. */
  pieceWritten(piece: number): void;
}

/** Verified bytes allowed to wait for the disk before no new piece is started. */
const MAX_PENDING_WRITE_BYTES = 8 * 1024 * 1024;

/**
 * Damage in transit is rare and random (UDP's own checksum catches most of it): an owner whose
 * blocks keep arriving damaged, more than this many and clearly more than an eighth of what it
 * sent, is sending bad checksums on purpose (which would otherwise cost us a piece hash each)
 * and is struck like a liar. Where our own link damages what every owner sends, the share of
 * the other owners' blocks that came damaged is the measure instead, if higher. "Clearly": by
 * DAMAGED_SIGMAS standard deviations of the count that share would give, as a few hundred
 * blocks vary: under 10 % corruption each way (test/slow/swarm-chaos) an honest owner showed 16 %
 * against the others' 8 % and was struck, now and then, by a bare comparison.
 */
const DAMAGED_BLOCKS_PER_STRIKE = 16;
const DAMAGED_SHARE_PER_STRIKE = 1 / 8;
const DAMAGED_SIGMAS = 4;

/** A block is lost once this many blocks requested after it from the same owner arrived. */
const FAST_RETRANSMIT_GAP = 3;
/** ...and it is this much older than a round trip (datagrams may arrive slightly out of order). */
const REORDER_ALLOWANCE_MS = 5;

/**
 * Requests are sent in runs: wait for this much free window unless nothing is in flight. The run
 * grows with the window (half of it, so two requests stay in flight: the owner has the next when
 * it has sent the first), because every REQUEST costs both sides a datagram, a system call each,
 * and the owner a file read: with a window of 256 blocks, runs of 4 meant 64 REQUESTs where 2 do.
 * A quarter of the window (four in flight) cost an 8-leecher LAN crowd with frame-sized blocks
 * 4,500–5,400 REQUESTs per leecher for 64 MiB against 2,000–2,200, 31–33 core-s per GiB against
 * 26–27, and 9.1–10.1 s against 8.0–8.3 s (N = 16: 20–21 s against 16.4–16.9 s).
 */
const MIN_REQUEST_BATCH_BLOCKS = 4;
/**
 * Held to `--download-limit`, a REQUEST asks for at most what the limit lets in this long: at
 * 200 KiB/s runs of eight 16 KiB blocks went out every 0.64 s and came back as bursts, and the
 * header's rate read 128 or 256 KiB/s from second to second. Two blocks a run there, 25 at 2
 * MiB/s. Runs of 100 ms (the bucket's burst) cost a wakeup per block at 200 KiB/s: 52 core-s per
 * GiB against 38-44 (bench/limited.ts).
 */
const LIMITED_RUN_MS = 200;
const REQUESTS_IN_FLIGHT_PER_WINDOW = 2;
/** An IPv4 fragment of a 1,500-byte frame carries 1,480 bytes of the datagram (a multiple of 8). */
const FRAGMENT_PAYLOAD_BYTES = 1500 - 20;

/** The largest block whose DATA datagram (UDP header, DATA header, block) crosses in `frames`. */
export function framedBlockBytes(frames: number): number {
  return frames * FRAGMENT_PAYLOAD_BYTES - 8 - DATA_HEADER_BYTES;
}

/**
 * While this host loses fragments of what it receives (FragmentLossWatch), new pieces are
 * fetched in blocks of three frames, and in blocks that fit one frame once the fragments left
 * waiting hold half the host's reassembly memory; a REQUEST then asks for at most
 * SHORT_RUN_BYTES.
 *
 * Why: a full switch port drops packets, and a 16 KiB datagram crosses Ethernet as 12
 * fragments. One lost fragment loses the datagram, and the host keeps its other fragments in
 * its reassembly memory for 30 s (ipfrag_time). At 4 MiB (ipfrag_high_thresh) the kernel drops
 * every new fragment, from every owner: measured with 4 owners at 25 Mbit/s into one 25 Mbit/s
 * port, the memory filled in 12 s and nothing arrived for 18 s. A lost frame of a three-frame
 * block leaves at most two fragments behind, a sixth of what a 16 KiB block leaves, in a third
 * of the datagrams (and of their CPU) that one-frame blocks need, with headers of 2.1 % of the
 * bytes instead of 3.5 %: an 8-leecher crowd at 25 Mbit/s ended about 2 s sooner. A datagram
 * that is never fragmented costs one frame when lost, and nothing afterwards: the last resort,
 * once what waits holds half the memory. Where nothing is fragmented or nothing is lost
 * (loopback's MTU is 64 KiB), 16 KiB blocks stay: they cost far less CPU.
 */
export const LOSING_FRAGMENTS_BLOCK_BYTES = framedBlockBytes(3);
export const UNFRAGMENTED_BLOCK_BYTES = framedBlockBytes(1);
/** Below this a frame's block is not worth its header (a path MTU under 576 is not IPv4's). */
const MIN_FRAMED_BLOCK_BYTES = 512;
/** An owner answers a run back to back at its uplink's speed: short runs, short bursts. */
const SHORT_RUN_BYTES = 32 * 1024;

/**
 * Moves the blocks of one file from its owners into the part file: picks pieces for owners
 * (rarest first among what each has, see PiecePicker), keeps each owner's window full,
 * retransmits lost blocks, assembles and verifies pieces, blames and bans owners whose pieces
 * fail. The hot path (onData) allocates nothing per datagram.
 */
export class BlockTransfer {
  readonly picker: PiecePicker;
  /** Pieces whose bytes are verified *and* on disk: what the resume record may claim. */
  readonly written: Bitfield;
  /** The owner (node id) that delivered most of each piece; NO_OWNER if none (the piece map). */
  readonly pieceSource: Uint32Array;
  private readonly assemblies = new Map<number, PieceAssembly>();
  private readonly blame = new PieceBlame();
  private readonly pool: PieceBufferPool;
  private readonly header: DataHeader = newDataHeader();
  private paused = false;
  /** pumpInTurns: the index of the owner that goes first next round (one further each time). */
  private firstTurn = 0;
  private pendingWrites = 0;
  private pendingWriteBytes = 0;
  private finished = false;
  /** Owners that may be asked now, as of the last checkTimeouts (see inFlightRoom). */
  private usableOwners = 0;
  /** The lowest of their lowest round trips, as of then; 0: none measured (see DownlinkPacer). */
  private nearestRttMs = DOUBLE_ZERO;
  /** Filled anew for each pump, which runs once per datagram: one object, not one per call. */
  private readonly inFlightLimits: InFlightLimits = {
    nodeInFlight: 0,
    socketBlocks: 0,
    pacedBlocks: Number.POSITIVE_INFINITY,
    ownerInFlight: 0,
    ownerComplete: true,
    usableOwners: 0,
  };
  /** Payload of every block accepted, from any owner: what the download's rate counts. */
  bytesDelivered = DOUBLE_ZERO;
  duplicateBlocks = 0;
  unsolicitedBlocks = 0;
  retransmittedBlocks = 0;
  /** Of those, blocks asked of a second owner in endgame (the rest: timeouts, fast retransmits). */
  endgameBlocks = 0;
  /** Replies kept that came after their request was given up on (see learnFromLateReply). */
  lateBlocks = 0;
  /** Owners whose DATA arrived in the batch being delivered (see pumpAfterBatch). */
  private readonly dueOwners: OwnerSession[] = [];
  private pumpQueued = false;
  /** Blocks whose datagram checksum failed (found when their piece failed its hash). */
  damagedBlocks = 0;
  /** REQUEST datagrams sent: each costs a system call here and one at the owner. */
  requestsSent = 0;
  failedPieces = 0;

  constructor(
    readonly metainfo: Metainfo,
    readonly infohash: Buffer,
    verified: Bitfield,
    private readonly partFile: PartFile,
    readonly owners: OwnerTable,
    private readonly deps: {
      endpoint: UdpEndpoint;
      clock: Clock;
      /**
       * This transfer's number, unique among the node's: its REQUESTs carry it and the DATA
       * answering them echo it, which routes them here (PeerNode.routeData).
       */
      tag: number;
      blockSizeBytes: number;
      budget: InFlightBudget;
      /** Paces the node's requests (its downlink, and `--download-limit`), shared by its downloads. */
      pacer: DownlinkPacer;
      /** While this host loses fragments, new pieces come in blocks that fit one frame. */
      fragments: FragmentLossWatch;
      events: TransferEvents;
    },
  ) {
    const pieces = metainfo.pieceHashes.length / 32;
    this.picker = new PiecePicker(pieces, new Bitfield(pieces, verified.bytes));
    this.written = new Bitfield(pieces, verified.bytes);
    this.pieceSource = new Uint32Array(pieces);
    // Every buffer goes back to the pool and is reused: how many exist is bounded by the pieces
    // in flight and waiting for the disk, and not handing megabyte buffers back to malloc keeps
    // the allocator from fragmenting as the file goes by (RSS stays flat in file size).
    this.pool = new PieceBufferPool(metainfo.pieceSizeBytes, Number.POSITIVE_INFINITY);
    settleDoubleZeros(this, 'bytesDelivered');
  }

  /** Block tables allocated by this transfer: bounded by the pieces in flight at once. */
  get blockTablesMade(): number {
    return this.pool.tablesMade;
  }

  get pieceCount(): number {
    return this.written.size;
  }

  /**
   * The owner is reachable and what it has is known (complete, or its BITFIELD arrived): its
   * pieces count towards availability. Idempotent; undone by ownerLeft().
   */
  ownerJoined(owner: OwnerSession): void {
    if (owner.countedInAvailability) return;
    owner.countedInAvailability = true;
    this.picker.addPeer(owner.has);
  }

  private ownerLeft(owner: OwnerSession): void {
    if (!owner.countedInAvailability) return;
    owner.countedInAvailability = false;
    this.picker.removePeer(owner.has);
  }

  /**
   * A partial owner's BITFIELD: what it can serve. It replaces what HAVEs said: a BITFIELD is a
   * reply matched by txid and address, a HAVE is unsolicited and anyone on the LAN can forge one.
   */
  ownerBitfield(owner: OwnerSession, bits: Uint8Array): void {
    if (owner.has === null) return;
    const counted = owner.countedInAvailability;
    this.ownerLeft(owner);
    owner.has = new Bitfield(this.pieceCount, bits);
    owner.attested = new Bitfield(this.pieceCount, bits);
    const counts = counted || owner.state === 'active' || owner.state === 'slow';
    // Every piece (its download ended before it answered, or its HAVEs were lost): a seed, as
    // onHave makes one. The row read `◐256/256` until this download ended (found by a session).
    if (owner.has.full) {
      if (counts) this.ownerJoined(owner);
      this.ownerCompleted(owner);
      return;
    }
    if (counts) this.ownerJoined(owner);
    this.pump(owner);
  }

  /**
   * A partial owner now has the whole file (the tracker says so, or its HAVEs filled its
   * bitfield): it counts as a seed.
   */
  ownerCompleted(owner: OwnerSession): void {
    const counted = owner.countedInAvailability;
    this.ownerLeft(owner);
    owner.complete = true;
    owner.has = null;
    if (counted) this.ownerJoined(owner);
    this.pump(owner);
  }

  /** A partial owner announced pieces it verified (HAVE). */
  onHave(owner: OwnerSession, pieces: readonly number[]): void {
    const has = owner.has;
    if (has === null) return;
    let added = false;
    for (const piece of pieces) {
      if (piece >= has.size || has.has(piece)) continue;
      has.add(piece);
      if (owner.countedInAvailability) this.picker.addHave(piece);
      added = true;
    }
    // Its last piece: a seed now, as a torrent client counts one. Waiting for the tracker to say
    // so, rows showed `◐480/480 partial` for as long as this download ran (found by a session).
    if (has.full) this.ownerCompleted(owner);
    else if (added) this.pump(owner);
  }

  /**
   * The owner refused a run (choked, or busy under its upload limit): the blocks of that run are
   * asked again, of anyone; pieces it has nothing in flight for go back to the pool so other
   * owners take them meanwhile. What it accepted before is still coming and stays expected.
   */
  refused(owner: OwnerSession, piece: number, begin: number): void {
    const assembly = this.assemblies.get(piece);
    if (assembly !== undefined) {
      for (
        let block = Math.floor(begin / assembly.blockSizeBytes);
        block < assembly.blockCount;
        block++
      ) {
        if (!assembly.unask(block, owner.nodeId)) continue;
        owner.settled();
        this.deps.budget.inFlightBlocks--;
      }
    }
    for (const held of owner.pieces) {
      const pending = this.assemblies.get(held);
      if (pending?.hasRequestFrom(owner.nodeId)) continue;
      owner.pieces.delete(held);
      this.picker.release(held);
    }
    this.pumpAll();
  }

  /**
   * An owner refused a piece we thought it had. If only a HAVE said so, it is not blamed: anyone
   * on the LAN can forge a HAVE to get an honest owner banned. If its own BITFIELD claimed the
   * piece, it lied and takes a strike, as for a bad piece. Either way the piece goes elsewhere and
   * the caller asks the owner's BITFIELD again. `txid` (a block REJECT's) must be that of our
   * request for the block at `begin`: a REJECT is not a matched reply, and one forged with the
   * owner's address (a spoofed source) struck an honest owner until 2026-12-07.
   */
  missingPiece(owner: OwnerSession, piece: number, begin = 0, txid: number | null = null): void {
    if (!owner.pieces.has(piece)) return; // a stale REJECT: this piece is no longer asked of it
    if (txid !== null && !this.answersOurRequest(piece, begin, txid)) return;
    if (owner.has?.has(piece)) {
      owner.has.delete(piece);
      if (owner.countedInAvailability) this.picker.removeHave(piece);
    }
    this.forgetRequests(owner);
    if (owner.attested?.has(piece)) {
      this.strike(owner, `its BITFIELD claimed piece ${piece}, then it refused to send it`);
    } else if (owner.has === null && txid !== null) {
      // It announced the whole file at the tracker (its own session's OWN): a refusal answering
      // our request is as much a lie. Until 2026-12-07 such an owner was never struck: one that
      // refused every piece took 4,034 REQUESTs from 3 downloaders in 2 minutes (found by a
      // session). Only with the txid matched: a REJECT can be forged (see answersOurRequest).
      this.strike(owner, `it announced the whole file, then refused piece ${piece} as missing`);
    }
    this.pumpAll();
  }

  /** Whether `txid` is that of our latest request for the block of `piece` at `begin`. */
  private answersOurRequest(piece: number, begin: number, txid: number): boolean {
    const assembly = this.assemblies.get(piece);
    if (assembly === undefined || begin % assembly.blockSizeBytes !== 0) return false;
    const block = begin / assembly.blockSizeBytes;
    return block < assembly.blockCount && assembly.requestTxid[block] === txid;
  }

  /**
   * A complete owner declined a piece it gave another peer moments ago ('elsewhere'): not a
   * fault. The run is asked of others, and the owner is asked for other pieces meanwhile.
   */
  declined(owner: OwnerSession, piece: number, begin: number): void {
    owner.decline(piece, this.pieceCount, this.deps.clock.now());
    this.refused(owner, piece, begin);
  }

  /** Nothing of this download is in flight: it waits on nothing (see OwnerSession.offer). */
  private stalled(): boolean {
    for (const owner of this.owners) if (owner.inFlightBlocks > 0) return false;
    return true;
  }

  /**
   * Called every tick: a download with nothing in flight whose owners declined pieces lately asks
   * them again once they may be (nothing else would pump it: no DATA is coming).
   */
  pumpIfStalledOnDeclines(): void {
    if (this.paused || this.finished || !this.stalled()) return;
    for (const owner of this.owners) {
      if (owner.declining) {
        this.pumpAll();
        return;
      }
    }
  }

  /**
   * Pieces being fetched: a block asked of an owner now, or (`begun`) some received. Under a
   * download limit nothing may be asked between two paced requests: a piece half received was
   * drawn missing (`0/4 pieces`, `map ····`, `▒ 0 in flight` at 20 %, found by a session).
   */
  *fetchedPieces(begun: boolean): IterableIterator<number> {
    for (const [piece, assembly] of this.assemblies)
      if (assembly.asked || (begun && assembly.receivedCount > 0)) yield piece;
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused) this.deps.pacer.turns.leave(this);
    else this.pumpAll();
  }

  /** Fills the windows of every usable owner. */
  pumpAll(): void {
    if (this.finished) return;
    if (this.picker.complete) {
      this.maybeComplete();
      return;
    }
    if (this.deps.pacer.userLimit.limited) this.pumpInTurns();
    else for (const owner of this.owners) this.pump(owner);
  }

  /**
   * Under the user's --download-limit the bucket's tokens, not the owners, set the pace, and
   * whoever asks when tokens come back gets them: before this, the owner whose answer arrived
   * asked again at once, and one of two owners delivered a whole download while the other sat
   * idle. So owners take turns, one REQUEST run each per round, the first turn one further each
   * time, until the tokens or the owners' room run out.
   */
  private pumpInTurns(): void {
    const owners = this.owners.all;
    const count = owners.length;
    const turns = this.deps.pacer.turns;
    if (count === 0 || this.paused || this.finished) {
      turns.leave(this);
      return;
    }
    // In debt: no owner may ask now. Found here once, not by each owner's pump every tick. The
    // node's other downloads share the tokens: this one waits in line for the next ones.
    if (this.deps.pacer.userLimit.waitMs(this.deps.clock.now()) > 0) {
      turns.refused(this, this.wakeForTurn);
      return;
    }
    if (!turns.mayAsk(this, this.wakeForTurn)) return;
    turns.leave(this);
    this.firstTurn = (this.firstTurn + 1) % count;
    let sent = true;
    while (sent) {
      sent = false;
      for (let turn = 0; turn < count; turn++) {
        if (this.pump(owners[(this.firstTurn + turn) % count]!, 1) > 0) sent = true;
      }
    }
  }

  /** Another download found tokens while this one waited for them (see TransferTurns). */
  private readonly wakeForTurn = (): void => this.pumpInTurns();

  // ---- hot path ----

  /** The number that DATA for this transfer carries (see the constructor). */
  get tag(): number {
    return this.deps.tag;
  }

  /** One DATA datagram for this file (the caller matched the tag). */
  onData(datagram: Buffer, from: RemoteAddress): void {
    const owner = this.ownerAt(from);
    if (owner === null || owner.state === 'banned') {
      this.unsolicitedBlocks++;
      return;
    }
    // The CRC is checked only if the piece fails its hash (dropDamagedBlocks).
    if (readDataHeaderUnverified(datagram, this.header) !== null) return;
    const { piece, begin, payloadLength } = this.header;
    const assembly = this.assemblies.get(piece);
    if (assembly === undefined) {
      // A second copy of a block of a piece verified since (asked again, and both came) is a
      // duplicate; anything else is data nobody asked for.
      if (this.picker.isVerified(piece)) this.duplicateBlocks++;
      else this.unsolicitedBlocks++;
      return;
    }
    const block = begin / assembly.blockSizeBytes;
    if (
      !Number.isInteger(block) ||
      block >= assembly.blockCount ||
      payloadLength !== assembly.blockLength(block)
    ) {
      this.unsolicitedBlocks++;
      return;
    }
    const { txid } = this.header;
    if (assembly.isReceived(block)) {
      this.duplicateBlocks++;
      // Another copy was faster, but this one still proves its request was not lost.
      if (assembly.answersGivenUp(block, owner.nodeId, txid))
        this.learnFromLateReply(assembly, block, owner, txid, this.deps.clock.now());
      else if (assembly.isAskedOf(block, owner.nodeId) && sentTo(owner, assembly, block, txid))
        this.settle(assembly, block);
      return;
    }
    const late = assembly.answersGivenUp(block, owner.nodeId, txid);
    const asked = assembly.isAskedOf(block, owner.nodeId) && sentTo(owner, assembly, block, txid);
    if (!late && !asked) {
      // Data nobody asked this owner for, or not with the txid of a request to it: not trusted.
      // The tag is the same in the REQUESTs to every owner, so any owner knows it: until
      // 2026-12-07 one forged DATA "from" an honest seeder for blocks asked of it (random bytes,
      // a valid CRC) and got it banned in under a second (found by a session, as a stranger).
      this.unsolicitedBlocks++;
      return;
    }
    const nowMs = this.deps.clock.now();
    // DATA echoes the txid of the REQUEST it answers, so a round trip is exact even after a
    // retransmission (the idea of RFC 7323 timestamps), where skipping every retransmitted
    // block (Karn) leaves a backed-off timeout in place for good under steady loss, and a lossy
    // download crawls at one retry per 2 s.
    if (late) {
      this.learnFromLateReply(assembly, block, owner, txid, nowMs);
      this.lateBlocks++;
    } else if (txid === assembly.requestTxid[block]) {
      owner.link.rtt.addSample(nowMs - assembly.requestedAtMs[block]!);
      const seq = assembly.requestSeq[block]!;
      if (seq > owner.highestAnsweredSeq) owner.highestAnsweredSeq = seq;
    }
    datagram.copy(assembly.buffer, begin, DATA_HEADER_BYTES, DATA_HEADER_BYTES + payloadLength);
    assembly.contributor[block] = owner.nodeId;
    assembly.receivedChecksum[block] = this.header.checksum;
    assembly.receivedTxid[block] = this.header.txid;
    assembly.receivedCount++;
    this.settle(assembly, block);
    owner.bytesDelivered += payloadLength;
    this.bytesDelivered += payloadLength;
    owner.onBlock(nowMs);
    const silent = owner.silentLosses;
    if (silent.blocks > 0) {
      this.deps.pacer.noteLoss(silent.bytes, silent.blocks);
      silent.blocks = 0;
      silent.bytes = 0;
    }
    if (owner.state === 'connecting') owner.state = 'active';
    if (assembly.complete) this.finishPiece(assembly);
    this.pumpAfterBatch(owner);
  }

  /**
   * Pumps `owner` once the datagrams delivered with this one are all handled, not per datagram:
   * the addon hands over a batch of up to 32 reads, each up to 11 frames coalesced, in one
   * callback, and microtasks run when it returns. Once per batch instead of once per frame-sized
   * block, pump's checks run a tenth as often, and its REQUEST sees the whole batch's free window:
   * an 8-leecher LAN crowd, five interleaved pairs, 1,800–1,860 REQUESTs per leecher for 64 MiB
   * against 2,120–2,150 (one 3,300), 24.6–26.8 core-s per GiB against 26.0–29.1, all done in
   * 8.2–8.4 s against 8.2–8.9 s.
   */
  private pumpAfterBatch(owner: OwnerSession): void {
    if (!owner.pumpDue) {
      owner.pumpDue = true;
      this.dueOwners.push(owner);
    }
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(this.pumpDueOwners);
  }

  /** Another download freed room on an owner's link that this one waits for. */
  private readonly askAgain = (owner: OwnerSession): void => this.pumpAfterBatch(owner);

  private readonly pumpDueOwners = (): void => {
    this.pumpQueued = false;
    const due = this.dueOwners;
    // Under the user's --download-limit every owner takes its turn, not only those that sent.
    const inTurns = this.deps.pacer.userLimit.limited;
    if (inTurns) this.pumpInTurns();
    for (let i = 0; i < due.length; i++) {
      const owner = due[i]!;
      owner.pumpDue = false;
      if (!inTurns) this.pump(owner);
    }
    due.length = 0;
  };

  /**
   * The reply to a request given up on as lost came after all. An owner that holds replies in
   * its upload queue (`--upload-limit`) makes round trips grow from ~1 ms to its queue's 300 ms
   * faster than the timer follows, and before this each such reply was thrown away as
   * unsolicited and the downlink paced for losses that never were. Now its round trip raises
   * the timer (Eifel's response), and the downlink's pacer takes the loss back.
   *
   * The window's cut stays: a reply that late says the owner's queue is long, and undone (as
   * TCP's Eifel does), the window went back to slow start and grew to its 256-block cap, the
   * owner's queue stayed full of one download's requests and refused another's `busy`
   * (swarm-parallel.test.ts under a CPU hog, six runs: the second file 0–34 % done when the
   * first finished in five, against 38–88 % without the undo).
   */
  private learnFromLateReply(
    assembly: PieceAssembly,
    block: number,
    owner: OwnerSession,
    txid: number,
    nowMs: number,
  ): void {
    const askedAtMs = assembly.forgetGivenUp(block, owner.nodeId, txid);
    owner.link.rtt.addLateSample(nowMs - askedAtMs);
    const silent = owner.silentLosses;
    if (silent.blocks === 0) {
      this.deps.pacer.undoLoss(assembly.blockSizeBytes, nowMs);
      return;
    }
    // Not told to the pacer yet (see expired): no loss at all.
    silent.blocks--;
    silent.bytes = Math.max(0, silent.bytes - assembly.blockSizeBytes);
  }

  /** Clears every request of a block: it arrived, so nobody needs to answer it any more. */
  private settle(assembly: PieceAssembly, block: number): void {
    this.unaskedOf(assembly.askedOf[block]!);
    this.unaskedOf(assembly.alsoAskedOf[block]!);
    assembly.askedOf[block] = NO_OWNER;
    assembly.alsoAskedOf[block] = NO_OWNER;
  }

  /** One block asked of this owner (or of nobody) is no longer in flight. */
  private unaskedOf(nodeId: number): void {
    if (nodeId === NO_OWNER) return;
    const owner = this.owners.get(nodeId);
    if (owner !== undefined) owner.settled();
    this.deps.budget.inFlightBlocks--;
  }

  private ownerAt(from: RemoteAddress): OwnerSession | null {
    for (const owner of this.owners.all) {
      if (owner.address.port === from.port && owner.address.address === from.address) return owner;
    }
    return null;
  }

  // ---- requesting ----

  /** Sends this owner's next REQUEST runs, at most `maxRuns`; returns how many it sent. */
  private pump(owner: OwnerSession, maxRuns = Number.POSITIVE_INFINITY): number {
    const nowMs = this.deps.clock.now();
    if (this.paused || this.finished || !owner.usable(nowMs)) return 0;
    const budget = this.deps.budget;
    const limit = this.deps.pacer;
    const limits = this.inFlightLimits;
    limits.nodeInFlight = budget.inFlightBlocks;
    limits.socketBlocks = budget.maxInFlightBlocks;
    limits.pacedBlocks = limit.maxInFlightBlocks(this.blockSizeAt(nowMs, owner), this.nearestRttMs);
    limits.ownerInFlight = owner.inFlightBlocks;
    limits.ownerComplete = owner.complete;
    limits.usableOwners = this.usableOwners;
    let free = Math.min(
      owner.freeWindow(MAX_BLOCKS_PER_REQUEST * 8, nowMs, this.askAgain),
      inFlightRoom(limits),
    );
    const maxRun = this.maxRunAtLimit(nowMs, owner);
    // Losing fragments, a request goes once there is room for half a short run, so that small
    // blocks still go several to a REQUEST.
    const batch = this.losingFragments(nowMs)
      ? Math.max(1, Math.floor(SHORT_RUN_BYTES / 2 / this.blockSizeAt(nowMs, owner)))
      : Math.min(
          maxRun,
          Math.max(
            MIN_REQUEST_BATCH_BLOCKS,
            Math.floor(owner.link.windowBlocks / REQUESTS_IN_FLIGHT_PER_WINDOW),
          ),
        );
    if (free < batch && owner.link.inFlightBlocks > 0) return 0;
    let runs = 0;
    while (free > 0 && runs < maxRuns) {
      // Paced (the downlink, --download-limit): the download's tick pumps again as tokens return.
      if (limit.limited && limit.waitMs(nowMs) > 0) break;
      const sent = this.requestRun(owner, Math.min(free, maxRun), nowMs);
      if (sent === 0) break;
      free -= sent;
      runs++;
    }
    return runs;
  }

  /**
   * The longest run one REQUEST asks for: what `--download-limit` lets in LIMITED_RUN_MS (at least
   * one block), or MAX_BLOCKS_PER_REQUEST without a limit.
   */
  private maxRunAtLimit(nowMs: number, owner: OwnerSession): number {
    const user = this.deps.pacer.userLimit;
    if (!user.limited) return MAX_BLOCKS_PER_REQUEST;
    const blocks = (user.limit * LIMITED_RUN_MS) / 1000 / this.blockSizeAt(nowMs, owner);
    return Math.max(1, Math.min(MAX_BLOCKS_PER_REQUEST, Math.floor(blocks)));
  }

  /** Sends one REQUEST for the next run of blocks this owner should fetch; returns its length. */
  private requestRun(owner: OwnerSession, maxBlocks: number, nowMs: number): number {
    for (const piece of owner.pieces) {
      const sent = this.requestFrom(this.assemblies.get(piece)!, owner, maxBlocks, nowMs, false);
      if (sent > 0) return sent;
    }
    const maxPieces = owner.state === 'slow' ? 1 : Number.POSITIVE_INFINITY;
    // Backpressure from the disk: while verified pieces wait to be written, start no new ones,
    // so memory stays bounded when the network outruns the disk.
    const diskKeepsUp = this.pendingWriteBytes < MAX_PENDING_WRITE_BYTES;
    const stalled = this.stalled();
    if (owner.pieces.size < maxPieces && diskKeepsUp) {
      const piece = this.picker.take(owner.offer(nowMs, stalled));
      if (piece >= 0) {
        const assembly = this.assemblyFor(piece, nowMs, owner);
        owner.pieces.add(piece);
        return this.requestFrom(assembly, owner, maxBlocks, nowMs, false);
      }
    }
    // Endgame: nothing left to hand out, so help with blocks others are still fetching.
    if (owner.state === 'slow' || this.picker.unassignedCount > 0) return 0;
    for (const assembly of this.assemblies.values()) {
      if (assembly.parole || !owner.offers(assembly.piece, nowMs, stalled)) continue;
      const sent = this.requestFrom(assembly, owner, maxBlocks, nowMs, true);
      if (sent > 0) return sent;
    }
    return 0;
  }

  /**
   * The block size for a piece started at `nowMs` for `owner` (see LOSING_FRAGMENTS_BLOCK_BYTES
   * and blockSizeFor).
   */
  private blockSizeAt(nowMs: number, owner: OwnerSession): number {
    const configured = this.blockSizeFor(owner);
    switch (this.deps.fragments.state(nowMs)) {
      case 'none':
        return configured;
      case 'losing':
        return Math.min(configured, LOSING_FRAGMENTS_BLOCK_BYTES);
      case 'near-full':
        return Math.min(configured, UNFRAGMENTED_BLOCK_BYTES);
    }
  }

  /**
   * The configured block size, or the largest block that reaches `owner` in one frame where
   * runs of those cost about what one fragmented 16 KiB datagram does (the owner sends them
   * segmented, GSO; they arrive coalesced, GRO). A 16 KiB datagram crosses Ethernet as 12
   * fragments: one lost frame loses all 12, and the fragments wait in the host's reassembly
   * memory. In frames, a lost frame loses one block. On loopback (MTU 64 KiB) nothing changes.
   */
  private blockSizeFor(owner: OwnerSession): number {
    const configured = this.deps.blockSizeBytes;
    const link = owner.link;
    // Once per address, not per pump: a pump follows nearly every block that arrives.
    if (link.framePayloadBytes === undefined)
      link.framePayloadBytes = this.deps.endpoint.transport.unfragmentedPayloadBytes(link.address);
    const payload = link.framePayloadBytes;
    if (payload === null || payload - DATA_HEADER_BYTES < MIN_FRAMED_BLOCK_BYTES) return configured;
    return Math.min(configured, payload - DATA_HEADER_BYTES);
  }

  /**
   * Whether DATA from some owner may arrive fragmented: its blocks do not fit one frame on its
   * path, or the path is not known. False on loopback and where every block fits a frame.
   */
  receivesFragments(): boolean {
    for (const owner of this.owners) {
      // blockSizeFor reads the path's frame size first (once per address).
      const blockBytes = this.blockSizeFor(owner);
      const payload = owner.link.framePayloadBytes;
      if (payload === undefined || payload === null || blockBytes + DATA_HEADER_BYTES > payload)
        return true;
    }
    return false;
  }

  private losingFragments(nowMs: number): boolean {
    return this.deps.fragments.state(nowMs) !== 'none';
  }

  private assemblyFor(piece: number, nowMs: number, owner: OwnerSession): PieceAssembly {
    let assembly = this.assemblies.get(piece);
    if (assembly === undefined) {
      const length = pieceLength(this.metainfo, piece);
      const blockBytes = this.blockSizeAt(nowMs, owner);
      const table = this.pool.acquireTable(Math.ceil(length / blockBytes));
      assembly = new PieceAssembly(piece, length, blockBytes, this.pool.acquire(), table);
      this.assemblies.set(piece, assembly);
    }
    return assembly;
  }

  /**
   * Requests the first contiguous run of blocks of `assembly` that still need asking. In endgame
   * a block already asked of one other owner may be asked again (first copy wins).
   */
  private requestFrom(
    assembly: PieceAssembly,
    owner: OwnerSession,
    maxBlocks: number,
    nowMs: number,
    endgame: boolean,
  ): number {
    const needs = (block: number): boolean => {
      if (assembly.isReceived(block)) return false;
      const asked = assembly.askedCount(block);
      if (!endgame) return asked === 0;
      return (
        asked === 1 &&
        !assembly.isAskedOf(block, owner.nodeId) &&
        this.soonerFrom(owner, assembly, block, nowMs)
      );
    };
    let first = 0;
    while (first < assembly.blockCount && !needs(first)) first++;
    if (first === assembly.blockCount) return 0;
    let count = 0;
    let limit = Math.min(maxBlocks, MAX_BLOCKS_PER_REQUEST);
    if (this.losingFragments(nowMs)) {
      limit = Math.min(limit, Math.max(1, Math.floor(SHORT_RUN_BYTES / assembly.blockSizeBytes)));
    }
    const txid = this.deps.endpoint.nextTxid();
    while (first + count < assembly.blockCount && count < limit && needs(first + count)) {
      const block = first + count;
      if (assembly.requestedAtMs[block]! > 0) {
        assembly.retransmitted[block] = 1;
        this.retransmittedBlocks++;
        if (endgame) this.endgameBlocks++;
      }
      assembly.ask(block, owner.nodeId);
      assembly.requestedAtMs[block] = nowMs;
      assembly.requestTxid[block] = txid;
      assembly.requestSeq[block] = owner.nextRequestSeq++;
      count++;
    }
    owner.asked(count, nowMs);
    owner.requested(txid);
    this.deps.budget.inFlightBlocks += count;
    this.deps.pacer.charge(count * assembly.blockSizeBytes, nowMs);
    this.requestsSent++;
    this.deps.endpoint.send(
      owner.address,
      {
        type: 'request',
        // usable() said the link is ready: it has a cookie.
        cookie: owner.link.cookie!,
        infohash: this.infohash,
        piece: assembly.piece,
        begin: first * assembly.blockSizeBytes,
        blockLength: assembly.blockSizeBytes,
        count,
        tag: this.deps.tag,
      },
      txid,
    );
    return count;
  }

  // ---- timers ----

  /**
   * Finds lost blocks; they will be asked again. A block is lost when its request timed out, or
   * sooner (fast retransmit, TCP's idea with request numbers instead of ACKs) when this owner has
   * already answered requests made FAST_RETRANSMIT_GAP blocks after it and a little reordering
   * time has passed. Called every few ms.
   */
  checkTimeouts(nowMs = this.deps.clock.now()): void {
    // Counted here, not per datagram: a tick old is good enough to bound what is in flight by.
    this.usableOwners = 0;
    this.nearestRttMs = Number.POSITIVE_INFINITY;
    for (const owner of this.owners) {
      if (!owner.usable(nowMs)) continue;
      this.usableOwners++;
      const lowest = owner.link.rtt.lowestRttMs;
      if (lowest > 0) this.nearestRttMs = Math.min(this.nearestRttMs, lowest);
    }
    if (this.nearestRttMs === Number.POSITIVE_INFINITY) this.nearestRttMs = DOUBLE_ZERO;
    let lost = false;
    for (const assembly of this.assemblies.values()) {
      for (let block = 0; block < assembly.blockCount; block++) {
        const first = assembly.askedOf[block]!;
        if (first === NO_OWNER) continue;
        const second = assembly.alsoAskedOf[block]!;
        // Only when one owner alone was asked: its request numbers then describe the block.
        if (this.expired(assembly, block, first, second === NO_OWNER, nowMs)) lost = true;
        if (second !== NO_OWNER && this.expired(assembly, block, second, false, nowMs)) lost = true;
      }
    }
    if (lost) this.pumpAll();
  }

  /**
   * Whether `helper`, asked now, would deliver a block asked of one owner alone well before that
   * owner is expected to (its smoothed round trip after the request; the helper's own, doubled
   * for safety): endgame's case, the last blocks queued at a slow owner while a fast one idles.
   * Between owners alike it never is, and asking again would only double the block: endgame
   * began almost at the start of a small file (every piece handed out at once), and 128–206 of
   * the 512 blocks of an 8 MiB download from three seeders on loopback came twice. Being late
   * does not make a block eligible (under load every block looked overdue, and came twice): one
   * that does not come is given up at its owner's timeout and asked of anyone, as any other.
   */
  private soonerFrom(
    helper: OwnerSession,
    assembly: PieceAssembly,
    block: number,
    nowMs: number,
  ): boolean {
    const first = this.owners.get(assembly.askedOf[block]!);
    if (first === undefined) return true;
    const expectedAtMs = assembly.requestedAtMs[block]! + first.link.rtt.smoothedRttMs;
    return nowMs + 2 * helper.link.rtt.smoothedRttMs < expectedAtMs;
  }

  /** Gives up on the request of one block of one owner if it is lost; true if it was. */
  private expired(
    assembly: PieceAssembly,
    block: number,
    nodeId: number,
    alone: boolean,
    nowMs: number,
  ): boolean {
    const owner = this.owners.get(nodeId);
    if (owner === undefined) return false;
    const age = nowMs - assembly.requestedAtMs[block]!;
    const { link } = owner;
    // The timer restarts with each block the owner delivers (RFC 6298 5.3): an owner serves its
    // requests in order, so blocks behind those arriving wait in its queue and are not lost (a
    // lost one is overtaken by later ones, below). Timed from the request alone, a seeder held
    // to --upload-limit 5M sent 32 of a 3 MiB file's 192 blocks twice (found by hand).
    const timedOut =
      nowMs - Math.max(assembly.requestedAtMs[block]!, owner.lastDataAtMs) >= link.rtt.timeoutMs;
    const overtaken =
      alone &&
      assembly.requestSeq[block]! + FAST_RETRANSMIT_GAP <= owner.highestAnsweredSeq &&
      age >= link.rtt.smoothedRttMs + REORDER_ALLOWANCE_MS;
    if (!timedOut && !overtaken) return false;
    if (alone) assembly.giveUp(block, nodeId);
    assembly.unask(block, nodeId);
    owner.settled();
    this.deps.budget.inFlightBlocks--;
    const forgiven = this.deps.pacer.forgivenLossShare;
    if (timedOut) link.onLoss(nowMs, forgiven);
    else link.onFastLoss(nowMs, forgiven);
    // Timed out, the owner has been silent for a timeout: dead, stopped, or its DATA lost in a
    // queue. Told to the pacer once it delivers again, a queue's loss is known an RTT later; a
    // dead owner's never counts (a seeder killed mid-download left `requests paced to 636.8
    // KiB/s: over 5 % … lost` as it was found dead, found by a session). Overtaken, it is alive.
    if (timedOut) {
      owner.silentLosses.blocks++;
      owner.silentLosses.bytes += assembly.blockSizeBytes;
    } else this.deps.pacer.noteLoss(assembly.blockSizeBytes);
    return true;
  }

  /** Takes an owner out of the transfer (dead, banned, gone): its pieces return to the pool. */
  dropOwner(owner: OwnerSession): void {
    owner.silentLosses.blocks = 0;
    owner.silentLosses.bytes = 0;
    this.ownerLeft(owner);
    this.forgetRequests(owner);
    this.pumpAll();
  }

  /** Forgets what was asked of this owner; its pieces return to the pool. */
  private forgetRequests(owner: OwnerSession): void {
    for (const assembly of this.assemblies.values()) {
      for (let block = 0; block < assembly.blockCount; block++) {
        if (assembly.unask(block, owner.nodeId)) this.deps.budget.inFlightBlocks--;
      }
    }
    owner.forgetInFlight();
    for (const piece of owner.pieces) this.picker.release(piece);
    owner.pieces.clear();
  }

  // ---- verification ----

  private finishPiece(assembly: PieceAssembly): void {
    const { piece, lengthBytes, buffer } = assembly;
    const expected = this.metainfo.pieceHashes.subarray(piece * 32, piece * 32 + 32);
    const bytes = buffer.subarray(0, lengthBytes);
    const good = createHash('sha256').update(bytes).digest().equals(expected);
    if (!good && this.dropDamagedBlocks(assembly) > 0) {
      // Damaged in transit, not a lie: only those blocks are asked for again, nobody is blamed.
      this.pumpAll();
      return;
    }
    for (const owner of this.owners) owner.pieces.delete(piece);
    this.assemblies.delete(piece);
    if (good) this.acceptPiece(assembly);
    else this.rejectPiece(assembly);
    this.deps.events.changed();
  }

  private acceptPiece(assembly: PieceAssembly): void {
    const { piece, lengthBytes, buffer } = assembly;
    this.picker.markVerified(piece);
    for (const id of this.blame.passed(assembly)) {
      const owner = this.owners.get(id);
      if (owner) this.strike(owner, `sent wrong blocks of piece ${piece}`);
    }
    const bytesByOwner = new Map<number, number>();
    for (let block = 0; block < assembly.blockCount; block++) {
      const id = assembly.contributor[block]!;
      bytesByOwner.set(id, (bytesByOwner.get(id) ?? 0) + assembly.blockLength(block));
    }
    let majority = NO_OWNER;
    for (const [id, bytes] of bytesByOwner) {
      const owner = this.owners.get(id);
      if (owner) owner.verifiedBytes += bytes;
      if (majority === NO_OWNER || bytes > (bytesByOwner.get(majority) ?? 0)) majority = id;
    }
    this.pieceSource[piece] = majority;
    this.owners.get(majority)?.deliveredPieces.add(piece);
    // Nothing reads the assembly after this (it left `assemblies` and every owner's set).
    this.pool.releaseTable(assembly.table);
    this.pendingWrites++;
    this.pendingWriteBytes += lengthBytes;
    this.partFile.writePiece(piece, buffer, lengthBytes).then(
      () => {
        this.pendingWrites--;
        this.pendingWriteBytes -= lengthBytes;
        this.pool.release(buffer);
        this.written.add(piece);
        this.deps.events.pieceWritten(piece);
        this.maybeComplete();
        this.pumpAll();
      },
      (error: NodeJS.ErrnoException) => {
        // Nothing is lost: the piece is simply fetched again once writing works. Its bytes are
        // not its owners' to be credited for until then: counted twice, a download paused by a
        // full disk credited its owner 52.3 MiB of a 48 MiB file (found by hand).
        this.pendingWrites--;
        this.pendingWriteBytes -= lengthBytes;
        this.pool.release(buffer);
        for (const [id, bytes] of bytesByOwner) {
          const owner = this.owners.get(id);
          if (owner) owner.verifiedBytes -= bytes;
        }
        this.owners.get(majority)?.deliveredPieces.delete(piece);
        this.picker.requeue(piece);
        this.pieceSource[piece] = NO_OWNER;
        this.paused = true;
        this.deps.events.diskError(error);
      },
    );
  }

  /**
   * Checks the datagram checksum of every block of a piece that failed its hash and drops the
   * blocks that were damaged in transit (a loss for their owner, as a damaged datagram always
   * was). Returns how many were dropped; none means the owners sent exactly these bytes.
   */
  private dropDamagedBlocks(assembly: PieceAssembly): number {
    const nowMs = this.deps.clock.now();
    const blockSize = assembly.blockSizeBytes;
    let dropped = 0;
    for (let block = 0; block < assembly.blockCount; block++) {
      const id = assembly.contributor[block]!;
      const begin = block * blockSize;
      const payload = assembly.buffer.subarray(begin, begin + assembly.blockLength(block));
      const checksum = assembly.receivedChecksum[block]!;
      const txid = assembly.receivedTxid[block]!;
      if (dataChecksumMatches(checksum, txid, this.deps.tag, assembly.piece, begin, payload))
        continue;
      assembly.dropBlock(block);
      this.damagedBlocks++;
      dropped++;
      const owner = this.owners.get(id);
      if (owner === undefined) continue;
      owner.link.onFastLoss(nowMs);
      owner.damagedBlocks++;
      owner.damagedBlocksInAll++;
      const deliveredBlocks = Math.round(owner.bytesDelivered / blockSize);
      const othersShare = this.othersDamagedShare(owner, blockSize);
      const expected = deliveredBlocks * Math.max(DAMAGED_SHARE_PER_STRIKE, othersShare);
      if (
        owner.damagedBlocks > DAMAGED_BLOCKS_PER_STRIKE &&
        owner.damagedBlocks > expected + DAMAGED_SIGMAS * Math.sqrt(expected)
      ) {
        owner.damagedBlocks = 0;
        this.strike(
          owner,
          `its blocks keep arriving with bad checksums (${owner.damagedBlocksInAll} of its ${deliveredBlocks}; ${Math.round(100 * othersShare)} % of the other owners')`,
        );
      }
    }
    return dropped;
  }

  /** The share of the blocks every other owner (those gone too) delivered that came damaged. */
  private othersDamagedShare(owner: OwnerSession, blockSize: number): number {
    const othersBlocks = (this.bytesDelivered - owner.bytesDelivered) / blockSize;
    if (othersBlocks <= 0) return 0;
    return (this.damagedBlocks - owner.damagedBlocksInAll) / othersBlocks;
  }

  /** A piece that failed verification: blame (see PieceBlame), then fetch it again. */
  private rejectPiece(assembly: PieceAssembly): void {
    this.failedPieces++;
    const verdict = this.blame.failed(assembly);
    if (verdict.kind === 'strike') {
      const owner = this.owners.get(verdict.nodeId);
      if (owner) this.strike(owner, `piece ${assembly.piece} failed verification`);
    } else {
      this.deps.events.log(
        `piece ${assembly.piece} failed verification; re-fetching it whole from one owner`,
      );
    }
    assembly.reset();
    assembly.parole = verdict.kind === 'parole';
    this.assemblies.set(assembly.piece, assembly);
    this.picker.release(assembly.piece);
  }

  private strike(owner: OwnerSession, why: string): void {
    owner.strikes++;
    this.deps.events.log(
      `strike ${owner.strikes}/${STRIKES_TO_BAN} for node ${owner.nodeId}: ${why}`,
    );
    if (owner.strikes >= STRIKES_TO_BAN && owner.state !== 'banned') {
      owner.state = 'banned';
      // Each strike's own reason: `3 pieces failed verification` was said of three strikes on
      // one piece, and of refusals a BITFIELD contradicted (found by a session).
      owner.reason = `${owner.strikes} strikes, the last: ${why}`;
      this.deps.events.log(`banned node ${owner.nodeId} for this download: ${owner.reason}`);
      this.dropOwner(owner);
      owner.forgetClaims();
    }
  }

  private maybeComplete(): void {
    if (this.finished || this.pendingWrites > 0 || !this.written.full) return;
    this.finished = true;
    this.deps.pacer.turns.leave(this);
    this.deps.events.complete();
  }

  /** Bytes of verified pieces. */
  get verifiedBytes(): number {
    const { verified } = this.picker;
    let bytes = verified.count * this.metainfo.pieceSizeBytes;
    const last = this.pieceCount - 1;
    if (last >= 0 && verified.has(last))
      bytes -= this.metainfo.pieceSizeBytes - pieceLength(this.metainfo, last);
    return bytes;
  }

  /**
   * Bytes received of pieces not verified yet (each piece's blocks in hand). A snapshot's worth
   * of work: the pieces being assembled are few (what may be in flight).
   */
  get unverifiedBytes(): number {
    const { verified } = this.picker;
    let bytes = 0;
    for (const assembly of this.assemblies.values()) {
      if (verified.has(assembly.piece)) continue;
      bytes += Math.min(assembly.lengthBytes, assembly.receivedCount * assembly.blockSizeBytes);
    }
    return bytes;
  }

  /** Forgets every in-flight request (pause, cancel, shutdown) and frees the budget. */
  stop(): void {
    this.finished = true;
    this.deps.pacer.turns.leave(this);
    for (const owner of this.owners) {
      this.deps.budget.inFlightBlocks -= owner.inFlightBlocks;
      owner.forgetInFlight();
    }
    this.assemblies.clear();
  }
}

/**
 * Whether `txid` is that of a REQUEST sent to `owner`: the block's latest, or (a block asked of
 * two owners in endgame, or asked again) one of the owner's latest (OwnerSession.wasSent).
 */
function sentTo(owner: OwnerSession, assembly: PieceAssembly, block: number, txid: number) {
  return txid === assembly.requestTxid[block] || owner.wasSent(txid);
}
