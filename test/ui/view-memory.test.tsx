/**
 * A view is left open all day: thousands of snapshots through the real PeerApp, rendered by Ink
 * the way the full-screen runner does, must leave the heap where it was and the process-wide
 * performance timeline empty. React's development build fails both (it records a measure per
 * component render and never clears them), so this also proves the views get the production
 * build from `selectReactProductionBuild()`.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mock, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
// Before anything loads React: its build is chosen at the first import.
import { selectReactProductionBuild } from '../../source/cli/full-screen-env.ts';
import type { LogLine } from '../../source/log/logger.ts';
import type { PeerSnapshot } from '../../source/peer/peer-snapshot.ts';

selectReactProductionBuild();
// As the real full-screen path does (prepareFullScreenEnvironment): under CI=true Ink would write
// only the last frame, and this test measures what every redraw costs.
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
const { createElement } = await import('react');
const { render } = await import('ink');
const { PeerApp } = await import('../../source/ui/peer/PeerApp.tsx');
const { FULL_SCREEN_INK_OPTIONS } = await import('../../source/ui/terminal/run-full-screen.tsx');
const { BASE_WALL_MS, MutableStore, fixedStore } = await import('./fixtures.ts');
const { MIB, download, localFile, owner, peerSnapshot, RecordingIntents, swarmFile, swarmListing } =
  await import('./peer-fixtures.ts');

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * The snapshots repeat after this many. Ink 6 caches the size of every distinct text it ever
 * lays out, for good (vadimdemedes/ink#986), so an endless stream of new numbers would grow the
 * heap through Ink alone; repeating lets the warm-up fill those caches, and any growth after it
 * is something kept per redraw.
 */
const CYCLE_SNAPSHOTS = 200;
/** Redraws before the heap is measured: two whole cycles fill Ink's caches, JIT code, pools. */
const WARM_UP_REDRAWS = 100;
/** Redraws between the two heap measurements. */
const MEASURED_REDRAWS = 400;
/** useStore's throttle: the view redraws at most once per this much (mocked) time... */
const REDRAW_INTERVAL_MS = 100;
/** ...while the engine may publish a snapshot every 25 ms: 2 000 snapshots in all. */
const SNAPSHOTS_PER_REDRAW = 4;
/**
 * Heap growth allowed over MEASURED_REDRAWS (after a full GC). The production build stays under
 * 0.5 MiB however many redraws (measured up to 2 400); the development build grows by ~0.35 MiB
 * per redraw (67 000 performance entries after 1 300 redraws).
 */
const MAX_HEAP_GROWTH_BYTES = 1 * MIB;
/** What the log ring keeps (Logger): the log pane never holds more. */
const LOG_RING_LINES = 500;
const PIECES = 256;

/** A terminal that throws every frame away: only the count of redraws is kept. */
class DiscardingStdout extends EventEmitter {
  readonly columns = 80;
  readonly rows = 24;
  readonly isTTY = true;
  writes = 0;
  write = (): boolean => {
    this.writes++;
    return true;
  };
}

/** A keyboard nobody types on. */
class SilentStdin extends EventEmitter {
  readonly isTTY = true;
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => null;
}

/** Update `n` of a busy node: a download moving from three owners, rates changing. */
function busySnapshot(update: number): PeerSnapshot {
  const n = update % CYCLE_SNAPSHOTS;
  const verified = n;
  const sources = Array.from({ length: PIECES }, (_, piece) =>
    piece < verified ? piece % 3 : piece < verified + 8 ? -2 : -1,
  );
  const rate = (40 + (n % 17)) * MIB;
  return peerSnapshot({
    downloadRateBytesPerSec: rate,
    uploadRateBytesPerSec: (n % 5) * MIB,
    bytesUploaded: n * MIB,
    files: Array.from({ length: 12 }, (_, index) =>
      localFile(`file-${index}.bin`, (index + 1) * MIB, {
        kind: 'seeding',
        infohashHex: 'ab'.repeat(32),
        unlistedBecause: null,
      }),
    ),
    downloads: [
      download('big.iso', sources, {
        sizeBytes: PIECES * MIB,
        rateBytesPerSec: rate,
        etaSec: PIECES - verified,
        retransmittedBlocks: n,
        owners: [1, 2, 4].map((nodeId, index) =>
          owner(nodeId, {
            piecesDelivered: Math.floor(verified / 3) + index,
            rateBytesPerSec: rate / 3,
          }),
        ),
      }),
    ],
  });
}

test('thousands of snapshots and hundreds of redraws of PeerApp leave the heap and the performance timeline as they were', async () => {
  const peer = new MutableStore(busySnapshot(0));
  const log = new MutableStore<readonly LogLine[]>([]);
  const stdout = new DiscardingStdout();
  let renders = 0;
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.UTC(2026, 0, 2) });
  const instance = render(
    createElement(PeerApp, {
      peer,
      swarm: fixedStore(swarmListing([swarmFile('big.iso', PIECES * MIB, 3)])),
      log,
      intents: new RecordingIntents(),
    }),
    {
      ...FULL_SCREEN_INK_OPTIONS,
      patchConsole: false,
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: new SilentStdin() as unknown as NodeJS.ReadStream,
      onRender: () => {
        renders++;
      },
    },
  );
  let n = 0;
  /** Lets `redraws` redraw intervals pass, with new snapshots (and a log line each tenth). */
  const run = async (redraws: number) => {
    for (let redraw = 0; redraw < redraws; redraw++) {
      for (let each = 0; each < SNAPSHOTS_PER_REDRAW; each++) {
        n++;
        peer.set(busySnapshot(n));
        if (n % 10 === 0) {
          const wallMs = BASE_WALL_MS + (n % CYCLE_SNAPSHOTS) * 1_000;
          const line = { seq: n, wallMs, text: `piece ${n % CYCLE_SNAPSHOTS} verified` };
          log.set([...log.getSnapshot().slice(-(LOG_RING_LINES - 1)), line]);
        }
        mock.timers.tick(REDRAW_INTERVAL_MS / SNAPSHOTS_PER_REDRAW);
      }
      // The throttled change reaches React in a microtask; Ink draws on commit.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  try {
    await run(WARM_UP_REDRAWS);
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const rendersBefore = renders;
    await run(MEASURED_REDRAWS);
    collectGarbage();
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;

    // The view was drawn every interval: the loop measured it at work, not stalled.
    assert.ok(
      renders - rendersBefore >= MEASURED_REDRAWS,
      `${renders - rendersBefore} redraws in ${MEASURED_REDRAWS} intervals`,
    );
    assert.ok(stdout.writes >= MEASURED_REDRAWS, `${stdout.writes} writes to the terminal`);
    assert.deepEqual(
      {
        measures: performance.getEntriesByType('measure').length,
        all: performance.getEntries().length,
      },
      { measures: 0, all: 0 },
      'performance entries retained (is React running its development build?)',
    );
    assert.ok(
      heapGrowth < MAX_HEAP_GROWTH_BYTES,
      `heap grew by ${(heapGrowth / MIB).toFixed(1)} MiB over ${MEASURED_REDRAWS} redraws`,
    );
  } finally {
    instance.unmount();
    mock.timers.reset();
  }
});
