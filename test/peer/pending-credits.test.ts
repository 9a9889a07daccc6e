import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  type CreditReport,
  MAX_PENDING_REPORTS,
  PENDING_CREDITS_FILE,
  PendingCredits,
} from '../../source/peer/pending-credits.ts';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bt-tui-pending-credits-'));
  dirs.push(dir);
  return dir;
}

function report(n: number): CreditReport {
  return {
    name: `file-${n}.bin`,
    infohashHex: n.toString(16).padStart(4, '0').repeat(16),
    downloadIdHex: n.toString(16).padStart(16, '0'),
    credits: [{ nodeId: 1, bytes: 1000 + n }],
  };
}

describe('credits owed to the tracker', () => {
  test('a folder without the file owes nothing', async () => {
    const pending = await PendingCredits.load(await stateDir());
    assert.deepEqual(pending.reports, []);
  });

  test('kept reports are on disk for the next start, removed ones are not', async () => {
    const dir = await stateDir();
    const pending = await PendingCredits.load(dir);
    assert.deepEqual(await pending.add(report(1)), { dropped: 0, writeError: null });
    assert.deepEqual(await pending.add(report(2)), { dropped: 0, writeError: null });
    assert.deepEqual((await PendingCredits.load(dir)).reports, [report(1), report(2)]);
    assert.equal(await pending.remove(report(1).downloadIdHex), null);
    assert.deepEqual((await PendingCredits.load(dir)).reports, [report(2)]);
    // Nothing but the file itself: the temporary files of atomic writes are gone.
    assert.deepEqual(await readdir(dir), [PENDING_CREDITS_FILE]);
  });

  test(`at most ${MAX_PENDING_REPORTS} reports, the oldest dropped first`, async () => {
    const dir = await stateDir();
    const pending = await PendingCredits.load(dir);
    // Added at once, their writes join into a few (each is flushed to the disk: one at a time,
    // 257 took 27 s on the CI machine).
    const first = [];
    for (let n = 1; n <= MAX_PENDING_REPORTS; n++) first.push(pending.add(report(n)));
    assert.deepEqual(
      (await Promise.all(first)).filter((added) => added.dropped > 0 || added.writeError),
      [],
    );
    const last = await pending.add(report(MAX_PENDING_REPORTS + 1));
    assert.equal(last.dropped, 1);
    const kept = (await PendingCredits.load(dir)).reports;
    assert.equal(kept.length, MAX_PENDING_REPORTS);
    assert.deepEqual(kept[0], report(2));
    assert.deepEqual(kept.at(-1), report(MAX_PENDING_REPORTS + 1));
  });

  test('a damaged file owes nothing; malformed entries are left out, the rest kept', async () => {
    const dir = await stateDir();
    const path = join(dir, PENDING_CREDITS_FILE);
    await writeFile(path, '{"version":1,"reports":[{"name":');
    assert.deepEqual((await PendingCredits.load(dir)).reports, []);
    const bad: unknown[] = [
      { ...report(3), name: '../escape' },
      { ...report(4), infohashHex: 'zz'.repeat(32) },
      { ...report(5), downloadIdHex: 'abc' },
      { ...report(6), credits: [] },
      { ...report(7), credits: [{ nodeId: 0, bytes: 5 }] },
      { ...report(8), credits: [{ nodeId: 2, bytes: -1 }] },
      null,
      'text',
    ];
    await writeFile(path, JSON.stringify({ version: 1, reports: [report(1), ...bad, report(2)] }));
    assert.deepEqual((await PendingCredits.load(dir)).reports, [report(1), report(2)]);
  });

  test('a report that cannot be saved is still kept in memory, with the reason', async () => {
    const dir = await stateDir();
    const pending = await PendingCredits.load(join(dir, 'missing-folder'));
    const kept = await pending.add(report(1));
    assert.equal(kept.dropped, 0);
    assert.match(kept.writeError ?? '', /ENOENT/);
    assert.deepEqual(pending.reports, [report(1)]);
  });

  test('the file is plain JSON a person can read', async () => {
    const dir = await stateDir();
    await (await PendingCredits.load(dir)).add(report(1));
    const text = await readFile(join(dir, PENDING_CREDITS_FILE), 'utf8');
    assert.deepEqual(JSON.parse(text), { version: 1, reports: [report(1)] });
  });
});
