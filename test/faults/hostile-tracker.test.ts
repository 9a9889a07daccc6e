/**
 * A node whose tracker answers with hostile values (harness/hostile-tracker.ts): owners at host
 * texts that are not addresses, at broadcast and multicast addresses, at the node itself; files
 * named `../escape.bin`, `a/b.bin`, `..`, with control characters; sizes of 0 and 2^40; LIST
 * pages and WHO answers of the same kind. The node downloads and lists the swarm against it for a
 * few seconds. Nothing may throw, nothing may appear outside the node's own folder, and the node
 * must still leave cleanly. (A tracker that lies about owners can waste a node's time; it must
 * not be able to crash it or make it write where its user did not ask.)
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { unicastHostError } from '../../source/net/unicast-address.ts';
import { SwarmDirectory } from '../../source/peer/swarm-directory.ts';
import { quoteUntrusted } from '../../source/protocol/names.ts';
import { sleep } from '../peer/harness/wait.ts';
import { HostileTracker, LEFT_OUT_NAME, NOT_ONE_HOST } from './harness/hostile-tracker.ts';
import { World } from './harness/world.ts';

/** Names a person might type while the tracker lies; download() refuses the unsafe ones. */
const WANTED = ['target.bin', 'other.bin', 'ünïcødé.bin'];
const RUN_MS = 4_000;
const SEEDED_FILES = 40;

/** Every path under `dir`, relative to it, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

for (const seed of [4401, 4402]) {
  test(`a tracker answering with hostile values (seed ${seed}) cannot crash a node`, {
    timeout: 60_000,
  }, async () => {
    const world = await World.create('hostile-tracker');
    const tracker = await HostileTracker.start(seed);
    const thrown: unknown[] = [];
    const onThrow = (error: unknown): void => {
      thrown.push(error);
    };
    process.on('uncaughtException', onThrow);
    process.on('unhandledRejection', onThrow);
    try {
      world.pointAtTracker(tracker.address.port);
      // K as large as the hosts that are no host's address: one answer names them all.
      const peer = await world.addPeer(7, undefined, undefined, NOT_ONE_HOST.length);
      peer.node.download(LEFT_OUT_NAME);
      // Files to announce, many at once: OWN-MANY answered with refusals of entries it did not
      // carry, and with the wrong reply.
      const folder = join(world.filesDir, 'node7');
      for (let i = 0; i < SEEDED_FILES; i++) await writeFile(join(folder, `s${i}.txt`), `${i}`);
      const seeded = peer.node.seedAll();
      // The world's whole folder: `../../x` from the node's folder lands beside files/.
      const root = dirname(world.filesDir);
      const own = join(world.filesDir, 'node7').slice(root.length + 1);
      const before = await tree(root);
      const swarm = new SwarmDirectory(
        (cursor) => peer.node.tracker.list(cursor),
        () => Date.now(),
      );
      const deadline = performance.now() + RUN_MS;
      while (performance.now() < deadline) {
        for (const name of WANTED) peer.node.download(name);
        await swarm.refresh({ quiet: true });
        await sleep(100);
      }
      const context = `seed ${seed}; replies ${JSON.stringify(Object.fromEntries(tracker.sent))}\n${peer.lines.slice(-12).join('\n')}`;
      assert.deepEqual(thrown, [], context);
      assert.deepEqual(tracker.unencodable.slice(0, 3), [], context);
      assert.ok((tracker.sent.get('need-reply') ?? 0) > 10, context);
      assert.ok((tracker.sent.get('list-reply') ?? 0) > 10, context);
      assert.equal((await seeded).length, SEEDED_FILES, context);
      assert.ok((tracker.sent.get('own-many-reply') ?? 0) > 0, context);
      // Only the node's own folder (and what is in it) may have appeared.
      const after = await tree(root);
      const outside = after.filter((path) => !before.includes(path) && !path.startsWith(own));
      assert.deepEqual(outside, [], context);
      // Owners at hosts that are no single host's address are left out, said once each.
      for (const host of NOT_ONE_HOST) {
        const used = peer.lines.filter(
          (line) => line.includes(` owner node `) && line.includes(` at ${host}:`),
        );
        assert.deepEqual(used, [], `${host}: ${context}`);
      }
      // Each is named in every answer about LEFT_OUT_NAME (HostileTracker.leftOutAnswer).
      for (const host of NOT_ONE_HOST) {
        const said = peer.lines.some(
          (line) =>
            line.includes(`${LEFT_OUT_NAME}: the tracker named node `) &&
            line.endsWith(`at ${quoteUntrusted(host)}, ${unicastHostError(host)}: left out`),
        );
        assert.ok(said, `${host} not said left out: ${context}`);
      }
      for (const name of ['escape.bin', 'passwd', 'b.bin'])
        assert.ok(!after.some((path) => path.endsWith(name)), `${name} written: ${context}`);
      await peer.node.exit();
      assert.deepEqual(thrown, [], context);
    } finally {
      process.off('uncaughtException', onThrow);
      process.off('unhandledRejection', onThrow);
      await tracker.close();
      await world.close();
    }
  });
}
