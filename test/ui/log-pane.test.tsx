/**
 * The log pane: lines cut to the width, but a line that says something went wrong wraps to up
 * to three rows, so its reason can be read (found by hand: a refused id's `free once …` was cut).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { wrapRows } from '../../source/ui/text.ts';
import { fixedStore, nodeRow, renderEachTest, trackerSnapshot } from './fixtures.ts';
import { logOf } from './peer-fixtures.ts';

const REFUSED =
  'tracker refused registration: node id 1 is in use by 127.0.0.1:59846 (another key; free once that node exits, or if it stays silent 43 s more)';

describe('wrapRows', () => {
  test('breaks after a space near the end of a row, indents the rows after the first', () => {
    assert.deepEqual(wrapRows('aaa bbb ccc ddd', 8, 3, 2), ['aaa bbb', '  ccc', '  ddd']);
  });

  test('a word longer than a row is cut where it must be; the last row allowed ends in …', () => {
    assert.deepEqual(wrapRows('x'.repeat(20), 8, 2), ['xxxxxxxx', 'xxxxxxx…']);
    assert.deepEqual(wrapRows('short', 8, 3), ['short']);
  });

  test('wide characters count two cells', () => {
    assert.deepEqual(wrapRows('日本語日本語', 6, 3), ['日本語', '日本語']);
  });
});

const show = renderEachTest();

describe('log pane at 80 columns', () => {
  // Cut at its end, a line about a 120-character name read `03:30:34 LLLL…` (found by a session).
  test('a refused line wraps to three rows under its time; an ordinary long one is cut, long words in their middle', async () => {
    const long = `listening on 127.0.0.1:40000 (${'x'.repeat(100)})`;
    // Words under half the row stay whole, the line cut at its end (found by hand: this one read
    // `UDP batched by recvmmsg…ndmms…`).
    const words = `listening (UDP batched by recvmmsg/sendmmsg, segmented and coalesced (GSO/GRO)), folder /tmp/files/node2`;
    const named = `done ${'L'.repeat(116)}.bin: 8.0 MiB in 21.61 s (379.0 KiB/s)`;
    const view = await show({
      tracker: fixedStore(trackerSnapshot([nodeRow(1)])),
      log: fixedStore(logOf(words, named, long, REFUSED)),
      size: { columns: 80, rows: 24 },
    });
    const rows = view.linesFrom('  Log (tracker.log)', 7).slice(1);
    assert.deepEqual(rows, [
      `${`03:04:05 ${words}`.slice(0, 79)}…`,
      `03:04:06 done ${'L'.repeat(17)}…${'L'.repeat(10)}.bin: 8.0 MiB in 21.61 s (379.0 KiB/s)`,
      `03:04:07 listening on 127.0.0.1:40000 (${'x'.repeat(20)}…${'x'.repeat(19)})`,
      '03:04:08 tracker refused registration: node id 1 is in use by 127.0.0.1:59846',
      '         (another key; free once that node exits, or if it stays silent 43 s',
      '         more)',
    ]);
  });

  test('a line that cannot do something wraps too', async () => {
    const cannot =
      'cannot write /var/lib/bt-tui/db: No space left on device: Attempting to write page at position 36864';
    const view = await show({
      tracker: fixedStore(trackerSnapshot([nodeRow(1)])),
      log: fixedStore(logOf(cannot)),
      size: { columns: 80, rows: 24 },
    });
    assert.deepEqual(view.linesFrom('  Log (tracker.log)', 3).slice(1), [
      '03:04:05 cannot write /var/lib/bt-tui/db: No space left on device: Attempting',
      '         to write page at position 36864',
    ]);
  });

  test('in a pane too short for both, the newest whole line is shown', async () => {
    const view = await show({
      tracker: fixedStore(trackerSnapshot([nodeRow(1)])),
      log: fixedStore(logOf('older line', REFUSED)),
      size: { columns: 80, rows: 19 },
    });
    const frame = view.frame();
    assert.ok(frame.includes('43 s'), frame);
  });
});
