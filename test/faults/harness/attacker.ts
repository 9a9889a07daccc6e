/**
 * A scripted attacker at the tracker: a UDP endpoint on any loopback address (127.0.0.66 is
 * another host as far as the tracker can tell; Linux answers for all of 127.0.0.0/8) that
 * speaks the wire format by hand, can send recorded datagrams again, and measures every reply
 * against the request that caused it (no amplification). Also: a transport that records what
 * an honest node sends (what a sniffer on the LAN sees) and can "crash" it, freeing its port.
 */
import { UdpEndpoint } from '../../../source/net/endpoint.ts';
import { PassthroughTransport } from '../../../source/net/passthrough-transport.ts';
import {
  type DatagramTransport,
  openUdpTransport,
  type RemoteAddress,
} from '../../../source/net/transport.ts';
import { generateIdentity, type NodeIdentity } from '../../../source/peer/identity.ts';
import { proveIdentity } from '../../../source/peer/tracker-registration.ts';
import { decode, peekHeader } from '../../../source/protocol/codec.ts';
import type { Message, TrackerReply } from '../../../source/protocol/messages.ts';

/** A key pair the attacker made for itself. */
export function attackerKeys(): NodeIdentity {
  return generateIdentity();
}

/** Counts datagrams both ways and keeps the largest reply-to-request ratio seen. */
class SizeMeter extends PassthroughTransport {
  sentBytes = 0;
  lastSentBytes = 0;
  /** Largest (reply bytes / bytes of the request sent just before it). */
  worstRatio = 0;
  replies = 0;
  /** Datagrams received since a replay began (the endpoint drops replies it did not ask for). */
  readonly received: Buffer[] = [];

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    this.sentBytes += length;
    this.lastSentBytes = length;
    super.send(datagram, length, to);
  }

  protected override onReceive(datagram: Buffer, from: RemoteAddress): void {
    this.replies++;
    if (this.received.length < 16) this.received.push(Buffer.from(datagram));
    if (this.lastSentBytes > 0) {
      this.worstRatio = Math.max(this.worstRatio, datagram.length / this.lastSentBytes);
    }
    this.passUp(datagram, from);
  }
}

/** One attacking socket. */
export class Attacker {
  private constructor(
    readonly endpoint: UdpEndpoint,
    private readonly meter: SizeMeter,
  ) {}

  /** Binds `host:port` (port 0: any). */
  static async open(host = '127.0.0.66', port = 0): Promise<Attacker> {
    const opened = await openUdpTransport({
      host,
      port,
      receiveBufferBytes: 1 << 20,
      sendBufferBytes: 1 << 20,
    });
    if (!opened.ok) throw new Error(`attacker on ${host}:${port}: ${opened.error.message}`);
    const meter = new SizeMeter(opened.transport);
    return new Attacker(new UdpEndpoint(meter), meter);
  }

  get address(): RemoteAddress {
    return this.endpoint.localAddress;
  }

  /** Largest reply / request size ratio seen (must stay <= 1 for unvalidated requests). */
  get worstReplyRatio(): number {
    return this.meter.worstRatio;
  }

  /** One request, few retries; null when nothing answered. */
  async ask(tracker: RemoteAddress, message: Message): Promise<TrackerReply | null> {
    const outcome = await this.endpoint.request(tracker, message, { timeoutMs: 200, retries: 1 });
    return outcome.ok ? (outcome.reply as TrackerReply) : null;
  }

  /** Registers `nodeId` with the attacker's own key (or `keys`): the tracker's final answer. */
  register(
    tracker: RemoteAddress,
    nodeId: number,
    keys = attackerKeys(),
  ): Promise<TrackerReply | null> {
    return proveIdentity(this.endpoint, tracker, nodeId, keys);
  }

  /** Sends bytes recorded elsewhere (a replay), one by one: every reply that came back. */
  async replay(tracker: RemoteAddress, datagrams: readonly Buffer[]): Promise<TrackerReply[]> {
    const replies: TrackerReply[] = [];
    for (const datagram of datagrams) {
      this.meter.received.length = 0;
      this.meter.lastSentBytes = datagram.length;
      this.endpoint.sendRaw(datagram, datagram.length, tracker);
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const bytes of this.meter.received) {
        const decoded = decode(bytes);
        if (decoded.ok) replies.push(decoded.message as TrackerReply);
      }
    }
    return replies;
  }

  close(): Promise<void> {
    return this.endpoint.close();
  }
}

/**
 * An honest node's socket as a sniffer sees it: keeps a copy of every tracker datagram of the
 * given types the node sends. `crash()` closes the socket at once (the process died): the node
 * sends nothing more and its port is free for anyone to bind.
 */
export class SniffedTransport extends PassthroughTransport {
  readonly sent: Buffer[] = [];
  private crashed = false;

  constructor(
    inner: DatagramTransport,
    private readonly types: ReadonlySet<string>,
  ) {
    super(inner);
  }

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    if (this.crashed) return;
    const header = peekHeader(datagram.subarray(0, length));
    if (header.ok && this.types.has(header.type)) {
      this.sent.push(Buffer.from(datagram.subarray(0, length)));
    }
    super.send(datagram, length, to);
  }

  protected override onReceive(datagram: Buffer, from: RemoteAddress): void {
    if (!this.crashed) this.passUp(datagram, from);
  }

  async crash(): Promise<void> {
    this.crashed = true;
    await this.inner.close();
  }

  override close(): Promise<void> {
    return this.crashed ? Promise.resolve() : super.close();
  }
}
