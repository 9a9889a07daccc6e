/**
 * Names liars cannot hijack. One honest owner seeds a file; three attacker nodes (real nodes that
 * register and announce like any other, their sockets lying on the way out) announce the same
 * name with their own consistent content, or the honest infohash with made-up metainfo or garbage
 * blocks, and are offered to the downloader first. The download ends with the honest bytes or
 * with a clear choice, never with the attackers' file; an entry of liars only fails with a reason
 * instead of waiting forever.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Download } from '../../source/peer/download/download.ts';
import { sha256File } from '../peer/harness/files.ts';
import { describeOwners } from '../peer/harness/swarm.ts';
import { withTimeout } from '../peer/harness/wait.ts';
import { attackersFirst, type Lie, seedAs, trackerShows } from './harness/hijackers.ts';
import { World, type WorldPeer } from './harness/world.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const NAME = 'hijack.bin';
const LEECHER_ID = 10;
/** Only keeps a broken build from hanging; the fixed code settles within seconds. */
const SETTLE_LIMIT_MS = 15_000;

/** Starts `text` at `leecher` and waits (bounded) until it settles. */
async function settle(leecher: WorldPeer, text: string): Promise<Download> {
  assert.deepEqual(leecher.node.download(text), { ok: true });
  const all = await withTimeout(
    leecher.node.whenDownloadsSettled(),
    `${text} to settle`,
    SETTLE_LIMIT_MS,
  ).catch((error: Error) => {
    throw new Error(`${error.message} (${describeDownloads(leecher)})`);
  });
  return all.find((download) => download.name === NAME)!;
}

function describeDownloads(leecher: WorldPeer): string {
  return leecher.node
    .getSnapshot()
    .downloads.map(
      (d) =>
        `${d.name} ${d.state}${d.reason ? `: ${d.reason}` : ''}; ${d.owners.map((o) => `node ${o.nodeId} ${o.state}`).join(', ')}`,
    )
    .join(' | ');
}

/** Files of the leecher's folder (hidden state left out). */
async function leecherFiles(world: World): Promise<string[]> {
  const files = await readdir(join(world.filesDir, `node${LEECHER_ID}`));
  return files.filter((file) => !file.startsWith('.')).sort();
}

test('three attackers announce the name with their own content: no guess, a choice; NAME@PREFIX gets the honest bytes', {
  timeout: 40_000,
}, async () => {
  const world = await World.create('hijack-content');
  try {
    await world.startTracker(60_000);
    const { attackers, honest: honestId } = attackersFirst(LEECHER_ID, 3);
    const honest = await seedAs(world, honestId, NAME, 2 * MiB, 1);
    // The attackers' copy: another file of the same name and size, whole and consistent.
    const fakes = [];
    for (const id of attackers) fakes.push(await seedAs(world, id, NAME, 2 * MiB, 2));
    const fake = fakes[0]!;
    await trackerShows(world, fake.infohashHex, 3);
    await trackerShows(world, honest.infohashHex, 1);
    const leecher = await world.addPeer(LEECHER_ID);

    const refused = await settle(leecher, NAME);
    const context = `(attackers ${attackers.join(', ')}; ${refused.state}: ${refused.reason})`;
    assert.equal(refused.state, 'failed', `no guess ${context}`);
    const [p1, p2] = [fake.infohashHex.slice(0, 8), honest.infohashHex.slice(0, 8)];
    assert.equal(
      refused.reason,
      `2 different files are named ${NAME}; not guessing which: choose one as ${NAME}@PREFIX (${p1}, ${p2})`,
    );
    assert.deepEqual(refused.choices, [
      {
        name: NAME,
        infohashHex: fake.infohashHex,
        sizeBytes: 2 * MiB,
        ownerCount: 3,
        completeOwners: 3,
        partialOwners: 0,
        bestCreditBytes: 0,
        totalCreditBytes: 0,
      },
      {
        name: NAME,
        infohashHex: honest.infohashHex,
        sizeBytes: 2 * MiB,
        ownerCount: 1,
        completeOwners: 1,
        partialOwners: 0,
        bestCreditBytes: 0,
        totalCreditBytes: 0,
      },
    ]);
    assert.deepEqual(await leecherFiles(world), [], `nothing written ${context}`);
    assert.ok(
      leecher.lines.some((line) =>
        line.endsWith(
          `${NAME}: candidate ${NAME}@${p2}  2.0 MiB  1 owner (1 complete, 0 partial)  best credit 0 B`,
        ),
      ),
      `the candidates are logged: ${leecher.lines.join('\n')}`,
    );

    const picked = await settle(leecher, `${NAME}@${honest.infohashHex.slice(0, 6)}`);
    const detail = `(${picked.state}: ${picked.reason}; ${describeOwners(picked)})`;
    assert.equal(picked.state, 'done', detail);
    assert.equal(picked.infohash?.toString('hex'), honest.infohashHex, detail);
    assert.equal(await sha256File(join(world.filesDir, `node${LEECHER_ID}`, NAME)), honest.sha256);
    assert.deepEqual(
      picked.owners.map((owner) => owner.nodeId),
      [honestId],
      `only the honest owner was met ${detail}`,
    );
  } finally {
    await world.close();
  }
});

/**
 * The honest owner and three attackers announcing its infohash; the attackers lie in `lie` and
 * are offered first. The download ends with the honest bytes; every attacker that was met is
 * banned, the honest owner never struck.
 */
async function honestInfohashLiars(lie: Lie, sizeBytes: number): Promise<void> {
  const world = await World.create(`hijack-${lie}`);
  try {
    await world.startTracker(60_000);
    const { attackers, honest: honestId } = attackersFirst(LEECHER_ID, 3);
    const honest = await seedAs(world, honestId, NAME, sizeBytes, 3);
    // Same content, so the same infohash: they own the honest entry and serve lies from it.
    const liars = [];
    for (const id of attackers) liars.push(await seedAs(world, id, NAME, sizeBytes, 3, lie));
    assert.ok(liars.every((liar) => liar.infohashHex === honest.infohashHex));
    await trackerShows(world, honest.infohashHex, 4);
    const leecher = await world.addPeer(LEECHER_ID);

    const download = await settle(leecher, NAME);
    const lies = liars.map(
      (liar) => liar.transport!.sent[lie === 'blocks' ? 'blocks' : 'metainfo'],
    );
    const detail = `(attackers ${attackers.join(', ')} sent ${lies.join(', ')} lies; ${download.state}: ${download.reason}; ${describeOwners(download)})`;
    assert.equal(download.state, 'done', detail);
    assert.equal(
      await sha256File(join(world.filesDir, `node${LEECHER_ID}`, NAME)),
      honest.sha256,
      detail,
    );
    assert.ok(
      lies.some((count) => count > 0),
      `the attackers were met and lied ${detail}`,
    );
    for (const owner of download.owners) {
      if (owner.nodeId === honestId) {
        assert.equal(owner.strikes, 0, `honest owner never struck ${detail}`);
        assert.notEqual(owner.state, 'banned', detail);
      } else if (lie === 'metainfo') {
        assert.equal(owner.state, 'banned', `attacker ${owner.nodeId} banned ${detail}`);
        assert.equal(owner.reason, 'metainfo does not match the infohash', detail);
      }
      if (owner.nodeId !== honestId) assert.equal(owner.verifiedBytes, 0, detail);
    }
  } finally {
    await world.close();
  }
}

test('three attackers announce the honest infohash and serve made-up metainfo: banned, not offered again, the honest file arrives', {
  timeout: 40_000,
}, async () => {
  await honestInfohashLiars('metainfo', 2 * MiB);
});

test('three attackers announce the honest infohash and serve garbage blocks: the honest file arrives exact', {
  timeout: 40_000,
}, async () => {
  await honestInfohashLiars('blocks', 4 * MiB);
});

/** An entry whose every owner lies in `lie`: the download fails with the reason, nothing kept. */
async function allLiars(lie: Lie): Promise<void> {
  const world = await World.create(`all-liars-${lie}`);
  try {
    await world.startTracker(60_000);
    const liars = [];
    for (const id of [4, 5]) liars.push(await seedAs(world, id, NAME, 2 * MiB, 7, lie));
    const infohashHex = liars[0]!.infohashHex;
    await trackerShows(world, infohashHex, 2);
    const leecher = await world.addPeer(LEECHER_ID);

    const download = await settle(leecher, NAME);
    const detail = `(${download.state}: ${download.reason}; ${describeOwners(download)})`;
    assert.equal(download.state, 'failed', detail);
    assert.equal(
      download.reason,
      `every owner of ${NAME}@${infohashHex.slice(0, 8)} was banned for lying (nodes 4, 5) and the tracker knows no other`,
      detail,
    );
    assert.deepEqual(
      download.owners.map((owner) => [owner.nodeId, owner.state]).sort(),
      [
        [4, 'banned'],
        [5, 'banned'],
      ],
      detail,
    );
    assert.deepEqual(
      (await leecherFiles(world)).filter((file) => file === NAME),
      [],
      `no file under the final name ${detail}`,
    );
  } finally {
    await world.close();
  }
}

test('an entry whose every owner serves made-up metainfo fails with the reason instead of waiting forever', {
  timeout: 30_000,
}, async () => {
  await allLiars('metainfo');
});

test('an entry whose every owner serves garbage blocks fails with the reason instead of waiting forever', {
  timeout: 30_000,
}, async () => {
  await allLiars('blocks');
});
