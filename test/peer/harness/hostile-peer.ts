/**
 * A node's socket wrapper that makes every peer message it sends hostile, seeded: beside (or
 * instead of) each HELLO, WELCOME, METAINFO-REQUEST, METAINFO-DATA, REQUEST, BITFIELD-REQUEST,
 * BITFIELD, HAVE, DATA and REJECT it sends, it sends the same message with fields replaced by
 * values chosen to sit on boundaries (0, 1, piece and block sizes, the piece count and one past
 * it, 2^31, 2^32 - 1) or at random. Each is encoded properly: a valid checksum, and mostly values
 * the decoder accepts, so what is exercised is what the receiver does with a well-formed message
 * from a peer that holds a real cookie and a real DATA tag, not the decoder (codec-fuzz does that).
 * Messages to the tracker pass unchanged. `storm()` sends more hostile messages of every kind,
 * copied from those sent lately or made up for the peers it knows (with the cookies they gave
 * it), so the receivers keep getting them after they stopped talking to this peer.
 */

import { PassthroughTransport } from '../../../source/net/passthrough-transport.ts';
import { SeededRandom } from '../../../source/net/seeded-random.ts';
import type { DatagramTransport, RemoteAddress } from '../../../source/net/transport.ts';
import { decode, encode } from '../../../source/protocol/codec.ts';
import { bitfieldBytes } from '../../../source/protocol/codec-peer.ts';
import type { Message, RejectReason } from '../../../source/protocol/messages.ts';
import {
  COOKIE_BYTES,
  INFOHASH_BYTES,
  MAX_BLOCKS_PER_REQUEST,
  MAX_HAVE_PIECES,
} from '../../../source/protocol/messages.ts';

const REASONS: RejectReason[] = [
  'not-seeding',
  'bad-range',
  'busy',
  'bad-cookie',
  'choked',
  'missing-piece',
  'elsewhere',
];
/** Hostile copies sent for each message the node sends (the original goes too, or not). */
const COPIES_PER_MESSAGE = 2;
/** Messages sent lately that storm() copies from. */
const RECENT_MESSAGES = 64;

function keyOf(address: RemoteAddress): string {
  return `${address.address}:${address.port}`;
}

/** What the file being fuzzed looks like: the boundaries worth hitting. */
export interface HostileShape {
  pieceCount: number;
  pieceBytes: number;
  blockBytes: number;
  fileBytes: number;
}

export class HostilePeer extends PassthroughTransport {
  /** Hostile messages sent, by type: a test checks each kind was exercised. */
  readonly sent = new Map<string, number>();
  /** Originals held back (the receiver sees only the hostile copies of those). */
  withheld = 0;
  private readonly random: SeededRandom;
  private readonly recent: Array<{ message: Message; to: RemoteAddress }> = [];
  private recentNext = 0;
  /** Peers this node sent to, with the cookie each gave it (from its WELCOME), if any. */
  private readonly peers = new Map<string, { address: RemoteAddress; cookie: Buffer | null }>();
  private infohashSeen: Buffer | null = null;

  constructor(
    inner: DatagramTransport,
    seed: number,
    private readonly tracker: RemoteAddress,
    private readonly shape: HostileShape,
  ) {
    super(inner);
    this.random = new SeededRandom(seed);
  }

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    const toTracker = to.port === this.tracker.port && to.address === this.tracker.address;
    const decoded = toTracker ? null : decode(Buffer.from(datagram.subarray(0, length)));
    if (decoded === null || !decoded.ok) {
      super.send(datagram, length, to);
      return;
    }
    // A HELLO that never arrives would only stall the node itself; the rest may go missing.
    if (decoded.message.type === 'hello' || this.random.next() < 0.7) {
      super.send(datagram, length, to);
    } else {
      this.withheld++;
    }
    this.notePeer(to, decoded.message);
    if (this.recent.length < RECENT_MESSAGES) this.recent.push({ message: decoded.message, to });
    else this.recent[this.recentNext++ % RECENT_MESSAGES] = { message: decoded.message, to };
    for (let i = 0; i < COPIES_PER_MESSAGE; i++) this.sendHostile(decoded.message, to);
  }

  protected override onReceive(datagram: Buffer, from: RemoteAddress): void {
    const decoded = decode(Buffer.from(datagram));
    if (decoded.ok && decoded.message.type === 'welcome') {
      const peer = this.peers.get(keyOf(from));
      if (peer) peer.cookie = Buffer.from(decoded.message.cookie);
    }
    this.passUp(datagram, from);
  }

  /**
   * Sends `count` hostile messages: half copies of messages sent lately, to where those went,
   * half of a kind picked at random, made up for a peer it knows.
   */
  storm(count: number): void {
    const peers = [...this.peers.values()];
    for (let i = 0; i < count; i++) {
      if (this.recent.length > 0 && this.random.next() < 0.5) {
        const { message, to } = this.recent[this.random.int(this.recent.length)]!;
        this.sendHostile(message, to);
      } else if (peers.length > 0 && this.infohashSeen !== null) {
        const peer = peers[this.random.int(peers.length)]!;
        this.sendHostile(this.madeUp(peer.cookie, this.infohashSeen), peer.address);
      }
    }
  }

  private notePeer(to: RemoteAddress, message: Message): void {
    if ('infohash' in message && this.infohashSeen === null)
      this.infohashSeen = Buffer.from(message.infohash);
    const key = keyOf(to);
    if (!this.peers.has(key)) this.peers.set(key, { address: to, cookie: null });
  }

  /** A plausible message of a random kind, before mutate() makes it hostile. */
  private madeUp(cookie: Buffer | null, infohash: Buffer): Message {
    const r = this.random;
    const asked = cookie ?? r.bytes(COOKIE_BYTES);
    const { blockBytes } = this.shape;
    const kinds: Message[] = [
      { type: 'hello', nodeId: r.int(100) },
      { type: 'welcome', nodeId: r.int(100), cookie: r.bytes(COOKIE_BYTES) },
      { type: 'metainfo-request', cookie: asked, infohash, offset: 0 },
      { type: 'metainfo-data', infohash, totalLength: 1, offset: 0, bytes: r.bytes(1) },
      {
        type: 'request',
        cookie: asked,
        infohash,
        piece: 0,
        begin: 0,
        blockLength: blockBytes,
        count: 1,
        tag: r.int(2 ** 32),
      },
      { type: 'bitfield-request', cookie: asked, infohash },
      { type: 'bitfield', infohash, pieceCount: 1, bits: Buffer.alloc(1) },
      { type: 'have', infohash, pieces: [0] },
      { type: 'data', tag: r.int(2 ** 32), piece: 0, begin: 0, bytes: r.bytes(blockBytes) },
      { type: 'reject', infohash, piece: 0, begin: 0, reason: 'busy' },
    ];
    return kinds[r.int(kinds.length)]!;
  }

  private sendHostile(message: Message, to: RemoteAddress): void {
    const hostile = this.mutate(message);
    let bytes: Buffer;
    try {
      bytes = encode(this.random.int(2 ** 32), hostile);
    } catch {
      return; // a value the encoder refuses (a field wider than its bytes): nothing to send
    }
    this.sent.set(hostile.type, (this.sent.get(hostile.type) ?? 0) + 1);
    super.send(bytes, bytes.length, to);
  }

  private mutate(message: Message): Message {
    const r = this.random;
    const keep = (): boolean => r.next() < 0.5;
    switch (message.type) {
      case 'hello':
        return { ...message, nodeId: keep() ? message.nodeId : this.u32(message.nodeId) };
      case 'welcome':
        return {
          ...message,
          nodeId: keep() ? message.nodeId : this.u32(message.nodeId),
          cookie: keep() ? message.cookie : r.bytes(COOKIE_BYTES),
        };
      case 'metainfo-request':
        return {
          ...message,
          infohash: this.infohash(message.infohash),
          offset: this.u32(message.offset),
        };
      case 'metainfo-data': {
        const totalLength = keep() ? message.totalLength : 1 + r.int(4096);
        const offset = r.int(totalLength);
        const bytes = r.bytes(Math.max(1, r.int(Math.min(1200, totalLength - offset) + 1)));
        return {
          ...message,
          infohash: this.infohash(message.infohash),
          totalLength,
          offset,
          bytes,
        };
      }
      case 'request':
        return {
          ...message,
          cookie: r.next() < 0.9 ? message.cookie : r.bytes(COOKIE_BYTES),
          infohash: this.infohash(message.infohash),
          piece: keep() ? message.piece : this.piece(message.piece),
          begin: keep() ? message.begin : this.offset(message.begin),
          blockLength: keep() ? message.blockLength : this.blockLength(),
          count: keep() ? message.count : 1 + r.int(MAX_BLOCKS_PER_REQUEST),
          tag: keep() ? message.tag : this.u32(message.tag),
        };
      case 'bitfield-request':
        return { ...message, infohash: this.infohash(message.infohash) };
      case 'bitfield': {
        const pieceCount = keep() ? message.pieceCount : this.pieceCount();
        const bits = r.bytes(bitfieldBytes(pieceCount));
        const spare = bits.length * 8 - pieceCount;
        if (spare > 0) bits[bits.length - 1]! &= (0xff << spare) & 0xff;
        return { ...message, infohash: this.infohash(message.infohash), pieceCount, bits };
      }
      case 'have': {
        const count = 1 + r.int(r.next() < 0.2 ? MAX_HAVE_PIECES : 8);
        const pieces = Array.from({ length: count }, () => this.piece(message.pieces[0] ?? 0));
        return { ...message, infohash: this.infohash(message.infohash), pieces };
      }
      case 'data': {
        const length = keep() ? message.bytes.length : this.blockLength();
        const bytes = keep() && length === message.bytes.length ? message.bytes : r.bytes(length);
        return {
          ...message,
          tag: r.next() < 0.9 ? message.tag : this.u32(message.tag),
          piece: keep() ? message.piece : this.piece(message.piece),
          begin: keep() ? message.begin : this.offset(message.begin),
          bytes,
        };
      }
      case 'reject':
        return {
          ...message,
          infohash: this.infohash(message.infohash),
          piece: keep() ? message.piece : this.piece(message.piece),
          begin: keep() ? message.begin : this.offset(message.begin),
          reason: REASONS[r.int(REASONS.length)]!,
        };
      default:
        return message;
    }
  }

  /** The real infohash mostly (so the message reaches a download), else another. */
  private infohash(real: Buffer): Buffer {
    return this.random.next() < 0.85 ? real : this.random.bytes(INFOHASH_BYTES);
  }

  private u32(original: number): number {
    const r = this.random;
    const picks = [0, 1, 2, original - 1, original + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];
    const pick = r.next() < 0.8 ? picks[r.int(picks.length)]! : r.int(2 ** 32);
    return Math.min(2 ** 32 - 1, Math.max(0, pick));
  }

  private piece(original: number): number {
    const { pieceCount } = this.shape;
    const r = this.random;
    const picks = [0, pieceCount - 1, pieceCount, pieceCount + 1, original + 1, r.int(pieceCount)];
    return r.next() < 0.8 ? picks[r.int(picks.length)]! : this.u32(original);
  }

  private offset(original: number): number {
    const { pieceBytes, blockBytes, fileBytes } = this.shape;
    const r = this.random;
    const picks = [
      0,
      1,
      blockBytes - 1,
      blockBytes,
      blockBytes + 1,
      pieceBytes - blockBytes,
      pieceBytes - 1,
      pieceBytes,
      fileBytes,
      original + 1,
    ];
    return r.next() < 0.8 ? picks[r.int(picks.length)]! : this.u32(original);
  }

  /** A payload or block length the decoder accepts (1..65,000 bytes), often on a boundary. */
  private blockLength(): number {
    const { blockBytes } = this.shape;
    const r = this.random;
    const picks = [1, 2, blockBytes - 1, blockBytes, blockBytes + 1, 1447, 16_384, 65_000];
    return r.next() < 0.8 ? picks[r.int(picks.length)]! : 1 + r.int(65_000);
  }

  private pieceCount(): number {
    const { pieceCount } = this.shape;
    const picks = [1, pieceCount - 1, pieceCount + 1, pieceCount * 8, 1 + this.random.int(4096)];
    return Math.max(1, picks[this.random.int(picks.length)]!);
  }
}
