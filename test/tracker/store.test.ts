import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { formatEvent } from '../../source/tracker/events.ts';
import {
  parseFilesFile,
  parseNodesFile,
  serializeFiles,
  serializeNodes,
} from '../../source/tracker/persisted.ts';
import { loadJsonDb } from '../../source/tracker/store/json-files.ts';
import { TrackerState } from '../../source/tracker/tracker-state.ts';
import {
  at,
  creditOf,
  heartbeat,
  identity,
  isReregister,
  prove,
  register,
  SWEEP_MS,
} from './fixtures.ts';
import { populated, restore, tempDbDir as tempDir, writeJsonDb } from './store-fixtures.ts';

describe('persisted state', () => {
  test('survives a round trip through the file format', () => {
    const persisted = populated().toPersisted();
    const nodes = parseNodesFile(serializeNodes(persisted.nodes));
    const files = parseFilesFile(serializeFiles(persisted.files));
    assert.ok(nodes.ok && files.ok);
    assert.deepEqual({ nodes: nodes.value, files: files.value }, persisted);
    assert.deepEqual(restore(persisted, 0).toPersisted(), persisted);
  });

  test('a restored tracker keeps credits and owners, and asks every node to register again', () => {
    const before = populated();
    const persisted = before.toPersisted();
    const state = restore(persisted, 100_000);
    assert.equal(creditOf(state, 1, 100_000), 700);
    assert.deepEqual(state.toPersisted().files, persisted.files);
    // Old tokens are unknown; the same key registers again from the same or another address.
    assert.ok(isReregister(heartbeat(state, Buffer.alloc(8, 1), 5001, 100_001)));
    register(state, 1, 5001, 100_001);
    register(state, 2, 6002, 100_001);
    const stranger = prove(state, 3, at(7003), 100_001, identity(99));
    assert.equal(stranger.reply?.type === 'error' && stranger.reply.code, 'id-in-use');
  });

  test('restored nodes that never come back are dropped after two sweeps', () => {
    const state = restore(populated().toPersisted(), 100_000);
    register(state, 1, 5001, 100_000 + SWEEP_MS);
    const dropped = state
      .sweep(100_000 + 2 * SWEEP_MS)
      .flatMap((e) => (e.kind === 'dropped' ? [e.nodeId] : []));
    assert.deepEqual(dropped, [2, 3]);
    assert.deepEqual(
      state.toPersisted().files.map((f) => [f.name, f.owners]),
      [['big.iso', [1]]],
    );
  });

  test('a restored node shows as restored, not alive, until it registers again', () => {
    const state = restore(populated().toPersisted(), 100_000);
    const statuses = (nowMs: number) =>
      state.snapshot(nowMs).nodes.map((row) => [row.nodeId, row.status, row.lastHeardAgoMs]);
    assert.deepEqual(statuses(100_500), [
      [1, 'restored', 500],
      [2, 'restored', 500],
      [3, 'restored', 500],
    ]);
    register(state, 2, 5002, 101_000);
    register(state, 3, 5003, 101_000);
    assert.deepEqual(statuses(101_500), [
      [1, 'restored', 1500],
      [2, 'alive', 500],
      [3, 'alive', 500],
    ]);
    const header = state.snapshot(101_500).header;
    assert.deepEqual([header.nodesAlive, header.nodesLate, header.nodesRestored], [2, 0, 1]);
    // Never heard since the restart: late after one sweep period, in words that say so.
    const events = state.sweep(100_000 + SWEEP_MS).map(formatEvent);
    assert.deepEqual(events, [
      'late node 1 (restored from the store, not heard in the 22 s since)',
    ]);
    assert.equal(state.snapshot(100_000 + SWEEP_MS).header.nodesRestored, 0);
  });

  test('NEED offers owners heard since the restart before restored ones not yet heard', () => {
    // big.iso is owned by 1 and 2, equal in rank: whichever registered comes first.
    for (const [heard, notHeard] of [
      [1, 2],
      [2, 1],
    ] as const) {
      const state = restore(populated().toPersisted(), 100_000);
      const asker = register(state, 3, 5003, 100_001);
      register(state, heard, 5000 + heard, 100_001);
      const { reply } = state.handle(
        {
          type: 'need',
          exclude: [],
          token: asker,
          query: { kind: 'name', name: 'big.iso' },
          maxOwners: 3,
        },
        at(5003),
        100_002,
      );
      assert.ok(reply?.type === 'need-reply');
      assert.deepEqual(
        reply.matches[0]?.owners.map((owner) => owner.nodeId),
        [heard, notHeard],
      );
    }
  });

  test('entries that do not fit together are left out, not trusted', () => {
    const persisted = populated().toPersisted();
    persisted.files.push(
      { infohash: 'ff'.repeat(32), name: '../escape', size: 1, owners: [1] },
      { infohash: 'ee'.repeat(32), name: 'orphan', size: 1, owners: [42] },
    );
    const random = new SeededRandom(3);
    const { state, ignoredEntries } = TrackerState.fromPersisted(
      persisted,
      { sweepIntervalMs: SWEEP_MS },
      (n) => random.bytes(n),
      new ManualClock(),
      0,
    );
    assert.equal(ignoredEntries, 2);
    assert.deepEqual(
      state.toPersisted().files.map((f) => f.name),
      ['big.iso', 'small.txt'],
    );
  });
});

describe('legacy nodes.json and files.json (read once, to migrate them)', () => {
  test('a missing database is an empty swarm', async () => {
    const loaded = await loadJsonDb(await tempDir(), 0);
    assert.deepEqual(loaded, { persisted: { nodes: [], files: [] }, notes: [] });
  });

  for (const [label, garbage] of [
    ['garbage', '\u0000\u0001 not json at all'],
    ['torn', '{\n  "version": 1,\n  "nodes": [\n    {"nodeId":1,"keyHash":"ab'],
    ['ill-shaped', '{"version":1,"nodes":[{"nodeId":-1}]}'],
    ['future version', '{"version":99,"nodes":[]}'],
  ] as const) {
    test(`a ${label} nodes.json is moved aside and the tracker starts without it`, async () => {
      const dbDir = await tempDir();
      const state = populated();
      await writeJsonDb(dbDir, state.toPersisted());
      await writeFile(join(dbDir, 'nodes.json'), garbage);
      const loaded = await loadJsonDb(dbDir, 1_767_225_600_000);
      assert.deepEqual(loaded.persisted.nodes, []);
      assert.equal(loaded.persisted.files.length, 2, 'files.json is still read');
      assert.equal(loaded.notes.length, 1);
      assert.match(
        loaded.notes[0]!,
        /nodes\.json is unreadable .*moved it to .*nodes\.json\.corrupt-1767225600000/,
      );
      assert.deepEqual((await readdir(dbDir)).sort(), [
        'files.json',
        'nodes.json.corrupt-1767225600000',
      ]);
      assert.equal(
        await readFile(join(dbDir, 'nodes.json.corrupt-1767225600000'), 'utf8'),
        garbage,
      );
      // Files whose owners are gone do not come back.
      const restored = restore(loaded.persisted, 0);
      assert.deepEqual(restored.toPersisted(), { nodes: [], files: [] });
    });
  }
});
