import assert from 'node:assert/strict';
import { readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { open } from 'lmdb';
import { ManualClock } from '../../source/clock.ts';
import { exportEmbedded, formatExport } from '../../source/tracker/store/export.ts';
import {
  LMDB_FILE,
  LmdbStore,
  notLmdbReason,
  openLmdbTables,
} from '../../source/tracker/store/lmdb-store.ts';
import type { TrackerState } from '../../source/tracker/tracker-state.ts';
import { creditOf, infohash, newState, own, register, update } from './fixtures.ts';
import { FILE, populated, restore, tempDbDir, writeJsonDb } from './store-fixtures.ts';

const TRACKER_ID = '127.0.0.1:1';

/** Hands the state's changes to the store, as the server does after each request. */
function record(store: LmdbStore, state: TrackerState): void {
  store.record({ trackerId: TRACKER_ID, ops: state.takeOps() }, state);
}

async function reload(dbDir: string): Promise<Awaited<ReturnType<LmdbStore['load']>>> {
  const store = new LmdbStore({ dbDir, clock: new ManualClock() });
  try {
    return await store.load(0);
  } finally {
    await store.close();
  }
}

describe('the embedded store (LMDB in tracker_db/)', () => {
  test('a missing database is an empty swarm with a new secret that stays the same', async () => {
    const dbDir = await tempDbDir();
    const first = await reload(dbDir);
    assert.deepEqual(first.persisted, { nodes: [], files: [] });
    assert.deepEqual(first.notes, []);
    assert.equal(first.trackerSecret.length, 32);
    assert.deepEqual((await reload(dbDir)).trackerSecret, first.trackerSecret);
    assert.deepEqual((await readdir(dbDir)).sort(), ['tracker.mdb', 'tracker.mdb-lock']);
  });

  test('writes each change and reloads the same state', async () => {
    const dbDir = await tempDbDir();
    const store = new LmdbStore({ dbDir, clock: new ManualClock() });
    await store.load(0);
    const state = populated();
    record(store, state);
    assert.equal(await store.flush(), true);
    await store.close();
    assert.deepEqual((await reload(dbDir)).persisted, state.toPersisted());
  });

  test('records written before shared structures load beside those written after', async () => {
    const dbDir = await tempDbDir();
    const before = populated().toPersisted();
    const plain = open({ path: join(dbDir, LMDB_FILE), maxDbs: 4 });
    const nodes = plain.openDB<unknown, number>({ name: 'nodes' });
    const files = plain.openDB<unknown, string>({ name: 'files' });
    await plain.transaction(() => {
      for (const node of before.nodes) nodes.put(node.nodeId, node);
      for (const file of before.files) files.put(file.infohash, file);
    });
    await plain.close();
    // `tracker export` reads it (read-only: it has no ledger table yet) as it is.
    const exported = await exportEmbedded(dbDir);
    assert.ok(exported.ok, exported.ok ? '' : exported.message);
    assert.equal(exported.text, formatExport(before));

    const store = new LmdbStore({ dbDir, clock: new ManualClock() });
    const loaded = await store.load(0);
    assert.deepEqual(loaded.persisted, before);
    assert.deepEqual(loaded.notes, []);
    // Only node 7 and its file are written now: the records above stay in their old form.
    const state = populated();
    state.takeOps();
    const token = register(state, 7, 5007, 0);
    const later = { infohash: infohash(0x77), name: 'later.bin', size: 5 };
    own(state, token, 5007, 0, later);
    record(store, state);
    assert.equal(await store.flush(), true);
    await store.close();

    const again = await reload(dbDir);
    const byInfohash = (a: { infohash: string }, b: { infohash: string }) =>
      a.infohash.localeCompare(b.infohash);
    const laterFile = state.persistedFile(later.infohash.toString('hex'));
    assert.ok(laterFile);
    assert.deepEqual(again.persisted.nodes, [...before.nodes, state.persistedNode(7)]);
    assert.deepEqual(again.persisted.files, [...before.files, laterFile].sort(byInfohash));
    assert.deepEqual(again.notes, []);
    const tables = openLmdbTables(dbDir, true);
    try {
      // The new record holds its values without its field names (the shared structure).
      assert.equal(Buffer.from(tables.nodes.getBinary(7) ?? []).includes('joinedAtWallMs'), false);
      assert.equal(Buffer.from(tables.nodes.getBinary(1) ?? []).includes('joinedAtWallMs'), true);
    } finally {
      await tables.root.close();
    }
  });

  test('a batch writes only the records it touched; exits and drops delete theirs', async () => {
    const dbDir = await tempDbDir();
    const clock = new ManualClock();
    const store = new LmdbStore({ dbDir, clock, batchDelayMs: 250 });
    await store.load(0);
    const { state } = newState();
    const tokens = [1, 2, 3].map((id) => register(state, id, 5000 + id, 0));
    own(state, tokens[0]!, 5001, 0, { infohash: infohash(1), name: 'a.bin', size: 10 });
    own(state, tokens[1]!, 5002, 0, { infohash: infohash(2), name: 'b.bin', size: 20 });
    record(store, state);
    clock.advance(250);
    await store.flush();
    assert.equal(store.writes, 1, 'one transaction for the whole burst');
    state.handle({ type: 'exit', token: tokens[1]! }, { address: '127.0.0.1', port: 5002 }, 1);
    record(store, state);
    await store.flush();
    await store.close();
    const loaded = await reload(dbDir);
    assert.deepEqual(
      loaded.persisted.nodes.map((n) => n.nodeId),
      [1, 3],
    );
    assert.deepEqual(
      loaded.persisted.files.map((f) => [f.name, f.owners]),
      [['a.bin', [1]]],
    );
  });

  test('keeps the newest accepted UPDATEs with the credits they granted', async () => {
    const dbDir = await tempDbDir();
    const store = new LmdbStore({ dbDir, clock: new ManualClock(), ledgerEntries: 2 });
    await store.load(0);
    const state = populated();
    const t3 = register(state, 3, 5003, 0);
    update(state, t3, 5003, 0, FILE.infohash, 2, [{ nodeId: 2, bytes: 200 }]);
    record(store, state);
    await store.flush();
    // Capped: node 3's host has given 900 of the file's 1000 bytes.
    update(state, t3, 5003, 0, FILE.infohash, 3, [{ nodeId: 2, bytes: 500 }]);
    record(store, state);
    await store.close();
    const loaded = await reload(dbDir);
    assert.deepEqual(
      loaded.credited.map((op) => [op.downloadIdHex, op.granted]),
      [
        ['0202020202020202', [{ nodeId: 2, bytes: 200 }]],
        ['0303030303030303', [{ nodeId: 2, bytes: 100 }]],
      ],
    );
    assert.deepEqual(
      loaded.persisted.nodes.map((n) => [n.nodeId, n.uploadCredit]),
      [
        [1, 700],
        [2, 300],
        [3, 0],
      ],
    );

    // A tracker starting from the store: download 3 sent again credits nothing.
    const sendAgain = (remember: boolean) => {
      const restarted = restore(loaded.persisted, 0);
      if (remember) restarted.rememberCredited(loaded.credited);
      const token = register(restarted, 3, 5003, 0);
      update(restarted, token, 5003, 0, FILE.infohash, 3, [{ nodeId: 2, bytes: 100 }]);
      return creditOf(restarted, 2, 0);
    };
    assert.equal(sendAgain(true), 300);
    assert.equal(sendAgain(false), 400, 'without the ledger it would be credited twice');
  });

  test('a malformed ledger entry is left out and counted', async () => {
    const dbDir = await tempDbDir();
    await reload(dbDir);
    const tables = openLmdbTables(dbDir);
    await tables.ledger!.put(0, { op: 'credit', granted: 'all of it' });
    await tables.root.close();
    const loaded = await reload(dbDir);
    assert.deepEqual(loaded.credited, []);
    assert.deepEqual(loaded.notes, [`1 malformed records in ${dbDir} left out`]);
  });

  test('several changes within the batch delay are one write, none before it', async () => {
    const dbDir = await tempDbDir();
    const clock = new ManualClock();
    const store = new LmdbStore({ dbDir, clock, batchDelayMs: 250 });
    await store.load(0);
    const { state } = newState();
    for (let id = 1; id <= 5; id++) {
      register(state, id, 5000 + id, 0);
      record(store, state);
      clock.advance(40);
    }
    assert.equal(store.writes, 0, 'nothing written before the delay');
    clock.advance(90);
    await store.flush();
    assert.equal(store.writes, 1);
    clock.advance(1000);
    assert.equal(await store.flush(), true);
    assert.equal(store.writes, 1, 'no change, no write');
    await store.close();
    assert.equal((await reload(dbDir)).persisted.nodes.length, 5);
  });

  test('nodes.json and files.json are migrated on first start and renamed *.migrated', async () => {
    const dbDir = await tempDbDir();
    const persisted = populated().toPersisted();
    await writeJsonDb(dbDir, persisted);
    const first = await reload(dbDir);
    assert.deepEqual(first.persisted, persisted);
    assert.deepEqual(first.notes, [
      `migrated 3 nodes and 2 files from JSON into ${join(dbDir, 'tracker.mdb')}; kept the old files as nodes.json.migrated, files.json.migrated`,
    ]);
    assert.deepEqual((await readdir(dbDir)).sort(), [
      'files.json.migrated',
      'nodes.json.migrated',
      'tracker.mdb',
      'tracker.mdb-lock',
    ]);
    const second = await reload(dbDir);
    assert.deepEqual(second.persisted, persisted);
    assert.deepEqual(second.notes, []);
  });

  test('an unreadable tracker.mdb is moved aside and the tracker starts without it', async () => {
    const dbDir = await tempDbDir();
    await reload(dbDir);
    await writeFile(join(dbDir, 'tracker.mdb'), Buffer.alloc(64 * 1024, 0x5a));
    const loaded = await reload(dbDir);
    assert.deepEqual(loaded.persisted, { nodes: [], files: [] });
    assert.equal(loaded.notes.length, 1);
    assert.match(loaded.notes[0]!, /tracker\.mdb is unreadable .*moved it to .*corrupt-0/);
    assert.ok((await readdir(dbDir)).includes('tracker.mdb.corrupt-0'));
  });

  // LMDB maps the file: mapped, one cut short killed this process (SIGBUS or SIGSEGV), and with
  // it every start of the tracker (until 2026-12-07).
  for (const cutTo of [4096, 12288, 'one page short'] as const) {
    test(`a tracker.mdb cut short (${cutTo}) is moved aside, never mapped`, async () => {
      const dbDir = await tempDbDir();
      const store = new LmdbStore({ dbDir, clock: new ManualClock() });
      await store.load(0);
      const { state } = newState();
      for (let id = 1; id <= 60; id++) register(state, id, 5000 + id, 0);
      record(store, state);
      assert.equal(await store.flush(), true);
      await store.close();
      const path = join(dbDir, 'tracker.mdb');
      const { size } = await stat(path);
      const cutBytes = cutTo === 'one page short' ? size - 4096 : cutTo;
      assert.ok(cutBytes < size, `the file (${size} bytes) is longer than ${cutBytes}`);
      await truncate(path, cutBytes);
      const why =
        cutBytes < 8192
          ? 'cut short (no second meta page)'
          : `cut short: ${cutBytes} bytes where its pages in use need ${size}`;
      assert.equal(await notLmdbReason(path), why);
      const loaded = await reload(dbDir);
      assert.deepEqual(loaded.persisted, { nodes: [], files: [] });
      assert.deepEqual(loaded.notes, [
        `${path} is unreadable (${why}); moved it to ${path}.corrupt-0 and started without it`,
      ]);
    });
  }
});
