/**
 * The trackers' reply latency as the wire sees it: tcpdump captures the trackers' UDP traffic on
 * the loopback interface, and each request is paired with its reply by (node address, node port,
 * txid). Both times are stamped by the kernel when the packet passes the interface, so the
 * figure is the tracker's own answer time (waiting in its socket, waiting for a CPU, working, a
 * shared store's write) and none of the load generators' pauses, which on a 2-core machine
 * shared with several generator processes are most of what a generator measures itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  HEADER_BYTES,
  isReplyType,
  MESSAGE_TYPES,
  PROTOCOL_MAGIC,
} from '../../source/protocol/codec.ts';
import { LATENCY_BUCKETS, latencyBucket } from './latency-histogram.ts';
import type { TrackedProcess } from './processes.ts';
import { ensureTools } from './tools.ts';
import type { Workspace } from './workspace.ts';

/** Ethernet (loopback on Linux) + IPv4 without options + UDP + our header. */
const SNAP_BYTES = 14 + 20 + 8 + HEADER_BYTES + 8;
/** An answer slower than this counts in `slowBySecond` (the issue's target for NEED p99). */
const SLOW_MS = 5;
/** Kernel buffer for the capture, KiB: no drops at 100,000 nodes, ramp (~10,000 packets/s) included. */
const CAPTURE_BUFFER_KIB = 32_768;

/** Reply latencies on the wire, as histograms of latency-histogram.ts. */
export interface WireLatency {
  histogram: number[];
  needHistogram: number[];
  /** Per second of the window: requests answered in over SLOW_MS (where the tail comes from). */
  slowBySecond: number[];
  /** Requests seen with a reply, and without one before the capture ended. */
  paired: number;
  unanswered: number;
  /** Packets the kernel dropped before tcpdump read them (then pairs are missing, not wrong). */
  droppedByKernel: number | null;
}

/** A running capture; `stop` ends it and reads what it caught. */
export interface WireCapture {
  /** Ends the capture; counts the requests first sent within [fromEpochMs, toEpochMs). */
  stop(fromEpochMs: number, toEpochMs: number): Promise<WireLatency>;
}

/**
 * Captures UDP to and from `ports` on the loopback interface until `stop`. Needs tcpdump (installed
 * with apt-get as root when missing) and the right to capture (root).
 */
export async function startWireCapture(
  workspace: Workspace,
  ports: readonly number[],
  tag: string,
): Promise<WireCapture> {
  ensureTools({ tcpdump: 'tcpdump' });
  const file = join(workspace.dir, `wire-${tag}.pcap`);
  const filter = `udp and (${ports.map((port) => `port ${port}`).join(' or ')})`;
  const capture: TrackedProcess = workspace.group.spawn('tcpdump', 'tcpdump', [
    '-i',
    'lo',
    '-n',
    '-p',
    '-s',
    String(SNAP_BYTES),
    '-B',
    String(CAPTURE_BUFFER_KIB),
    '-w',
    file,
    filter,
  ]);
  await capture.waitForLine(/listening on lo/, 10_000);
  return {
    stop: async (fromEpochMs, toEpochMs) => {
      process.kill(capture.pid, 'SIGINT');
      await capture.exited;
      const dropped = capture.lines
        .map((line) => /^(\d+) packets? dropped by kernel/.exec(line))
        .find((match) => match !== null);
      return {
        ...pairRequests(readFileSync(file), new Set(ports), fromEpochMs * 1000, toEpochMs * 1000),
        droppedByKernel: dropped ? Number(dropped[1]) : null,
      };
    },
  };
}

/**
 * Pairs each request to a tracker port with the first reply to the same node address, port and
 * txid, counting the requests first seen within [fromUs, toUs) (epoch microseconds, the pcap's
 * clock). A retransmission (same txid) does not restart the clock: the figure is from the first
 * send, as a node waits. Pure: bytes of a pcap file (microsecond, little- or big-endian) in.
 */
export function pairRequests(
  pcap: Buffer,
  trackerPorts: ReadonlySet<number>,
  fromUs: number,
  toUs: number,
): Omit<WireLatency, 'droppedByKernel'> {
  const histogram = new Array<number>(LATENCY_BUCKETS).fill(0);
  const needHistogram = new Array<number>(LATENCY_BUCKETS).fill(0);
  const slowBySecond: number[] = [];
  const open = new Map<string, { atUs: number; isNeed: boolean }>();
  /** Requests of the window already answered: a retransmission of one is not a new request. */
  const answered = new Set<string>();
  let paired = 0;
  const magic = pcap.readUInt32LE(0);
  const littleEndian = magic === 0xa1b2c3d4;
  if (!littleEndian && magic !== 0xd4c3b2a1) throw new Error('not a microsecond pcap file');
  const u32 = (at: number) => (littleEndian ? pcap.readUInt32LE(at) : pcap.readUInt32BE(at));
  for (let at = 24; at + 16 <= pcap.length; ) {
    const atUs = u32(at) * 1e6 + u32(at + 4);
    const captured = u32(at + 8);
    const packet = at + 16;
    at = packet + captured;
    if (captured < SNAP_BYTES - 8 || pcap.readUInt16BE(packet + 12) !== 0x0800) continue;
    const ip = packet + 14;
    const ipHeaderBytes = (pcap[ip]! & 0x0f) * 4;
    if (pcap[ip + 9] !== 17 || ipHeaderBytes !== 20) continue;
    const udp = ip + ipHeaderBytes;
    const body = udp + 8;
    if (pcap.readUInt16BE(body) !== PROTOCOL_MAGIC) continue;
    const type = MESSAGE_TYPES.nameOf(pcap[body + 3]!);
    if (type === undefined) continue;
    const txid = pcap.readUInt32BE(body + 5);
    const sourcePort = pcap.readUInt16BE(udp);
    const destinationPort = pcap.readUInt16BE(udp + 2);
    if (trackerPorts.has(destinationPort) && !isReplyType(type)) {
      const key = `${pcap.readUInt32BE(ip + 12)}:${sourcePort}:${txid}`;
      if (atUs >= fromUs && atUs < toUs && !open.has(key) && !answered.has(key)) {
        open.set(key, { atUs, isNeed: type === 'need' });
      }
    } else if (trackerPorts.has(sourcePort) && isReplyType(type)) {
      const key = `${pcap.readUInt32BE(ip + 16)}:${destinationPort}:${txid}`;
      const request = open.get(key);
      if (!request) continue;
      open.delete(key);
      answered.add(key);
      paired++;
      const latencyMs = (atUs - request.atUs) / 1000;
      if (latencyMs > SLOW_MS) {
        const second = Math.floor((request.atUs - fromUs) / 1e6);
        while (slowBySecond.length <= second) slowBySecond.push(0);
        slowBySecond[second]!++;
      }
      const bucket = latencyBucket(latencyMs);
      histogram[bucket]!++;
      if (request.isNeed) needHistogram[bucket]!++;
    }
  }
  return { histogram, needHistogram, slowBySecond, paired, unanswered: open.size };
}
