/**
 * A node that stops in the middle of its downloads takes them up again when it starts: the ones
 * running start again by themselves (resuming from their part files), one a person paused comes
 * back paused, and what a person cancelled or what failed stays gone. Asking again for one taken
 * up is no error and resumes it if paused.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DOWNLOADS_RECORD_FILE } from '../../source/peer/downloads-record.ts';
import { buildMetainfo } from '../../source/peer/metainfo-builder.ts';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { withoutTime } from './harness/log-lines.ts';
import { downloadAndSettle, downloadRow, Swarm } from './harness/swarm.ts';
import { waitFor, withTimeout } from './harness/wait.ts';

const MiB = 1024 * 1024;
const FILE_BYTES = 8 * MiB;
const LEECHER_ID = 10;

/** The infohash (hex) of node 1's `name`: what a download of it records, once found. */
async function infohashOfFile(swarm: Swarm, name: string): Promise<string> {
  const built = await buildMetainfo(join(await swarm.folderFor(1), name), name);
  return built.infohash.toString('hex');
}

async function recordText(folder: string): Promise<string> {
  return readFile(join(folder, '.bt-tui', DOWNLOADS_RECORD_FILE), 'utf8');
}

test('a restarted node takes up its unfinished downloads: running ones run, a paused one stays paused, cancelled and failed ones stay gone', {
  timeout: 90_000,
}, async () => {
  const seed = 711;
  const swarm = await Swarm.start();
  try {
    const names = ['a.bin', 'b.bin', 'c.bin'];
    const expected = new Map<string, string>();
    for (const [index, name] of names.entries()) {
      const path = join(await swarm.folderFor(1), name);
      expected.set(name, await writeRandomFile(path, FILE_BYTES, seed + index));
    }
    // A slow owner, so the first run is surely stopped in the middle of every download.
    const owner = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 6 * MiB });
    for (const name of names) assert.deepEqual(await owner.node.seed(name), { ok: true });

    const firstRun = await swarm.addNode({ nodeId: LEECHER_ID });
    const leecher = firstRun.node;
    // A name nobody has is waited for; one with an infohash prefix nothing has fails at once.
    for (const name of [...names, 'nosuch.bin@abcd', 'typo.bin'])
      assert.deepEqual(leecher.download(name), { ok: true });
    const state = (name: string) => downloadRow(firstRun, name)?.state;
    await waitFor(
      () => state('b.bin') === 'downloading' && state('c.bin') === 'downloading',
      `b.bin and c.bin to be downloading (seed ${seed})`,
      20_000,
    );
    leecher.togglePause('b.bin');
    await leecher.cancel('c.bin');
    // Each said once, in the log (not `paused (paused by you)`, `cancelled (cancelled)`).
    assert.deepEqual(
      firstRun.lines
        .filter((line) => / [bc]\.bin: (paused|cancelled)/.test(line))
        .map((line) => line.replace(/^\S+ /, '')),
      ['b.bin: paused by you', 'c.bin: cancelled'],
    );
    await waitFor(() => state('nosuch.bin') === 'failed', 'nosuch.bin to fail');
    let stopping: Promise<void> | null = null;
    firstRun.tripwire.arm(2 * MiB, () => {
      stopping = firstRun.exit();
    });
    await waitFor(() => stopping !== null, `the first run to stop mid-way (seed ${seed})`, 20_000);
    await stopping;
    const ended = await leecher.whenDownloadsSettled();
    assert.deepEqual(
      ended.map((download) => [download.name, download.state, download.reason]),
      [
        ['a.bin', 'cancelled', 'node exited'],
        ['b.bin', 'cancelled', 'node exited'],
        ['c.bin', 'cancelled', 'cancelled'],
        ['nosuch.bin', 'failed', 'no file named nosuch.bin has an infohash starting with abcd'],
        ['typo.bin', 'cancelled', 'node exited'],
      ],
      `stopped mid-way by the exit (seed ${seed})`,
    );
    // Said as what it is: `cancelled (node exited)` read like `c`'s cancel (found by hand).
    const stoppedLines = firstRun.lines
      .map(withoutTime)
      .filter((line) => line.includes('stopped with the node') || line.includes('cancelled'));
    assert.deepEqual(
      stoppedLines.map((line) =>
        line.replace(/\(\d+\/\d+ pieces verified; /, '(N pieces verified; '),
      ),
      [
        'c.bin: cancelled',
        'a.bin: stopped with the node (N pieces verified; the next start takes it up)',
        'b.bin: stopped with the node (N pieces verified; the next start takes it up)',
        // Never found (a typo): looked for at every start, it failed every --exit-when-done run
        // 60 s in (found by hand); so it is not recorded for the next start.
        'typo.bin: stopped with the node (never found in the swarm: the next start does not look for it)',
      ],
      `seed ${seed}`,
    );
    assert.equal(
      await recordText(firstRun.folder),
      `${JSON.stringify({
        version: 1,
        downloads: [
          { target: 'a.bin', paused: false, infohash: await infohashOfFile(swarm, 'a.bin') },
          { target: 'b.bin', paused: true, infohash: await infohashOfFile(swarm, 'b.bin') },
        ],
      })}\n`,
    );

    // Nothing asked: the node takes them up by itself.
    const secondRun = await swarm.addNode({ nodeId: LEECHER_ID });
    const node = secondRun.node;
    assert.deepEqual(await node.resumed, ['a.bin', 'b.bin']);
    assert.ok(
      secondRun.lines.some((line) =>
        line.endsWith(' taking up 2 unfinished downloads: a.bin, b.bin (paused: b.bin)'),
      ),
      secondRun.lines.join('\n'),
    );
    const running = await withTimeout(
      node.whenDownloadsSettled({ exceptHeld: true }),
      `a.bin to finish (seed ${seed})`,
      45_000,
    );
    assert.deepEqual(
      running.map((download) => [download.name, download.state]),
      [['a.bin', 'done']],
    );
    assert.equal(await sha256File(join(secondRun.folder, 'a.bin')), expected.get('a.bin'));
    assert.ok(
      secondRun.lines.some((line) =>
        / resuming a\.bin: \d+\/32 pieces already verified$/.test(line),
      ),
      'a.bin resumed from its part file',
    );
    await waitFor(
      () => downloadRow(secondRun, 'b.bin')?.state === 'paused',
      'b.bin to show paused',
    );
    assert.equal(downloadRow(secondRun, 'b.bin')?.reason, 'paused by you');
    assert.deepEqual(node.heldDownloads(), ['b.bin']);
    assert.equal(downloadRow(secondRun, 'c.bin'), undefined, 'the cancelled download stays gone');
    assert.equal(downloadRow(secondRun, 'nosuch.bin'), undefined, 'the failed one stays gone');

    // Asking for a taken-up download again is the same wish: no error, and it resumes.
    assert.deepEqual(node.download('b.bin'), { ok: true });
    const all = await withTimeout(
      node.whenDownloadsSettled(),
      `b.bin to finish (seed ${seed})`,
      45_000,
    );
    assert.equal(all.find((download) => download.name === 'b.bin')?.state, 'done');
    assert.equal(await sha256File(join(secondRun.folder, 'b.bin')), expected.get('b.bin'));
    assert.deepEqual(node.download('b.bin'), {
      ok: false,
      reason: 'b.bin is already here (seeding)',
    });
    await waitFor(
      async () =>
        (await recordText(secondRun.folder)) ===
        `${JSON.stringify({ version: 1, downloads: [] })}\n`,
      'the record to be empty once both are done',
    );
  } finally {
    await swarm.close();
  }
});

test('a downloads record cut short is said in the log, with what to do; the node starts', {
  timeout: 20_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const folder = await swarm.folderFor(LEECHER_ID);
    await mkdir(join(folder, '.bt-tui'), { recursive: true });
    await writeFile(
      join(folder, '.bt-tui', DOWNLOADS_RECORD_FILE),
      '{"version":1,"downloads":[{"ta',
    );
    const node = await swarm.addNode({ nodeId: LEECHER_ID });
    assert.deepEqual(await node.node.resumed, []);
    // Until 2026-12-07 nothing was said: the downloads were forgotten, their part files left.
    const said = node.lines.map(withoutTime).filter((line) => line.includes(DOWNLOADS_RECORD_FILE));
    assert.deepEqual(said, [
      `${join(folder, '.bt-tui', DOWNLOADS_RECORD_FILE)} could not be read (not JSON: cut short or garbled): no download is taken up from it; ask for them again (D in the view, or --download), each resumes from its part file`,
    ]);
  } finally {
    await swarm.close();
  }
});

test('a downloads record that cannot be saved is said once, and again once it is saved', {
  timeout: 30_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    for (const [index, name] of ['a.bin', 'b.bin', 'c.bin'].entries())
      await writeRandomFile(join(await swarm.folderFor(1), name), 64 * 1024, 740 + index);
    const owner = await swarm.addNode({ nodeId: 1 });
    for (const name of ['a.bin', 'b.bin', 'c.bin'])
      assert.deepEqual(await owner.node.seed(name), { ok: true });
    const folder = await swarm.folderFor(LEECHER_ID);
    // Its name taken by a folder: every save fails (EISDIR), as on a full disk every save did.
    const record = join(folder, '.bt-tui', DOWNLOADS_RECORD_FILE);
    await mkdir(record, { recursive: true });
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID });
    const first = await downloadAndSettle(leecher, 'a.bin', 20_000);
    assert.equal(first.state, 'done', first.reason);
    await waitFor(
      () => leecher.lines.some((line) => line.includes(' could not save the downloads record: ')),
      `the failure said:\n${leecher.lines.join('\n')}`,
    );
    // More changes while it still fails (writes begin 100 ms after a change): not said again.
    const second = await downloadAndSettle(leecher, 'b.bin', 20_000);
    assert.equal(second.state, 'done', second.reason);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await rm(record, { recursive: true });
    const download = await downloadAndSettle(leecher, 'c.bin', 20_000);
    assert.equal(download.state, 'done', download.reason);
    await waitFor(
      () => leecher.lines.some((line) => line.endsWith(' saved the downloads record again')),
      `the record saved again:\n${leecher.lines.join('\n')}`,
    );
    const said = leecher.lines.map(withoutTime).filter((line) => line.includes('downloads record'));
    assert.equal(said.length, 2, said.join('\n'));
    assert.match(said[0]!, /^could not save the downloads record: EISDIR/);
    assert.equal(said[1], 'saved the downloads record again');
  } finally {
    await swarm.close();
  }
});

test('a download that finished as the node was killed is seeded at the next start, not refused', {
  timeout: 40_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const source = join(await swarm.folderFor(1), 'done.bin');
    const expected = await writeRandomFile(source, 512 * 1024, 760);
    const owner = await swarm.addNode({ nodeId: 1 });
    assert.deepEqual(await owner.node.seed('done.bin'), { ok: true });
    const first = await swarm.addNode({ nodeId: LEECHER_ID });
    const download = await downloadAndSettle(first, 'done.bin', 20_000);
    assert.equal(download.state, 'done', download.reason);
    await first.exit();
    // What a kill -9 a few ms after `done` left: the file under its name, its part file gone,
    // the download still recorded (with the infohash it was after), and no seeding record.
    const state = join(first.folder, '.bt-tui');
    const infohash = await infohashOfFile(swarm, 'done.bin');
    const record = { version: 1, downloads: [{ target: 'done.bin', paused: false, infohash }] };
    await writeFile(join(state, DOWNLOADS_RECORD_FILE), `${JSON.stringify(record)}\n`);
    await rm(join(state, 'seeding.json'), { force: true });

    const second = await swarm.addNode({ nodeId: LEECHER_ID });
    await waitFor(
      () =>
        second.node
          .getSnapshot()
          .files.some((f) => f.name === 'done.bin' && f.state.kind === 'seeding'),
      `done.bin seeded again:\n${second.lines.join('\n')}`,
      20_000,
    );
    assert.ok(
      second.lines.some((line) =>
        line.endsWith(
          ' done.bin: finished before the node stopped (its bytes hash to the file it was after); seeding it',
        ),
      ),
      second.lines.join('\n'),
    );
    assert.ok(!second.lines.some((line) => line.includes('already here (not shared)')));
    assert.equal(await sha256File(join(second.folder, 'done.bin')), expected);
    // Out of the downloads record once its write lands (writes are coalesced for 100 ms).
    let recorded = await recordText(second.folder);
    for (let tries = 0; recorded.includes('done.bin') && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      recorded = await recordText(second.folder);
    }
    assert.ok(!recorded.includes('done.bin'), recorded);
  } finally {
    await swarm.close();
  }
});
