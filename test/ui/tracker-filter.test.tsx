/**
 * The tracker view's `/` filter: which rows each table keeps, the keys while it is typed, and
 * what a person sees (titles, rows, the input line) in a rendered view.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Key } from 'ink';
import { filesShown, nodesShown } from '../../source/ui/tracker/tracker-rows.ts';
import {
  initialTrackerViewState,
  reduceTrackerView,
  type TrackerViewState,
} from '../../source/ui/tracker/tracker-view-state.ts';
import { fileRow, fixedStore, KEY, nodeRow, renderEachTest, trackerSnapshot } from './fixtures.ts';
import { noKey } from './no-key.ts';

const swarm = trackerSnapshot(
  [
    nodeRow(7, { address: '10.0.0.7:6881' }),
    nodeRow(17, { address: '10.0.0.17:6881' }),
    nodeRow(70, { address: '10.0.0.70:6881', tracker: '10.0.0.1:6881' }),
    nodeRow(134, { address: '10.0.1.5:5000' }),
  ],
  [
    fileRow('Movie.MKV', 'aa11', [{ nodeId: 7, uploadCredit: 0, downloaders: 0, complete: true }]),
    fileRow('notes.txt', 'bb22', [
      { nodeId: 17, uploadCredit: 0, downloaders: 0, complete: true },
      { nodeId: 134, uploadCredit: 0, downloaders: 0, complete: false },
    ]),
    fileRow('x7.iso', 'cc33', [{ nodeId: 70, uploadCredit: 0, downloaders: 0, complete: true }]),
  ],
);

const ids = (filter: string) => nodesShown(swarm, 'id', filter).map((node) => node.nodeId);
const names = (filter: string) => filesShown(swarm, filter).map((file) => file.name);

describe('tracker filter: the rows kept', () => {
  test('nodes by the start of the id, or by any part of an address typed with . or :', () => {
    assert.deepEqual(ids(''), [7, 17, 70, 134]);
    assert.deepEqual(ids('7'), [7, 70], 'not 17, and not every address with a 7 in it');
    assert.deepEqual(ids('1'), [17, 134], 'not the 10.0.0.x addresses');
    assert.deepEqual(ids(' 134 '), [134]);
    assert.deepEqual(ids('10.0.1.'), [134]);
    assert.deepEqual(ids(':5000'), [134]);
    assert.deepEqual(ids('10.0.0.1:'), [70], 'the tracker column too (10.0.0.17 has no colon)');
    assert.deepEqual(ids('nothing'), []);
  });

  test("files by name (any case), by the start of the infohash, or by an owner's whole id", () => {
    assert.deepEqual(names('movie'), ['Movie.MKV']);
    assert.deepEqual(names('BB22'), ['notes.txt']);
    assert.deepEqual(names('b22'), [], 'an infohash by its start only');
    assert.deepEqual(names('134'), ['notes.txt'], 'a partial owner counts');
    assert.deepEqual(
      names('7'),
      ['Movie.MKV', 'x7.iso'],
      'owner 7 and a name with 7; not 17 or 70',
    );
    assert.deepEqual(names('70'), ['x7.iso']);
    assert.deepEqual(names('zzz'), []);
  });

  test('the same filter on the same rows gives the same list (drawn again, not filtered again)', () => {
    assert.equal(nodesShown(swarm, 'id', '7'), nodesShown(swarm, 'id', '7'));
    assert.equal(filesShown(swarm, 'notes'), filesShown(swarm, 'notes'));
  });
});

function keys(state: TrackerViewState, ...presses: Array<string | Partial<Key>>): TrackerViewState {
  const totals = { nodes: 100, files: 100, log: 100 };
  const visible = { nodes: 5, files: 5, log: 5 };
  return presses.reduce<TrackerViewState>(
    (current, press) =>
      reduceTrackerView(current, {
        input: typeof press === 'string' ? press : '',
        key: typeof press === 'string' ? noKey : { ...noKey, ...press },
        totals,
        visible,
      }),
    state,
  );
}

describe('tracker filter: keys', () => {
  test('/ opens the line; letters, s and ? are typed, not acted on; Backspace edits', () => {
    const state = keys(initialTrackerViewState, '/', 'n', 's', '?', 'x', { backspace: true });
    assert.equal(state.typingFilter, true);
    assert.equal(state.filter, 'ns?');
    assert.equal(state.sort, 'id');
    assert.equal(state.helpOpen, false);
  });

  test('typing goes back to the first rows of both tables, not of the log', () => {
    const scrolled = keys(initialTrackerViewState, 'G', { tab: true }, 'G', { tab: true }, 'G');
    assert.deepEqual(scrolled.offsets, { nodes: 95, files: 95, log: 0 });
    const back = keys({ ...scrolled, offsets: { ...scrolled.offsets, log: 7 } }, '/', '1');
    assert.deepEqual(back.offsets, { nodes: 0, files: 0, log: 7 });
  });

  test('Enter keeps the filter and gives the keys back; Esc while typing clears it', () => {
    const kept = keys(initialTrackerViewState, '/', '1', '3', { return: true });
    assert.deepEqual([kept.typingFilter, kept.filter], [false, '13']);
    assert.equal(keys(kept, 's').sort, 'credit', 's sorts again');
    const reopened = keys(kept, '/');
    assert.deepEqual([reopened.typingFilter, reopened.filter], [true, '13'], 'opens on the filter');
    const cleared = keys(reopened, { escape: true });
    assert.deepEqual([cleared.typingFilter, cleared.filter], [false, '']);
  });

  test('Esc clears a kept filter too, as the help says, and both tables start at their top', () => {
    // Until 2026-12-07 it took `/` then Esc (found by a session).
    const kept = keys(initialTrackerViewState, '/', '7', { return: true }, 'j');
    const cleared = keys(kept, { escape: true });
    assert.deepEqual([cleared.typingFilter, cleared.filter], [false, '']);
    assert.deepEqual([cleared.offsets.nodes, cleared.offsets.files], [0, 0]);
    assert.equal(keys(initialTrackerViewState, { escape: true }), initialTrackerViewState);
  });
});

const show = renderEachTest();

describe('tracker filter: the view at 100x30', () => {
  test('titles say how many of how many match; the rows are those; Esc shows all again', async () => {
    const view = await show({ tracker: fixedStore(swarm), size: { columns: 100, rows: 30 } });
    await view.press('/', '7');
    assert.equal(view.title('Nodes'), '▶ Nodes (2 of 4) · sort: id · filter "7"');
    assert.deepEqual(view.nodeIds(), [7, 70]);
    assert.equal(view.title('Owner index'), '  Owner index (2 of 3 files) · filter "7"');
    assert.ok(view.frame().includes('│ Movie.MKV'), view.frame());
    assert.ok(view.frame().includes('│ x7.iso'), view.frame());
    assert.ok(!view.frame().includes('notes.txt'), view.frame());
    assert.match(view.lines().at(-1) ?? '', /^filter: 7 {2,}Enter keeps, Esc clears/);

    await view.press('0');
    assert.deepEqual(view.nodeIds(), [70]);
    await view.press(KEY.escape);
    assert.equal(view.title('Nodes'), '▶ Nodes (4) · sort: id');
    assert.deepEqual(view.nodeIds(), [7, 17, 70, 134]);
    assert.match(view.lines().at(-1) ?? '', /^q quit {2}\? help/);
  });

  test('a paste is typed into the filter line, and is no key outside it', async () => {
    // Before, a pasted `q` quit the view and its other letters ran as keys (found by hand).
    const paste = (text: string) => `\u001b[200~${text}\u001b[201~`;
    const view = await show({ tracker: fixedStore(swarm), size: { columns: 100, rows: 30 } });
    await view.tap(paste('sq'));
    assert.equal(view.quitCalls(), 0);
    assert.equal(view.title('Nodes'), '▶ Nodes (4) · sort: id', 'not sorted by s either');
    await view.press('/', paste('13\r4q'));
    assert.equal(view.title('Nodes'), '▶ Nodes (1 of 4) · sort: id · filter "13"');
    assert.match(view.lines().at(-1) ?? '', /^filter: 13 {2,}Enter keeps, Esc clears/);
    assert.equal(view.quitCalls(), 0);
  });

  test('q while typing is a letter of the filter; after Enter it quits', async () => {
    const view = await show({ tracker: fixedStore(swarm), size: { columns: 100, rows: 30 } });
    await view.press('/', 'q');
    assert.equal(view.quitCalls(), 0);
    assert.equal(view.title('Nodes'), '▶ Nodes (0 of 4) · sort: id · filter "q"');
    await view.press(KEY.backspace, '1', '3', '4', KEY.enter);
    assert.equal(view.title('Nodes'), '▶ Nodes (1 of 4) · sort: id · filter "134"');
    assert.equal(view.title('Owner index'), '  Owner index (1 of 3 files) · filter "134"');
    await view.tap('q');
    assert.equal(view.quitCalls(), 1);
  });
});
