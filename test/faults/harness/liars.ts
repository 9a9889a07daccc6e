/**
 * Liars and raw speakers for the owner-lies and tracker-abuse cases: a node registered by hand
 * (no PeerNode behind it), an owner that answers HELLO and then serves metainfo that is not what
 * it announced, a socket wrapper that slips DATA nobody asked for next to an honest owner's
 * traffic, and a plain dgram socket that records every reply with its size.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { UdpEndpoint } from '../../../source/net/endpoint.ts';
import { PassthroughTransport } from '../../../source/net/passthrough-transport.ts';
import type { DatagramTransport, RemoteAddress } from '../../../source/net/transport.ts';
import { generateIdentity, type NodeIdentity } from '../../../source/peer/identity.ts';
import { proveIdentity } from '../../../source/peer/tracker-registration.ts';
import {
  DATA_HEADER_BYTES,
  decode,
  encode,
  peekHeader,
  writeDataHeader,
} from '../../../source/protocol/codec.ts';
import {
  COOKIE_BYTES,
  type RequestMessage,
  type TrackerReply,
} from '../../../source/protocol/messages.ts';
import type { World } from './world.ts';

/** A node registered by hand: its endpoint, identity and session token. */
export interface RawNode {
  readonly nodeId: number;
  readonly endpoint: UdpEndpoint;
  readonly identity: NodeIdentity;
  readonly token: Buffer;
}

/** A fresh Ed25519 identity (not saved anywhere). */
export function newIdentity(): NodeIdentity {
  return generateIdentity();
}

/**
 * Registers `nodeId` (with a fresh identity unless given) from a fresh raw endpoint of `world`,
 * or from `host` (another loopback address, e.g. 127.0.0.66); throws unless 'registered'.
 */
export async function registerRaw(
  world: World,
  nodeId: number,
  identity: NodeIdentity = newIdentity(),
  host?: string,
): Promise<RawNode> {
  const endpoint = await world.rawClient(host);
  const reply = await proveIdentity(endpoint, world.trackerAddress, nodeId, identity);
  if (reply?.type !== 'registered') {
    throw new Error(`register ${nodeId}: ${JSON.stringify(reply)}`);
  }
  return { nodeId, endpoint, identity, token: Buffer.from(reply.token) };
}

/** Sends one tracker request from `node` and returns the reply (throws on timeout). */
export async function askTracker(
  world: World,
  node: RawNode,
  message: Parameters<UdpEndpoint['request']>[1],
): Promise<TrackerReply> {
  const outcome = await node.endpoint.request(world.trackerAddress, message);
  if (!outcome.ok) throw new Error(`${message.type} from node ${node.nodeId}: ${outcome.reason}`);
  return outcome.reply as TrackerReply;
}

/**
 * Makes a raw node an owner that says HELLO back, then answers every metainfo request with
 * `metainfoBytes` (not the metainfo its infohash names). Returns the counters of what it was asked.
 */
export function serveLyingMetainfo(
  node: RawNode,
  metainfoBytes: Buffer,
): { hellos: number; metainfoRequests: number; requests: number } {
  const asked = { hellos: 0, metainfoRequests: 0, requests: 0 };
  node.endpoint.onMessage((message, txid, from) => {
    if (message.type === 'hello') {
      asked.hellos++;
      const cookie = Buffer.alloc(COOKIE_BYTES, 0x5a);
      node.endpoint.send(from, { type: 'welcome', nodeId: node.nodeId, cookie }, txid);
    } else if (message.type === 'metainfo-request') {
      asked.metainfoRequests++;
      const bytes = metainfoBytes.subarray(message.offset, message.offset + 1024);
      node.endpoint.send(
        from,
        {
          type: 'metainfo-data',
          infohash: message.infohash,
          totalLength: metainfoBytes.length,
          offset: message.offset,
          bytes,
        },
        txid,
      );
    } else if (message.type === 'request') {
      asked.requests++;
    }
  });
  return asked;
}

/** A DATA datagram with the download tag `tag`, built by hand (any piece, offset and payload). */
export function dataDatagram(
  tag: number,
  piece: number,
  begin: number,
  payload: Buffer,
  txid = 0,
): Buffer {
  const datagram = Buffer.alloc(DATA_HEADER_BYTES + payload.length);
  // The checksum covers the payload: it goes in first.
  payload.copy(datagram, DATA_HEADER_BYTES);
  writeDataHeader(datagram, txid, tag, piece, begin);
  return datagram;
}

/**
 * Wraps an honest owner's socket: for every REQUEST it receives it also sends `forge(request)`
 * datagrams (DATA nobody asked for) to its sender before passing the REQUEST on. Counts what it
 * sent.
 */
export class DataForger extends PassthroughTransport {
  /** Forged datagrams sent, by label. */
  readonly sent = new Map<string, number>();
  /** The tag of the last REQUEST seen (what a sniffer on the LAN learns); null before one. */
  lastTag: number | null = null;
  private rounds = 0;

  constructor(
    inner: DatagramTransport,
    private readonly forge: (request: RequestMessage) => { label: string; datagram: Buffer }[],
    private readonly maxRounds: number,
  ) {
    super(inner);
  }

  protected override onReceive(datagram: Buffer, from: RemoteAddress): void {
    const decoded = decode(datagram);
    if (decoded.ok && decoded.message.type === 'request') this.lastTag = decoded.message.tag;
    if (decoded.ok && decoded.message.type === 'request' && this.rounds < this.maxRounds) {
      this.rounds++;
      for (const { label, datagram: forged } of this.forge(decoded.message)) {
        this.inner.send(forged, forged.length, from);
        this.sent.set(label, (this.sent.get(label) ?? 0) + 1);
      }
    }
    this.passUp(datagram, from);
  }
}

/** One datagram sent by a RawSocket and the sizes of every reply that came back for its txid. */
export interface Exchange {
  readonly label: string;
  readonly requestBytes: number;
  readonly replyBytes: number[];
}

/**
 * A plain dgram socket on 127.0.0.1: sends encoded datagrams and records every datagram that
 * comes back, matched to its request by txid, so reply sizes can be checked against requests.
 */
export class RawSocket {
  readonly exchanges = new Map<number, Exchange>();
  /** Replies whose txid matches nothing this socket sent. */
  strayReplies = 0;
  private nextTxid = 1;

  private constructor(private readonly socket: Socket) {
    socket.on('message', (datagram) => {
      const header = peekHeader(datagram);
      const exchange = header.ok ? this.exchanges.get(header.txid) : undefined;
      if (exchange) exchange.replyBytes.push(datagram.length);
      else this.strayReplies++;
    });
  }

  static async open(): Promise<RawSocket> {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new RawSocket(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Encodes `message` with a fresh txid and sends it to `to`. */
  send(to: RemoteAddress, label: string, message: Parameters<typeof encode>[1]): void {
    const txid = this.nextTxid++;
    const datagram = encode(txid, message);
    this.exchanges.set(txid, { label, requestBytes: datagram.length, replyBytes: [] });
    this.socket.send(datagram, to.port, to.address);
  }

  /** Replies received so far, over all exchanges. */
  get replies(): number {
    let count = 0;
    for (const exchange of this.exchanges.values()) count += exchange.replyBytes.length;
    return count;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
