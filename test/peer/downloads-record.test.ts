import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DOWNLOADS_RECORD_FILE, DownloadsRecord } from '../../source/peer/downloads-record.ts';

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'downloads-record-'));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('downloads are kept in the order asked, with their target and pause, and read back', async () => {
  await withDir(async (dir) => {
    const record = await DownloadsRecord.load(dir);
    assert.deepEqual(record.entries, []);
    await record.add('big.iso', 'big.iso@3fa2c1', false);
    await record.add('a.bin', 'a.bin', false);
    await record.setPaused('big.iso', true);
    assert.equal(
      await readFile(join(dir, DOWNLOADS_RECORD_FILE), 'utf8'),
      '{"version":1,"downloads":[{"target":"big.iso@3fa2c1","paused":true},{"target":"a.bin","paused":false}]}\n',
    );
    const again = await DownloadsRecord.load(dir);
    assert.deepEqual(again.entries, [
      { name: 'big.iso', target: 'big.iso@3fa2c1', paused: true },
      { name: 'a.bin', target: 'a.bin', paused: false },
    ]);
    assert.equal(again.has('big.iso', 'big.iso@3fa2c1'), true);
    assert.equal(again.has('big.iso', 'big.iso'), false);
    assert.equal(await again.remove('big.iso'), null);
    assert.deepEqual((await DownloadsRecord.load(dir)).entries, [
      { name: 'a.bin', target: 'a.bin', paused: false },
    ]);
  });
});

test('files found in another order than asked are kept in the order asked', async () => {
  await withDir(async (dir) => {
    const record = await DownloadsRecord.load(dir);
    for (const name of ['a.bin', 'b.bin', 'c.bin']) record.asked(name);
    // The tracker answered for b.bin and c.bin first (a flaky test found the order it made).
    await record.add('c.bin', 'c.bin', false);
    await record.add('b.bin', 'b.bin', true);
    await record.add('a.bin', 'a.bin', false);
    const order = (entries: { name: string }[]) => entries.map((entry) => entry.name);
    assert.deepEqual(order((await DownloadsRecord.load(dir)).entries), ['a.bin', 'b.bin', 'c.bin']);
    // Asked again after it ended: its place is at the end now.
    await record.remove('a.bin');
    record.asked('a.bin');
    await record.add('a.bin', 'a.bin', false);
    assert.deepEqual(order((await DownloadsRecord.load(dir)).entries), ['b.bin', 'c.bin', 'a.bin']);
    // A restart keeps the recorded order, and a new ask comes after it.
    const again = await DownloadsRecord.load(dir);
    again.asked('d.bin');
    again.asked('c.bin');
    await again.add('d.bin', 'd.bin', false);
    assert.deepEqual(order(again.entries), ['b.bin', 'c.bin', 'a.bin', 'd.bin']);
  });
});

test('a damaged record, or damaged entries, count as nothing recorded', async () => {
  await withDir(async (dir) => {
    const path = join(dir, DOWNLOADS_RECORD_FILE);
    await writeFile(path, '{"version":1,"downloads":[{"target":"ok.bin"},');
    const cut = await DownloadsRecord.load(dir);
    assert.deepEqual(cut.entries, []);
    assert.equal(cut.damage, 'not JSON: cut short or garbled');
    await writeFile(path, '{"version":1}');
    assert.equal((await DownloadsRecord.load(dir)).damage, 'no "downloads" list in it');
    await writeFile(
      path,
      JSON.stringify({
        version: 1,
        downloads: [
          { target: 'ok.bin', paused: 'yes' },
          { target: '../etc/passwd', paused: false },
          { target: 'x@12', paused: false },
          { target: 42 },
          null,
        ],
      }),
    );
    const kept = await DownloadsRecord.load(dir);
    assert.deepEqual(kept.entries, [{ name: 'ok.bin', target: 'ok.bin', paused: false }]);
    // Left out, and said: until 2026-12-07 without a word.
    assert.equal(kept.damage, '4 entries not a download it can take up');
  });
});
