/**
 * The built binary runs React's production build in every full-screen view, whatever NODE_ENV
 * the shell exported: React's development build records a performance measure per component
 * render and never clears them (an idle peer view grew ~1 MB/s). A probe loaded with
 * `node --import` reports which React files the real process ran and what it keeps in its
 * performance timeline. Needs tmux; skipped with a message without it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI, freeUdpPort, sleep, stopProcess, TmuxTerminal, tmuxMissing } from './harness.ts';
import { Cleanups, ensureBuiltOnce, readText, startTracker, waitForText } from './peer-harness.ts';

const PROBE = fileURLToPath(new URL('./fixtures/react-build-probe.mjs', import.meta.url));
/** The view redraws several times in this (first frame, log lines, swarm list) before we read. */
const VIEW_RUNNING_MS = 2_000;

const cleanups = new Cleanups();
after(() => cleanups.run());

const skip = tmuxMissing() ?? false;

describe('React build of the real binary (tmux)', { skip }, () => {
  before(() => ensureBuiltOnce());

  test('the peer view runs react.production and keeps no performance entries, even under NODE_ENV=development', {
    timeout: 30_000,
  }, async () => {
    const dir = makeDir('peer');
    const trackerPort = await freeUdpPort();
    const tracker = startTracker(
      { port: trackerPort, sweepSec: 30, dbDir: join(dir, 'db'), logsDir: join(dir, 'logs') },
      join(dir, 'tracker.out'),
    );
    cleanups.add(() => stopProcess(tracker.pid!));
    await waitForText(join(dir, 'tracker.out'), /listening on/, 'the tracker');
    const probe = await runViewWithProbe(
      dir,
      `peer --id 5 --tracker 127.0.0.1:${trackerPort} --files ${join(dir, 'files')} --logs ${join(dir, 'logs')}`,
      'bt-tui peer · node 5',
    );
    assertProductionReact(probe);
  });

  test('the tracker view runs react.production and keeps no performance entries, even under NODE_ENV=development', {
    timeout: 30_000,
  }, async () => {
    const dir = makeDir('tracker');
    const port = await freeUdpPort();
    const probe = await runViewWithProbe(
      dir,
      `tracker --port ${port} --db ${join(dir, 'db')} --logs ${join(dir, 'logs')}`,
      'bt-tui tracker ·',
    );
    assertProductionReact(probe);
  });
});

interface ProbeLine {
  reactFiles: string[];
  performanceEntries: number;
}

function makeDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bt-tui-e2e-react-${name}-`));
  mkdirSync(join(dir, 'files'));
  cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Starts `bt-tui <args>` in tmux from a shell that exported NODE_ENV=development, waits for
 * `header` and VIEW_RUNNING_MS more, quits with q and returns the probe's last report.
 */
async function runViewWithProbe(dir: string, args: string, header: string): Promise<ProbeLine> {
  const probeFile = join(dir, 'probe.jsonl');
  const terminal = TmuxTerminal.start(`react-${header.split(' ')[1]}`, 120, 40, dir);
  cleanups.add(() => terminal.close());
  await terminal.waitFor('the shell prompt', (s) => s.includes(TmuxTerminal.PROMPT.trim()));
  terminal.type(
    `export NODE_ENV=development BT_TUI_PROBE_FILE=${probeFile}; ${process.execPath} --import ${PROBE} ${CLI} ${args}`,
    true,
  );
  await terminal.waitFor(header, (s) => s.includes(header), 15_000);
  await sleep(VIEW_RUNNING_MS);
  const lines = readText(probeFile).trim().split('\n');
  terminal.type('q');
  await terminal.waitFor('the shell prompt again', (s) => !s.includes(header), 10_000);
  return JSON.parse(lines.at(-1) ?? '{}') as ProbeLine;
}

function assertProductionReact(probe: ProbeLine): void {
  assert.ok(probe.reactFiles.length > 0, 'the probe saw no React file run');
  assert.deepEqual(
    probe.reactFiles.filter((file) => !file.endsWith('.production.js')),
    [],
    `React files other than production builds ran: ${probe.reactFiles.join(', ')}`,
  );
  assert.equal(probe.performanceEntries, 0, 'performance entries retained');
}
