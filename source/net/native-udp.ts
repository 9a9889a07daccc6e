import type { Socket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import { constants } from 'node:os';
import { loadNativeAddon } from '../native-addon.ts';
import { reachableFromIpv6, unmappedIpv4 } from './ipv4-mapped.ts';
import type { DatagramRun, RemoteAddress } from './transport.ts';

const { EBADF } = constants.errno;

/**
 * The udp_batch addon (native/udp_batch.c, built by `npm ci` through node-gyp): recvmmsg into one
 * reused buffer and sendmmsg of a whole run, on the socket node:dgram opened. node:dgram spends a
 * system call, a JS callback and a fresh 64 KiB-allocated Buffer per datagram; on this project's
 * machine that made receiving 16 KiB datagrams cost 3-4x what recvmmsg does (1.28-1.62 against
 * 0.39-0.56 core-s/GiB in the bench's floor; docs/performance-log.md). Everything else (binding,
 * its errors, control messages, the send queue) stays node's. Not built, not Linux, or
 * BT_TUI_NATIVE_UDP=0: node:dgram does it all. IPv4 and IPv6 sockets alike (an IPv6 LAN went
 * through node:dgram until 2026-12-07, at about a third more CPU per byte).
 */
interface UdpBatchAddon {
  open(fd: number): object;
  /** The socket's family (read once at open): an IPv6 one sends and receives IPv6 addresses. */
  family(handle: object): 4 | 6;
  startReceiving(
    handle: object,
    ring: Buffer,
    slotBytes: number,
    meta: Uint32Array,
    onBatch: (count: number) => void,
  ): void;
  /** Where a slot of the batch being delivered came from, as node:dgram writes it. */
  sourceName(handle: object, slot: number): string;
  /** An IPv6 address as node:dgram reads it (`%interface` too): 16 bytes and the scope id. */
  ipv6Address(text: string): Buffer | null;
  sendBatch(
    handle: object,
    buffer: Uint8Array,
    stride: number,
    count: number,
    lastLength: number,
    ipv4: number,
    port: number,
    segmented: boolean,
    ipv6?: Buffer,
  ): number;
  close(handle: object): void;
  /** UDP GRO on the socket: 0, or -errno (kernels before 5.0). */
  enableGro(handle: object): number;
  /** The MTU of the route to an address (no datagram sent), or -errno. */
  pathMtu(to: Destination): number;
}

/**
 * Where a datagram goes, as the addon takes it: an IPv4 address as a u32 (an IPv4 socket), or
 * an IPv6 address as ipv6Address made it (an IPv6 socket).
 */
export type Destination = number | Buffer;

/** Datagrams per recvmmsg; node's own receive loop reads up to 32 per wakeup too. */
const RECEIVE_BATCH = 32;
/** The largest UDP payload, over IPv6 (IPv4's is 65,507): every datagram fits a slot whole. */
const SLOT_BYTES = 65_527;
/** The addon's META_WORDS: length, segment, port, scope id, four words of source address. */
const META_WORDS = 8;
/** IP and UDP headers in front of a payload: IPv4 20 + 8, IPv6 40 + 8. */
const IPV4_UDP_HEADER_BYTES = 28;
const IPV6_UDP_HEADER_BYTES = 48;
/** A run of DATA is at most this many datagrams (the addon's sendmmsg batch). */
export const MAX_SEND_BATCH = 64;
/**
 * The addon's MAX_GSO_BYTES: datagrams that fit twice in it (frame-sized ones) go segmented on
 * any route; they were chosen to fit one frame.
 */
const FRAME_RUN_GSO_BYTES = 16_437;
/** Sources remembered as RemoteAddress objects; a flood of forged sources clears the cache. */
const MAX_CACHED_SOURCES = 4096;

let loaded: { addon: UdpBatchAddon } | { why: string } | undefined;

/** The addon, or why it is not used (for the log line at start). */
function loadAddon(): { addon: UdpBatchAddon } | { why: string } {
  if (loaded) return loaded;
  if (process.env.BT_TUI_NATIVE_UDP === '0') loaded = { why: 'BT_TUI_NATIVE_UDP=0' };
  else if (process.platform !== 'linux') loaded = { why: `not on Linux (${process.platform})` };
  else loaded = upToDate(loadNativeAddon<UdpBatchAddon>('udp_batch'));
  return loaded;
}

/**
 * An addon built from an older native/udp_batch.c (the source updated, `npm ci` not run again)
 * lays out what it receives differently: not used, and the log line says why.
 */
function upToDate(result: { addon: UdpBatchAddon } | { why: string }) {
  if ('addon' in result && typeof result.addon.family !== 'function') {
    return { why: 'the udp_batch addon is older than this bt-tui (npm ci builds it again)' };
  }
  return result;
}

/** True when the addon loaded (and BT_TUI_NATIVE_UDP is not 0). */
export function isAddonBuilt(): boolean {
  return 'addon' in loadAddon();
}

/** How a transport sends and receives datagrams, for its log line. */
export function describeUdpPath(batched: boolean, coalesced = false): string {
  if (batched && coalesced)
    return 'UDP batched by recvmmsg/sendmmsg, segmented and coalesced (GSO/GRO)';
  if (batched) return 'UDP batched by recvmmsg/sendmmsg';
  const result = loadAddon();
  const why = 'why' in result ? result.why : 'a socket the addon cannot take';
  return `UDP one datagram per call: ${why}`;
}

/**
 * The handle node:dgram keeps its socket's fd on. `socket._handle` is deprecated (and warns on
 * stderr, which would tear a full-screen view), so it is read under its state symbol; if node
 * ever stores it differently this returns null and node:dgram does everything.
 */
function dgramHandle(socket: Socket): { fd: number; recvStop(): number } | null {
  const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  if (state === undefined) return null;
  const handle = (socket as unknown as Record<symbol, { handle?: unknown }>)[state]?.handle as
    | { fd?: unknown; recvStop?: unknown }
    | undefined;
  if (typeof handle?.fd !== 'number' || handle.fd < 0 || typeof handle.recvStop !== 'function') {
    return null;
  }
  return handle as { fd: number; recvStop(): number };
}

/** A dotted IPv4 address as a u32, or -1. */
export function ipv4ToU32(address: string): number {
  if (!isIPv4(address)) return -1;
  let value = 0;
  let part = 0;
  for (let i = 0; i < address.length; i++) {
    const code = address.charCodeAt(i);
    if (code === 46) {
      value = value * 256 + part;
      part = 0;
    } else part = part * 10 + code - 48;
  }
  return value * 256 + part;
}

function u32ToIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** One IPv6 source met before: its address words and scope id, and its RemoteAddress. */
interface Ipv6Source {
  readonly words: readonly [number, number, number, number, number];
  readonly address: RemoteAddress;
}

/** A bound dgram socket (IPv4 or IPv6) whose receiving and bulk sends go through the addon. */
export class BatchedSocket {
  private readonly ring = Buffer.allocUnsafeSlow(RECEIVE_BATCH * SLOT_BYTES);
  private readonly meta = new Uint32Array(RECEIVE_BATCH * META_WORDS);
  /** IPv4 sources by address * 65,536 + port; IPv6 ones by a hash of theirs (checked). */
  private readonly sources = new Map<number, RemoteAddress>();
  private readonly ipv6Sources = new Map<number, Ipv6Source>();
  private lastSource: RemoteAddress = { address: '', port: -1 };
  private lastIpv4 = -1;
  private lastIpv6: Ipv6Source | null = null;
  /** The destination of the last address sent to (replies mostly go to one peer in a row). */
  private lastAddress = '';
  private lastDestination: Destination | null = null;
  /** IPv6 destinations by address text (a few: the node's peers and trackers). */
  private readonly ipv6Destinations = new Map<string, Buffer | null>();
  private closed = false;
  /** Datagrams that arrived coalesced by GRO, several in one receive (the `transfer` line). */
  coalescedDatagrams = 0;
  /** Whether the kernel coalesces what arrives (UDP GRO, Linux 5.0 and later). */
  coalesces = false;
  /**
   * The MTU of the route to each destination asked about (a few entries: peers' hosts). Keyed by
   * the destination itself: a number, or the one Buffer destinationOf keeps per address text.
   */
  private readonly mtus = new Map<Destination, number | null>();

  private constructor(
    private readonly addon: UdpBatchAddon,
    private readonly handle: object,
    private readonly family: 4 | 6,
  ) {}

  /**
   * Takes over receiving from node:dgram for a bound socket; null (node keeps receiving) when
   * the addon is not there or the socket is not one it can take.
   */
  static attach(socket: Socket, receive: (datagram: Buffer, from: RemoteAddress) => void) {
    const result = loadAddon();
    if (!('addon' in result)) return null;
    const dgram = dgramHandle(socket);
    if (dgram === null) return null;
    let handle: object;
    try {
      handle = result.addon.open(dgram.fd);
    } catch {
      return null;
    }
    const batched = new BatchedSocket(result.addon, handle, result.addon.family(handle));
    batched.coalesces = result.addon.enableGro(handle) === 0;
    try {
      result.addon.startReceiving(handle, batched.ring, SLOT_BYTES, batched.meta, (count) =>
        batched.deliver(count, receive),
      );
    } catch {
      batched.close();
      return null;
    }
    // From here the addon reads the socket: node must not, or each would get half the datagrams.
    // Both happen in this turn of the event loop, so no datagram is read in between.
    dgram.recvStop();
    return batched;
  }

  /**
   * Where the addon sends for `address`, or null where it does not (a host name, an IPv6 address
   * from an IPv4 socket): node:dgram sends those. An IPv6 address is read as node reads it.
   */
  destinationOf(address: string): Destination | null {
    if (address === this.lastAddress) return this.lastDestination;
    let destination: Destination | null;
    if (this.family === 4) {
      const ipv4 = ipv4ToU32(address);
      destination = ipv4 < 0 ? null : ipv4;
    } else {
      destination = this.ipv6Destinations.get(address) ?? null;
      if (destination === null && !this.ipv6Destinations.has(address)) {
        // An IPv4 peer of a dual-stack socket is reached at its mapped address (ipv4-mapped.ts).
        destination = this.addon.ipv6Address(reachableFromIpv6(address));
        if (this.ipv6Destinations.size >= MAX_CACHED_SOURCES) this.ipv6Destinations.clear();
        this.ipv6Destinations.set(address, destination);
      }
    }
    this.lastAddress = address;
    this.lastDestination = destination;
    return destination;
  }

  /**
   * Sends a run to a destination of destinationOf() in one system call. Returns how many
   * datagrams the kernel took (fewer when its send buffer is full), or minus the errno when it
   * refused them all.
   */
  sendRun(run: DatagramRun, to: Destination, port: number): number {
    if (this.closed) return -EBADF;
    const { buffer, stride, count, lastLength } = run;
    // Segmented (GSO) wherever the route carries the datagrams whole: runs of frame-sized ones,
    // and larger ones where the route's MTU holds them (16 KiB blocks on loopback); the others,
    // and the machine floor's bench, which leaves the flag out, go by sendmmsg. A lone datagram
    // has nothing to segment: no route lookup (a probe socket for each new address) for it.
    const segmented =
      count > 1 && (stride * 2 <= FRAME_RUN_GSO_BYTES || (this.payloadBytesTo(to) ?? 0) >= stride);
    return typeof to === 'number'
      ? this.addon.sendBatch(this.handle, buffer, stride, count, lastLength, to, port, segmented)
      : this.addon.sendBatch(
          this.handle,
          buffer,
          stride,
          count,
          lastLength,
          0,
          port,
          segmented,
          to,
        );
  }

  /**
   * The largest datagram that reaches `address` in one frame, when sending it in runs costs
   * about what one large fragmented datagram does: runs go out segmented (GSO) and what arrives
   * is coalesced (GRO). Null where that does not hold: small datagrams would then cost more CPU
   * than the fragments of large ones, or the route is unknown.
   */
  unfragmentedPayloadBytes(address: string): number | null {
    const to = this.destinationOf(address);
    return to === null ? null : this.payloadBytesTo(to);
  }

  private payloadBytesTo(to: Destination): number | null {
    if (!this.coalesces) return null;
    let mtu = this.mtus.get(to);
    if (mtu === undefined) {
      const measured = this.addon.pathMtu(to);
      mtu = measured > 0 ? measured : null;
      if (this.mtus.size >= MAX_CACHED_SOURCES) this.mtus.clear();
      this.mtus.set(to, mtu);
    }
    if (mtu === null) return null;
    return mtu - (travelsAsIpv4(to) ? IPV4_UDP_HEADER_BYTES : IPV6_UDP_HEADER_BYTES);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.close(this.handle);
  }

  private deliver(count: number, receive: (datagram: Buffer, from: RemoteAddress) => void): void {
    const meta = this.meta;
    for (let i = 0; i < count && !this.closed; i++) {
      const at = i * META_WORDS;
      const length = meta[at]!;
      // Longer than a slot (the addon's mark of a truncated datagram): a slot holds the largest
      // UDP payload, so this cannot happen; were it to, the datagram is not delivered cut.
      if (length > SLOT_BYTES) continue;
      const from = this.family === 4 ? this.source(meta[at + 4]!, meta[at + 2]!) : this.source6(i);
      const start = i * SLOT_BYTES;
      const end = start + length;
      const segment = meta[at + 1]!;
      if (segment === 0 || segment >= length) {
        receive(this.ring.subarray(start, end), from);
        continue;
      }
      // Coalesced by GRO: datagrams of `segment` bytes back to back, the last one maybe shorter.
      this.coalescedDatagrams += Math.ceil(length / segment);
      for (let at = start; at < end && !this.closed; at += segment) {
        receive(this.ring.subarray(at, Math.min(at + segment, end)), from);
      }
    }
  }

  /** One RemoteAddress object per source, not one per datagram; receivers never change it. */
  private source(ipv4: number, port: number): RemoteAddress {
    // A batch mostly comes from one sender: no map lookup (and no boxed key) for those.
    if (ipv4 === this.lastIpv4 && port === this.lastSource.port) return this.lastSource;
    const key = ipv4 * 65_536 + port;
    let address = this.sources.get(key);
    if (address === undefined) {
      if (this.sources.size >= MAX_CACHED_SOURCES) this.sources.clear();
      address = { address: u32ToIpv4(ipv4), port };
      this.sources.set(key, address);
    }
    this.lastIpv4 = ipv4;
    this.lastSource = address;
    return address;
  }

  /**
   * source() for slot `slot` of an IPv6 socket's batch: found by its words (no string made),
   * named by the addon as node:dgram names it only the first time it is met.
   */
  private source6(slot: number): RemoteAddress {
    const meta = this.meta;
    const at = slot * META_WORDS;
    const port = meta[at + 2]!;
    const scope = meta[at + 3]!;
    const w0 = meta[at + 4]!;
    const w1 = meta[at + 5]!;
    const w2 = meta[at + 6]!;
    const w3 = meta[at + 7]!;
    const last = this.lastIpv6;
    if (last !== null && last.address.port === port && sameWords(last, w0, w1, w2, w3, scope)) {
      return last.address;
    }
    const hash =
      w0 ^
      Math.imul(w1, 0x9e3779b1) ^
      Math.imul(w2, 0x85ebca6b) ^
      Math.imul(w3, 0xc2b2ae35) ^
      Math.imul(scope, 0x27d4eb2f);
    const key = (hash >>> 0) * 65_536 + port;
    let source = this.ipv6Sources.get(key);
    // A different source with the same hash replaces the one remembered: a cache, not a record.
    if (source === undefined || !sameWords(source, w0, w1, w2, w3, scope)) {
      if (this.ipv6Sources.size >= MAX_CACHED_SOURCES) this.ipv6Sources.clear();
      const name = unmappedIpv4(this.addon.sourceName(this.handle, slot));
      const address = { address: name, port };
      source = { words: [w0, w1, w2, w3, scope], address };
      this.ipv6Sources.set(key, source);
    }
    this.lastIpv6 = source;
    return source.address;
  }
}

/** An IPv4 destination, or an IPv4 address mapped into IPv6 (`::ffff:a.b.c.d`): sent as IPv4. */
function travelsAsIpv4(to: Destination): boolean {
  if (typeof to === 'number') return true;
  for (let i = 0; i < 10; i++) if (to[i] !== 0) return false;
  return to[10] === 0xff && to[11] === 0xff;
}

function sameWords(
  source: Ipv6Source,
  w0: number,
  w1: number,
  w2: number,
  w3: number,
  scope: number,
): boolean {
  const words = source.words;
  return (
    words[0] === w0 && words[1] === w1 && words[2] === w2 && words[3] === w3 && words[4] === scope
  );
}
