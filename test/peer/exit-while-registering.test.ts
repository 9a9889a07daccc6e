/**
 * A node that leaves while its registration is in flight (its --seed file missing, Ctrl+C at
 * start-up) still says EXIT once the tracker granted the session: before, the tracker listed such
 * a node, heartbeat and all, until its sweeps dropped it. A real tracker on loopback; the
 * client's socket calls exit() the moment its REGISTER-PROOF goes out.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { systemClock } from '../../source/clock.ts';
import { Logger } from '../../source/log/logger.ts';
import { UdpEndpoint } from '../../source/net/endpoint.ts';
import { PassthroughTransport } from '../../source/net/passthrough-transport.ts';
import type { RemoteAddress } from '../../source/net/transport.ts';
import { identityFromSeed } from '../../source/peer/identity.ts';
import { TrackerClient } from '../../source/peer/tracker-client.ts';
import { peekHeader } from '../../source/protocol/codec.ts';
import type { MessageType } from '../../source/protocol/messages.ts';
import { startTracker } from '../../source/tracker/server.ts';
import { openLoopbackTransport } from '../net/loopback-transport.ts';
import { makeTempDir } from './harness/files.ts';

/** Calls `onSending` once, as the first datagram of type `watching` goes out. */
class SendWatcher extends PassthroughTransport {
  watching: MessageType = 'register-proof';
  onSending: (() => void) | null = null;
  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    const header = peekHeader(datagram.subarray(0, length));
    if (header.ok && header.type === this.watching && this.onSending) {
      const act = this.onSending;
      this.onSending = null;
      queueMicrotask(act);
    }
    super.send(datagram, length, to);
  }
}

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

test('exit() while the registration is in flight: the tracker hears EXIT and lists nobody', async () => {
  const dir = await makeTempDir('exit-while-registering');
  const logger = new Logger({ filePath: null, clock: systemClock });
  const started = await startTracker({
    host: '127.0.0.1',
    port: 0,
    dbDir: `${dir.path}/tracker_db`,
    logger,
    sweepIntervalMs: 60_000,
    clock: systemClock,
  });
  if (!started.ok) throw new Error(started.error.message);
  const { tracker } = started;
  closers.push(async () => {
    await tracker.stop();
    await dir.remove();
  });
  const wire = new SendWatcher(await openLoopbackTransport());
  const endpoint = new UdpEndpoint(wire, { clock: systemClock });
  closers.push(() => endpoint.close());
  const client = new TrackerClient({
    endpoint,
    clock: systemClock,
    tracker: tracker.address,
    nodeId: 7,
    identity: identityFromSeed(Buffer.alloc(32, 7)),
    log: () => {},
    onRegistered: () => {},
    changed: () => {},
  });
  let leaving: Promise<string | null> | null = null;
  wire.onSending = () => {
    leaving = client.exit();
  };
  await client.start();
  assert.ok(leaving, 'exit() was called as the proof went out');
  assert.equal(await leaving, null, 'EXIT acknowledged');
  const listed = tracker.getSnapshot().nodes.map((node) => node.nodeId);
  assert.deepEqual(listed, [], 'the tracker lists nobody');
  const lines = logger.getSnapshot().map((line) => line.text);
  assert.ok(
    lines.some((line) => /joined node 7/.test(line)) &&
      lines.some((line) => /exited node 7/.test(line)),
    lines.join('\n'),
  );
});
