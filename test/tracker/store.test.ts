import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import {
  type PersistedTracker,
  parseFilesFile,
  parseNodesFile,
  serializeFiles,
  serializeNodes,
} from '../../source/tracker/persisted.ts';
import { loadTrackerDb, TrackerDbWriter } from '../../source/tracker/store.ts';
import { TrackerState } from '../../source/tracker/tracker-state.ts';
import {
  at,
  creditOf,
  heartbeat,
  infohash,
  isReregister,
  newState,
  nodeKey,
  own,
  register,
  SWEEP_MS,
  update,
} from './fixtures.ts';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bt-tui-tracker-db-'));
  dirs.push(dir);
  return join(dir, 'tracker_db');
}

const FILE = { infohash: infohash(0x1d), name: 'big.iso', size: 1000 };

/** Nodes 1 and 2 own FILE; 3 credited 1 with 700 B. */
function populated(): TrackerState {
  const { state } = newState();
  const t1 = register(state, 1, 5001, 0);
  const t2 = register(state, 2, 5002, 0);
  const t3 = register(state, 3, 5003, 0);
  own(state, t1, 5001, 0, FILE);
  own(state, t2, 5002, 0, FILE);
  own(state, t2, 5002, 0, { infohash: infohash(0x2e), name: 'small.txt', size: 5 });
  update(state, t3, 5003, 0, FILE.infohash, 1, [{ nodeId: 1, bytes: 700 }]);
  return state;
}

function restore(persisted: PersistedTracker, nowMs: number): TrackerState {
  const random = new SeededRandom(2);
  return TrackerState.fromPersisted(
    persisted,
    { sweepIntervalMs: SWEEP_MS },
    (n) => random.bytes(n),
    new ManualClock(nowMs),
    nowMs,
  ).state;
}

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
    const stranger = state.handle(
      { type: 'register', nodeId: 3, nodeKey: nodeKey(99) },
      at(7003),
      100_001,
    );
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

describe('tracker_db store', () => {
  test('a missing database is an empty swarm', async () => {
    const loaded = await loadTrackerDb(await tempDir(), 0);
    assert.deepEqual(loaded, { persisted: { nodes: [], files: [] }, notes: [] });
  });

  test('writes and reloads the state', async () => {
    const dbDir = await tempDir();
    const state = populated();
    const writer = new TrackerDbWriter({
      dbDir,
      clock: new ManualClock(),
      source: () => state.toPersisted(),
    });
    writer.markDirty();
    await writer.flush();
    const loaded = await loadTrackerDb(dbDir, 0);
    assert.deepEqual(loaded.notes, []);
    assert.deepEqual(loaded.persisted, state.toPersisted());
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
      const writer = new TrackerDbWriter({
        dbDir,
        clock: new ManualClock(),
        source: () => state.toPersisted(),
      });
      writer.markDirty();
      await writer.flush();
      await writeFile(join(dbDir, 'nodes.json'), garbage);
      const loaded = await loadTrackerDb(dbDir, 1_767_225_600_000);
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

  test('writes are atomic: no temp file is left and readers always see a whole file', async () => {
    const dbDir = await tempDir();
    const { state } = newState();
    let nextId = 1;
    const writer = new TrackerDbWriter({
      dbDir,
      clock: new ManualClock(),
      source: () => state.toPersisted(),
    });
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        try {
          const text = await readFile(join(dbDir, 'nodes.json'), 'utf8');
          assert.ok(parseNodesFile(text).ok, 'a reader saw a torn nodes.json');
          reads++;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 50; i++) register(state, nextId, 10_000 + nextId++, 0);
      writer.markDirty();
      await writer.flush();
    }
    writing = false;
    await reader;
    assert.ok(reads > 0);
    assert.deepEqual((await readdir(dbDir)).sort(), ['files.json', 'nodes.json']);
    const loaded = await loadTrackerDb(dbDir, 0);
    assert.equal(loaded.persisted.nodes.length, 2000);
  });

  test('several changes within the flush delay are one write', async () => {
    const dbDir = await tempDir();
    const clock = new ManualClock();
    const { state } = newState();
    let writes = 0;
    const writer = new TrackerDbWriter({
      dbDir,
      clock,
      flushDelayMs: 250,
      source: () => state.toPersisted(),
      onWritten: () => writes++,
    });
    for (let id = 1; id <= 5; id++) {
      register(state, id, 5000 + id, 0);
      writer.markDirty();
      clock.advance(40);
    }
    assert.equal(writes, 0, 'nothing written before the delay');
    clock.advance(90);
    await writer.whenIdle();
    assert.equal(writes, 1);
    assert.equal((await loadTrackerDb(dbDir, 0)).persisted.nodes.length, 5);
    clock.advance(1000);
    await writer.whenIdle();
    assert.equal(writes, 1, 'no change, no write');
  });

  test('a change during a write gets its own write, and flush waits for everything', async () => {
    const dbDir = await tempDir();
    const clock = new ManualClock();
    const { state } = newState();
    const writer = new TrackerDbWriter({
      dbDir,
      clock,
      flushDelayMs: 250,
      source: () => state.toPersisted(),
    });
    register(state, 1, 5001, 0);
    writer.markDirty();
    clock.advance(250); // the write starts
    register(state, 2, 5002, 0);
    writer.markDirty();
    assert.equal(await writer.flush(), true);
    assert.equal(writer.writes, 2);
    assert.equal((await loadTrackerDb(dbDir, 0)).persisted.nodes.length, 2);
  });

  test('a failing write is reported once and retried on the next change', async () => {
    const base = await tempDir();
    await writeFile(`${base}-file`, 'not a directory');
    const dbDir = join(`${base}-file`, 'tracker_db');
    const problems: string[] = [];
    const { state } = newState();
    const writer = new TrackerDbWriter({
      dbDir,
      clock: new ManualClock(),
      source: () => state.toPersisted(),
      onProblem: (text) => problems.push(text),
    });
    writer.markDirty();
    assert.equal(await writer.flush(), false);
    writer.markDirty();
    assert.equal(await writer.flush(), false);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^cannot write /);
    assert.equal(writer.writes, 0);
    await rm(`${base}-file`);
  });
});
