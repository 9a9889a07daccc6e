/**
 * Owners that vanish in the middle of a download: one of three exits (the others finish the
 * file and the leaver is shown dead); all of them drop off the network at once (the download
 * waits for owners, then completes from the one that comes back, or gives up if it may).
 */
import assert from 'node:assert/strict';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RemoteAddress } from '../../source/net/transport.ts';
import type { DownloadSnapshot } from '../../source/peer/peer-snapshot.ts';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { timeOf, withoutTime } from './harness/log-lines.ts';
import {
  describeOwners,
  downloadAndSettle,
  downloadRow,
  recordOwnerStates,
  Swarm,
  type SwarmNode,
  settled,
} from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const MiB = 1024 * 1024;
const NAME = 'shared.bin';
const LEECHER_ID = 10;

/** A swarm of owners 1..n seeding `sizeBytes` of random bytes, and a leecher; the file's hash. */
async function seededSwarm(
  swarm: Swarm,
  sizeBytes: number,
  seed: number,
  ownerCount: number,
  uplinkBytesPerSec?: number,
): Promise<{ owners: SwarmNode[]; leecher: SwarmNode; expected: string }> {
  let expected = '';
  const owners: SwarmNode[] = [];
  for (let id = 1; id <= ownerCount; id++) {
    expected = await writeRandomFile(join(await swarm.folderFor(id), NAME), sizeBytes, seed);
    const owner = await swarm.addNode({
      nodeId: id,
      ...(uplinkBytesPerSec ? { uplinkBytesPerSec } : {}),
    });
    assert.deepEqual(await owner.node.seed(NAME), { ok: true }, `seed on node ${id}`);
    owners.push(owner);
  }
  const leecher = await swarm.addNode({ nodeId: LEECHER_ID });
  return { owners, leecher, expected };
}

const isAddress =
  (target: RemoteAddress) =>
  (peer: RemoteAddress): boolean =>
    peer.port === target.port && peer.address === target.address;

test('an owner that exits mid-download is shown dead and the others finish the file', {
  timeout: 60_000,
}, async () => {
  const seed = 301;
  const swarm = await Swarm.start();
  try {
    // Slow uplinks make the transfer outlast the owner-silence timeout after the exit.
    const { owners, leecher, expected } = await seededSwarm(swarm, 20 * MiB, seed, 3, 2 * MiB);
    const gone = owners[1]!;
    const seen = recordOwnerStates(leecher, NAME);
    let exiting: Promise<void> | null = null;
    leecher.tripwire.arm(2 * MiB, () => {
      exiting = gone.exit();
    });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const download = await settled(leecher, NAME, 45_000);
    const context = `(seed ${seed}; ${describeOwners(download)})`;
    assert.ok(exiting !== null, `the owner exited mid-download ${context}`);
    assert.equal(download.state, 'done', `state: ${download.reason} ${context}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `SHA-256 ${context}`);
    assert.equal(leecher.node.budget.inFlightBlocks, 0, `in-flight budget released ${context}`);
    assert.ok(
      seen.get(gone.nodeId)?.has('dead'),
      `node ${gone.nodeId} was shown dead at some point (seen: ${[...(seen.get(gone.nodeId) ?? [])]}) ${context}`,
    );
    for (const owner of download.owners) {
      assert.equal(owner.strikes, 0, `no strike for node ${owner.nodeId} ${context}`);
      assert.notEqual(owner.state, 'banned', `node ${owner.nodeId} not banned ${context}`);
    }
  } finally {
    await swarm.close();
  }
});

test('when every owner is gone the download waits, then completes from one that returns', {
  timeout: 60_000,
}, async () => {
  const seed = 302;
  const swarm = await Swarm.start();
  try {
    const { owners, leecher, expected } = await seededSwarm(swarm, 8 * MiB, seed, 3);
    // Owners stay registered at the tracker; they only stop talking to the leecher.
    leecher.tripwire.arm(2 * MiB, () => {
      for (const owner of owners) owner.faults.partition(isAddress(leecher.address));
    });
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    let stalled: DownloadSnapshot | undefined;
    await waitFor(
      () => {
        stalled = downloadRow(leecher, NAME);
        return stalled?.state === 'waiting-for-owners';
      },
      `the download to wait for owners (seed ${seed})`,
      20_000,
    );
    if (stalled === undefined) return;
    assert.ok(
      stalled.piecesVerified < stalled.pieceCount,
      `stalled mid-way: ${stalled.piecesVerified}/${stalled.pieceCount} (seed ${seed})`,
    );
    const states = stalled.owners.map((owner) => owner.state);
    assert.deepEqual(states, ['dead', 'dead', 'dead'], `every owner listed dead (seed ${seed})`);
    // Dead all the while they are away, probes included: the probes at 1, 2 and 4 s after each
    // died made its row read connecting, then dead again, with each.
    const seen = recordOwnerStates(leecher, NAME);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const notDead = [...seen].flatMap(([nodeId, shown]) =>
      [...shown].filter((state) => state !== 'dead').map((state) => `node ${nodeId} ${state}`),
    );
    assert.deepEqual(notDead, [], `seed ${seed}`);
    const returning = owners[2]!;
    returning.faults.heal();
    const download = await settled(leecher, NAME, 40_000);
    const context = `(seed ${seed}; ${describeOwners(download)})`;
    assert.equal(download.state, 'done', `state: ${download.reason} ${context}`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `SHA-256 ${context}`);
    assert.equal(leecher.node.budget.inFlightBlocks, 0, `in-flight budget released ${context}`);
    const back = download.owners.find((owner) => owner.nodeId === returning.nodeId)!;
    assert.equal(back.state, 'active', `the returning owner is active again ${context}`);
    const { address, port } = returning.address;
    assert.deepEqual(
      leecher.lines.filter((line) => line.includes('answers again')).map(withoutTime),
      [`${NAME}: node 3 answers again, at ${address}:${port}; used again once it delivers`],
      context,
    );
    // The 5 s and more with every owner gone are said, and left out of the rate.
    const done = leecher.lines.map(withoutTime).find((line) => line.startsWith(`done ${NAME}:`));
    const waited = /\(\S+ \S+\/s; waited (\d+\.\d) s for owners, not counted\)/.exec(done ?? '');
    assert.ok(waited !== null && Number(waited[1]) >= 5, `${done} ${context}`);
  } finally {
    await swarm.close();
  }
});

test('with every owner gone for good, a download that may give up fails with the reason', {
  timeout: 60_000,
}, async () => {
  const seed = 303;
  const swarm = await Swarm.start();
  try {
    const { owners } = await seededSwarm(swarm, 8 * MiB, seed, 2);
    // The headless CLI's --exit-when-done gives up after a while without owners; so does this.
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID + 1, giveUpWithoutOwnersMs: 2_000 });
    leecher.tripwire.arm(2 * MiB, () => {
      for (const owner of owners) owner.faults.partition(() => true);
    });
    const download = await downloadAndSettle(leecher, NAME, 40_000);
    const context = `(seed ${seed}; ${describeOwners(download)})`;
    assert.equal(download.state, 'failed', context);
    assert.match(download.reason, /^no owners left \(waited 2 s/, context);
    assert.equal(leecher.node.budget.inFlightBlocks, 0, `in-flight budget released ${context}`);
    // What was verified stays for a later attempt.
    const part = await stat(join(leecher.folder, `${NAME}.part`));
    assert.equal(part.size, 8 * MiB, `the part file is kept ${context}`);
    await access(join(leecher.folder, '.bt-tui', 'downloads', `${NAME}.json`));
  } finally {
    await swarm.close();
  }
});

test('a name the swarm does not have is waited for, then given up on time with "not found in the swarm"', {
  timeout: 30_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID + 2, giveUpWithoutOwnersMs: 4_000 });
    assert.deepEqual(leecher.node.download('nosuch.bin'), { ok: true });
    await waitFor(
      () => downloadRow(leecher, 'nosuch.bin')?.reason === 'no file of this name in the swarm yet',
      'the download waiting for the name',
    );
    assert.equal(downloadRow(leecher, 'nosuch.bin')?.state, 'waiting-for-owners');
    const download = await settled(leecher, 'nosuch.bin', 20_000);
    assert.deepEqual(
      [download.state, download.reason],
      ['failed', 'not found in the swarm (waited 4 s)'],
    );
    // Asked again after ~1 s and ~3 s, within the wait: no `searching` and `waiting` lines per
    // try.
    const said = leecher.lines.flatMap((line) => line.split(' nosuch.bin: ').slice(1));
    assert.deepEqual(said, [
      'waiting for owners (no file of this name in the swarm yet)',
      'failed: not found in the swarm (waited 4 s)',
    ]);
    // On time: before, the back-off's next search (5.25-8.75 s in) was when it gave up. A
    // second of slack for a loaded machine's late timers.
    const waitedMs =
      timeOf(leecher.lines, /nosuch\.bin: failed/) - timeOf(leecher.lines, /nosuch\.bin: waiting/);
    assert.ok(waitedMs < 5_000, `gave up ${waitedMs} ms after the wait began`);
  } finally {
    await swarm.close();
  }
});

test('a name the swarm does not have, but nearly does, says which it may have meant', {
  timeout: 30_000,
}, async () => {
  // Found by hand: `--download bigg.bin` waited, then failed, without a word on what the swarm
  // had (a view shows the swarm's files; a headless node did not).
  const swarm = await Swarm.start();
  try {
    const seeder = await swarm.addNode({ nodeId: 1 });
    for (const [name, seed] of [
      ['big.iso', 1911],
      ['Notes.txt', 1912],
      ['cafe\u0301.bin', 1913], // named on macOS: e and a combining accent
    ] as const) {
      await writeRandomFile(join(seeder.folder, name), 64 * 1024, seed);
      assert.deepEqual(await seeder.node.seed(name), { ok: true });
    }
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID + 4, giveUpWithoutOwnersMs: 3_000 });
    // caf\u00e9.bin: typed on a keyboard, one character for the accented e.
    const asked = ['bigg.iso', 'notes.txt', 'zzz.bin', 'caf\u00e9.bin'];
    for (const name of asked) assert.deepEqual(leecher.node.download(name), { ok: true });
    for (const name of asked) await settled(leecher, name, 20_000);
    const sameTextOtherwise =
      "the swarm has cafe\u0301.bin, the same name in other Unicode characters (\u00e9 is U+0065 U+0301 there, U+00E9 here): pick it in Swarm files, or in a shell give $'cafe\\u0301.bin'";
    const said = leecher.lines
      .map(withoutTime)
      .filter((line) => /: (waiting|failed)/.test(line))
      .sort();
    assert.deepEqual(said, [
      'bigg.iso: failed: not found in the swarm (waited 3 s; did you mean big.iso?)',
      'bigg.iso: waiting for owners (no file of this name in the swarm yet; did you mean big.iso?)',
      `caf\u00e9.bin: failed: not found in the swarm (waited 3 s; ${sameTextOtherwise})`,
      `caf\u00e9.bin: waiting for owners (no file of this name in the swarm yet; ${sameTextOtherwise})`,
      'notes.txt: failed: not found in the swarm (waited 3 s; did you mean Notes.txt?)',
      'notes.txt: waiting for owners (no file of this name in the swarm yet; did you mean Notes.txt?)',
      'zzz.bin: failed: not found in the swarm (waited 3 s)',
      'zzz.bin: waiting for owners (no file of this name in the swarm yet)',
    ]);
  } finally {
    await swarm.close();
  }
});

test('a download paused while it waits for its file stays paused until resumed, then completes', {
  timeout: 30_000,
}, async () => {
  // Found by hand: `p` on a name not in the swarm yet showed paused for a moment, and its next
  // try at the tracker set it back to searching.
  const swarm = await Swarm.start();
  try {
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID + 3 });
    assert.deepEqual(leecher.node.download('later.bin'), { ok: true });
    await waitFor(
      () => downloadRow(leecher, 'later.bin')?.state === 'waiting-for-owners',
      'the download waiting for the name',
    );
    leecher.node.togglePause('later.bin');
    const seeder = await swarm.addNode({ nodeId: 1 });
    const expected = await writeRandomFile(join(seeder.folder, 'later.bin'), 1024 * 1024, 1901);
    assert.deepEqual(await seeder.node.seed('later.bin'), { ok: true });
    // Tries at 1, 2 and 4 s would have found it by now.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const row = downloadRow(leecher, 'later.bin');
    assert.deepEqual([row?.state, row?.reason], ['paused', 'paused by you']);
    leecher.node.togglePause('later.bin');
    const download = await settled(leecher, 'later.bin', 15_000);
    assert.equal(download.state, 'done', download.reason);
    assert.equal(await sha256File(join(leecher.folder, 'later.bin')), expected);
  } finally {
    await swarm.close();
  }
});
