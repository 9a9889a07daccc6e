import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MIN_ROWS } from '../../source/ui/tracker/TrackerApp.tsx';
import { trackerLayout } from '../../source/ui/tracker/tracker-layout.ts';

/** Header (2 lines) and help line (1) sit outside the panes. */
const FIXED_LINES = 3;

describe('trackerLayout', () => {
  test('the panes and the fixed lines fill the screen but its last line', () => {
    for (let rows = MIN_ROWS; rows <= 80; rows++) {
      for (const nodes of [0, 1, 5, 20, 500]) {
        for (const files of [0, 1, 7, 300]) {
          const layout = trackerLayout(rows, nodes, files);
          const what = `rows ${rows}, ${nodes} nodes, ${files} files`;
          assert.ok(layout, what);
          assert.equal(
            layout.nodesHeight + layout.filesHeight + layout.logHeight + FIXED_LINES,
            rows - 1,
            what,
          );
          assert.equal(layout.nodeRows, layout.nodesHeight - 5, what);
          assert.equal(layout.fileRows, layout.filesHeight - 5, what);
          assert.equal(layout.logLines, layout.logHeight - 1, what);
          assert.ok(layout.nodeRows >= 1 && layout.fileRows >= 1 && layout.logLines >= 2, what);
        }
      }
    }
  });

  test('a table gets just the lines its rows need when they are few', () => {
    assert.deepEqual(trackerLayout(30, 2, 1), {
      nodesHeight: 7,
      filesHeight: 6,
      logHeight: 13,
      nodeRows: 2,
      fileRows: 1,
      logLines: 12,
    });
  });

  test('many rows get a bounded share of the screen; the log keeps the rest', () => {
    assert.deepEqual(trackerLayout(24, 20, 20), {
      nodesHeight: 9,
      filesHeight: 6,
      logHeight: 5,
      nodeRows: 4,
      fileRows: 1,
      logLines: 4,
    });
  });

  test('null when the terminal is too small for the view', () => {
    assert.equal(trackerLayout(MIN_ROWS - 1, 0, 0), null);
    assert.equal(trackerLayout(5, 3, 3), null);
    assert.notEqual(trackerLayout(MIN_ROWS, 0, 0), null);
  });
});
