/**
 * Owners are credited for what a download verified even when it does not finish in one run: a
 * download cancelled by its user credits its owners at once, and a node that exits mid-download
 * credits them before its EXIT. The run that resumes fetches only the rest, so without this the
 * first run's bytes were credited to nobody (found by pausing a download in the peer view,
 * quitting, and finishing it in a second run: the tracker credited the seeder 19.3 of 32 MiB).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Download } from '../../source/peer/download/download.ts';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { downloadAndSettle, Swarm, type SwarmNode, settled } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const FILE_BYTES = 8 * MiB;
const NAME = 'credited.bin';
const OWNER_ID = 1;
const LEECHER_ID = 10;

/** The credit the tracker shows for `nodeId`. */
function creditOf(swarm: Swarm, nodeId: number): number {
  return swarm.trackerSnapshot().nodes.find((row) => row.nodeId === nodeId)?.uploadCredit ?? 0;
}

/** Bytes `download` verified from `nodeId`. */
function verifiedFrom(download: Download, nodeId: number): number {
  return download.owners.find((owner) => owner.nodeId === nodeId)?.verifiedBytes ?? 0;
}

/** A swarm with one slow owner of NAME (so a download is surely stopped mid-way). */
async function swarmWithOwner(seed: number): Promise<{ swarm: Swarm; expected: string }> {
  const swarm = await Swarm.start();
  const expected = await writeRandomFile(
    join(await swarm.folderFor(OWNER_ID), NAME),
    FILE_BYTES,
    seed,
  );
  const owner = await swarm.addNode({ nodeId: OWNER_ID, uplinkBytesPerSec: 8 * MiB });
  assert.deepEqual(await owner.node.seed(NAME), { ok: true });
  return { swarm, expected };
}

/** Starts NAME on `leecher` and runs `stop` once 3 MiB have arrived; resolves after it. */
async function stopMidway(leecher: SwarmNode, stop: () => Promise<void>, seed: number) {
  let stopping: Promise<void> | null = null;
  leecher.tripwire.arm(3 * MiB, () => {
    stopping = stop();
  });
  assert.deepEqual(leecher.node.download(NAME), { ok: true });
  await waitFor(() => stopping !== null, `the download to stop mid-way (seed ${seed})`, 20_000);
  await stopping;
}

test('a cancelled download credits its owners with what it verified', {
  timeout: 60_000,
}, async () => {
  const seed = 1401;
  const { swarm } = await swarmWithOwner(seed);
  try {
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID });
    await stopMidway(leecher, () => leecher.node.cancel(NAME), seed);
    const download = await settled(leecher, NAME, 10_000);
    assert.equal(download.state, 'cancelled', `seed ${seed}`);
    const verified = verifiedFrom(download, OWNER_ID);
    assert.ok(
      verified > 0 && verified < FILE_BYTES,
      `stopped mid-way, ${verified} B verified (seed ${seed})`,
    );
    await waitFor(
      () => creditOf(swarm, OWNER_ID) === verified,
      `node ${OWNER_ID} credited ${verified} B, has ${creditOf(swarm, OWNER_ID)} (seed ${seed})`,
      10_000,
    );
    assert.ok(
      leecher.lines.some((line) =>
        line.includes(`sources of ${NAME} before it stopped: node ${OWNER_ID} `),
      ),
      `the leecher says who gave what before it stopped (seed ${seed})`,
    );
  } finally {
    await swarm.close();
  }
});

test('a node that exits mid-download credits before EXIT, and the resumed run the rest', {
  timeout: 60_000,
}, async () => {
  const seed = 1402;
  const { swarm, expected } = await swarmWithOwner(seed);
  try {
    const firstRun = await swarm.addNode({ nodeId: LEECHER_ID });
    await stopMidway(firstRun, () => firstRun.exit(), seed);
    const stopped = await settled(firstRun, NAME, 10_000);
    const firstBytes = verifiedFrom(stopped, OWNER_ID);
    assert.ok(
      firstBytes > 0 && firstBytes < FILE_BYTES,
      `the first run stopped mid-way, ${firstBytes} B verified (seed ${seed})`,
    );
    // exit() resolved after EXIT, so the credit had to come before it.
    assert.equal(creditOf(swarm, OWNER_ID), firstBytes, `credited before EXIT (seed ${seed})`);

    const secondRun = await swarm.addNode({ nodeId: LEECHER_ID });
    const download = await downloadAndSettle(secondRun, NAME, 45_000);
    assert.equal(download.state, 'done', `state: ${download.reason} (seed ${seed})`);
    assert.equal(
      await sha256File(join(secondRun.folder, NAME)),
      expected,
      `SHA-256 (seed ${seed})`,
    );
    const secondBytes = verifiedFrom(download, OWNER_ID);
    assert.ok(secondBytes < FILE_BYTES, `the second run resumed (seed ${seed})`);
    // Both runs together gave the whole file, and the tracker credits one host at most the
    // file's size per file.
    await waitFor(
      () => creditOf(swarm, OWNER_ID) === FILE_BYTES,
      `node ${OWNER_ID} credited the whole file over both runs (${firstBytes} + ${secondBytes} B), has ${creditOf(swarm, OWNER_ID)} (seed ${seed})`,
      10_000,
    );
  } finally {
    await swarm.close();
  }
});
