import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import { Logger } from '../../source/log/logger.ts';

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
