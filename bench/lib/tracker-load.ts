/**
 * Load generator for bench/tracker-scale.ts, run as its own process:
 *
 *   node --import tsx bench/lib/tracker-load.ts PORT NODES RAMP_PER_SEC MEASURE_SEC [FIRST TOTAL]
 *
 * Simulates NODES nodes (global indexes FIRST.. of a swarm of TOTAL: several generators share a
 * swarm when one process may not hold enough sockets), each with its own UDP socket on its own loopback address
 * (127.A.B.C: Linux answers for all of 127.0.0.0/8), speaking the real codec: REGISTER, OWN a
 * few files, heartbeat once per the period REGISTERED asks for, and a fraction NEED a file of
 * another node and UPDATE a credit for it once per period. Prints progress lines and, last,
 * one line `RESULT {json}` with the figures of the measured window.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { identityFromSeed, type NodeIdentity } from '../../source/peer/identity.ts';
import { decode, encode } from '../../source/protocol/codec.ts';
import { DOWNLOAD_ID_BYTES } from '../../source/protocol/codec-tracker.ts';
import type { TrackerRequest } from '../../source/protocol/messages.ts';
import { registrationSigningBytes } from '../../source/protocol/signatures.ts';
import { LATENCY_BUCKETS, latencyBucket } from './latency-histogram.ts';
import type { LoadResult } from './load-result.ts';

const TRACKER_HOST = '127.0.0.1';
/** Files each node OWNs. */
const FILES_PER_NODE = 3;
/** One node in this many also NEEDs and UPDATEs once per heartbeat period. */
const NEEDER_EVERY = 10;
/** No reply within this long: the request counts as timed out (no retry, except REGISTER). */
const REPLY_TIMEOUT_MS = 2_000;
/** The schedule advances in ticks of this length. */
const TICK_MS = 10;

type Phase = 'ramp' | 'measure' | 'drain';

interface SimNode {
  readonly id: number;
  readonly host: string;
  socket: Socket | null;
  token: Buffer | null;
  /** The next registration retry waits this long (jittered), as a real node's does. */
  retryDelayMs: number;
}

/** A real node's registration backoff (peer/tracker-client.ts): 1 s, doubling, at most 30 s. */
const RETRY_MIN_MS = 1_000;
const RETRY_CAP_MS = 30_000;

interface Pending {
  sentMs: number;
  node: SimNode;
  type: TrackerRequest['type'];
  phase: Phase;
}

const [portText, nodesText, rampText, measureText, firstText = '0', totalText = nodesText] =
  process.argv.slice(2);
const trackerPort = Number(portText);
const nodeCount = Number(nodesText);
const rampPerSecond = Number(rampText);
const measureSeconds = Number(measureText);
const firstIndex = Number(firstText);
const totalNodes = Number(totalText);
if (
  ![trackerPort, nodeCount, rampPerSecond, measureSeconds, totalNodes].every((n) => n > 0) ||
  !(firstIndex >= 0)
) {
  console.error('usage: tracker-load.ts PORT NODES RAMP_PER_SEC MEASURE_SEC [FIRST TOTAL]');
  process.exit(2);
}

/** Node i's own loopback address: 127.A.B.C with B and C in 1..254. */
function hostOf(index: number): string {
  const c = 1 + (index % 254);
  const b = 1 + (Math.floor(index / 254) % 254);
  const a = 1 + Math.floor(index / (254 * 254));
  return `127.${a}.${b}.${c}`;
}

const nodes: SimNode[] = Array.from({ length: nodeCount }, (_, offset) => ({
  id: firstIndex + offset + 1,
  host: hostOf(firstIndex + offset),
  socket: null,
  token: null,
  retryDelayMs: RETRY_MIN_MS,
}));
const pending = new Map<number, Pending>();
let nextTxid = 1;
let phase: Phase = 'ramp';
let heartbeatIntervalMs = 0;
const measured = {
  sent: 0,
  answered: 0,
  timedOut: 0,
  errors: {} as Record<string, number>,
  byType: {} as Record<string, number>,
  latencyHistogram: new Array<number>(LATENCY_BUCKETS).fill(0),
  latencyMaxMs: null as number | null,
};
let rampTimedOut = 0;
let registered = 0;

function send(node: SimNode, request: TrackerRequest): void {
  const txid = nextTxid;
  nextTxid = nextTxid >= 0xffff_ffff ? 1 : nextTxid + 1;
  pending.set(txid, { sentMs: performance.now(), node, type: request.type, phase });
  if (phase === 'measure') measured.sent++;
  node.socket?.send(encode(txid, request), trackerPort, TRACKER_HOST);
}

function fileName(nodeId: number, file: number): string {
  return `sim-${nodeId}-${file}.bin`;
}

/** A stable fake infohash per (node, file), so an OWN resent after re-registering is the same. */
function infohashOf(nodeId: number, file: number): Buffer {
  const hash = Buffer.alloc(32);
  hash.writeUInt32BE(nodeId, 0);
  hash.writeUInt32BE(file, 4);
  hash.write('bt-tui-sim', 8);
  return hash;
}

/** Each simulated node's key pair (from its id: reproducible), made before the ramp. */
const identities = new Map<number, NodeIdentity>();

function identityOf(node: SimNode): NodeIdentity {
  let identity = identities.get(node.id);
  if (!identity) {
    const seed = Buffer.alloc(32);
    seed.writeUInt32BE(node.id, 0);
    identity = identityFromSeed(seed);
    identities.set(node.id, identity);
  }
  return identity;
}

/** REGISTER; its CHALLENGE is answered with REGISTER-PROOF in onReply. */
function register(node: SimNode): void {
  send(node, { type: 'register', nodeId: node.id, publicKey: identityOf(node).publicKey });
}

function onReply(node: SimNode, datagram: Buffer): void {
  const decoded = decode(datagram);
  if (!decoded.ok) return;
  const entry = pending.get(decoded.txid);
  if (entry === undefined || entry.node !== node) return; // late (already timed out) or stray
  pending.delete(decoded.txid);
  const { message } = decoded;
  if (entry.phase === 'measure') {
    measured.answered++;
    measured.byType[entry.type] = (measured.byType[entry.type] ?? 0) + 1;
    const latencyMs = performance.now() - entry.sentMs;
    const bucket = latencyBucket(latencyMs);
    measured.latencyHistogram[bucket] = (measured.latencyHistogram[bucket] ?? 0) + 1;
    measured.latencyMaxMs = Math.max(measured.latencyMaxMs ?? 0, latencyMs);
    if (message.type === 'error') {
      measured.errors[message.code] = (measured.errors[message.code] ?? 0) + 1;
    }
  }
  if (message.type === 'challenge') {
    const identity = identityOf(node);
    send(node, {
      type: 'register-proof',
      nodeId: node.id,
      publicKey: identity.publicKey,
      challenge: message.challenge,
      signature: identity.sign(registrationSigningBytes(message.challenge)),
    });
  } else if (message.type === 'registered') {
    if (node.token === null) registered++;
    node.retryDelayMs = RETRY_MIN_MS;
    node.token = Buffer.from(message.token);
    heartbeatIntervalMs ||= message.heartbeatIntervalMs;
    for (let file = 0; file < FILES_PER_NODE; file++) {
      send(node, {
        type: 'own',
        state: 'complete',
        token: node.token,
        infohash: infohashOf(node.id, file),
        size: 1024 * 1024,
        name: fileName(node.id, file),
      });
    }
  } else if (message.type === 'error' && message.code === 'reregister') {
    register(node);
  }
}

function openSocket(node: SimNode): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.on('message', (datagram) => onReply(node, datagram));
    socket.once('error', reject);
    socket.bind(0, node.host, () => {
      socket.off('error', reject);
      socket.on('error', () => {}); // An ICMP error on send must not kill the generator.
      node.socket = socket;
      resolve();
    });
  });
}

/** Counts and forgets requests unanswered for REPLY_TIMEOUT_MS; REGISTER is sent again. */
function expire(nowMs: number): void {
  for (const [txid, entry] of pending) {
    if (nowMs - entry.sentMs < REPLY_TIMEOUT_MS) break; // Insertion order = send order.
    pending.delete(txid);
    if (entry.phase === 'measure') measured.timedOut++;
    else if (entry.phase === 'ramp') rampTimedOut++;
    const registering = entry.type === 'register' || entry.type === 'register-proof';
    if (registering && phase !== 'drain') retryLater(entry.node);
  }
}

/**
 * Registers again after the node's backoff. Retrying at once, as this generator used to, is
 * what no real node does: when the tracker fell behind, every timeout added a request and the
 * ramp collapsed into a storm of retries (4 million in 2 minutes at 100,000 nodes).
 */
function retryLater(node: SimNode): void {
  const delayMs = node.retryDelayMs * (0.5 + Math.random());
  node.retryDelayMs = Math.min(node.retryDelayMs * 2, RETRY_CAP_MS);
  setTimeout(() => {
    if (phase !== 'drain') register(node);
  }, delayMs).unref();
}

/** One heartbeat period of node `index`: heartbeat, and for a needer NEED + UPDATE. */
function beat(node: SimNode): void {
  if (node.token === null) return;
  send(node, { type: 'heartbeat', token: node.token });
  if (node.id % NEEDER_EVERY !== 0) return;
  // Another node of the whole swarm (maybe one of another generator): its id is enough.
  const other = { id: 1 + ((node.id * 7919) % totalNodes) };
  send(node, {
    type: 'need',
    exclude: [],
    token: node.token,
    query: { kind: 'name', name: fileName(other.id, node.id % FILES_PER_NODE) },
    maxOwners: 3,
  });
  send(node, {
    type: 'update',
    token: node.token,
    infohash: infohashOf(other.id, node.id % FILES_PER_NODE),
    downloadId: randomBytes(DOWNLOAD_ID_BYTES),
    credits: [{ nodeId: other.id, bytes: 1024 * 1024 }],
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Sockets first (binding 100k sockets takes a while and is not the tracker's cost).
for (let start = 0; start < nodes.length; start += 1_000) {
  await Promise.all(nodes.slice(start, start + 1_000).map(openSocket));
}
// Key pairs before the ramp too: making one costs the generator ~0.2 ms, and during the ramp that
// CPU would be taken from the tracker under test on this 2-core machine.
for (const node of nodes) identityOf(node);
console.log(
  `bound ${nodes.length} sockets on ${hostOf(firstIndex)}..${hostOf(firstIndex + nodes.length - 1)}`,
);

// Heartbeats run from the first REGISTER on, not only in the window: a node registered early in
// a long ramp would otherwise be silent for more than two sweeps and be dropped. Each node beats
// once per period the tracker asked for, spread evenly (a node not yet registered skips a turn).
const rampStartMs = performance.now();
let beaten = 0;
const wheel = setInterval(() => {
  if (heartbeatIntervalMs === 0) return;
  const elapsedMs = performance.now() - rampStartMs;
  const due = Math.floor((elapsedMs / heartbeatIntervalMs) * nodes.length);
  for (; beaten < due; beaten++) beat(nodes[beaten % nodes.length]!);
}, TICK_MS);

// Ramp: REGISTER (then OWN) at rampPerSecond, until every node is registered or the ramp took
// twice its schedule (and at least 2 min).
const expiry = setInterval(() => expire(performance.now()), 100);
const rampLimitMs = Math.max(120_000, (2_000 * nodes.length) / rampPerSecond);
let nextToRegister = 0;
while (registered < nodes.length && performance.now() - rampStartMs < rampLimitMs) {
  const due = Math.min(
    nodes.length,
    Math.floor(((performance.now() - rampStartMs) / 1000) * rampPerSecond) + 1,
  );
  for (; nextToRegister < due; nextToRegister++) register(nodes[nextToRegister]!);
  await sleep(TICK_MS);
}
const rampSeconds = (performance.now() - rampStartMs) / 1000;
console.log(`registered ${registered}/${nodes.length} in ${rampSeconds.toFixed(1)} s`);
await sleep(500); // Let the last OWNs be answered outside the measured window.

// Measure: only the counting starts here; the schedule is the one above.
const periodMs = heartbeatIntervalMs || 10_000;
const measureStartMs = performance.now();
phase = 'measure';
await sleep(measureSeconds * 1000);
clearInterval(wheel);
const windowSeconds = (performance.now() - measureStartMs) / 1000;
phase = 'drain';
// Requests of the window still in flight get their full timeout.
await sleep(REPLY_TIMEOUT_MS + 200);
expire(performance.now() + REPLY_TIMEOUT_MS);
clearInterval(expiry);
for (const node of nodes) node.socket?.close();

const result: LoadResult = {
  nodes: nodes.length,
  registered,
  heartbeatIntervalMs: periodMs,
  measureSeconds: windowSeconds,
  sent: measured.sent,
  answered: measured.answered,
  timedOut: measured.timedOut,
  errors: measured.errors,
  byType: measured.byType,
  latencyHistogram: measured.latencyHistogram,
  latencyMaxMs: measured.latencyMaxMs,
  rampSeconds,
  rampTimedOut,
};
console.log(`RESULT ${JSON.stringify(result)}`);
