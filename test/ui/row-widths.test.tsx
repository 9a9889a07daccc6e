import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { useTableWidths } from '../../source/ui/tracker/use-row-widths.ts';
import {
  eventually,
  fileRow,
  MutableStore,
  nodeRow,
  renderEachTest,
  tick,
  trackerSnapshot,
} from './fixtures.ts';

const show = renderEachTest();

let unmount = (): void => {};
afterEach(() => unmount());

/** Counts how often each table's rows are measured. */
function Probe({
  nodes,
  files,
  nowMs,
  counts,
}: {
  nodes: readonly number[];
  files: readonly number[];
  nowMs: number;
  counts: { nodes: number; files: number };
}) {
  const n = useTableWidths(nodes, () => ++counts.nodes, nowMs);
  const f = useTableWidths(files, () => ++counts.files, nowMs);
  return <Text>{`${n} ${f}`}</Text>;
}

test("each table's rows are measured again only when they are new, at most once a second", () => {
  const counts = { nodes: 0, files: 0 };
  const files = [1, 2, 3];
  const view = render(<Probe nodes={[1]} files={files} nowMs={0} counts={counts} />);
  unmount = view.unmount;
  // New node rows every 2 s (their ages), the same file rows: the files are not measured again.
  for (let second = 2; second <= 10; second += 2) {
    view.rerender(<Probe nodes={[second]} files={files} nowMs={second * 1000} counts={counts} />);
  }
  assert.deepEqual(counts, { nodes: 6, files: 1 });
  // Each table keeps its own second: new rows within it wait for the next redraw after it.
  const nodes = [11];
  view.rerender(<Probe nodes={nodes} files={[4]} nowMs={10_500} counts={counts} />);
  assert.deepEqual(counts, { nodes: 6, files: 2 }, 'node rows new within their second: kept');
  view.rerender(<Probe nodes={nodes} files={[5]} nowMs={11_000} counts={counts} />);
  assert.deepEqual(counts, { nodes: 7, files: 2 }, 'file rows new within their second: kept');
  view.rerender(<Probe nodes={[12]} files={[6]} nowMs={11_500} counts={counts} />);
  assert.deepEqual(counts, { nodes: 7, files: 3 });
  assert.equal(view.lastFrame(), '7 3');
});

test('the tracker view measures the owner index again only when its file rows are new', async () => {
  // 40 files, a few on screen at 80x24: the last one's size is read only to measure all rows.
  let measuredLast = 0;
  const files = Array.from({ length: 40 }, (_, index) =>
    fileRow(`f${String(index).padStart(2, '0')}.bin`, `${index}`.padStart(8, 'a'), [
      { nodeId: 1, uploadCredit: 0, downloaders: 0, complete: true },
    ]),
  );
  const last = files[39]!;
  const sizeBytes = last.sizeBytes;
  Object.defineProperty(last, 'sizeBytes', {
    get: () => {
      measuredLast++;
      return sizeBytes;
    },
  });
  const store = new MutableStore(trackerSnapshot([nodeRow(1)], files));
  await show({ tracker: store, size: { columns: 80, rows: 24 } });
  const first = measuredLast;
  assert.ok(first > 0, 'measured for the first frame');
  // The node rows are new every 2 s (their ages); the file rows are the same array.
  for (const ageMs of [3_000, 5_000]) {
    await tick(1_100);
    store.set(trackerSnapshot([nodeRow(1, { lastHeardAgoMs: ageMs })], files));
    await tick(50);
  }
  assert.equal(measuredLast, first, 'the owner index was not measured again');
  await tick(1_100);
  store.set(trackerSnapshot([nodeRow(1)], [...files]));
  await eventually(() => assert.ok(measuredLast > first, 'new file rows: measured again'));
});
