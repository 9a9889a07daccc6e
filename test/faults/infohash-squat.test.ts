/**
 * A stranger takes an honest file's infohash (read from a NEED answer) and announces it with
 * another size while nobody owns it: the tracker refuses the honest seeder's announcement as a
 * conflict. Once the stranger's claim is gone, the seeder announces again by itself and is
 * listed. Until 2026-12-07 it announced again only at a new registration, so it stayed unlisted
 * for good (found by a session acting as the stranger).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../../source/clock.ts';
import { UdpEndpoint } from '../../source/net/endpoint.ts';
import { generateIdentity } from '../../source/peer/identity.ts';
import { buildMetainfo } from '../../source/peer/metainfo-builder.ts';
import { proveIdentity } from '../../source/peer/tracker-registration.ts';
import { openLoopbackTransport } from '../net/loopback-transport.ts';
import { writeRandomFile } from '../peer/harness/files.ts';
import { withoutTime } from '../peer/harness/log-lines.ts';
import { Swarm } from '../peer/harness/swarm.ts';
import { waitFor } from '../peer/harness/wait.ts';

const NAME = 'a.bin';

test('a seeder refused because a stranger claimed its infohash is listed once the claim is gone', {
  timeout: 30_000,
}, async () => {
  const swarm = await Swarm.start();
  const stranger = new UdpEndpoint(await openLoopbackTransport(), { clock: systemClock });
  try {
    const path = join(await swarm.folderFor(1), NAME);
    await writeRandomFile(path, 100 * 1024, 1601);
    const { infohash } = await buildMetainfo(path, NAME);
    const tracker = swarm.trackerAddress;
    const registered = await proveIdentity(stranger, tracker, 50, generateIdentity());
    assert.equal(registered?.type, 'registered');
    const token =
      registered?.type === 'registered' ? Buffer.from(registered.token) : Buffer.alloc(0);
    const claim = { type: 'own', token, infohash, state: 'complete', name: NAME, size: 2 ** 40 };
    const owned = await stranger.request(tracker, claim as Parameters<UdpEndpoint['request']>[1]);
    assert.ok(owned.ok && owned.reply.type === 'ack', 'the claim of the stranger is taken');

    const seeder = await swarm.addNode({ nodeId: 1, unlistedRetryMs: 500 });
    assert.deepEqual(await seeder.node.seed(NAME), { ok: true });
    const unlisted = () => {
      const state = seeder.node.getSnapshot().files.find((file) => file.name === NAME)?.state;
      return state?.kind === 'seeding' ? state.unlistedBecause : 'not seeding';
    };
    await waitFor(() => typeof unlisted() === 'string' && unlisted() !== 'not seeding', 'refused');
    assert.match(String(unlisted()), /is already known as "a\.bin" \(1099511627776 B\)/);

    // The stranger leaves; its claim goes with it.
    await stranger.request(tracker, { type: 'exit', token });
    await waitFor(() => unlisted() === null, 'listed after the claim is gone', 10_000);
    const lines = seeder.lines.map(withoutTime);
    assert.ok(lines.includes(`${NAME} is listed at the tracker now`), lines.join('\n'));
    const row = () => swarm.trackerSnapshot().files.find((file) => file.name === NAME);
    await waitFor(() => row()?.owners.length === 1, 'the tracker listing the seeder');
    assert.equal(row()?.sizeBytes, 100 * 1024);
    assert.deepEqual(
      row()?.owners.map((owner) => owner.nodeId),
      [1],
    );
  } finally {
    await stranger.close();
    await swarm.close();
  }
});
