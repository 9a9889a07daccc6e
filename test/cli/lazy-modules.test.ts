// A peer loads neither tracker store's driver: ioredis alone cost ~200 ms of start-up CPU and
// lmdb ~90 ms on the project's VM, paid by every download before the fix. node:test runs each
// file in its own process, so the module cache here holds only what this file imported.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const moduleCache = createRequire(import.meta.url).cache;

function loaded(pattern: RegExp): string[] {
  return Object.keys(moduleCache).filter((path) => pattern.test(path));
}

test('the CLI parser and the peer command load no tracker store driver', async () => {
  await import('../../source/cli/parse-args.ts');
  await import('../../source/cli/run-peer.ts');
  assert.deepEqual(loaded(/node_modules\/(ioredis|lmdb|@lmdb)\//), []);
});

test('opening the embedded store loads lmdb and still not ioredis', async () => {
  const { openTrackerStore } = await import('../../source/tracker/store/open-store.ts');
  const { systemClock } = await import('../../source/clock.ts');
  const store = await openTrackerStore({
    dbDir: '/nonexistent-bt-tui-db',
    trackerId: '127.0.0.1:1',
    clock: systemClock,
  });
  assert.equal(store.shared, false);
  assert.notDeepEqual(loaded(/node_modules\/lmdb\//), []);
  assert.deepEqual(loaded(/node_modules\/ioredis\//), []);
});
