/**
 * A seeder killed (no EXIT), a file deleted from its folder while it is down, and started again
 * at once on its fixed port: the tracker must not go on listing the deleted file under it. A
 * restart within the tracker's 30 s registration slot carries on its old session there, so the
 * node itself withdraws what its seeding record lists and the folder no longer holds.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freeUdpPort } from '../e2e/harness.ts';
import { killAll, spawnCli, startCliSwarm } from './harness/cli.ts';
import { makeTempDir, writeRandomFile } from './harness/files.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await killAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('a seeder killed and restarted at once without a file it seeded: the tracker lists it no more', {
  timeout: 60_000,
}, async () => {
  const dir = await makeTempDir('cli-restart-gone');
  cleanups.push(dir.remove);
  const { tracker, common, files } = await startCliSwarm(dir.path);
  const folder = join(files, 'node9');
  await mkdir(folder, { recursive: true });
  for (const [index, name] of ['kept.bin', 'gone.bin'].entries())
    await writeRandomFile(join(folder, name), 64 * 1024, 980 + index);
  const args = [
    'peer',
    '--id',
    '9',
    '--port',
    String(await freeUdpPort()),
    '--seed-all',
    ...common,
  ];
  const first = spawnCli(args);
  await tracker.waitForLine(/owns node 9 gone\.bin/);
  await tracker.waitForLine(/owns node 9 kept\.bin/);
  // Its seeding record written (changes are coalesced for 100 ms), then killed: no EXIT.
  const record = join(folder, '.bt-tui', 'seeding.json');
  for (let tries = 0; tries < 50; tries++) {
    const text = await readFile(record, 'utf8').catch(() => '');
    if (text.includes('gone.bin') && text.includes('kept.bin')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  first.signal('SIGKILL');
  await first.waitForExit();
  await rm(join(folder, 'gone.bin'));

  const second = spawnCli(args);
  await second.waitForLine(/gone\.bin was seeded before but is gone from the folder/);
  // Withdrawn by the node, its old session carried on or not.
  await tracker.waitForLine(/withdrew node 9 gone\.bin/);
  second.signal('SIGTERM');
  await second.waitForExit();
});
