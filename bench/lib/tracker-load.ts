/**
 * Load generator for bench/tracker-scale.ts, run as its own process:
 *
 *   node --import tsx bench/lib/tracker-load.ts PORTS NODES RAMP_PER_SEC MEASURE_SEC
 *                                               [FIRST TOTAL [KILL_NOTICE_FILE]]
 *
 * Simulates NODES nodes (global indexes FIRST.. of a swarm of TOTAL: several generators share a
 * swarm when one process may not hold enough sockets), each with its own UDP socket on its own
 * loopback address (127.A.B.C: Linux answers for all of 127.0.0.0/8), speaking the real codec:
 * REGISTER, OWN a few files, heartbeat once per the period REGISTERED asks for, and a fraction
 * NEED a file of another node and UPDATE a credit for it once per period (sim-swarm.ts).
 *
 * PORTS are the trackers on 127.0.0.1, comma-separated, this generator's own first. With one,
 * the generator's simple rules; with several, each node follows the real client's, moving to
 * the next tracker when one stops answering (sim-swarm.ts), and watches KILL_NOTICE_FILE for the
 * bench's announcement of a kill (kill-notice.ts): after the window it goes on until every node
 * that used the killed tracker was answered by another (or a period and the timeouts passed).
 *
 * Prints progress lines and, last, one line `RESULT {json}` with the figures of the window.
 * With several trackers it then keeps its nodes alive with heartbeats until it is stopped.
 */
import { createSocket } from 'node:dgram';
import { defaults } from '../../source/config.ts';
import type { RemoteAddress } from '../../source/net/transport.ts';
import { FAILOVER_REQUEST_RETRIES, TrackerChoice } from '../../source/peer/tracker-choice.ts';
import { FailoverRecorder } from './failover-recorder.ts';
import { epochNowMs } from './kill-notice.ts';
import type { LoadResult } from './load-result.ts';
import type { RequestTiming } from './request-table.ts';
import { newSimNode, type Outgoing, type SimNode } from './sim-node.ts';
import { onTrackerReply } from './sim-replies.ts';
import { SimSwarm } from './sim-swarm.ts';
import { onGivenUp } from './sim-timeouts.ts';

const TRACKER_HOST = '127.0.0.1';
/** The schedule advances in ticks of this length. */
const TICK_MS = 10;
/** A tick sends at most this many times its share of the period's heartbeats (see the wheel). */
const BACKLOG_PACE = 2;
/** How long the window waits, at most, for the heartbeats to be back on schedule after the ramp. */
const CATCH_UP_LIMIT_MS = 30_000;
/** One tracker: no reply within 2 s and the request counts as timed out (no retry but REGISTER). */
const SIMPLE_TIMING: RequestTiming = { timeoutMs: 2_000, retries: 0, timeoutCapMs: 2_000 };
/**
 * Several trackers: the real client's before it knows a tracker's round trips (tracker-client.ts;
 * after, its first wait is 200 ms on loopback: failover measured here is the slower case).
 */
const REAL_CLIENT_TIMING: RequestTiming = {
  timeoutMs: defaults.requestTimeoutMs,
  retries: FAILOVER_REQUEST_RETRIES,
  timeoutCapMs: defaults.requestTimeoutCapMs,
};
/** Several trackers: heartbeats go on after RESULT until the bench stops us, at most this long. */
const LINGER_LIMIT_MS = 180_000;
/** After a kill, followed at most a period, every tracker's timeouts and this much more. */
const FOLLOW_SLACK_MS = 5_000;

const USAGE =
  'usage: tracker-load.ts PORTS NODES RAMP_PER_SEC MEASURE_SEC [FIRST TOTAL [KILL_NOTICE_FILE]]';
const [portsText = '', nodesText, rampText, measureText, firstText = '0', totalText = nodesText] =
  process.argv.slice(2);
const noticePath = process.argv[8] ?? null;
const trackerPorts = portsText.split(',').map(Number);
const nodeCount = Number(nodesText);
const rampPerSecond = Number(rampText);
const measureSeconds = Number(measureText);
const firstIndex = Number(firstText);
const totalNodes = Number(totalText);
if (
  ![...trackerPorts, nodeCount, rampPerSecond, measureSeconds, totalNodes].every((n) => n > 0) ||
  !(firstIndex >= 0)
) {
  console.error(USAGE);
  process.exit(2);
}

/** Node i's own loopback address: 127.A.B.C with B and C in 1..254. */
function hostOf(index: number): string {
  const c = 1 + (index % 254);
  const b = 1 + (Math.floor(index / 254) % 254);
  const a = 1 + Math.floor(index / (254 * 254));
  return `127.${a}.${b}.${c}`;
}

// One array of addresses for every node: TrackerChoice compares trackers by identity.
const trackers: RemoteAddress[] = trackerPorts.map((port) => ({ address: TRACKER_HOST, port }));
const failover = trackers.length > 1;
const timing = failover ? REAL_CLIENT_TIMING : SIMPLE_TIMING;
const recorder = failover ? new FailoverRecorder(firstIndex + 1, nodeCount, noticePath) : null;
const swarm = new SimSwarm({ failover, timing, totalNodes, recorder });
const nodes: SimNode[] = Array.from({ length: nodeCount }, (_, offset) =>
  newSimNode(firstIndex + offset + 1, hostOf(firstIndex + offset), new TrackerChoice(trackers)),
);
const trackerChoices = nodes.map((node) => node.trackers);

function openSocket(node: SimNode): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.on('message', (datagram, from) => onTrackerReply(swarm, node, datagram, from.port));
    socket.once('error', reject);
    socket.bind(0, node.host, () => {
      socket.off('error', reject);
      socket.on('error', () => {}); // An ICMP error on send must not kill the generator.
      node.socket = socket;
      resolve();
    });
  });
}

/** UPDATEs not answered yet: pending, or waiting for their node to register again. */
function updatesInFlight(): number {
  const isUpdate = (item: Outgoing) => item.request.type === 'update';
  let count = 0;
  for (const attempt of swarm.table.items()) if (isUpdate(attempt.item)) count++;
  for (const node of nodes) count += (node.waiting ?? []).filter(isUpdate).length;
  return count;
}

/** A request's whole patience at one tracker: its timeouts, doubled up to the cap, summed. */
function patienceMs({ timeoutMs, retries, timeoutCapMs }: RequestTiming): number {
  let total = 0;
  for (let attempt = 0, wait = timeoutMs; attempt <= retries; attempt++) {
    total += wait;
    wait = Math.min(wait * 2, Math.max(timeoutCapMs, wait));
  }
  return total;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` or `limitMs` passed, looking every 100 ms. */
async function waitUntil(done: () => boolean, limitMs: number): Promise<void> {
  const startMs = performance.now();
  while (!done() && performance.now() - startMs < limitMs) await sleep(100);
}

// Sockets first (binding 100k sockets takes a while and is not the tracker's cost).
for (let start = 0; start < nodes.length; start += 1_000) {
  await Promise.all(nodes.slice(start, start + 1_000).map(openSocket));
}
// Key pairs before the ramp too: making one costs the generator ~0.2 ms, and during the ramp that
// CPU would be taken from the tracker under test on this 2-core machine.
for (const node of nodes) swarm.identityOf(node);
console.log(
  `bound ${nodes.length} sockets on ${hostOf(firstIndex)}..${hostOf(firstIndex + nodes.length - 1)}`,
);

// Heartbeats run from the first REGISTER on, not only in the window: a node registered early in
// a long ramp would otherwise be silent for more than two sweeps and be dropped. Each node beats
// once per period the tracker asked for, spread evenly (a node not yet registered skips a turn).
// A generator that was paused (seven of them share two cores with the tracker) sends what fell
// due meanwhile over the next ticks, at most twice a tick's share each, not all at once: a
// population of real nodes would have sent those on time, never as one burst, and the bursts
// were what the tracker's answer time on the wire measured.
const rampStartMs = performance.now();
let beaten = 0;
/** Heartbeats due since the ramp began, one per node per period. */
const dueBeats = () =>
  swarm.heartbeatIntervalMs === 0
    ? 0
    : Math.floor(((performance.now() - rampStartMs) / swarm.heartbeatIntervalMs) * nodes.length);
/** Heartbeats one tick may send: twice its share of the period's. */
const tickAllowance = () =>
  Math.max(1, Math.ceil((BACKLOG_PACE * nodes.length * TICK_MS) / swarm.heartbeatIntervalMs));
const wheel = setInterval(() => {
  if (swarm.heartbeatIntervalMs === 0) return;
  const last = Math.min(dueBeats(), beaten + tickAllowance());
  for (; beaten < last; beaten++) {
    swarm.beat(nodes[beaten % nodes.length]!, Math.floor(beaten / nodes.length));
  }
}, TICK_MS);

const expiry = setInterval(() => {
  swarm.table.expire(performance.now(), (attempt) => onGivenUp(swarm, attempt, false));
  recorder?.poll(trackerChoices, swarm.table.retransmits);
}, 100);
// Ramp: REGISTER (then OWN) at rampPerSecond, until every node is registered or the ramp took
// twice its schedule (and at least 2 min).
const rampLimitMs = Math.max(120_000, (2_000 * nodes.length) / rampPerSecond);
let nextToRegister = 0;
while (swarm.registeredNodes < nodes.length && performance.now() - rampStartMs < rampLimitMs) {
  const due = Math.min(
    nodes.length,
    Math.floor(((performance.now() - rampStartMs) / 1000) * rampPerSecond) + 1,
  );
  for (; nextToRegister < due; nextToRegister++) swarm.register(nodes[nextToRegister]!);
  await sleep(TICK_MS);
}
const rampSeconds = (performance.now() - rampStartMs) / 1000;
// While the ramp keeps this process busy its wheel falls behind (1,026 and 1,090 of 5,000 nodes'
// beats, 10,000 nodes over two trackers on Redis), and it used to catch up at twice the pace
// inside the window: 11,901-12,595 heartbeats answered where the window holds 10,000, 52,425 for
// 30,000. The window now starts once the wheel is within a tick's allowance of its schedule.
const caughtUpFromMs = performance.now();
await waitUntil(() => dueBeats() - beaten <= tickAllowance(), CATCH_UP_LIMIT_MS);
const backlog = dueBeats() - beaten;
// The window starts on the bench's SIGUSR2, sent once every generator has said it is registered,
// not on this process's own: generators bind their sockets seconds apart, so their ramps end
// seconds apart, and one that began its window alone counted requests the tracker was still
// queueing behind the others' ramps (at 100,000 nodes, 2-3 s of 100-230 ms answers at the
// window's start, most of the wire p99 of such runs). Listening before the line is printed:
// the bench signals only after it has read it.
const windowSignal = new Promise<void>((resolve) => process.once('SIGUSR2', () => resolve()));
console.log(
  `registered ${swarm.registeredNodes}/${nodes.length} in ${rampSeconds.toFixed(1)} s; heartbeats on schedule ${((performance.now() - caughtUpFromMs) / 1000).toFixed(1)} s later${backlog > tickAllowance() ? ` (still ${backlog} behind)` : ''}`,
);
await windowSignal;

// Measure: only the counting starts here; the schedule is the one above.
const periodMs = swarm.heartbeatIntervalMs || 10_000;
const measureStartMs = performance.now();
const windowStartEpochMs = epochNowMs();
const cpuAtStart = process.cpuUsage();
swarm.phase = 'measure';
await sleep(measureSeconds * 1000);
const windowSeconds = (performance.now() - measureStartMs) / 1000;
const windowCpu = process.cpuUsage(cpuAtStart);
const kill = recorder?.kill ?? null;
if (kill && recorder) {
  // Follow: the schedule goes on (not counted in the window) until the failover is complete.
  swarm.phase = 'follow';
  const followEndMs =
    kill.killAtEpochMs + periodMs + trackers.length * patienceMs(timing) + FOLLOW_SLACK_MS;
  await waitUntil(() => recorder.everyNodeFailedOver, followEndMs - epochNowMs());
  console.log(
    `followed the failover ${((performance.now() - measureStartMs) / 1000 - windowSeconds).toFixed(1)} s past the window`,
  );
}
// Requests still in flight get their full patience at every tracker, then count as timed out.
const drainMs = trackers.length * patienceMs(timing) + 200;
if (failover) {
  // Heartbeats go on (nothing else: the credits are final) until the bench has read the shared
  // view and stops this process: a node silent for two sweeps would be dropped from it.
  swarm.phase = 'linger';
  await sleep(drainMs);
} else {
  swarm.phase = 'drain';
  clearInterval(wheel);
  await waitUntil(() => swarm.table.size === 0, drainMs);
  swarm.table.giveUpAll((attempt) => onGivenUp(swarm, attempt, true));
  clearInterval(expiry);
  for (const node of nodes) node.socket?.close();
}

const result: LoadResult = {
  nodes: nodes.length,
  registered: swarm.registeredNodes,
  heartbeatIntervalMs: periodMs,
  measureSeconds: windowSeconds,
  windowStartEpochMs,
  cpuSeconds: (windowCpu.user + windowCpu.system) / 1e6,
  ...swarm.window,
  rampSeconds,
  rampTimedOut: swarm.rampTimedOut,
  ...(recorder ? { failover: recorder.result(swarm.table.retransmits, updatesInFlight()) } : {}),
};
console.log(`RESULT ${JSON.stringify(result)}`);
if (failover) {
  await sleep(LINGER_LIMIT_MS);
  console.error('tracker-load: not stopped by the bench; ending');
  process.exit(1);
}
