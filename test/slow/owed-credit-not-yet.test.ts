/**
 * A credit owed over a tracker outage reaches an owner that comes back after the tracker had
 * dropped it. The tracker restarts; the owner cannot reach it until the tracker has swept its
 * restored record away; the leecher's owed UPDATE comes in between. Until 2026-12-07 the tracker
 * granted it nothing (`not registered now`) and the report was spent: a CI run lost the credit
 * so, twice, when the owners came back late under load. Now the tracker answers `not-yet` while
 * a restart's nodes may still be coming back, and the leecher sends it again.
 *
 * Slow (~45 s): the tracker's sweep is 6 s here, so that its drop of the restored owner (two
 * sweeps), the leecher's return and the owner's fall well inside the minute in which it says
 * `not yet` (five sweeps, a minute at least; at 4 s and five sweeps only, the owner came back
 * after them once, under load, and was not credited).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PassthroughTransport } from '../../source/net/passthrough-transport.ts';
import type { DatagramTransport, RemoteAddress } from '../../source/net/transport.ts';
import {
  OUTAGE_LEECHER_ID,
  OUTAGE_OWNER_ID,
  outageMidDownload,
  owedCreditArrives,
} from '../faults/harness/owed-credits.ts';
import { World } from '../faults/harness/world.ts';
import { waitFor } from '../peer/harness/wait.ts';

const MiB = 1024 * 1024;
const NAME = 'owed.bin';
const SEED = 1207;
const SWEEP_MS = 6_000;
const OWNER_ID = OUTAGE_OWNER_ID;
const LEECHER_ID = OUTAGE_LEECHER_ID;

/** Datagrams to the tracker are dropped while `cut` is set; peers still reach each other. */
class TrackerCut extends PassthroughTransport {
  cut = false;

  constructor(
    inner: DatagramTransport,
    private readonly tracker: () => RemoteAddress,
  ) {
    super(inner);
  }

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    const { address, port } = this.tracker();
    if (this.cut && to.port === port && to.address === address) return;
    super.send(datagram, length, to);
  }
}

test('an owed credit waits at a restarted tracker for an owner it dropped before the owner came back', {
  timeout: 120_000,
}, async () => {
  const world = await World.create('owed-not-yet');
  world.trackerPatience = { requestMs: 1_500, retryCapMs: 2_000 };
  const cuts = new Map<number, TrackerCut>();
  const wrap = new Map(
    [OWNER_ID, LEECHER_ID].map((nodeId) => [
      nodeId,
      (inner: DatagramTransport) => {
        const cut = new TrackerCut(inner, () => world.trackerAddress);
        cuts.set(nodeId, cut);
        return cut;
      },
    ]),
  );
  try {
    const leecher = await outageMidDownload(world, {
      sweepMs: SWEEP_MS,
      name: NAME,
      seed: SEED,
      wrap,
    });
    const [download] = await leecher.node.whenDownloadsSettled();
    assert.equal(download?.state, 'done', `completed during the outage (seed ${SEED})`);
    await waitFor(
      () => leecher.node.getSnapshot().creditsWaiting === 1,
      `the credit to be owed (seed ${SEED})`,
    );

    // Both come back only after the tracker swept the owner's restored record away.
    cuts.get(OWNER_ID)!.cut = true;
    cuts.get(LEECHER_ID)!.cut = true;
    const tracker = await world.startTracker(SWEEP_MS);
    const listed = (nodeId: number) =>
      tracker.getSnapshot().nodes.some((node) => node.nodeId === nodeId);
    assert.ok(listed(OWNER_ID), 'the owner restored from the database');
    await waitFor(() => !listed(OWNER_ID), `the owner dropped (seed ${SEED})`, 4 * SWEEP_MS);
    cuts.get(LEECHER_ID)!.cut = false;
    const heldBack = `the tracker holds back the credit report owed for the owners of ${NAME}: node ${OWNER_ID} is not back since the tracker restarted`;
    await waitFor(
      () => leecher.lines.some((line) => line.includes(heldBack)),
      `the owed credit held back (seed ${SEED}):\n${leecher.lines.slice(-8).join('\n')}`,
      15_000,
    );
    const said = new RegExp(
      `${heldBack} \\d+ s ago \\(not registered now\\); sent again in 5\\.5 s$`,
    );
    assert.ok(
      leecher.lines.some((line) => said.test(line)),
      leecher.lines.join('\n'),
    );
    assert.equal(leecher.node.getSnapshot().creditsWaiting, 1, 'still owed');

    cuts.get(OWNER_ID)!.cut = false;
    await owedCreditArrives(world, leecher, [OWNER_ID], 4 * MiB, NAME, SEED);
    assert.equal(
      leecher.lines.filter((line) => line.includes(heldBack)).length,
      1,
      `said once: ${leecher.lines.join('\n')}`,
    );
  } finally {
    await world.close();
  }
});
