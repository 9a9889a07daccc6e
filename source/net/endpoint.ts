import { randomFillSync } from 'node:crypto';
import { type Clock, systemClock, type TimerHandle } from '../clock.ts';
import { defaults } from '../config.ts';
import { dataLengthError, decode, encode, isReplyType, peekHeader } from '../protocol/codec.ts';
import type { DecodeError } from '../protocol/decode-error.ts';
import type { Message } from '../protocol/messages.ts';
import { BufferReclaimer } from './buffer-reclaimer.ts';
import { sendCannotLeave } from './send-failure.ts';
import { EndpointCounters, type EndpointStats } from './stats.ts';
import type { DatagramRun, DatagramTransport, RemoteAddress } from './transport.ts';

/** How a request is retried: first timeout, doubled per retry up to the cap. */
export interface RequestOptions {
  timeoutMs: number;
  retries: number;
  timeoutCapMs: number;
}

/**
 * A request's end: the reply and its round trip, or why there is none. `rttMs` is null when the
 * request went out more than once: which send the reply answers is unknown (Karn's rule), and
 * measured from the last it could be far too short.
 */
export type RequestOutcome =
  | { ok: true; reply: Message; rttMs: number | null }
  | { ok: false; reason: 'timeout' | 'closed' };

/** How long a request waits in all before it gives up: each timeout doubled up to the cap. */
function totalWaitMs(firstMs: number, capMs: number, retries: number): number {
  let total = 0;
  let timeoutMs = firstMs;
  for (let attempt = 0; attempt <= retries; attempt++) {
    total += timeoutMs;
    timeoutMs = Math.min(timeoutMs * 2, capMs);
  }
  return total;
}

/**
 * Options whose first wait is `firstTimeoutMs` (a known round trip's worth, shorter than the
 * default's 500 ms for a peer never heard from), doubling to the usual cap, with as many retries
 * as keep at least the default's whole patience (or `patienceMs`): a lost datagram costs less,
 * and a peer or tracker that is slow for a while is given up on no sooner than before.
 */
export function optionsKeepingPatience(
  firstTimeoutMs: number,
  patienceMs = totalWaitMs(
    defaults.requestTimeoutMs,
    defaults.requestTimeoutCapMs,
    defaults.requestRetries,
  ),
): RequestOptions {
  const { requestTimeoutCapMs } = defaults;
  let retries = 0;
  while (totalWaitMs(firstTimeoutMs, requestTimeoutCapMs, retries) < patienceMs) retries++;
  return { timeoutMs: firstTimeoutMs, retries, timeoutCapMs: requestTimeoutCapMs };
}

/** Options of a UdpEndpoint; everything defaults to the real world. */
export interface EndpointOptions {
  clock?: Clock;
  defaultRequestOptions?: RequestOptions;
  /** Collect young garbage after this many bytes of traffic (see buffer-reclaimer.ts). */
  reclaimEveryBytes?: number;
}

/** Bounds the datagram Buffers awaiting collection to a few MiB. */
const DEFAULT_RECLAIM_EVERY_BYTES = 8 * 1024 * 1024;

/**
 * Transaction ids at random, from node:crypto, drawn 1,024 at a time. Until 2026-12-07 they
 * counted up from a random start: an owner of a download saw the txids of the requests sent to
 * it and could guess those sent to the other owners at the same moment, and forge their answers
 * (a `missing-piece` REJECT counts only with its request's txid; found by a session).
 */
class RandomTxids {
  private readonly pool = new Uint32Array(1024);
  private used = this.pool.length;

  next(): number {
    if (this.used === this.pool.length) {
      randomFillSync(this.pool);
      this.used = 0;
    }
    return this.pool[this.used++]!;
  }
}

const CLOSED: RequestOutcome = { ok: false, reason: 'closed' };

interface PendingRequest {
  readonly to: RemoteAddress;
  /** Encoded once: every attempt resends the same bytes with the same txid. */
  readonly datagram: Buffer;
  readonly timeoutCapMs: number;
  readonly resolve: (outcome: RequestOutcome) => void;
  retriesLeft: number;
  timeoutMs: number;
  lastSentMs: number;
  sends: number;
  timer: TimerHandle | null;
}

function ignoreMessage(): void {}

/**
 * One process's UDP endpoint: sends messages, matches replies to requests by txid and sender,
 * retries on timeout, and routes everything else to the owner (a tracker or peer engine).
 */
export class UdpEndpoint {
  readonly transport: DatagramTransport;
  private readonly clock: Clock;
  private readonly defaultRequestOptions: RequestOptions;
  private readonly counters = new EndpointCounters();
  private readonly reclaimer: BufferReclaimer;
  /** The transport's, read once: it does not change while the socket is open. */
  private readonly receivesIntoReusedMemory: boolean;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly txids = new RandomTxids();
  private closed = false;
  private closing: Promise<void> | null = null;
  private messageHandler: (
    message: Message,
    txid: number,
    from: RemoteAddress,
    datagramBytes: number,
  ) => void = ignoreMessage;
  private dataHandler: (datagram: Buffer, from: RemoteAddress) => void = ignoreMessage;
  private decodeErrorHandler: (error: DecodeError, from: RemoteAddress) => void = ignoreMessage;

  constructor(transport: DatagramTransport, opts: EndpointOptions = {}) {
    this.reclaimer = new BufferReclaimer(opts.reclaimEveryBytes ?? DEFAULT_RECLAIM_EVERY_BYTES);
    this.transport = transport;
    this.receivesIntoReusedMemory = transport.receivesIntoReusedMemory;
    this.clock = opts.clock ?? systemClock;
    this.defaultRequestOptions = opts.defaultRequestOptions ?? {
      timeoutMs: defaults.requestTimeoutMs,
      retries: defaults.requestRetries,
      timeoutCapMs: defaults.requestTimeoutCapMs,
    };
    transport.setReceiver(this.onDatagram);
  }

  /** The address the socket is bound to. */
  get localAddress(): RemoteAddress {
    return this.transport.localAddress;
  }

  /** Every decoded message that is not the reply to a pending request (requests to a server, REJECTs to block requests). */
  onMessage(
    handler: (message: Message, txid: number, from: RemoteAddress, datagramBytes: number) => void,
  ): void {
    this.messageHandler = handler;
  }

  /**
   * DATA datagrams bypass decode (hot path) once their length is checked, so the handler may read
   * every header field; it parses them with readDataHeaderUnverified.
   */
  onData(handler: (datagram: Buffer, from: RemoteAddress) => void): void {
    this.dataHandler = handler;
  }

  /** Called for each undecodable datagram, so the owner can count/rate-limit logging. */
  onDecodeError(handler: (error: DecodeError, from: RemoteAddress) => void): void {
    this.decodeErrorHandler = handler;
  }

  /**
   * Request/response by txid: timeout, then retries with the timeout doubled up to the cap.
   * Resolves, never rejects. `txid`: one from nextTxid() the caller keeps (other messages of the
   * peer echo it), unless a request still waiting has it.
   */
  request(
    to: RemoteAddress,
    message: Message,
    options?: Partial<RequestOptions> & { txid?: number },
  ): Promise<RequestOutcome> {
    if (this.closed) return Promise.resolve(CLOSED);
    const base = this.defaultRequestOptions;
    let txid = options?.txid ?? this.nextTxid();
    // Never one still waiting for its reply.
    while (this.pending.has(txid)) txid = this.nextTxid();
    const datagram = encode(txid, message);
    return new Promise((resolve) => {
      const pending: PendingRequest = {
        to: { address: to.address, port: to.port },
        datagram,
        timeoutCapMs: options?.timeoutCapMs ?? base.timeoutCapMs,
        resolve,
        retriesLeft: options?.retries ?? base.retries,
        timeoutMs: options?.timeoutMs ?? base.timeoutMs,
        lastSentMs: 0,
        sends: 0,
        timer: null,
      };
      this.pending.set(txid, pending);
      this.transmit(txid, pending);
    });
  }

  /** One message, no retry. Returns the txid used. */
  send(to: RemoteAddress, message: Message, txid?: number): number {
    const usedTxid = txid ?? this.nextTxid();
    const datagram = encode(usedTxid, message);
    this.sendRaw(datagram, datagram.length, to);
    return usedTxid;
  }

  /** Sends bytes already encoded; counted like any send. */
  sendRaw(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    this.sendBytes(datagram, length, to, false);
  }

  /** sendRaw for the bulk of DATA: a failed send is not counted (see sendUncounted). */
  sendBulk(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    this.sendBytes(datagram, length, to, true);
  }

  /** sendBulk() of every datagram of a run (a seeder's DATA): one system call where it can. */
  sendBulkRun(run: DatagramRun, to: RemoteAddress): void {
    if (this.closed || run.count === 0) return;
    const bytes = (run.count - 1) * run.stride + run.lastLength;
    this.counters.datagramsOut += run.count;
    this.counters.bytesOut += bytes;
    this.transport.sendUncountedRun(run, to);
    // With batched UDP no DATA datagram is a fresh Buffer, either way: collections forced for
    // runs only cost (seeders 1.72-1.76 core-s per GiB served without them, 1.96-2.20 with, the
    // same peak RSS). Through node:dgram they stay as they were measured.
    if (!this.receivesIntoReusedMemory) this.reclaimer.note(bytes);
  }

  /** A transaction id nobody can guess from the ones before it. */
  nextTxid(): number {
    return this.txids.next();
  }

  /** DATA bytes received so far, headers included: what the downlink carried for downloads. */
  get dataBytesIn(): number {
    return this.counters.dataBytesIn;
  }

  /** Why sends to `address` fail, as the kernel said (see DatagramTransport.sendFailureTo). */
  sendFailureTo(address: string): string | null {
    return this.transport.sendFailureTo(address);
  }

  /** Counters since the endpoint opened. */
  stats(): EndpointStats {
    return this.counters.snapshot(this.transport.sendErrors);
  }

  /** Closes the transport; pending requests resolve { ok: false, reason: 'closed' }. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      for (const pending of this.pending.values()) {
        if (pending.timer) this.clock.clearTimeout(pending.timer);
        pending.resolve(CLOSED);
      }
      this.pending.clear();
      this.closing = this.transport.close();
    }
    return this.closing;
  }

  private sendBytes(datagram: Uint8Array, length: number, to: RemoteAddress, bulk: boolean): void {
    if (this.closed) return;
    this.counters.datagramsOut++;
    this.counters.bytesOut += length;
    if (bulk) this.transport.sendUncounted(datagram, length, to);
    else this.transport.send(datagram, length, to);
    this.reclaimer.note(length);
  }

  private transmit(txid: number, pending: PendingRequest): void {
    pending.lastSentMs = this.clock.now();
    pending.sends++;
    this.sendRaw(pending.datagram, pending.datagram.length, pending.to);
    pending.timer = this.clock.setTimeout(() => this.onTimeout(txid, pending), pending.timeoutMs);
  }

  private onTimeout(txid: number, pending: PendingRequest): void {
    if (this.pending.get(txid) !== pending) return;
    // The kernel refused the sends (no route, a firewall): sending again changes nothing, and
    // the asker says why at once instead of after every retry (11.5 s for a registration).
    const refused = this.transport.sendFailureTo(pending.to.address);
    if (pending.retriesLeft <= 0 || (refused !== null && sendCannotLeave(refused))) {
      this.pending.delete(txid);
      this.counters.timeouts++;
      pending.resolve({ ok: false, reason: 'timeout' });
      return;
    }
    pending.retriesLeft--;
    this.counters.retries++;
    // Doubling never lowers a first timeout that was already above the cap.
    pending.timeoutMs = Math.min(
      pending.timeoutMs * 2,
      Math.max(pending.timeoutCapMs, pending.timeoutMs),
    );
    this.transmit(txid, pending);
  }

  // An arrow field, bound once: the receive path allocates no closure per datagram.
  private readonly onDatagram = (datagram: Buffer, from: RemoteAddress): void => {
    if (this.closed) return;
    const counters = this.counters;
    counters.datagramsIn++;
    counters.bytesIn += datagram.length;
    const reused = this.receivesIntoReusedMemory;
    if (!reused) this.reclaimer.note(datagram.length);
    const header = peekHeader(datagram);
    if (!header.ok) {
      this.reportDecodeError(header.error, from);
      return;
    }
    if (header.type === 'data') {
      const lengthError = dataLengthError(datagram.length);
      if (lengthError !== null) {
        this.reportDecodeError(lengthError, from);
        return;
      }
      counters.dataBytesIn += datagram.length;
      this.dataHandler(datagram, from);
      return;
    }
    const decoded = decode(reused ? this.ownCopy(datagram) : datagram);
    if (!decoded.ok) {
      this.reportDecodeError(decoded.error, from);
      return;
    }
    const { message, txid } = decoded;
    const isReply = isReplyType(message.type);
    if (isReply || message.type === 'reject') {
      const pending = this.pending.get(txid);
      // The sender must be exactly where the request went: a reply from anywhere else is spoofed or stale.
      if (pending && pending.to.port === from.port && pending.to.address === from.address) {
        this.pending.delete(txid);
        if (pending.timer) this.clock.clearTimeout(pending.timer);
        const rttMs = pending.sends === 1 ? this.clock.now() - pending.lastSentMs : null;
        pending.resolve({ ok: true, reply: message, rttMs });
        return;
      }
      if (isReply) {
        counters.unmatchedReplies++;
        return;
      }
    }
    this.messageHandler(message, txid, from, datagram.length);
  };

  /**
   * A decoded message keeps views of its datagram (cookies, infohashes, bits), so from reused
   * memory it is decoded from a copy, in memory of its own as node:dgram's datagrams are: not a
   * slice of node's shared 8 KiB pool, whose whole chunk a 32-byte view kept for hours would keep
   * (see ByteString in tracker/registry.ts). Noted for collection like node:dgram's.
   */
  private ownCopy(datagram: Buffer): Buffer {
    const copy = Buffer.allocUnsafeSlow(datagram.length);
    datagram.copy(copy);
    this.reclaimer.note(datagram.length);
    return copy;
  }

  private reportDecodeError(error: DecodeError, from: RemoteAddress): void {
    this.counters.decodeErrors++;
    this.decodeErrorHandler(error, from);
  }
}
