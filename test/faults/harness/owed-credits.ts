/** Credits owed over a tracker outage: making one, reading what is owed, waiting for it. */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatagramTransport } from '../../../source/net/transport.ts';
import { STATE_DIR_NAME } from '../../../source/peer/node-folder.ts';
import { PENDING_CREDITS_FILE } from '../../../source/peer/pending-credits.ts';
import { writeRandomFile } from '../../peer/harness/files.ts';
import { SlowLinkTransport } from '../../peer/harness/slow-link.ts';
import { waitFor } from '../../peer/harness/wait.ts';
import type { World, WorldPeer } from './world.ts';

const MiB = 1024 * 1024;
/** The node ids outageMidDownload starts. */
export const OUTAGE_OWNER_ID = 1;
export const OUTAGE_LEECHER_ID = 10;

/** A transport wrapper for a node of outageMidDownload. */
type Wrap = (transport: DatagramTransport) => DatagramTransport;

/**
 * A slow owner (node 1) of a 4 MiB `name` and a leecher (node 10) downloading it; the tracker
 * stops once the leecher has verified 1 MiB. Resolves with the leecher. `wrap`: more transport
 * wrappers, by node id (the owner's goes around its slow link).
 */
export async function outageMidDownload(
  world: World,
  opts: { sweepMs: number; name: string; seed: number; wrap?: Map<number, Wrap> },
): Promise<WorldPeer> {
  const { name, seed } = opts;
  const wrap = (nodeId: number): Wrap => opts.wrap?.get(nodeId) ?? ((transport) => transport);
  await world.startTracker(opts.sweepMs);
  const folder = join(world.filesDir, `node${OUTAGE_OWNER_ID}`);
  await mkdir(folder, { recursive: true });
  await writeRandomFile(join(folder, name), 4 * MiB, seed);
  const owner = await world.addPeer(OUTAGE_OWNER_ID, (socket) =>
    wrap(OUTAGE_OWNER_ID)(new SlowLinkTransport(socket, 2 * MiB)),
  );
  assert.deepEqual(await owner.node.seed(name), { ok: true });
  const leecher = await world.addPeer(OUTAGE_LEECHER_ID, wrap(OUTAGE_LEECHER_ID));
  assert.deepEqual(leecher.node.download(name), { ok: true });
  const row = () => leecher.node.getSnapshot().downloads.find((d) => d.name === name);
  await waitFor(
    () => (row()?.bytesVerified ?? 0) >= MiB,
    `1 MiB verified before the outage (seed ${seed})`,
    20_000,
  );
  await world.stopTracker();
  return leecher;
}

/** Credit bytes the tracker shows for `nodeIds`, summed. */
function creditedBytes(world: World, nodeIds: number[]): number {
  const rows = world.tracker?.getSnapshot().nodes ?? [];
  return rows
    .filter((row) => nodeIds.includes(row.nodeId))
    .reduce((sum, row) => sum + row.uploadCredit, 0);
}

/** The credits node `nodeId` still owes the tracker, as its folder keeps them. */
export async function pendingReports(world: World, nodeId: number): Promise<unknown[]> {
  const path = join(world.filesDir, `node${nodeId}`, STATE_DIR_NAME, PENDING_CREDITS_FILE);
  const text = await readFile(path, 'utf8').catch(() => null);
  return text === null ? [] : (JSON.parse(text) as { reports: unknown[] }).reports;
}

/**
 * The leecher's owed credit for file `name` reaches the tracker (`owners` credited `bytes` in
 * all), the leecher hears so, and nothing stays owed in its folder. `seed`: the test's, said
 * in a failure.
 */
export async function owedCreditArrives(
  world: World,
  leecher: WorldPeer,
  owners: number[],
  bytes: number,
  name: string,
  seed: number,
): Promise<void> {
  // What the leecher and the tracker said of credits, in a failure: a CI run timed out here
  // without a word of why.
  const said = () =>
    [...leecher.lines, ...world.trackerLines]
      .filter((line) => /credit|register|owns|dropped|late|not-yet|refused/.test(line))
      .sort()
      .slice(-40)
      .join('\n');
  await waitFor(
    () => creditedBytes(world, owners) === bytes,
    () => `owners ${owners} credited ${bytes} B in all (seed ${seed}):\n${said()}`,
    15_000,
  );
  // The tracker credits before its answer reaches the leecher: the leecher's line comes after.
  await waitFor(
    () =>
      leecher.lines.some((line) =>
        line.includes(`the tracker took the credit report owed for the owners of ${name}`),
      ),
    `the leecher to hear its credit was applied (seed ${seed})`,
  );
  assert.deepEqual(await pendingReports(world, leecher.nodeId), []);
  await waitFor(
    () => leecher.node.getSnapshot().creditsWaiting === 0,
    `the leecher's view to show no credit waiting (seed ${seed})`,
  );
}
