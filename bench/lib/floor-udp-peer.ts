/**
 * One end of the raw UDP floor (bench/lib/floor.ts): plain node:dgram on 127.0.0.1, nothing of
 * bt-tui. Run as a child process, one per role, so each end's CPU is its own:
 *
 *   node --import tsx bench/lib/floor-udp-peer.ts receive ACK_EVERY HOST [batched]
 *   node --import tsx bench/lib/floor-udp-peer.ts send PORT TOTAL_BYTES DATAGRAM_BYTES WINDOW HOST \
 *     [batched]
 *
 * `batched`: the same through bt-tui's udp_batch addon alone (source/net/native-udp.ts): the
 * receiver reads with recvmmsg, the sender sends up to 64 datagrams per sendmmsg. No engine code
 * either way: it is the floor for a process that batches its system calls, as bt-tui does.
 *
 * The receiver prints `{"port":N}`, then, after the sender's FIN, one JSON line of figures; so
 * does the sender once the FIN is answered. CPU is process.cpuUsage() from the first datagram
 * (receiver) or the first send (sender) to the end: node's start-up is not in it.
 *
 * Flow control as NOTES.md found necessary on loopback (unpaced blasting loses half): the
 * sender keeps at most WINDOW datagrams unacknowledged; the receiver acks every ACK_EVERY
 * datagrams with its running count. A lost datagram would hold a window slot forever, so when
 * no ack came for STALL_MS the sender asks (SYNC) and counts what the receiver never got as
 * dropped: datagrams on loopback arrive in order, so the count answering a SYNC is final for
 * everything sent before it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { BatchedSocket, MAX_SEND_BATCH } from '../../source/net/native-udp.ts';
import type { RemoteAddress } from '../../source/net/transport.ts';

/** Control datagrams from the sender, told apart from data by their length alone. */
const SYNC_BYTES = 1; // ack now
const FIN_BYTES = 2; // ack now, report, exit
/** Every ack is [kind u8][datagrams received so far f64]. */
const ACK_BYTES = 9;
const ACK_PERIODIC = 0;
const ACK_SYNC = 1;
const ACK_FIN = 2;
/** Both sockets get bt-tui's receive buffer size (the kernel caps it at rmem_max). */
const SOCKET_BUFFER_BYTES = 8 * 1024 * 1024;
/** No ack for this long with datagrams outstanding: some were dropped, ask the receiver. */
const STALL_MS = 50;

/** What each end prints when it is done (one JSON line). */
export interface UdpEndFigures {
  datagrams: number;
  bytes: number;
  cpuSeconds: number;
  wallSeconds: number;
  /** Sender only: datagrams sent that the receiver never got. */
  dropped?: number;
}

/** Binds `host` (the receiver's address), or any address (the sender: the kernel picks the route). */
function openSocket(host?: string): Promise<Socket> {
  const socket = createSocket({
    type: 'udp4',
    recvBufferSize: SOCKET_BUFFER_BYTES,
    sendBufferSize: SOCKET_BUFFER_BYTES,
  });
  socket.on('error', (error) => {
    console.error(`floor udp: ${error.message}`);
    process.exit(1);
  });
  return new Promise((resolve) => socket.bind(0, host, () => resolve(socket)));
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function ack(socket: Socket, kind: number, count: number, to: RemoteAddress, sent = () => {}) {
  const datagram = Buffer.allocUnsafe(ACK_BYTES);
  datagram.writeUInt8(kind, 0);
  datagram.writeDoubleBE(count, 1);
  socket.send(datagram, to.port, to.address, sent);
}

/** Calls `handler` for each datagram: from node:dgram, or from the addon's batches. */
function onDatagram(
  socket: Socket,
  batched: boolean,
  handler: (datagram: Buffer, from: RemoteAddress) => void,
): BatchedSocket | null {
  if (!batched) {
    socket.on('message', handler);
    return null;
  }
  const attached = BatchedSocket.attach(socket, handler);
  if (attached === null) {
    console.error('floor udp: the udp_batch addon is not built (npm ci builds it)');
    process.exit(1);
  }
  return attached;
}

async function receive(ackEvery: number, host: string, batched: boolean): Promise<void> {
  const socket = await openSocket(host);
  let datagrams = 0;
  let bytes = 0;
  let cpuStart: NodeJS.CpuUsage | null = null;
  let startMs = 0;
  let attached: BatchedSocket | null = null;
  attached = onDatagram(socket, batched, (datagram, from) => {
    if (datagram.length > FIN_BYTES) {
      if (cpuStart === null) {
        cpuStart = process.cpuUsage();
        startMs = performance.now();
      }
      datagrams++;
      bytes += datagram.length;
      if (datagrams % ackEvery === 0) ack(socket, ACK_PERIODIC, datagrams, from);
      return;
    }
    if (datagram.length !== FIN_BYTES) return ack(socket, ACK_SYNC, datagrams, from);
    const figures: UdpEndFigures = {
      datagrams,
      bytes,
      cpuSeconds: cpuStart === null ? 0 : cpuSecondsSince(cpuStart),
      wallSeconds: (performance.now() - startMs) / 1000,
    };
    console.log(JSON.stringify(figures));
    // Closing before the send completes would cancel it.
    ack(socket, ACK_FIN, datagrams, from, () => {
      attached?.close();
      socket.close();
    });
  });
  console.log(JSON.stringify({ port: socket.address().port }));
}

async function send(
  port: number,
  totalBytes: number,
  datagramBytes: number,
  window: number,
  host: string,
  batched: boolean,
) {
  const socket = await openSocket();
  const total = Math.ceil(totalBytes / datagramBytes);
  // One buffer for every datagram: the floor measures the system calls, not filling memory.
  const payload = Buffer.alloc(datagramBytes, 0x5a);
  // Batched: a run of the largest batch, every datagram the same bytes, sent from its start.
  const run = { buffer: Buffer.alloc(datagramBytes * MAX_SEND_BATCH, 0x5a), stride: datagramBytes };
  let sent = 0;
  let received = 0; // the receiver's count in its newest ack
  let dropped = 0;
  let sentAtSync = 0;
  let lastAckMs = performance.now();
  let finSent = false;
  const cpuStart = process.cpuUsage();
  const startMs = performance.now();
  let attached: BatchedSocket | null = null;
  const fill = () => {
    while (sent < total && sent - received - dropped < window) {
      if (attached === null) {
        socket.send(payload, port, host);
        sent++;
        continue;
      }
      const count = Math.min(MAX_SEND_BATCH, total - sent, window - (sent - received - dropped));
      const to = attached.destinationOf(host);
      if (to === null) throw new Error(`the addon cannot send to ${host}`);
      const taken = attached.sendRun({ ...run, count, lastLength: datagramBytes }, to, port);
      if (taken <= 0) break; // the kernel's buffer is full: the next ack comes
      sent += taken;
    }
    // FIN follows the last datagram; on loopback it arrives after every one of them.
    if (sent === total && !finSent) {
      finSent = true;
      socket.send(Buffer.alloc(FIN_BYTES), port, host);
    }
  };
  const watchdog = setInterval(() => {
    if (performance.now() - lastAckMs < STALL_MS) return;
    lastAckMs = performance.now();
    sentAtSync = sent;
    socket.send(Buffer.alloc(finSent ? FIN_BYTES : SYNC_BYTES), port, host);
  }, STALL_MS);
  attached = onDatagram(socket, batched, (datagram) => {
    if (datagram.length !== ACK_BYTES) return;
    const kind = datagram.readUInt8(0);
    const count = datagram.readDoubleBE(1);
    received = Math.max(received, count);
    lastAckMs = performance.now();
    // Everything sent before the SYNC arrived before it, or never will.
    if (kind === ACK_SYNC) dropped = Math.max(dropped, sentAtSync - count);
    if (kind !== ACK_FIN) return fill();
    clearInterval(watchdog);
    const figures: UdpEndFigures = {
      datagrams: sent,
      bytes: sent * datagramBytes,
      cpuSeconds: cpuSecondsSince(cpuStart),
      wallSeconds: (performance.now() - startMs) / 1000,
      dropped: sent - count,
    };
    console.log(JSON.stringify(figures));
    attached?.close();
    socket.close();
  });
  fill();
}

const [role, ...args] = process.argv.slice(2);
if (role === 'receive') {
  await receive(Number(args[0]), args[1]!, args[2] === 'batched');
} else if (role === 'send') {
  const [port, totalBytes, datagramBytes, window] = args.map(Number);
  await send(port!, totalBytes!, datagramBytes!, window!, args[4]!, args[5] === 'batched');
} else {
  console.error(
    'usage: floor-udp-peer.ts receive ACK_EVERY HOST [batched] | send PORT TOTAL DATAGRAM WINDOW HOST [batched]',
  );
  process.exit(2);
}
