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

  // At 120x36 four nodes left 5 lines of their share unused and the owner index showed `rows
  // 1-4 of 6` above a log of 13 lines (found by a session).
  test('a table that needs less than its share leaves the rest to the other; the log keeps a quarter', () => {
    assert.deepEqual(trackerLayout(36, 4, 6), {
      nodesHeight: 9,
      filesHeight: 11,
      logHeight: 12,
      nodeRows: 4,
      fileRows: 6,
      logLines: 11,
    });
    // Files few, nodes many: the nodes take what the files leave, up to the log's quarter.
    assert.equal(trackerLayout(36, 40, 1)?.nodesHeight, 17);
    assert.equal(trackerLayout(36, 40, 40)?.logHeight, 9);
  });

  test('null when the terminal is too small for the view', () => {
    assert.equal(trackerLayout(MIN_ROWS - 1, 0, 0), null);
    assert.equal(trackerLayout(5, 3, 3), null);
    assert.notEqual(trackerLayout(MIN_ROWS, 0, 0), null);
  });
});
