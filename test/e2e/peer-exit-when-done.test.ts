/**
 * `--exit-when-done` in the full-screen view, as a person sees it (tmux, the built binary): the
 * view shows the download, then closes by itself once it is verified (after `--seed-time`), the
 * terminal back and exit 0, the file exact; left with q before its download is done, it exits 1
 * and says why. Before, the view ignored the flag and stayed open. Needs tmux; skipped without.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CLI,
  freeUdpPort,
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

const COLUMNS = 120;
const ROWS = 40;
const MiB = 1024 * 1024;
const PROMPT = TmuxTerminal.PROMPT.trim();

const cleanups = new Cleanups();
after(() => cleanups.run());

const skip = tmuxMissing() ?? false;
let shown: TmuxTerminal | undefined;

describe('--exit-when-done in the full-screen view (tmux)', { skip }, () => {
  before(() => ensureBuiltOnce());

  test(
    'the view closes by itself once the download is verified: exit 0, file exact',
    {
      timeout: 90_000,
    },
    () => withLastCapture(() => shown?.captures ?? [], closesWhenDone),
  );

  test(
    'q before the download is done: exit 1, and the reason after the view',
    {
      timeout: 90_000,
    },
    () => withLastCapture(() => shown?.captures ?? [], quitEarly),
  );
});

/**
 * A tracker and a seeder of a 16 MiB file limited to `uploadLimit`, in a temp folder; the
 * command that opens the view of node 2 downloading it with `extra` flags, and what to check.
 */
async function swarm(uploadLimit: string, extra: string) {
  const dir = mkdtempSync(join(tmpdir(), 'bt-tui-e2e-exit-done-'));
  cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
  const files = join(dir, 'files');
  const logs = join(dir, 'logs');
  mkdirSync(join(files, 'node1'), { recursive: true });
  const bytes = Buffer.alloc(16 * MiB);
  for (let at = 0; at < bytes.length; at += 4) bytes.writeUInt32LE((at * 2654435761) >>> 0, at);
  writeFileSync(join(files, 'node1', 'f.bin'), bytes);
  const port = await freeUdpPort();
  const tracker = startTracker(
    { port, sweepSec: 22, dbDir: join(dir, 'db'), logsDir: logs },
    join(dir, 'tracker.out'),
  );
  cleanups.add(() => (tracker.pid ? stopProcess(tracker.pid) : undefined));
  const seeder = startPeer(
    [...seederArgs(1, port, files, logs, 'f.bin'), '--upload-limit', uploadLimit],
    join(dir, 'seeder.out'),
  );
  cleanups.add(() => (seeder.pid ? stopProcess(seeder.pid) : undefined));
  await waitForText(join(dir, 'tracker.out'), /owns node 1 f\.bin/, 'the seeder owning f.bin');
  const command = `${process.execPath} ${CLI} peer --id 2 --tracker 127.0.0.1:${port} --files ${files} --logs ${logs} --download f.bin --exit-when-done ${extra}; echo EXIT=$?`;
  const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
  return { dir, command, expected: sha256(join(files, 'node1', 'f.bin')), sha256, files };
}

async function openView(name: string, cwd: string, command: string): Promise<TmuxTerminal> {
  const terminal = TmuxTerminal.start(name, COLUMNS, ROWS, cwd);
  shown = terminal;
  cleanups.add(() => terminal.close());
  await terminal.waitFor('the shell prompt', (s) => s.includes(PROMPT));
  terminal.type(command, true);
  await terminal.waitFor(
    'the view with f.bin downloading',
    (s) =>
      /^bt-tui peer · node 2 .* registered · exits when done$/m.test(s) &&
      /f\.bin \[.*downloading/.test(s),
    30_000,
  );
  return terminal;
}

async function closesWhenDone(): Promise<void> {
  // 16 MiB at 8 MiB/s: two seconds of the view downloading.
  const { dir, command, expected, sha256, files } = await swarm('8M', '--seed-time 1');
  const terminal = await openView('exit-done', dir, command);
  const end = await terminal.waitFor(
    'the view gone by itself and the exit status',
    (s) => /^EXIT=\d+$/m.test(s),
    60_000,
  );
  assert.match(end, /^EXIT=0$/m);
  assert.ok(!end.includes('bt-tui peer · node 2'), `the view is gone:\n${end}`);
  assert.equal(terminal.paneFlag('alternate_on'), '0', 'the terminal is back from the view');
  assert.equal(sha256(join(files, 'node2', 'f.bin')), expected);
  // The view said it stayed for --seed-time before closing (its log pane, and the log file).
  const log = readFileSync(join(dir, 'logs', 'node2.log'), 'utf8');
  assert.match(log, / every download verified; seeding 1 s more \(--seed-time\), then exiting\n/);
}

async function quitEarly(): Promise<void> {
  // 16 MiB at 256 KiB/s: a minute, far longer than the test waits.
  const { dir, command } = await swarm('256K', '');
  const terminal = await openView('exit-early', dir, command);
  terminal.type('q');
  const end = await terminal.waitFor(
    'the shell back after q and the exit status',
    (s) => /^EXIT=\d+$/m.test(s),
    20_000,
  );
  assert.match(
    end,
    /^bt-tui: stopped before every download was done \(f\.bin\); the next start takes it up\nEXIT=1$/m,
    'left before the download was done',
  );
  assert.ok(!end.includes('bt-tui peer · node 2'), `the view is gone:\n${end}`);
}
