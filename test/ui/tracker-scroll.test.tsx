import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LogLine } from '../../source/log/logger.ts';
import {
  eventually,
  fileRow,
  fixedStore,
  KEY,
  logLines,
  MutableStore,
  nodeRow,
  renderEachTest,
  tick,
  trackerSnapshot,
} from './fixtures.ts';

const show = renderEachTest();

describe('tracker view: scrolling and focus at 80x24', () => {
  const twentyNodes = trackerSnapshot(Array.from({ length: 20 }, (_, index) => nodeRow(index + 1)));
  const showTwenty = (log: readonly LogLine[] = logLines(30)) =>
    show({
      tracker: fixedStore(twentyNodes),
      log: fixedStore(log),
      size: { columns: 80, rows: 24 },
    });

  test('down, j, PgDn, G, g, k, PgUp move the visible window of the nodes table', async () => {
    const view = await showTwenty();
    /** A key and the first row it leaves at the top of the window. */
    const steps: [string, number][] = [
      ['', 1],
      [KEY.down, 2],
      ['j', 3],
      [KEY.pageDown, 7],
      ['G', 17],
      [KEY.down, 17],
      ['k', 16],
      [KEY.up, 15],
      [KEY.pageUp, 11],
      ['g', 1],
      [KEY.up, 1],
      [KEY.end, 17],
      [KEY.home, 1],
    ];
    let before = 1;
    for (const [key, first] of steps) {
      if (key && first === before) await view.tap(key);
      else if (key) await view.press(key);
      before = first;
      const what = `after ${JSON.stringify(key)}`;
      assert.equal(
        view.title('Nodes'),
        `▶ Nodes (20) · sort: id rows ${first}-${first + 3} of 20`,
        what,
      );
      assert.deepEqual(view.nodeIds(), [first, first + 1, first + 2, first + 3], what);
    }
  });

  test('Tab moves the ▶ focus nodes -> owner index -> log -> nodes; Shift+Tab goes back', async () => {
    const view = await showTwenty();
    const focused = () =>
      view
        .lines()
        .filter((line) => line.startsWith('▶'))
        .map((line) => line.trimEnd());
    assert.deepEqual(focused(), ['▶ Nodes (20) · sort: id rows 1-4 of 20']);
    await view.press(KEY.tab);
    assert.deepEqual(focused(), ['▶ Owner index (0 files)']);
    await view.press(KEY.tab);
    assert.deepEqual(focused(), ['▶ Log (tracker.log)']);
    await view.press(KEY.tab);
    assert.deepEqual(focused(), ['▶ Nodes (20) · sort: id rows 1-4 of 20']);
    await view.press('\u001B[Z');
    assert.deepEqual(focused(), ['▶ Log (tracker.log)']);
  });

  test('scroll keys move only the focused pane', async () => {
    const view = await showTwenty();
    await view.press(KEY.tab, KEY.tab, 'k');
    assert.equal(view.title('Nodes'), '  Nodes (20) · sort: id rows 1-4 of 20');
    assert.equal(view.title('Log'), '▶ Log (tracker.log) (1 line back)');
  });

  test('the log scrolls back from its tail and shows how far back it is', async () => {
    const view = await showTwenty();
    await view.press(KEY.tab, KEY.tab);
    const logPane = () => view.linesFrom('▶ Log', 5).map((line) => line.trimEnd());
    const timeOf = (n: number) => `03:04:${String(4 + n).padStart(2, '0')} line ${n}`;
    const window = (last: number) => [last - 3, last - 2, last - 1, last].map(timeOf);
    assert.deepEqual(logPane(), ['▶ Log (tracker.log)', ...window(30)]);
    await view.press(KEY.up);
    assert.deepEqual(logPane(), ['▶ Log (tracker.log) (1 line back)', ...window(29)]);
    await view.press(KEY.pageUp);
    assert.deepEqual(logPane(), ['▶ Log (tracker.log) (5 lines back)', ...window(25)]);
    await view.press('g');
    assert.deepEqual(logPane(), ['▶ Log (tracker.log) (26 lines back)', ...window(4)]);
    await view.tap('k');
    assert.deepEqual(logPane(), ['▶ Log (tracker.log) (26 lines back)', ...window(4)]);
    await view.press(KEY.pageDown, 'j');
    assert.deepEqual(logPane(), ['▶ Log (tracker.log) (21 lines back)', ...window(9)]);
    await view.press('G');
    assert.deepEqual(logPane(), ['▶ Log (tracker.log)', ...window(30)]);
  });

  test('a log scrolled back keeps showing the same lines while new ones arrive', async () => {
    const log = new MutableStore(logLines(30));
    const view = await show({
      tracker: fixedStore(twentyNodes),
      log,
      size: { columns: 80, rows: 24 },
    });
    await view.press(KEY.tab, KEY.tab, KEY.pageUp);
    const logPane = () => view.linesFrom('▶ Log', 5).map((line) => line.trimEnd());
    const before = logPane().slice(1);
    assert.equal(logPane()[0], '▶ Log (tracker.log) (4 lines back)');
    log.set(logLines(33));
    await tick(250);
    assert.equal(logPane()[0], '▶ Log (tracker.log) (7 lines back)');
    assert.deepEqual(logPane().slice(1), before);
  });

  test('an offset left past the end by a shrinking list moves on the first key', async () => {
    const store = new MutableStore(twentyNodes);
    const view = await show({ tracker: store, size: { columns: 80, rows: 24 } });
    await view.press('G');
    store.set(trackerSnapshot(Array.from({ length: 10 }, (_, index) => nodeRow(index + 1))));
    await eventually(() =>
      assert.equal(view.title('Nodes'), '▶ Nodes (10) · sort: id rows 7-10 of 10'),
    );
    await view.tap('k');
    assert.equal(view.title('Nodes'), '▶ Nodes (10) · sort: id rows 6-9 of 10');
  });

  test('keys that arrive in one read all act', async () => {
    const view = await showTwenty();
    await view.tap('jj');
    assert.equal(view.title('Nodes'), '▶ Nodes (20) · sort: id rows 3-6 of 20');
  });
});

describe('tracker view: a table keeps its width while it scrolls', () => {
  test('the owner index is as wide for its first rows as for its last', async () => {
    // Names of every length, the longest at the end: before, the table was sized to the rows
    // on screen, and grew and shrank as they scrolled by.
    const files = Array.from({ length: 12 }, (_, index) =>
      fileRow(`${'f'.repeat(index + 1)}.bin`, (index + 10).toString(16), [
        { nodeId: 1, uploadCredit: 0, downloaders: 0, complete: true },
      ]),
    );
    const view = await show({
      tracker: fixedStore(trackerSnapshot([nodeRow(1)], files)),
      log: fixedStore(logLines(3)),
      size: { columns: 100, rows: 24 },
    });
    const border = () =>
      view
        .lines()
        .find(
          (line, index, all) => all[index - 1]?.includes('Owner index') && line.startsWith('┌'),
        );
    const top = border();
    assert.ok(top, view.frame());
    await view.press(KEY.tab);
    await view.press('G');
    assert.match(view.frame(), /Owner index \(12 files\) rows \d+-12 of 12/);
    assert.equal(border(), top);
  });
});

describe('tracker view: a swarm past the index bound', () => {
  test('150,000 files draw, and the last one is reached', async () => {
    // Widths were measured with Math.max(...every cell): past ~120,000 rows it threw a
    // RangeError and the view crashed (a tracker started with --max-files 200000, or --index-all).
    const owner = [{ nodeId: 1, uploadCredit: 0, downloaders: 0, complete: true }];
    const files = Array.from({ length: 150_000 }, (_, index) =>
      fileRow(`f${String(index).padStart(6, '0')}.bin`, index.toString(16), owner),
    );
    const view = await show({
      tracker: fixedStore(trackerSnapshot([nodeRow(1)], files)),
      log: fixedStore(logLines(3)),
      size: { columns: 100, rows: 24 },
    });
    assert.match(view.frame(), /Owner index \(150000 files\) rows 1-\d+ of 150000/);
    await view.press(KEY.tab);
    await view.press('G');
    assert.match(view.frame(), /f149999\.bin/);
  });
});
