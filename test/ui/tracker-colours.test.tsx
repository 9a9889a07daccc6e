/**
 * Status colours as escape codes. Ink colours through chalk, whose level is global: this file
 * sets it and puts it back (test files run in their own processes).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import chalk from 'chalk';
import {
  fileRow,
  fixedStore,
  KEY,
  nodeRow,
  type RenderedTracker,
  renderEachTest,
  trackerSnapshot,
} from './fixtures.ts';

const GREEN = '\u001b[32m';
const YELLOW = '\u001b[33m';
const RED = '\u001b[31m';
const DIM = '\u001b[2m';
const INVERSE = '\u001b[7m';

const savedLevel = chalk.level;
before(() => {
  chalk.level = 1;
});
after(() => {
  chalk.level = savedLevel;
});

const render = renderEachTest();

const swarm = trackerSnapshot(
  [
    nodeRow(1),
    nodeRow(2, { status: 'late', lastHeardAgoMs: 25_000 }),
    nodeRow(3, { status: 'dropped', lastHeardAgoMs: 45_000, filesSeeded: 0 }),
  ],
  [
    fileRow('a.bin', 'aa', [
      { nodeId: 1, uploadCredit: 0, downloaders: 0, complete: true },
      { nodeId: 2, uploadCredit: 0, downloaders: 0, complete: true },
    ]),
    fileRow('b.bin', 'bb', [{ nodeId: 1, uploadCredit: 0, downloaders: 0, complete: true }]),
  ],
);
const log = fixedStore([
  { seq: 0, wallMs: 0, text: 'joined node 1 at 127.0.0.1:40001' },
  { seq: 1, wallMs: 0, text: 'refused register from 127.0.0.1:9: node 1 is alive elsewhere' },
]);

function show(): Promise<RenderedTracker> {
  return render({ tracker: fixedStore(swarm), log, size: { columns: 100, rows: 30 } });
}

/** The raw line whose text (ANSI stripped) starts with `prefix`. */
function rawLine(view: RenderedTracker, prefix: string): string {
  const line = view
    .rawFrame()
    .split('\n')
    .find((each) => stripVTControlCharacters(each).startsWith(prefix));
  assert.ok(line !== undefined, `no line starts with "${prefix}" in:\n${view.frame()}`);
  return line;
}

/** How many times `code` occurs in `text`. */
const count = (text: string, code: string) => text.split(code).length - 1;

describe('tracker view colours', () => {
  test('alive is green, late is yellow, and neither row is dimmed', async () => {
    const view = await show();
    const alive = rawLine(view, '│ 1 ');
    const late = rawLine(view, '│ 2 ');
    assert.match(alive, new RegExp(`${literal(GREEN)} alive 1s +${literal('\u001b[39m')}`));
    assert.match(late, new RegExp(`${literal(YELLOW)} late 25s +${literal('\u001b[39m')}`));
    assert.equal(count(alive, DIM), 0, JSON.stringify(alive));
    assert.equal(count(late, DIM), 0, JSON.stringify(late));
  });

  test('dropped is red and its whole row is dimmed', async () => {
    const view = await show();
    const dropped = rawLine(view, '│ 3 ');
    assert.match(dropped, new RegExp(`${literal(RED)}${literal(DIM)} dropped 45s `));
    assert.equal(count(dropped, DIM), 6, `one dim cell per column: ${JSON.stringify(dropped)}`);
  });

  test('a file with its last owner is marked in yellow', async () => {
    const view = await show();
    assert.match(rawLine(view, '│ b.bin'), new RegExp(`${literal(YELLOW)} last owner `));
    assert.equal(count(rawLine(view, '│ a.bin'), YELLOW), 0);
  });

  test('only the focused pane title is highlighted', async () => {
    const view = await show();
    assert.ok(rawLine(view, '▶ Nodes').includes(INVERSE));
    assert.ok(!rawLine(view, '  Owner index').includes(INVERSE));
    await view.press(KEY.tab);
    assert.ok(!rawLine(view, '  Nodes').includes(INVERSE));
    assert.ok(rawLine(view, '▶ Owner index').includes(INVERSE));
  });

  test('log lines about failures are red', async () => {
    const view = await show();
    assert.ok(rawLine(view, '00:00:00 refused').startsWith(RED));
    assert.ok(!rawLine(view, '00:00:00 joined').includes(RED));
  });
});

describe('tracker view without colour (NO_COLOR)', () => {
  before(() => {
    chalk.level = 0;
  });
  after(() => {
    chalk.level = 1;
  });

  test('has no escape codes, and still reads: status words and the ▶ focus marker', async () => {
    const view = await show();
    assert.equal(view.rawFrame(), view.frame());
    for (const word of ['alive 1s', 'late 25s', 'dropped 45s', 'last owner'])
      assert.ok(view.frame().includes(word), `"${word}" missing:\n${view.frame()}`);
    const marked = () => view.lines().filter((line) => line.startsWith('▶'));
    assert.equal(marked().length, 1);
    assert.match(marked()[0] ?? '', /^▶ Nodes/);
    await view.press(KEY.tab);
    assert.equal(marked().length, 1);
    assert.match(marked()[0] ?? '', /^▶ Owner index/);
  });
});

/** `text` as a literal inside a RegExp. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
