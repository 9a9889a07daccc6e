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
import { MIN_TRACKER_TIMEOUT_MS, TrackerClient } from '../../source/peer/tracker-client.ts';
import { peekHeader } from '../../source/protocol/codec.ts';
import type { MessageType } from '../../source/protocol/messages.ts';
import { startTracker, type TrackerServer } from '../../source/tracker/server.ts';
import { openLoopbackTransport } from '../net/loopback-transport.ts';
import { makeTempDir } from './harness/files.ts';
import { waitFor } from './harness/wait.ts';

const HOST = '127.0.0.1';

/** Loses the first `lose` requests of type `losing` on their way out; counts those sent. */
class RequestLoser extends PassthroughTransport {
  losing: MessageType = 'need';
  lose = 0;
  sent = 0;
  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    const header = peekHeader(datagram.subarray(0, length));
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
let removeDir: () => Promise<void>;
const closers: Array<() => Promise<void>> = [];

before(async () => {
  const dir = await makeTempDir('tracker-timeouts');
  removeDir = dir.remove;
  const started = await startTracker({
    host: HOST,
    port: 0,
    dbDir: `${dir.path}/tracker_db`,
    logger: new Logger({ filePath: null, clock: systemClock }),
    sweepIntervalMs: 60_000,
    clock: systemClock,
  });
  if (!started.ok) throw new Error(started.error.message);
  tracker = started.tracker;
});

after(async () => {
  for (const close of closers.splice(0)) await close();
  await tracker.stop();
  await removeDir();
});

/** A client whose endpoint's clock stands still until the test advances it; not started. */
async function clientOnManualClock(nodeId: number) {
  const clock = new ManualClock();
  const wire = new RequestLoser(await openLoopbackTransport());
  const endpoint = new UdpEndpoint(wire, { clock });
  const client = new TrackerClient({
    endpoint,
    clock,
    tracker: tracker.address,
    nodeId,
    identity: identityFromSeed(Buffer.alloc(32, nodeId)),
    log: () => {},
    onRegistered: () => {},
    changed: () => {},
  });
  closers.push(async () => {
    client.stop();
    await endpoint.close();
  });
  return { clock, wire, client };
}

const QUERY = { kind: 'name', name: 'nothing-here.bin' } as const;

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
});
