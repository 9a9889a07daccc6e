/**
 * Picking one of several files of a name: NAME@PREFIX from the command line (the real CLI as a
 * child process), from node.download() (what `D` and `:get` call), with exact errors for a bad
 * form and an unknown prefix; and a name flooded with more files than one NEED reply lists, where
 * the honest file is still found by its prefix (through the tracker's LIST pages).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killAll, spawnCli } from '../peer/harness/cli.ts';
import { sha256File } from '../peer/harness/files.ts';
import { withTimeout } from '../peer/harness/wait.ts';
import { attackersFirst, seedAs, trackerShows } from './harness/hijackers.ts';
import { askTracker, registerRaw } from './harness/liars.ts';
import { World } from './harness/world.ts';

const MiB = 1024 * 1024;
const NAME = 'pick.bin';
const LEECHER_ID = 10;

after(async () => {
  await killAll();
});

test('the CLI: --download NAME lists the candidates and exits 1; NAME@PREFIX downloads the honest file; a bad form is a usage error', {
  timeout: 60_000,
}, async () => {
  const world = await World.create('pick-cli');
  try {
    await world.startTracker(60_000);
    const { attackers, honest: honestId } = attackersFirst(LEECHER_ID, 3);
    const honest = await seedAs(world, honestId, NAME, 2 * MiB, 11);
    const fakes = [];
    for (const id of attackers) fakes.push(await seedAs(world, id, NAME, 2 * MiB, 12));
    await trackerShows(world, fakes[0]!.infohashHex, 3);
    await trackerShows(world, honest.infohashHex, 1);
    const leecher = (download: string) =>
      spawnCli([
        'peer',
        '--id',
        String(LEECHER_ID),
        '--download',
        download,
        '--exit-when-done',
        '--headless',
        '--tracker',
        `127.0.0.1:${world.trackerAddress.port}`,
        '--files',
        world.filesDir,
        '--logs',
        join(world.root, 'logs'),
      ]);
    const [fake, real] = [fakes[0]!.infohashHex.slice(0, 8), honest.infohashHex.slice(0, 8)];

    const refused = leecher(NAME);
    assert.deepEqual(await refused.waitForExit(), { code: 1, signal: null });
    assert.deepEqual(refused.stderr, [
      `bt-tui: ${NAME}: 2 different files are named ${NAME}; not guessing which: choose one as ${NAME}@PREFIX (${fake}, ${real})`,
      `  ${NAME}@${fake}  2.0 MiB  3 owners (3 complete, 0 partial)  best credit 0 B`,
      `  ${NAME}@${real}  2.0 MiB  1 owner (1 complete, 0 partial)  best credit 0 B`,
    ]);

    const badForm = leecher(`${NAME}@`);
    assert.deepEqual(await badForm.waitForExit(), { code: 2, signal: null });
    assert.deepEqual(badForm.stderr, [
      `bt-tui: --download: "${NAME}@": nothing after @ (NAME@PREFIX takes 4 to 64 hex digits of the file's infohash, e.g. big.bin@3fa2c1)`,
    ]);

    const picked = leecher(`${NAME}@${real}`);
    const exit = await picked.waitForExit();
    assert.deepEqual(exit, { code: 0, signal: null }, picked.stderr.join('\n'));
    assert.equal(await sha256File(join(world.filesDir, `node${LEECHER_ID}`, NAME)), honest.sha256);
  } finally {
    await killAll();
    await world.close();
  }
});

test('node.download: a bad form is refused at once; an unknown prefix fails naming the prefixes that exist', {
  timeout: 30_000,
}, async () => {
  const world = await World.create('pick-errors');
  try {
    await world.startTracker(60_000);
    const honest = await seedAs(world, 2, NAME, 256 * 1024, 21);
    await trackerShows(world, honest.infohashHex, 1);
    const leecher = await world.addPeer(LEECHER_ID);
    assert.deepEqual(leecher.node.download(`${NAME}@3fa`), {
      ok: false,
      reason: `"${NAME}@3fa": an infohash prefix needs at least 4 hex digits, this one has 3 (a name with @ in it: add its prefix, NAME@PREFIX)`,
    });
    assert.deepEqual(leecher.node.download('@3fa2c1'), {
      ok: false,
      reason: `"@3fa2c1": no file name before @ (NAME@PREFIX takes 4 to 64 hex digits of the file's infohash, e.g. big.bin@3fa2c1)`,
    });
    // A prefix no file of the name has (the honest one flipped in its first digit).
    const wrong = `${(Number.parseInt(honest.infohashHex[0]!, 16) ^ 1).toString(16)}${honest.infohashHex.slice(1, 6)}`;
    assert.deepEqual(leecher.node.download(`${NAME}@${wrong}`), { ok: true });
    const [download] = await withTimeout(leecher.node.whenDownloadsSettled(), 'settle', 10_000);
    assert.equal(download!.state, 'failed');
    assert.equal(
      download!.reason,
      `no file named ${NAME} has an infohash starting with ${wrong} (files of that name: ${honest.infohashHex.slice(0, 8)})`,
    );
  } finally {
    await world.close();
  }
});

test('a file whose own name reads as NAME@PREFIX: the failure says how to ask for it, and that works', {
  timeout: 30_000,
}, async () => {
  // Found by hand: a file named v@1a2b failed with `no file named v has an infohash starting
  // with 1a2b`, nothing more.
  const world = await World.create('pick-whole-name');
  try {
    await world.startTracker(60_000);
    const named = await seedAs(world, 2, 'v@1a2b', 256 * 1024, 31);
    await trackerShows(world, named.infohashHex, 1);
    const leecher = await world.addPeer(LEECHER_ID);
    assert.deepEqual(leecher.node.download('v@1a2b'), { ok: true });
    const [failed] = await withTimeout(leecher.node.whenDownloadsSettled(), 'settle', 10_000);
    const asked = `v@1a2b@${named.infohashHex.slice(0, 8)}`;
    assert.equal(failed!.state, 'failed');
    assert.equal(
      failed!.reason,
      `no file named v has an infohash starting with 1a2b; to download the file named v@1a2b: ${asked}`,
    );
    assert.deepEqual(await leecher.node.removeDownload('v', true), { ok: true });
    assert.deepEqual(leecher.node.download(asked), { ok: true });
    const settled = await withTimeout(leecher.node.whenDownloadsSettled(), 'settle', 10_000);
    const done = settled.find((download) => download.name === 'v@1a2b');
    assert.equal(done?.state, 'done', done?.reason);
    assert.equal(
      await sha256File(join(world.filesDir, `node${LEECHER_ID}`, 'v@1a2b')),
      named.sha256,
    );
  } finally {
    await world.close();
  }
});

test('a name flooded with more files than a NEED reply lists: a choice by name, the honest file by its prefix', {
  timeout: 30_000,
}, async () => {
  const world = await World.create('pick-flood');
  try {
    await world.startTracker(60_000);
    const honest = await seedAs(world, 2, NAME, 1 * MiB, 31);
    // Two attacker nodes announce nine made-up files of the name, each with both as owners: each
    // has more owners than the honest file, which a NEED reply of 8 files leaves out.
    const flooders = [await registerRaw(world, 5), await registerRaw(world, 6)];
    const fakes = Array.from({ length: 9 }, () => randomBytes(32));
    for (const flooder of flooders) {
      for (const infohash of fakes) {
        const own = { type: 'own', state: 'complete', name: NAME, size: MiB } as const;
        const reply = await askTracker(world, flooder, { ...own, token: flooder.token, infohash });
        assert.deepEqual(reply, { type: 'ack' });
      }
    }
    await trackerShows(world, fakes[8]!.toString('hex'), 2);
    const leecher = await world.addPeer(LEECHER_ID);

    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const [ambiguous] = await withTimeout(leecher.node.whenDownloadsSettled(), 'settle', 10_000);
    assert.equal(ambiguous!.state, 'failed');
    assert.match(
      ambiguous!.reason,
      new RegExp(
        `^10 different files are named ${NAME.replace('.', '\\.')}; not guessing which: choose one as ${NAME.replace('.', '\\.')}@PREFIX \\(([0-9a-f]{8}, ){7}[0-9a-f]{8}; 2 more not listed\\)$`,
      ),
    );
    assert.equal(ambiguous!.choices.length, 8);
    assert.ok(
      ambiguous!.choices.every((choice) => choice.infohashHex !== honest.infohashHex),
      'the honest file is not among the 8 listed',
    );

    assert.deepEqual(leecher.node.download(`${NAME}@${honest.infohashHex.slice(0, 6)}`), {
      ok: true,
    });
    const [picked] = await withTimeout(leecher.node.whenDownloadsSettled(), 'settle', 10_000);
    const detail = `${picked!.state}: ${picked!.reason}`;
    assert.equal(picked!.state, 'done', detail);
    assert.equal(await sha256File(join(world.filesDir, `node${LEECHER_ID}`, NAME)), honest.sha256);
    assert.deepEqual(
      picked!.owners.map((owner) => owner.nodeId),
      [2],
    );
  } finally {
    await world.close();
  }
});
