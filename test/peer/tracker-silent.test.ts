/**
 * A tracker that stops answering is said before the node gives up on it: the header read
 * `registered` for up to a heartbeat period and a request's whole patience (31 s in the real
 * world) after the tracker died. Real loopback UDP; the fault wrapper's partition is the death.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Swarm } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

test('a tracker gone quiet reads `no answer for` beside registered, and no longer once it answers', {
  timeout: 60_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const node = await swarm.addNode({ nodeId: 4 });
    const tracker = () => node.node.getSnapshot().tracker;
    await waitFor(() => tracker().status === 'registered', 'registered', 10_000);
    assert.equal(tracker().unansweredSec, 0);
    const trackerAddress = swarm.trackerAddress;
    node.faults.partition(
      (peer) => peer.port === trackerAddress.port && peer.address === trackerAddress.address,
    );
    // The next heartbeat (every ~1.8 s here) waits; from 2 s on its wait is said.
    await waitFor(() => (tracker().unansweredSec ?? 0) >= 2, 'the silence said', 15_000);
    assert.equal(tracker().status, 'registered');
    node.faults.heal();
    // Its resends reach the tracker now: the first answer ends it (after a registration again
    // where the tracker, sweeping every 2 s here, dropped the node meanwhile).
    await waitFor(
      () => tracker().unansweredSec === 0 && tracker().status === 'registered',
      'the silence over',
      15_000,
    );
  } finally {
    await swarm.close();
  }
});
