/**
 * Several files of one name, as a person sees it (issue 13): the built binary in tmux at 100x30,
 * a headless tracker, one honest seeder and two attacker seeders of another file under the same
 * name. Swarm files shows both as NAME@PREFIX; D and the name stop with a choice; Enter opens the
 * picker; ↓ and Enter download the honest file, byte-identical. Needs tmux.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import {
  CLI,
  freeUdpPort,
  screenProblems,
  seederArgs,
  startPeer,
  stopProcess,
  TmuxTerminal,
  tmuxMissing,
} from './harness.ts';
import {
  Cleanups,
  ensureBuiltOnce,
  startTracker,
  waitForText,
  withLastCapture,
} from './peer-harness.ts';

const COLUMNS = 100;
const ROWS = 30;
const FILE = 'hijack.bin';
const FILE_BYTES = 4 * 1024 * 1024;

const cleanups = new Cleanups();
after(() => cleanups.run());

const skip = tmuxMissing() ?? false;
let shown: TmuxTerminal | undefined;

describe('several files of one name in a real terminal (tmux)', { skip }, () => {
  before(() => ensureBuiltOnce());

  test(
    'D and a name met by two files opens a choice; the picker downloads the honest one',
    { timeout: 60_000 },
    () => withLastCapture(() => shown?.captures ?? [], pickTheHonestFile),
  );
});

async function pickTheHonestFile(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bt-tui-e2e-pick-'));
  cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
  const filesDir = join(dir, 'files');
  const logsDir = join(dir, 'logs');
  const trackerLog = join(logsDir, 'tracker.log');
  for (const nodeId of [1, 2, 4, 9])
    mkdirSync(join(filesDir, `node${nodeId}`), { recursive: true });
  // Node 1 is honest; nodes 2 and 4 announce another file of the same name and size.
  const honest = await writeRandomFile(join(filesDir, 'node1', FILE), FILE_BYTES, 1);
  for (const nodeId of [2, 4])
    await writeRandomFile(join(filesDir, `node${nodeId}`, FILE), FILE_BYTES, 2);

  const port = await freeUdpPort();
  const tracker = startTracker(
    { port, sweepSec: 2, dbDir: join(dir, 'db'), logsDir },
    join(dir, 'tracker.out'),
  );
  cleanups.add(() => (tracker.pid ? stopProcess(tracker.pid) : undefined));
  for (const nodeId of [1, 2, 4]) {
    const seeder = startPeer(
      seederArgs(nodeId, port, filesDir, logsDir, FILE),
      join(dir, `seeder${nodeId}.out`),
    );
    cleanups.add(() => (seeder.pid ? stopProcess(seeder.pid) : undefined));
  }
  for (const nodeId of [1, 2, 4])
    await waitForText(trackerLog, new RegExp(`owns node ${nodeId} ${FILE} `), `node ${nodeId}`);

  const terminal = TmuxTerminal.start('pick9', COLUMNS, ROWS, dir);
  shown = terminal;
  cleanups.add(() => terminal.close());
  await terminal.waitFor('the shell prompt', (s) => s.includes(TmuxTerminal.PROMPT.trim()));
  terminal.type(
    `${process.execPath} ${CLI} peer --id 9 --tracker 127.0.0.1:${port} --files ${filesDir} --logs ${logsDir}`,
    true,
  );
  const listed =
    /hijack\.bin@([0-9a-f]{8}) +│ 4\.0 MiB │ 1 +│[\s\S]*hijack\.bin@[0-9a-f]{8} +│ 4\.0 MiB │ 2 +│|hijack\.bin@[0-9a-f]{8} +│ 4\.0 MiB │ 2 +│[\s\S]*hijack\.bin@([0-9a-f]{8}) +│ 4\.0 MiB │ 1 +│/;
  let screen = await terminal.waitFor(
    'both files of the name in Swarm files as NAME@PREFIX',
    (s) => listed.test(s),
    15_000,
  );
  const match = listed.exec(screen)!;
  const honestPrefix = match[1] ?? match[2]!;
  const [peerPid] = terminal.shellChildren();
  if (peerPid) cleanups.add(() => stopProcess(peerPid));

  terminal.type('D');
  await terminal.waitFor('the name prompt', (s) => s.includes('download file named:'));
  terminal.type(`${FILE}\r`);
  screen = await terminal.waitFor(
    'the download stopped with a choice',
    (s) => s.includes(`Enter: choose one of the 2 files named ${FILE}`),
    10_000,
  );
  assert.match(screen, /failed: 2 different files are named hijack\.bin/);

  terminal.type('\r');
  screen = await terminal.waitFor('the picker', (s) =>
    s.includes(`2 files are named ${FILE}: pick one`),
  );
  // Only the width: the picker's rounded frame is not a table, whatever its ─ look like.
  const tooWide = screenProblems(screen, COLUMNS).filter((problem) => problem.includes(' wide: '));
  assert.deepEqual(tooWide, []);
  // The attackers' file has more complete owners and is listed first; the honest one second.
  assert.match(screen, /▸ hijack\.bin@[0-9a-f]{8} │ 4\.0 MiB │ 2 /);
  terminal.type('j');
  await terminal.waitFor('the honest file selected', (s) =>
    s.includes(`▸ ${FILE}@${honestPrefix}`),
  );
  terminal.type('\r');
  screen = await terminal.waitFor(
    'the honest file downloaded',
    (s) => /hijack\.bin \[█+\] 100\.0% done/.test(s),
    20_000,
  );
  assert.equal(await sha256File(join(filesDir, 'node9', FILE)), honest);
  assert.match(screen, /A node 1\b/, 'from the honest node only');
  assert.doesNotMatch(screen, /B node \d/);
  terminal.type('x');
  await waitForText(trackerLog, /exited node 9\b/, 'the EXIT of node 9');
}
