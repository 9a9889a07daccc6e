/**
 * An idle node must not wake its views: the snapshot is rebuilt (the folder is listed again every
 * second, rates sampled) but listeners are told only when something they would draw changed.
 * A view left open redrew twice a second for nothing before (~2 % of a core).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Swarm } from './harness/swarm.ts';
import { sleep } from './harness/wait.ts';

test('an idle node notifies its views of nothing while nothing changes', {
  timeout: 20_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const idle = await swarm.addNode({ nodeId: 61 });
    await sleep(1_500); // registration, the first folder listing, the first rate sample
    let notified = 0;
    const unsubscribe = idle.node.subscribe(() => notified++);
    await sleep(3_500); // three folder listings and rate samples
    unsubscribe();
    assert.equal(notified, 0, `${notified} notifications from an idle node`);
  } finally {
    await swarm.close();
  }
});
