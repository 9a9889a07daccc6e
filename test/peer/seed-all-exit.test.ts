/**
 * A node asked to leave while it seeds a folder starts no more hashes: Ctrl-C during
 * `--seed-all` of a big folder went on hashing (and caching) every file it had not reached. And
 * what it seeded last is in its record once exit() is done, though record writes wait 100 ms to
 * take later changes along: the next run of the node must find it.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Swarm } from './harness/swarm.ts';

test('exit() while seedAll runs: the files not reached are not hashed', {
  timeout: 30_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const folder = await swarm.folderFor(1);
    for (let i = 0; i < 60; i++) await writeFile(join(folder, `f-${i}.txt`), `file ${i}`);
    const node = await swarm.addNode({ nodeId: 1 });
    const seeding = node.node.seedAll();
    await node.exit();
    const outcomes = await seeding;
    assert.equal(outcomes.length, 60);
    assert.equal(outcomes.filter((outcome) => outcome.ok).length, 0);
    const cached = await readdir(join(folder, '.bt-tui', 'meta')).catch(() => []);
    assert.deepEqual(cached, [], 'no metainfo hashed and cached after the exit');
  } finally {
    await swarm.close();
  }
});

test('a file seeded just before exit() is in the seeding record when exit() is done', {
  timeout: 30_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const folder = await swarm.folderFor(1);
    await writeFile(join(folder, 'last.txt'), 'seeded last');
    const node = await swarm.addNode({ nodeId: 1 });
    assert.deepEqual(await node.node.seed('last.txt'), { ok: true });
    await node.exit();
    const record = JSON.parse(await readFile(join(folder, '.bt-tui', 'seeding.json'), 'utf8'));
    assert.deepEqual(record.seeding, ['last.txt']);
  } finally {
    await swarm.close();
  }
});
