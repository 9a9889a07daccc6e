import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { useTableWidths } from '../../source/ui/tracker/use-row-widths.ts';

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
