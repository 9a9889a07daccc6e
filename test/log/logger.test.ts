import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import { LOG_RETRY_MS, Logger } from '../../source/log/logger.ts';

test('the ring keeps the newest lines for the pane, numbered from the start', () => {
  const echoed: string[] = [];
  const logger = new Logger({
    filePath: null,
    clock: new ManualClock(),
    ringSize: 2,
    echo: (line) => echoed.push(line),
  });
  for (const text of ['a', 'b', 'c']) logger.log(text);
  assert.deepEqual(
    logger.getSnapshot().map((line) => [line.seq, line.text]),
    [
      [1, 'b'],
      [2, 'c'],
    ],
  );
  assert.equal(echoed.length, 3);
});

test('without a pane (ring size 0) no line is kept, every line is still echoed', () => {
  const echoed: string[] = [];
  const logger = new Logger({
    filePath: null,
    clock: new ManualClock(),
    ringSize: 0,
    echo: (line) => echoed.push(line),
  });
  let notified = 0;
  logger.subscribe(() => notified++);
  for (const text of ['a', 'b', 'c']) logger.log(text);
  assert.deepEqual(logger.getSnapshot(), []);
  assert.deepEqual(
    echoed.map((line) => line.slice(line.indexOf(' ') + 1)),
    ['a', 'b', 'c'],
  );
  assert.equal(notified, 3);
});

test('closeFile writes what is pending and nothing after: no complaint once the folder is gone', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'bt-logger-'));
  const filePath = join(folder, 'logs', 'node4.log');
  const echoed: string[] = [];
  const logger = new Logger({
    filePath,
    clock: new ManualClock(),
    echo: (line) => echoed.push(line.slice(line.indexOf(' ') + 1)),
  });
  logger.log('exited the swarm');
  logger.closeFile();
  assert.match(readFileSync(filePath, 'utf8'), /exited the swarm\n$/);
  rmSync(folder, { recursive: true, force: true });
  logger.log('a late line');
  // Past the batch delay: a pending write would have run and failed by now.
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.deepEqual(echoed, ['exited the swarm', 'a late line']);
});

test('a full log file is moved to <file>.1 and a new one begun, no line lost; a moved one is not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bt-log-rotate-'));
  try {
    const filePath = join(dir, 'node3.log');
    const logger = new Logger({ filePath, clock: new ManualClock(), maxFileBytes: 1_000 });
    // Lines of 41 bytes (ISO time, space, 15 characters, newline): the 25th passes 1,000.
    for (let line = 1; line <= 30; line++) {
      logger.log(`line ${String(line).padStart(10, '0')}`);
      logger.flush();
    }
    logger.flush();
    const old = readFileSync(`${filePath}.1`, 'utf8').trimEnd().split('\n');
    const current = readFileSync(filePath, 'utf8').trimEnd().split('\n');
    assert.equal(old.length, 25, old.join('\n'));
    assert.match(old.at(-1)!, / line 0000000025$/);
    assert.match(current[0]!, / log continued from .*node3\.log\.1 \(moved there at 1025 bytes\)$/);
    assert.deepEqual(
      current.slice(1).map((line) => line.slice(-15)),
      [
        'line 0000000026',
        'line 0000000027',
        'line 0000000028',
        'line 0000000029',
        'line 0000000030',
      ],
    );
    // logrotate moved the file (lines are appended by name: a new one begins); the logger's own
    // count says full, the new file is not: nothing is moved over node3.log.1.
    renameSync(filePath, join(dir, 'node3.log.rotated'));
    for (let line = 31; line <= 50; line++) {
      logger.log(`line ${String(line).padStart(10, '0')}`);
      logger.flush();
    }
    assert.equal(readFileSync(`${filePath}.1`, 'utf8').trimEnd().split('\n').length, 25);
    assert.equal(readFileSync(filePath, 'utf8').trimEnd().split('\n').length, 20);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a log file that cannot be written holds its lines, and writes them all once it can', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bt-log-broken-'));
  try {
    const filePath = join(dir, 'node5.log');
    const clock = new ManualClock();
    const logger = new Logger({ filePath, clock });
    // The file's name taken by a folder: every append fails (EISDIR), as on a full disk.
    mkdirSync(filePath);
    logger.log('while broken 1');
    logger.flush();
    logger.log('while broken 2');
    logger.flush();
    clock.advance(LOG_RETRY_MS - 1);
    logger.log('while broken 3');
    logger.flush();
    rmSync(filePath, { recursive: true });
    clock.advance(1);
    logger.log('after');
    logger.flush();
    logger.flush(); // the line saying so was logged by the write that worked
    const texts = readFileSync(filePath, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => line.slice(line.indexOf(' ') + 1));
    assert.deepEqual(texts, [
      'while broken 1',
      `log file ${filePath} unwritable: EISDIR: illegal operation on a directory, open '${filePath}'; its lines are kept and written once it can be (tried every 5 s)`,
      'while broken 2',
      'while broken 3',
      'after',
      `log file ${filePath} writable again: the lines held meanwhile are in it`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a write the full disk cut short is finished once there is room: every line once and whole', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bt-log-full-'));
  try {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', dir], { stdio: 'pipe' });
    } catch {
      t.skip('cannot mount a tmpfs here; the full-disk case needs root');
      return;
    }
    try {
      // 4 KiB left: a batch of four 1.5 KB lines is cut short in its third line.
      writeFileSync(join(dir, 'filler'), Buffer.alloc(12 * 1024));
      const filePath = join(dir, 'node6.log');
      const clock = new ManualClock();
      const logger = new Logger({ filePath, clock });
      const lines = [0, 1, 2, 3].map((i) => `line ${i} ${'x'.repeat(1_500)}`);
      for (const line of lines) logger.log(line);
      logger.flush();
      rmSync(join(dir, 'filler'));
      clock.advance(LOG_RETRY_MS);
      logger.log('after');
      logger.flush();
      logger.flush();
      const texts = readFileSync(filePath, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => line.slice(line.indexOf(' ') + 1));
      // Until 2026-12-07 the whole batch was written again after the part that had gone.
      assert.deepEqual(texts, [
        ...lines,
        `log file ${filePath} unwritable: ENOSPC: no space left on device, write; its lines are kept and written once it can be (tried every 5 s)`,
        'after',
        `log file ${filePath} writable again: the lines held meanwhile are in it`,
      ]);
    } finally {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a process that exits with lines its log file never took says how many, on stderr', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bt-log-exit-'));
  try {
    const filePath = join(dir, 'node7.log');
    mkdirSync(filePath); // every write fails, as on a full disk
    const logger = new URL('../../source/log/logger.ts', import.meta.url).href;
    const clock = new URL('../../source/clock.ts', import.meta.url).href;
    const script = `
      const { Logger } = await import(${JSON.stringify(logger)});
      const { systemClock } = await import(${JSON.stringify(clock)});
      const log = new Logger({ filePath: ${JSON.stringify(filePath)}, clock: systemClock });
      log.log('sources of a.bin: node 1 16.0 MiB');
      if (process.argv.includes('flush')) log.flush();`;
    // Flushed before the exit, and not: the exit's own flush is the first write (a node that
    // exits at once lost its lines without a word until 2026-12-07).
    for (const args of [['flush'], []]) {
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script, ...args],
        { encoding: 'utf8' },
      );
      assert.equal(run.status, 0, run.stderr);
      // The line logged and the one saying the file is unwritable.
      assert.equal(
        run.stderr,
        `bt-tui: 2 log lines never reached ${filePath} (it could not be written)\n`,
        args.join(),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
