import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LogLine } from '../../source/log/logger.ts';
import { MIN_COLUMNS } from '../../source/ui/tracker/TrackerApp.tsx';
import {
  fileRow,
  fixedStore,
  KEY,
  logLines,
  nodeRow,
  renderEachTest,
  trackerSnapshot,
} from './fixtures.ts';

const show = renderEachTest();

/** A swarm whose cells are as wide as they get: IPv6, long names, big ids, credits and ages. */
const wideSwarm = trackerSnapshot(
  [
    nodeRow(1, {
      address: '[2001:db8:85a3:1234:5678:8a2e:370:7334]:65535',
      status: 'dropped',
      lastHeardAgoMs: 7_000_000,
      uploadCredit: 1023 * 1024 ** 3,
      filesSeeded: 0,
    }),
    nodeRow(4_294_967_295, {
      address: '[fe80::1ff:fe23:4567:890a]:6881',
      status: 'late',
      uploadCredit: 5000,
    }),
    nodeRow(7, { address: '127.0.0.1:65535', uploadCredit: 987_654_321 }),
  ],
  [
    fileRow(
      'a-very-long-file-name-that-goes-on-and-on-and-on-forever-ubuntu-24.04-desktop-amd64.iso',
      'abcdef12',
      [{ nodeId: 7, uploadCredit: 987_654_321, downloaders: 0, complete: true }],
      1023 * 1024 * 1024,
    ),
    fileRow(
      'b.bin',
      'abcdef13',
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((nodeId) => ({
        nodeId,
        uploadCredit: nodeId * 999_999,
        downloaders: 0,
        complete: true,
      })),
    ),
  ],
  { listeningAddress: '[2001:db8:85a3:1234:5678:8a2e:370:7334]:6881', uptimeMs: 400_000_000 },
);

const wideLog = fixedStore<readonly LogLine[]>([
  ...logLines(5),
  { seq: 5, wallMs: 0, text: `owns node 7 ${'x'.repeat(200)}.iso (1023.0 MiB, abcdef12)` },
]);

/** Problems with a frame at `columns`: a line too wide, or a table line without its borders. */
function layoutProblems(frame: string, columns: number): string[] {
  const problems: string[] = [];
  for (const [index, line] of frame.split('\n').entries()) {
    const width = Array.from(line).length;
    if (width > columns) problems.push(`line ${index} is ${width} wide: ${line}`);
    if (/[─│┌┐└┘├┤┬┴┼]/.test(line) && !/^[┌│├└].*[┐│┤┘]$/.test(line))
      problems.push(`line ${index} is a broken table line: ${line}`);
  }
  return problems;
}

/** Renders the wide swarm at `columns` x 24 and checks the frames of `keys` (each redraws). */
async function problemsAtWidth(columns: number, keys: string[]): Promise<string[]> {
  const view = await show({
    tracker: fixedStore(wideSwarm),
    log: wideLog,
    size: { columns, rows: 24 },
  });
  await view.press(...keys);
  return view
    .frames()
    .flatMap((frame) => layoutProblems(frame, columns).map((problem) => `${columns}: ${problem}`));
}

/** Every sort, every pane focused, the owner index and the log scrolled. */
const WALK = ['s', 's', KEY.tab, 'j', KEY.tab, 'k'];

describe('tracker view: nothing wraps', () => {
  test('no line of any frame is wider than 80 or 100 columns, tables keep their borders', async () => {
    const problems = [...(await problemsAtWidth(80, WALK)), ...(await problemsAtWidth(100, WALK))];
    assert.deepEqual(problems, []);
  });

  test('every width from 80 to 100 fits the widest cells', async () => {
    const problems: string[] = [];
    for (let columns = 80; columns <= 100; columns++)
      problems.push(...(await problemsAtWidth(columns, [])));
    assert.deepEqual(problems, []);
  });

  test('a file name of 30 characters fits at 80 and at 100 columns', async () => {
    const ubuntu = trackerSnapshot(
      [nodeRow(1, { uploadCredit: 102_400 })],
      [
        fileRow(
          'ubuntu-24.04-desktop-amd64.iso',
          'abcdef12',
          [{ nodeId: 1, uploadCredit: 0, downloaders: 0, complete: true }],
          6e9,
        ),
      ],
    );
    const problems: string[] = [];
    for (const size of [
      { columns: 80, rows: 24 },
      { columns: 100, rows: 30 },
    ]) {
      const view = await show({ tracker: fixedStore(ubuntu), size });
      problems.push(
        ...layoutProblems(view.frame(), size.columns).map((p) => `${size.columns}: ${p}`),
      );
    }
    assert.deepEqual(problems, []);
  });

  for (const tracker of ['', '127.0.0.1:47700']) {
    const what = tracker === '' ? 'an ordinary swarm' : 'a swarm shared through Redis';
    test(`every width from the minimum (60) to 79 fits ${what}`, async () => {
      await fitsEveryNarrowWidth(tracker);
    });
  }
});

/**
 * `tracker`: the tracker column's cell, shown only for a shared store (its address, as wide as a
 * node's: until 2026-12-07 it was never cut, and from 60 to 65 columns the nodes table lost its
 * left border; found by a session).
 */
async function fitsEveryNarrowWidth(tracker: string): Promise<void> {
  const ordinary = trackerSnapshot(
    [
      nodeRow(1, { uploadCredit: 102_400, tracker }),
      nodeRow(2, { status: 'late', lastHeardAgoMs: 25_000, tracker }),
    ],
    [
      fileRow(
        'ubuntu.iso',
        'abcdef12',
        [{ nodeId: 1, uploadCredit: 102_400, downloaders: 0, complete: true }],
        5_000_000,
      ),
    ],
  );
  const problems: string[] = [];
  for (let columns = MIN_COLUMNS; columns < 80; columns++) {
    const view = await show({ tracker: fixedStore(ordinary), size: { columns, rows: 24 } });
    problems.push(...layoutProblems(view.frame(), columns).map((p) => `${columns}: ${p}`));
  }
  assert.deepEqual(problems, []);
}
