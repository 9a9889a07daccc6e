import assert from 'node:assert/strict';
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
