import type { Socket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import { constants } from 'node:os';
import { loadNativeAddon } from '../native-addon.ts';
import type { DatagramRun, RemoteAddress } from './transport.ts';

const { EBADF } = constants.errno;

/**
 * The udp_batch addon (native/udp_batch.c, built by `npm ci` through node-gyp): recvmmsg into one
 * reused buffer and sendmmsg of a whole run, on the socket node:dgram opened. node:dgram spends a
 * system call, a JS callback and a fresh 64 KiB-allocated Buffer per datagram; on this project's
 * machine that made receiving 16 KiB datagrams cost 3-4x what recvmmsg does (1.28-1.62 against
 * 0.39-0.56 core-s/GiB in the bench's floor; docs/performance-log.md). Everything else (binding,
 * its errors, control messages, the send queue) stays node's. Not built, not Linux, IPv6, or BT_TUI_NATIVE_UDP=0: node:dgram does it all.
 */
interface UdpBatchAddon {
  open(fd: number): object;
  startReceiving(
    handle: object,
    ring: Buffer,
    slotBytes: number,
    meta: Uint32Array,
    onBatch: (count: number) => void,
  ): void;
  sendBatch(
    handle: object,
    buffer: Uint8Array,
    stride: number,
    count: number,
    lastLength: number,
    ipv4: number,
    port: number,
    segmented: boolean,
  ): number;
  close(handle: object): void;
  /** UDP GRO on the socket: 0, or -errno (kernels before 5.0). */
  enableGro(handle: object): number;
  /** The MTU of the route to an IPv4 address (no datagram sent), or -errno. */
  pathMtu(ipv4: number): number;
}

/** Datagrams per recvmmsg; node's own receive loop reads up to 32 per wakeup too. */
const RECEIVE_BATCH = 32;
/** The largest UDP payload over IPv4: every datagram fits a slot whole. */
const SLOT_BYTES = 65_507;
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
  else loaded = loadNativeAddon<UdpBatchAddon>('udp_batch');
  return loaded;
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
  const why = 'why' in result ? result.why : 'IPv6, or a socket the addon cannot take';
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

/** A bound IPv4 dgram socket whose receiving and bulk sends go through the addon. */
export class BatchedSocket {
  private readonly ring = Buffer.allocUnsafeSlow(RECEIVE_BATCH * SLOT_BYTES);
  private readonly meta = new Uint32Array(RECEIVE_BATCH * 4);
  private readonly sources = new Map<number, RemoteAddress>();
  private lastSource: RemoteAddress = { address: '', port: -1 };
  private lastIpv4 = -1;
  private closed = false;
  /** Datagrams that arrived coalesced by GRO, several in one receive (the `transfer` line). */
  coalescedDatagrams = 0;
  /** Whether the kernel coalesces what arrives (UDP GRO, Linux 5.0 and later). */
  coalesces = false;
  /** The MTU of the route to each IPv4 address asked about (a few entries: peers' hosts). */
  private readonly mtus = new Map<number, number | null>();

  private constructor(
    private readonly addon: UdpBatchAddon,
    private readonly handle: object,
  ) {}

  /**
   * Takes over receiving from node:dgram for a bound udp4 socket; null (node keeps receiving)
   * when the addon is not there or the socket is not one it can take.
   */
  static attach(socket: Socket, receive: (datagram: Buffer, from: RemoteAddress) => void) {
    const result = loadAddon();
    if (!('addon' in result) || socket.address().family !== 'IPv4') return null;
    const dgram = dgramHandle(socket);
    if (dgram === null) return null;
    let handle: object;
    try {
      handle = result.addon.open(dgram.fd);
    } catch {
      return null;
    }
    const batched = new BatchedSocket(result.addon, handle);
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
   * Sends a run to an IPv4 address in one system call. Returns how many datagrams the kernel
   * took (fewer when its send buffer is full), or minus the errno when it refused them all.
   */
  sendRun(run: DatagramRun, ipv4: number, port: number): number {
    if (this.closed) return -EBADF;
    const { buffer, stride, count, lastLength } = run;
    // Segmented (GSO) wherever the route carries the datagrams whole: runs of frame-sized ones,
    // and larger ones where the route's MTU holds them (16 KiB blocks on loopback); the others,
    // and the machine floor's bench, which leaves the flag out, go by sendmmsg. A lone datagram
    // has nothing to segment: no route lookup (a probe socket for each new address) for it.
    const segmented =
      count > 1 &&
      (stride * 2 <= FRAME_RUN_GSO_BYTES || (this.unfragmentedPayloadBytes(ipv4) ?? 0) >= stride);
    const sent = this.addon.sendBatch(
      this.handle,
      buffer,
      stride,
      count,
      lastLength,
      ipv4,
      port,
      segmented,
    );
    return sent;
  }

  /**
   * The largest datagram that reaches `ipv4` in one frame, when sending it in runs costs about
   * what one large fragmented datagram does: runs go out segmented (GSO) and what arrives is
   * coalesced (GRO). Null where that does not hold: small datagrams would then cost more CPU
   * than the fragments of large ones, or the route is unknown.
   */
  unfragmentedPayloadBytes(ipv4: number): number | null {
    if (!this.coalesces) return null;
    let mtu = this.mtus.get(ipv4);
    if (mtu === undefined) {
      const measured = this.addon.pathMtu(ipv4);
      mtu = measured > 0 ? measured : null;
      if (this.mtus.size >= MAX_CACHED_SOURCES) this.mtus.clear();
      this.mtus.set(ipv4, mtu);
    }
    // IPv4 header 20 bytes, UDP header 8.
    return mtu === null ? null : mtu - 28;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.close(this.handle);
  }

  private deliver(count: number, receive: (datagram: Buffer, from: RemoteAddress) => void): void {
    const meta = this.meta;
    for (let i = 0; i < count && !this.closed; i++) {
      const length = meta[i * 4]!;
      // Longer than a slot (the addon's mark of a truncated datagram): over IPv4 a slot holds the
      // largest payload, so this cannot happen; were it to, the datagram is not delivered cut.
      if (length > SLOT_BYTES) continue;
      const from = this.source(meta[i * 4 + 1]!, meta[i * 4 + 2]!);
      const start = i * SLOT_BYTES;
      const end = start + length;
      const segment = meta[i * 4 + 3]!;
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
}
