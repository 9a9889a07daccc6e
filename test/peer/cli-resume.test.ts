/**
 * Crash and restart, for real: a leecher process is SIGKILLed in the middle of a download (no
 * chance to save anything on the way out) and started again without `--download`: it must take
 * the download up by itself, resuming with the pieces it had verified. Killed again, then run
 * with the first command (the download asked for again): it must finish, exit 0, file exact.
 */
import assert from 'node:assert/strict';
import { link, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pieceSizeFor } from '../../source/config.ts';
import { Bitfield } from '../../source/peer/download/bitfield.ts';
import { type CliProcess, killAll, spawnCli, startCliSwarm } from './harness/cli.ts';
import { makeTempDir, sha256File, writeRandomFile } from './harness/files.ts';
import { sleep } from './harness/wait.ts';

const MiB = 1024 * 1024;
const FILE_BYTES = 128 * MiB;
const NAME = 'big.bin';
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await killAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const PIECES = FILE_BYTES / pieceSizeFor(FILE_BYTES);

/** How many pieces the leecher's resume record claims (0 while it has none). */
async function claimedPieces(folder: string): Promise<number> {
  try {
    const record = JSON.parse(
      await readFile(join(folder, '.bt-tui', 'downloads', `${NAME}.json`), 'utf8'),
    ) as { verified: string };
    return new Bitfield(PIECES, Buffer.from(record.verified, 'base64')).count;
  } catch {
    return 0;
  }
}

test('a leecher SIGKILLed mid-download resumes when run again, exits 0, file exact', {
  timeout: 90_000,
}, async () => {
  const seed = 951;
  const dir = await makeTempDir('cli-resume');
  cleanups.push(dir.remove);
  const { tracker, common, files } = await startCliSwarm(dir.path, ['--sweep', '2']);
  await mkdir(join(files, 'node1'), { recursive: true });
  await mkdir(join(files, 'node2'), { recursive: true });
  const expected = await writeRandomFile(join(files, 'node1', NAME), FILE_BYTES, seed);
  await link(join(files, 'node1', NAME), join(files, 'node2', NAME));
  const seeders = [1, 2].map((id) =>
    spawnCli(['peer', '--id', String(id), '--seed', NAME, ...common]),
  );
  for (const seeder of seeders) await seeder.waitForLine(/seeding big\.bin/);
  await tracker.waitForLine(/owns node 2 big\.bin/);

  const leecherArgs = ['peer', '--id', '3', '--download', NAME, '--exit-when-done', ...common];
  const leecherFolder = join(files, 'node3');
  const firstRun = spawnCli(leecherArgs);
  await firstRun.waitForLine(/big\.bin: downloading/);
  // Freeze the seeders after a short burst, so the first run is surely caught mid-way however
  // fast this machine is; let data through in short bursts until the leecher has saved progress.
  const freeze = (signal: 'SIGSTOP' | 'SIGCONT'): void => {
    for (const seeder of seeders) seeder.signal(signal);
  };
  let claimed = 0;
  for (let burst = 0; claimed === 0; burst++) {
    assert.ok(burst < 20, `the first run saved no progress (seed ${seed})`);
    await sleep(20);
    freeze('SIGSTOP');
    // The resume record is saved twice a second.
    await sleep(700);
    claimed = await claimedPieces(leecherFolder);
    if (claimed === 0) freeze('SIGCONT');
  }
  firstRun.signal('SIGKILL');
  assert.equal((await firstRun.waitForExit()).signal, 'SIGKILL');
  freeze('SIGCONT');
  assert.ok(claimed < PIECES, `killed mid-way: ${claimed}/${PIECES} pieces (seed ${seed})`);

  // Started again without asking for anything: it takes the download up by itself.
  const withoutDownload = leecherArgs.filter((arg) => arg !== '--download' && arg !== NAME);
  assert.equal(withoutDownload.length, leecherArgs.length - 2);
  const secondRun: CliProcess = spawnCli(withoutDownload);
  await secondRun.waitForLine(/taking up 1 unfinished download: big\.bin$/);
  const resumed = await secondRun.waitForLine(
    /resuming big\.bin: \d+\/\d+ pieces already verified/,
  );
  const [, verified] = /resuming big\.bin: (\d+)\//.exec(resumed)!;
  assert.ok(
    Number(verified) >= claimed,
    `resumed with at least the ${claimed} pieces saved: ${resumed} (seed ${seed})`,
  );
  secondRun.signal('SIGKILL');
  assert.equal((await secondRun.waitForExit()).signal, 'SIGKILL');

  // The same command as the first: asking for the download taken up is no error.
  const thirdRun: CliProcess = spawnCli(leecherArgs);
  await thirdRun.waitForLine(/taking up 1 unfinished download: big\.bin$/);
  const ended = await thirdRun.waitForExit(60_000);
  const output = [...thirdRun.stdout, ...thirdRun.stderr].slice(-10).join('\n');
  assert.deepEqual(ended, { code: 0, signal: null }, `third run (seed ${seed}):\n${output}`);
  assert.equal(await sha256File(join(leecherFolder, NAME)), expected, `SHA-256 (seed ${seed})`);
});
