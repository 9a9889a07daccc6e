/**
 * A node that leaves after the tracker restarted (and before its next heartbeat told it so): the
 * restarted tracker lists the node from its store but knows no session of it, so the EXIT is
 * answered "register again". The node proves who it is and says EXIT again, within the same
 * leaving budget: the tracker drops it at once rather than naming it as an owner until two sweeps
 * of silence, and the node's log says it left only when the tracker acknowledged that.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeRandomFile } from '../peer/harness/files.ts';
import { waitFor } from '../peer/harness/wait.ts';
import { World } from './harness/world.ts';

const NAME = 'leaving.bin';
/** Long enough that no heartbeat re-registers the node between the restart and its exit. */
const SWEEP_MS = 60_000;

test('a node exiting right after the tracker restarted is dropped at once, and says so', {
  timeout: 30_000,
}, async () => {
  const world = await World.create('exit-after-restart');
  try {
    await world.startTracker(SWEEP_MS);
    await mkdir(join(world.filesDir, 'node5'), { recursive: true });
    await writeRandomFile(join(world.filesDir, 'node5', NAME), 64 * 1024, 55);
    const leaver = await world.addPeer(5);
    assert.deepEqual(await leaver.node.seed(NAME), { ok: true });

    await world.stopTracker();
    const tracker = await world.startTracker(SWEEP_MS);
    const owners = () =>
      tracker
        .getSnapshot()
        .files.find((file) => file.name === NAME)
        ?.owners.map((owner) => owner.nodeId) ?? [];
    assert.deepEqual(owners(), [5], 'the restarted tracker lists node 5 from its store');

    await leaver.node.exit();
    await waitFor(() => owners().length === 0, 'node 5 no longer an owner', 3_000);
    const context = `\nnode 5:\n${leaver.lines.join('\n')}\ntracker:\n${world.trackerLines.join('\n')}`;
    assert.match(leaver.lines.at(-1) ?? '', / exited the swarm$/, context);
    assert.ok(
      world.trackerLines.some((line) => /exited node 5\b/.test(line)),
      `the tracker says node 5 exited${context}`,
    );
  } finally {
    await world.close();
  }
});
