import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { reachableFromIpv6, unmappedIpv4 } from './ipv4-mapped.ts';
import { machineAddresses } from './machine-addresses.ts';
import { BatchedSocket, MAX_SEND_BATCH } from './native-udp.ts';

/**
 * dgram resolves the address of every send through dns.lookup, which answers even an IP literal
 * on the next tick. Our peers are always IP literals, so answer at once: on a seeder that is one
 * tick and a closure less per DATA datagram. Anything else still goes to dns.lookup.
 */
function literalLookup(
  hostname: string,
  options: LookupOneOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, options, callback);
}

/** Same shape as node's rinfo, so received addresses pass through without copying. */
export interface RemoteAddress {
  address: string;
  port: number;
}

/** Datagrams laid out in `buffer` every `stride` bytes from its start (a seeder's run of DATA). */
export interface DatagramRun {
  buffer: Buffer;
  stride: number;
  count: number;
  /** The last datagram's length; every other one is `stride` bytes long. */
  lastLength: number;
}

/** A datagram socket as the engines see it: the real one, or a fault-injecting wrapper. */
export interface DatagramTransport {
  /** Fire and forget; a send error is counted, never thrown. */
  send(datagram: Uint8Array, length: number, to: RemoteAddress): void;
  /**
   * send() for the bulk of DATA: an error is neither thrown nor counted. Counting takes a callback
   * per datagram, and node runs each on a tick of its own; a peer whose DATA cannot be sent fails
   * the control messages to it as well, and those are counted.
   */
  sendUncounted(datagram: Uint8Array, length: number, to: RemoteAddress): void;
  /** sendUncounted() of every datagram of a run: one system call where it can. */
  sendUncountedRun(run: DatagramRun, to: RemoteAddress): void;
  /**
   * One handler. `datagram` is valid only during the call: batched receiving reuses its memory
   * for the next batch, so a receiver that keeps bytes copies them. `from` may be shared by
   * many calls and must not be changed.
   */
  setReceiver(handler: (datagram: Buffer, from: RemoteAddress) => void): void;
  /** True when received datagrams live in reused memory (nothing per datagram to collect). */
  readonly receivesIntoReusedMemory: boolean;
  /**
   * The largest datagram that reaches `to` in one frame, where runs of such datagrams cost about
   * what one large fragmented datagram does (sent segmented, received coalesced: UDP GSO and
   * GRO); null where small datagrams would cost more, or the route is not known.
   */
  unfragmentedPayloadBytes(to: RemoteAddress): number | null;
  /** Datagrams that arrived coalesced with others in one receive (GRO), since it opened. */
  readonly coalescedDatagrams: number;
  /** Whether the kernel coalesces what arrives (UDP GRO through the addon). */
  readonly coalescesReceived: boolean;
  readonly localAddress: RemoteAddress;
  /** Receive buffer the kernel granted (Linux doubles the request and caps it at rmem_max). */
  readonly receiveBufferBytes: number;
  /** Send buffer the kernel granted. */
  readonly sendBufferBytes: number;
  /** Sends that failed (synchronously or in the send callback) since the transport opened. */
  readonly sendErrors: number;
  /**
   * Why sends to `address` fail (an errno code such as `ENETUNREACH`) when the latest send to it
   * failed (among the latest few addresses that failed); null otherwise. The kernel's answer,
   * which a request that times out cannot tell: a node says it instead of "did not answer".
   */
  sendFailureTo(address: string): string | null;
  /**
   * Datagrams handed to send() that the kernel has not taken yet (its send buffer was full): their
   * bytes must stay as they are until then. A wrapper that holds datagrams back holds copies, so
   * it reports its inner transport's count.
   */
  readonly unsentDatagrams: number;
  close(): Promise<void>;
}

/** Why a socket could not be opened, with a sentence for a person. */
export type OpenError = {
  code: 'address-in-use' | 'address-not-available' | 'permission' | 'other';
  message: string;
};

/** Options for openUdpTransport; buffer sizes are requests, the kernel decides what it grants. */
export interface OpenUdpOptions {
  host: string;
  /** 0 picks any free port; localAddress reports the real one. */
  port: number;
  receiveBufferBytes: number;
  sendBufferBytes: number;
}

function ignoreDatagram(): void {}

const EMPTY_BUFFER = Buffer.alloc(0);

/** Addresses whose failed sends are remembered (a node's trackers, a few owners). */
const MAX_FAILURES_KEPT = 16;

/** The real node:dgram socket behind DatagramTransport. */
class UdpTransport implements DatagramTransport {
  sendErrors = 0;
  /** 'error' events after bind (receive errors); counted so they never crash the process. */
  socketErrors = 0;
  readonly localAddress: RemoteAddress;
  readonly receiveBufferBytes: number;
  readonly sendBufferBytes: number;
  private receiver: (datagram: Buffer, from: RemoteAddress) => void = ignoreDatagram;
  /** The addon's batched receive and send on this socket, or null for node:dgram alone. */
  private readonly batched: BatchedSocket | null;
  private closed = false;
  private closing: Promise<void> | null = null;
  /** An IPv6 socket: its IPv4 peers (bound to `::`) are named as ipv4-mapped.ts says. */
  private readonly ipv6: boolean;
  private readonly singleRun: DatagramRun = {
    buffer: EMPTY_BUFFER,
    stride: 0,
    count: 1,
    lastLength: 0,
  };
  /** Errno code of the latest failed send per address, the latest 16 (see sendFailureTo). */
  private readonly failures = new Map<string, string>();
  // One callback for every send, created once: no closure per datagram on the hot path.
  // node:dgram's send errors carry the address they were for.
  private readonly afterSend = (error: Error | null): void => {
    if (!error) return;
    this.sendErrors++;
    const { code, address } = error as Error & { code?: unknown; address?: unknown };
    if (typeof address === 'string')
      this.noteFailure(unmappedIpv4(address), String(code ?? error.message));
  };

  constructor(private readonly socket: Socket) {
    const bound = socket.address();
    this.localAddress = { address: bound.address, port: bound.port };
    this.receiveBufferBytes = socket.getRecvBufferSize();
    this.sendBufferBytes = socket.getSendBufferSize();
    socket.on('error', () => {
      this.socketErrors++;
    });
    this.ipv6 = bound.family === 'IPv6';
    socket.on(
      'message',
      this.ipv6
        ? (datagram, rinfo) => this.receiver(datagram, unmappedSource(rinfo))
        : (datagram, rinfo) => this.receiver(datagram, rinfo),
    );
    this.batched = BatchedSocket.attach(socket, (datagram, from) => this.receiver(datagram, from));
  }

  get receivesIntoReusedMemory(): boolean {
    return this.batched !== null;
  }

  unfragmentedPayloadBytes(to: RemoteAddress): number | null {
    return this.batched?.unfragmentedPayloadBytes(to.address) ?? null;
  }

  get coalescedDatagrams(): number {
    return this.batched?.coalescedDatagrams ?? 0;
  }

  get coalescesReceived(): boolean {
    return this.batched?.coalesces ?? false;
  }

  send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    if (this.closed) {
      this.sendErrors++;
      return;
    }
    const direct = this.sendDirect(datagram, length, to);
    if (direct < 0) {
      this.sendErrors++;
      this.noteFailure(to.address, errnoCode(-direct));
    }
    if (direct !== 0) return;
    try {
      this.socket.send(datagram, 0, length, to.port, this.sendAddress(to), this.afterSend);
    } catch {
      // Bad port or address, or a datagram over 65507 bytes: a value problem, not a crash.
      this.sendErrors++;
    }
  }

  /** Where node:dgram sends for `to`: an IPv4 peer of an IPv6 socket at its mapped address. */
  private sendAddress(to: RemoteAddress): string {
    return this.ipv6 ? reachableFromIpv6(to.address) : to.address;
  }

  sendFailureTo(address: string): string | null {
    return this.failures.get(address) ?? null;
  }

  private noteFailure(address: string, code: string): void {
    const failures = this.failures;
    failures.delete(address);
    if (failures.size === MAX_FAILURES_KEPT) failures.delete(failures.keys().next().value!);
    failures.set(address, code);
  }

  sendUncounted(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    if (this.closed || this.sendDirect(datagram, length, to) !== 0) return;
    try {
      this.socket.send(datagram, 0, length, to.port, this.sendAddress(to));
    } catch {}
  }

  sendUncountedRun(run: DatagramRun, to: RemoteAddress): void {
    if (this.closed) return;
    const sent = this.sendRunNow(run, to);
    if (sent < 0) return; // refused with an error: uncounted, as for sendUncounted
    // What the kernel did not take (its send buffer was full) waits in node's queue.
    sendEachFrom(sent, run, to, this);
  }

  /**
   * One datagram as a run of one (sendRunNow). node:dgram spends a SendWrap, an async-hooks
   * scope and the address lookup on every send, and with a callback one more JS callback when
   * the send completes: for the small control datagrams (REQUEST, HAVE, acks) that was more CPU
   * than the system call (7 % of a leecher's in a LAN crowd).
   */
  private sendDirect(datagram: Uint8Array, length: number, to: RemoteAddress): number {
    if (length > datagram.length) return 0;
    const run = this.singleRun;
    run.buffer = datagram as Buffer;
    run.stride = length;
    run.lastLength = length;
    const sent = this.sendRunNow(run, to);
    run.buffer = EMPTY_BUFFER; // keeps no datagram alive
    return sent;
  }

  /**
   * A run through the addon in one system call: how many datagrams the kernel took, -1 when it
   * refused them with an error, 0 when the addon does not take it (none, a host name or an
   * address of the other family, a port node would refuse, more than a batch, node still
   * queues datagrams that must go first) or the kernel's send buffer is full. What is not sent
   * here, node:dgram sends.
   */
  private sendRunNow(run: DatagramRun, to: RemoteAddress): number {
    // Sending to an address that failed before: this send says anew whether it still fails.
    if (this.failures.size !== 0) this.failures.delete(to.address);
    const batched = this.batched;
    const port = to.port;
    const portOk = port > 0 && port <= 65_535 && (port | 0) === port;
    if (batched === null || !portOk || run.count > MAX_SEND_BATCH) return 0;
    const destination = batched.destinationOf(to.address);
    // Behind datagrams node still queues, a run would overtake them: it queues too.
    if (destination === null || this.socket.getSendQueueCount() !== 0) return 0;
    return batched.sendRun(run, destination, port);
  }

  get unsentDatagrams(): number {
    // A closed socket cannot be asked: report one, so that nothing it may hold is reused.
    return this.closed ? 1 : this.socket.getSendQueueCount();
  }

  setReceiver(handler: (datagram: Buffer, from: RemoteAddress) => void): void {
    this.receiver = handler;
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closed = true;
      this.batched?.close();
      this.closing = new Promise((resolve) => this.socket.close(() => resolve()));
    }
    return this.closing;
  }
}

/** A sender as the rest of bt-tui names it (an IPv4 one as `a.b.c.d`, see ipv4-mapped.ts). */
function unmappedSource(rinfo: RemoteAddress): RemoteAddress {
  const address = unmappedIpv4(rinfo.address);
  return address === rinfo.address ? rinfo : { address, port: rinfo.port };
}

/** `its addresses: 127.0.0.1, 10.0.0.7, ::1`: for the one who gave --host another. */
function describeAddresses(): string {
  const addresses = machineAddresses();
  return addresses.length === 0 ? 'it has none' : `its addresses: ${addresses.join(', ')}`;
}

/** `ENETUNREACH` for the errno the addon returned negated (its name, as node:dgram's errors). */
function errnoCode(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}

/** Sends the datagrams of `run` from index `first` on, one sendUncounted() each. */
export function sendEachFrom(
  first: number,
  run: DatagramRun,
  to: RemoteAddress,
  transport: Pick<DatagramTransport, 'sendUncounted'>,
): void {
  const { buffer, stride, count, lastLength } = run;
  for (let i = first; i < count; i++) {
    transport.sendUncounted(buffer.subarray(i * stride), i + 1 === count ? lastLength : stride, to);
  }
}

/** Binds a UDP socket (udp4 or udp6 by the host) with the requested kernel buffers. */
export async function openUdpTransport(
  opts: OpenUdpOptions,
): Promise<{ ok: true; transport: DatagramTransport } | { ok: false; error: OpenError }> {
  let socket: Socket;
  try {
    socket = createSocket({
      // isIP tries IPv4 first: node compiles its IPv6 pattern (~9 ms here) only for IPv6 hosts.
      type: isIP(opts.host) === 6 ? 'udp6' : 'udp4',
      recvBufferSize: opts.receiveBufferBytes,
      sendBufferSize: opts.sendBufferBytes,
      lookup: literalLookup,
    });
  } catch (error) {
    return { ok: false, error: describeOpenFailure(error, opts) };
  }
  const bindError = await new Promise<unknown>((resolve) => {
    const onError = (error: Error): void => resolve(error);
    socket.once('error', onError);
    try {
      socket.bind(opts.port, opts.host, () => {
        socket.off('error', onError);
        resolve(null);
      });
    } catch (error) {
      socket.off('error', onError);
      resolve(error);
    }
  });
  if (bindError !== null) {
    // The socket never bound: closing it may throw ERR_SOCKET_DGRAM_NOT_RUNNING, which is fine.
    socket.on('error', () => {});
    try {
      socket.close();
    } catch {}
    return { ok: false, error: describeOpenFailure(bindError, opts) };
  }
  return { ok: true, transport: new UdpTransport(socket) };
}

function describeOpenFailure(error: unknown, opts: OpenUdpOptions): OpenError {
  const code = (error as { code?: unknown } | null)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'EADDRINUSE':
      return {
        code: 'address-in-use',
        message: `port ${opts.port} on ${opts.host} is already in use (is another bt-tui running?)`,
      };
    case 'EADDRNOTAVAIL':
      return {
        code: 'address-not-available',
        message: `${opts.host} is not an address of this machine (${describeAddresses()}), so nothing can listen on it`,
      };
    case 'EACCES':
    case 'EPERM':
      return {
        code: 'permission',
        message: `not allowed to open port ${opts.port} on ${opts.host} (ports below 1024 need privileges)`,
      };
    default:
      return { code: 'other', message: `cannot open port ${opts.port} on ${opts.host}: ${detail}` };
  }
}
