/**
 * How long a node waits for its tracker before sending a request again: the usual 500 ms until
 * the tracker has answered, then its round trips' timeout (at least MIN_TRACKER_TIMEOUT_MS). A
 * real tracker on loopback; the node's endpoint runs on a ManualClock, so every wait is exact
 * (and every round trip measures 0 ms), and its socket loses chosen requests on their way out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock, systemClock } from '../../source/clock.ts';
import { Logger } from '../../source/log/logger.ts';
import { UdpEndpoint } from '../../source/net/endpoint.ts';
import { PassthroughTransport } from '../../source/net/passthrough-transport.ts';
import type { RemoteAddress } from '../../source/net/transport.ts';
import { identityFromSeed } from '../../source/peer/identity.ts';
import type { TrackerLookedUp } from '../../source/peer/tracker-choice.ts';
import { MIN_TRACKER_TIMEOUT_MS, TrackerClient } from '../../source/peer/tracker-client.ts';
import { peekHeader } from '../../source/protocol/codec.ts';
import type { MessageType } from '../../source/protocol/messages.ts';
import { startTracker, type TrackerServer } from '../../source/tracker/server.ts';
import { openLoopbackTransport } from '../net/loopback-transport.ts';
import { makeTempDir } from './harness/files.ts';
import { waitFor } from './harness/wait.ts';

const HOST = '127.0.0.1';

/**
 * Loses the first `lose` requests of type `losing` on their way out; counts those sent, and
 * every request sent by type (lost or not).
 */
class RequestLoser extends PassthroughTransport {
  losing: MessageType = 'need';
  lose = 0;
  sent = 0;
  readonly sentByType = new Map<MessageType, number>();
  /** Loses every datagram that carries these bytes (a session's token). */
  losingWith: Buffer | null = null;
  /** Loses every datagram: the tracker is gone. */
  losingAll = false;
  /** When each REGISTER was sent, on this clock, once one is given. */
  registerClock: ManualClock | null = null;
  readonly registersAtMs: number[] = [];
  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    const header = peekHeader(datagram.subarray(0, length));
    if (header.ok) this.sentByType.set(header.type, (this.sentByType.get(header.type) ?? 0) + 1);
    if (header.ok && header.type === 'register' && this.registerClock)
      this.registersAtMs.push(this.registerClock.now());
    if (this.losingAll) return;
    if (
      this.losingWith &&
      Buffer.from(datagram.buffer, datagram.byteOffset, length).includes(this.losingWith)
    )
      return;
    if (header.ok && header.type === this.losing) {
      if (this.lose > 0) {
        this.lose--;
        return;
      }
      this.sent++;
    }
    super.send(datagram, length, to);
  }
}

let tracker: TrackerServer;
const closers: Array<() => Promise<void>> = [];

/** A real tracker on loopback with its database in a temp folder; stopped after the tests. */
async function trackerSweeping(sweepIntervalMs: number): Promise<TrackerServer> {
  const dir = await makeTempDir('tracker-timeouts');
  const started = await startTracker({
    host: HOST,
    port: 0,
    dbDir: `${dir.path}/tracker_db`,
    logger: new Logger({ filePath: null, clock: systemClock }),
    sweepIntervalMs,
    clock: systemClock,
  });
  if (!started.ok) throw new Error(started.error.message);
  closers.push(async () => {
    await started.tracker.stop();
    await dir.remove();
  });
  return started.tracker;
}

before(async () => {
  tracker = await trackerSweeping(60_000);
});

after(async () => {
  // Last made, first closed: a tracker's clients before it.
  for (const close of closers.splice(0).reverse()) await close();
});

/** A client whose endpoint's clock stands still until the test advances it; not started. */
async function clientOnManualClock(
  nodeId: number,
  trackerAddress: RemoteAddress | readonly RemoteAddress[] = tracker.address,
  log: (line: string) => void = () => {},
  lookUpAgain?: () => Promise<readonly TrackerLookedUp[]>,
) {
  const clock = new ManualClock();
  const wire = new RequestLoser(await openLoopbackTransport());
  const endpoint = new UdpEndpoint(wire, { clock });
  const client = new TrackerClient({
    endpoint,
    clock,
    tracker: trackerAddress,
    nodeId,
    identity: identityFromSeed(Buffer.alloc(32, nodeId)),
    log,
    onRegistered: () => {},
    changed: () => {},
    ...(lookUpAgain ? { lookUpAgain } : {}),
  });
  closers.push(async () => {
    client.stop();
    await endpoint.close();
  });
  return { clock, wire, client };
}

const QUERY = { kind: 'name', name: 'nothing-here.bin' } as const;

/**
 * Moves the manual clock on 100 ms at a time, letting I/O and timers run between steps, until
 * `done` or `maxMs` of the clock have passed.
 */
async function advanceUntil(clock: ManualClock, done: () => boolean, maxMs: number) {
  for (let ms = 0; ms < maxMs && !done(); ms += 100) {
    clock.advance(100);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('TrackerClient: the wait before a request to the tracker goes again', () => {
  test('before the tracker ever answered: the usual 500 ms', async () => {
    const { clock, wire, client } = await clientOnManualClock(41);
    wire.losing = 'register';
    wire.lose = 1;
    const started = client.start();
    await waitFor(() => wire.lose === 0, 'the first REGISTER to be lost', 2_000);
    clock.advance(499);
    assert.equal(wire.sent, 0);
    clock.advance(1);
    assert.equal(wire.sent, 1, 'sent again at 500 ms');
    assert.equal(await started, true);
  });

  test('once it answered: a lost NEED goes again MIN_TRACKER_TIMEOUT_MS later, not 500', async () => {
    const { clock, wire, client } = await clientOnManualClock(42);
    assert.equal(await client.start(), true);
    wire.lose = 1;
    const answer = client.need(QUERY, 3);
    await waitFor(() => wire.lose === 0, 'the first NEED to be lost', 2_000);
    clock.advance(MIN_TRACKER_TIMEOUT_MS - 1);
    assert.equal(wire.sent, 0, 'not before the round trips say');
    clock.advance(1);
    assert.equal(wire.sent, 1, `sent again at ${MIN_TRACKER_TIMEOUT_MS} ms`);
    const outcome = await answer;
    assert.ok(outcome.ok, JSON.stringify(outcome));
  });

  test('a NEED sent before the node registered anew is sent again with the new session', async () => {
    // As after a process stopped for a while (Ctrl+Z): the tracker dropped the node; once it
    // runs again, the requests in flight time out at once, or are answered 'reregister', after
    // one of them had it registered anew. Before, each threw the new session away and
    // registered once more.
    const dropping = await trackerSweeping(100);
    for (const old of ['lost', 'answered'] as const) {
      const nodeId = old === 'lost' ? 43 : 44;
      const { clock, wire, client } = await clientOnManualClock(nodeId, dropping.address);
      const internals = client as unknown as {
        token: Buffer | null;
        register(again: boolean): Promise<boolean>;
      };
      const registrations = () => wire.sentByType.get('register') ?? 0;
      assert.equal(await client.start(), true);
      const oldToken = internals.token!;
      // Silent on its still clock, the node is dropped after two sweep periods, and forgotten
      // one later (until then a REGISTER would get its old session back).
      const listed = () => dropping.getSnapshot().nodes.some((node) => node.nodeId === nodeId);
      await waitFor(listed, `node ${nodeId} listed`, 5_000);
      await waitFor(() => !listed(), `node ${nodeId} forgotten`, 5_000);
      if (old === 'lost') wire.losingWith = oldToken;
      else wire.lose = 1;
      const answer = client.need(QUERY, 3);
      await waitFor(() => (wire.sentByType.get('need') ?? 0) > 0, 'the NEED sent', 2_000);
      // A new session while the NEED waits (what a 'reregister' answer to a heartbeat does).
      assert.equal(await internals.register(true), true);
      assert.ok(!internals.token!.equals(oldToken), 'a new session');
      const registered = registrations();
      let settled = false;
      void answer.finally(() => {
        settled = true;
      });
      await advanceUntil(clock, () => settled, 60_000);
      const outcome = await answer;
      assert.ok(outcome.ok, `${old}: ${JSON.stringify(outcome)}`);
      assert.equal(client.status, 'registered');
      for (let i = 0; i < 60; i++) {
        clock.advance(1_000);
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(registrations(), registered, `${old}: no REGISTER after the new session`);
    }
  });
});

describe('TrackerClient: a tracker the kernel will not send to', () => {
  test('is unreachable after one timeout, and the log says why', async () => {
    // From a socket on 127.0.0.1 Linux refuses every send to another machine (EINVAL), as it
    // refuses one with no route (ENETUNREACH). Before, the node said `unreachable` 11.5 s in
    // (every retry of its REGISTER), with no reason; the CLI now refuses such a --host.
    const lines: string[] = [];
    const elsewhere = { address: '192.0.2.10', port: 6881 };
    const { clock, client } = await clientOnManualClock(45, elsewhere, (line) => lines.push(line));
    const started = client.start();
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(500);
    assert.equal(await started, true, 'counts as unreachable: the node goes on without it');
    assert.equal(client.status, 'retrying');
    assert.deepEqual(lines, [
      "tracker 192.0.2.10:6881 unreachable (sending fails with EINVAL: this node's address cannot reach it); retrying with backoff, seeding to known peers continues",
    ]);
  });
});

describe('TrackerClient: dropped by the tracker', () => {
  test('three requests answered "register again" say so once, and register once', async () => {
    // As after a view stopped with Ctrl+Z for a minute: its heartbeat, LIST and NEED were all
    // in flight, each was answered so, and the log said it three times (found by hand).
    const dropping = await trackerSweeping(100);
    const lines: string[] = [];
    const { clock, wire, client } = await clientOnManualClock(45, dropping.address, (line) =>
      lines.push(line),
    );
    assert.equal(await client.start(), true);
    const listed = () => dropping.getSnapshot().nodes.some((node) => node.nodeId === 45);
    await waitFor(listed, 'node 45 listed', 5_000);
    await waitFor(() => !listed(), 'node 45 forgotten', 5_000);
    const registered = wire.sentByType.get('register') ?? 0;
    const answers = Promise.all([client.need(QUERY, 3), client.list(0), client.need(QUERY, 3)]);
    let settled = false;
    void answers.finally(() => {
      settled = true;
    });
    await advanceUntil(clock, () => settled, 60_000);
    for (const outcome of await answers) assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.deepEqual(
      lines.filter((line) => line.includes('register again')),
      ['tracker asked us to register again (it restarted or dropped us)'],
    );
    assert.equal((wire.sentByType.get('register') ?? 0) - registered, 1, 'one REGISTER');
  });
});

describe('TrackerClient: while no tracker answers', () => {
  test('a REGISTER goes out at least every 16 s: within the grace of a restarted tracker', async () => {
    const STEP_MS = 100;
    // A restarted tracker drops the nodes it restored one sweep period (22 s by default) after
    // its start unless they registered; a node dropped comes back as new, its credit gone.
    const { clock, wire, client } = await clientOnManualClock(45);
    assert.equal(await client.start(), true);
    wire.losingAll = true;
    wire.registerClock = clock;
    const silentFromMs = clock.now();
    for (let i = 0; i < 4_000; i++) {
      clock.advance(STEP_MS);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(client.status, 'retrying');
    const times = [silentFromMs, ...wire.registersAtMs];
    const gaps = times.slice(1).map((at, index) => at - times[index]!);
    assert.ok(wire.registersAtMs.length >= 20, `${wire.registersAtMs.length} REGISTERs in 400 s`);
    // The first comes after the heartbeat's own resends; every later gap is the point. Each
    // of its two timers (the last resend's wait, the jittered retry delay) fires on a step of
    // the clock, up to a step late (a CI run saw 16,002 ms).
    const longest = Math.max(...gaps.slice(1));
    assert.ok(
      longest <= 16_000 + 2 * STEP_MS,
      `${longest} ms without a REGISTER (gaps: ${gaps.join(' ')})`,
    );
  });
});

describe('TrackerClient: a tracker given by name that moved', () => {
  test('is looked up again once no tracker answers, and the node registers where it is now', async () => {
    // As when the tracker's machine got a new address (a new DHCP lease) or the name was pointed
    // at another machine: before, the name was looked up once at start, and the node retried
    // the old address until it was restarted.
    const old = await trackerSweeping(60_000);
    const moved = await trackerSweeping(60_000);
    let pointsAt = old.address;
    let lookUps = 0;
    const lookUpAgain = async (): Promise<TrackerLookedUp[]> => {
      lookUps++;
      return [{ given: 'trackerbox:6881', address: pointsAt }];
    };
    const lines: string[] = [];
    const { clock, client } = await clientOnManualClock(
      46,
      old.address,
      (line) => lines.push(line),
      lookUpAgain,
    );
    assert.equal(await client.start(), true);
    assert.equal(lookUps, 0, 'not while the tracker answers');
    await old.stop();
    pointsAt = moved.address;
    const asked = client.need(QUERY, 3);
    await advanceUntil(clock, () => client.trackerAddress === pointsAt, 60_000);
    assert.equal((await asked).ok, false, 'the NEED went to the old address');
    await advanceUntil(clock, () => client.status === 'registered', 10_000);
    assert.equal(client.status, 'registered');
    assert.equal(lookUps, 1);
    const at = (address: RemoteAddress) => `${address.address}:${address.port}`;
    assert.deepEqual(lines.slice(1), [
      `tracker ${at(old.address)} unreachable; retrying with backoff, seeding to known peers continues`,
      `tracker trackerbox:6881 is ${at(moved.address)} now (was ${at(old.address)})`,
      `registered with tracker ${at(moved.address)} (heartbeat every 54.5 s) after an outage`,
    ]);
    await waitFor(
      () => moved.getSnapshot().nodes.some((node) => node.nodeId === 46),
      'node 46 listed where the tracker is now',
      5_000,
    );
  });

  test('of two trackers, the one that moved is asked first, not the one in turn', async () => {
    // The NEED fails over from A to B, which is in use when the round ends; A moved.
    const first = await trackerSweeping(60_000);
    const second = await trackerSweeping(60_000);
    const moved = await trackerSweeping(60_000);
    const at = (address: RemoteAddress) => `${address.address}:${address.port}`;
    const lines: string[] = [];
    const { clock, wire, client } = await clientOnManualClock(
      48,
      [first.address, second.address],
      (line) => lines.push(line),
      async () => [
        { given: 'tracker-a:6881', address: moved.address },
        { given: 'tracker-b:6881', address: null },
      ],
    );
    assert.equal(await client.start(), true);
    await first.stop();
    await second.stop();
    const registersBefore = wire.sentByType.get('register') ?? 0;
    const asked = client.need(QUERY, 3);
    await advanceUntil(clock, () => client.trackerAddress === moved.address, 60_000);
    assert.equal((await asked).ok, false, 'neither answered the NEED');
    await advanceUntil(clock, () => client.status === 'registered', 10_000);
    assert.equal(client.status, 'registered');
    const from = lines.findIndex((line) => line.includes(' now (was '));
    assert.deepEqual(lines.slice(from), [
      `tracker tracker-a:6881 is ${at(moved.address)} now (was ${at(first.address)})`,
      `registered with tracker ${at(moved.address)} (heartbeat every 54.5 s) after an outage`,
    ]);
    // Not first to B, in turn, with its resends, then A after a retry's wait (the log is the
    // same: a registration failing at the end of a round says nothing new).
    assert.equal((wire.sentByType.get('register') ?? 0) - registersBefore, 1, 'one REGISTER');
  });

  test('a name that points where it did changes nothing', async () => {
    const lines: string[] = [];
    let lookUps = 0;
    const { clock, wire, client } = await clientOnManualClock(
      47,
      tracker.address,
      (line) => lines.push(line),
      async () => {
        lookUps++;
        return [{ given: 'trackerbox:6881', address: { ...tracker.address } }];
      },
    );
    assert.equal(await client.start(), true);
    wire.losingAll = true;
    const asked = client.need(QUERY, 3);
    await advanceUntil(clock, () => lookUps > 0, 30_000);
    assert.equal((await asked).ok, false);
    assert.equal(lookUps, 1);
    assert.equal(client.status, 'retrying');
    assert.equal(client.trackerAddress, tracker.address);
    assert.equal(lines.filter((line) => line.includes(' now (was ')).length, 0);
  });
});
