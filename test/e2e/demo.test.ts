/**
 * `bt-tui demo` as a newcomer meets it (issue 8): the built binary in tmux at 120x40. Download a
 * sample with the keys the screen names, look at the tracker view, quit, and check that no
 * process of the demo is left and its temporary folder is gone. Needs tmux; skipped without it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, isRunning, sleep, stopProcess, TmuxTerminal, tmuxMissing } from './harness.ts';
import {
  Cleanups,
  childrenOf,
  ensureBuiltOnce,
  killIfRunning,
  pidsWithCommandLine,
  withLastCapture,
} from './peer-harness.ts';

const COLUMNS = 120;
const ROWS = 40;
const DOWN = '\u001b[B';

const cleanups = new Cleanups();
after(() => cleanups.run());

const skip = tmuxMissing() ?? false;
/** The terminal of the running test, whose last capture a failure shows. */
let shown: TmuxTerminal | undefined;

describe('bt-tui demo in a real terminal (tmux)', { skip }, () => {
  before(() => ensureBuiltOnce());

  test(
    'download a sample with ↓ and d, t shows 4 nodes alive, q leaves no process and no folder',
    {
      timeout: 40_000,
    },
    () => withLastCapture(() => shown?.captures ?? [], downloadLookAndQuit),
  );
});

/** Issue 8: the keys on screen download a sample, t shows the tracker, q cleans everything up. */
async function downloadLookAndQuit(): Promise<void> {
  // A private TMPDIR: the demo's folder is created in it, so nothing else is mistaken for it.
  const tempRoot = mkdtempSync(join(tmpdir(), 'bt-tui-e2e-demo-'));
  cleanups.add(() => rmSync(tempRoot, { recursive: true, force: true }));
  const terminal = TmuxTerminal.start('demo', COLUMNS, ROWS, tempRoot);
  shown = terminal;
  cleanups.add(() => terminal.close());
  await terminal.waitFor('the shell prompt', (s) => s.includes(TmuxTerminal.PROMPT.trim()));
  terminal.type(`TMPDIR=${tempRoot} ${process.execPath} ${CLI} demo --size 8,16`, true);

  let screen = await terminal.waitFor(
    'both samples listed with three owners',
    (s) =>
      /│ ▸ sample-8MiB\.bin +│ 8\.0 MiB +│ 3 +│/.test(s) &&
      /│ {3}sample-16MiB\.bin │ 16\.0 MiB │ 3 +│/.test(s),
    30_000,
  );
  const [demoPid] = terminal.shellChildren();
  assert.ok(demoPid, 'the demo runs as a child of the shell');
  // Whatever happens below, nothing the demo started outlives the test.
  cleanups.add(async () => {
    for (const pid of childrenOf(demoPid)) killIfRunning(pid);
    await stopProcess(demoPid);
  });
  // The first line says what to press, then the folder (cut with … when the path is long); the
  // demo runs with TMPDIR=tempRoot, so its folder is the one bt-tui-demo-* entry there.
  assert.match(
    screen,
    /^bt-tui demo · select a file in Swarm files \(↑↓\) and press d · t: tracker view · /,
  );
  const entries = readdirSync(tempRoot).filter((name) => name.startsWith('bt-tui-demo-'));
  assert.equal(entries.length, 1, `one demo folder in ${tempRoot}: ${entries.join(', ')}`);
  const folder = join(tempRoot, entries[0]!);
  assert.ok(
    screen.split('\n')[0]?.includes(entries[0]!.slice(0, 8)),
    'the first line shows the folder',
  );
  assert.ok(folder.startsWith(join(tempRoot, 'bt-tui-demo-')), folder);
  assert.ok(existsSync(folder), 'the folder exists while the demo runs');
  assert.match(screen, /select a file in Swarm files \(↑↓\) and press d/);
  // meow renames every bt-tui process (process.title), so /proc/<pid>/cmdline cannot be relied
  // on to name the folder: the seeders are found as the demo's children instead.
  const seeders = childrenOf(demoPid);
  assert.equal(seeders.length, 3, 'three seeders are child processes of the demo');

  terminal.type(DOWN);
  // Names sort by the numbers in them: 8 MiB above 16 MiB.
  await terminal.waitFor('sample-16MiB.bin selected', (s) => s.includes('│ ▸ sample-16MiB.bin'));
  terminal.type('d');
  screen = await terminal.waitFor(
    'sample-16MiB.bin downloaded',
    (s) => /sample-16MiB\.bin \[█+\] 100\.0% done · (\d+)\/\1 pieces/.test(s),
    20_000,
  );
  assert.match(screen, /legend: A node \d {2}B node \d {2}C node \d$/m);
  // Seeded now, so the listing counts it without `r` (it kept its first read before), and says
  // so as this node and the three others (before 2026-12-05: `4`).
  await terminal.waitFor(
    'Swarm files counting node 4 as an owner of sample-16MiB.bin',
    (s) => /│ [▸ ] sample-16MiB\.bin │ 16\.0 MiB │ you \+ 3 +│/.test(s),
    10_000,
  );

  terminal.type('t');
  screen = await terminal.waitFor(
    'the tracker view with 4 nodes alive',
    (s) =>
      /^bt-tui tracker · 127\.0\.0\.1:\d+ · up \d+s\n/m.test(s) && /nodes 4 alive, 0 late/.test(s),
  );
  assert.match(screen, /· watch nodes, heartbeats and credits · t: back/);
  assert.match(
    screen,
    /│ sample-16MiB\.bin │ 16\.0 MiB +│ [0-9a-f]{8} │ .*4·0 B/,
    'node 4 owns it now',
  );

  terminal.type('q');
  screen = await terminal.waitFor(
    'the shell back after q',
    (s) => !s.includes('bt-tui tracker ·') && s.trimEnd().endsWith(TmuxTerminal.PROMPT.trim()),
    15_000,
  );
  assert.match(screen, new RegExp(`demo: removed ${folder.replaceAll('.', '\\.')}`));
  assert.equal(terminal.paneFlag('alternate_on'), '0', 'back on the main screen');
  terminal.type('echo "exit code $?"', true);
  await terminal.waitFor('the exit code', (s) => s.includes('exit code 0'));

  // The demo waited for its seeders; give the kernel a moment to reap them all the same.
  for (let waited = 0; waited < 2_000 && [demoPid, ...seeders].some(isRunning); waited += 50)
    await sleep(50);
  assert.deepEqual([demoPid, ...seeders].filter(isRunning), [], 'no process of the demo is left');
  assert.deepEqual(pidsWithCommandLine(folder), [], 'nothing runs in the demo folder');
  assert.equal(existsSync(folder), false, 'the temporary folder is gone');
  assert.deepEqual(readdirSync(tempRoot), [], 'the demo left nothing in TMPDIR');
}
