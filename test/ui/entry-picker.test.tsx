/**
 * Several files of one name in the peer view: Swarm files shows each as NAME@PREFIX and d takes
 * the row's file; a download that met several files says so and Enter on it opens the picker,
 * where ↑ ↓ move, Enter downloads the selected file by its whole infohash and Esc closes.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { EntryChoice } from '../../source/peer/download/entry-choice.ts';
import { KEY } from './fixtures.ts';
import {
  download,
  MIB,
  peerSnapshot,
  RecordingIntents,
  type RenderedView,
  renderPeer,
  swarmFile,
  swarmListing,
} from './peer-fixtures.ts';

const ENTER = '\r';

const views: RenderedView[] = [];
afterEach(() => {
  for (const view of views.splice(0)) view.unmount();
});

function choice(hexDigit: string, overrides: Partial<EntryChoice>): EntryChoice {
  return {
    name: 'big.bin',
    infohashHex: hexDigit.repeat(64),
    sizeBytes: 4 * MIB,
    ownerCount: 1,
    completeOwners: 1,
    partialOwners: 0,
    bestCreditBytes: 0,
    totalCreditBytes: 0,
    ...overrides,
  };
}

const choices = [
  choice('3', { bestCreditBytes: 12 * MIB, totalCreditBytes: 12 * MIB }),
  choice('9', { ownerCount: 3, completeOwners: 2, partialOwners: 1 }),
];

const ambiguous = download('big.bin', [], {
  state: 'failed',
  reason:
    '2 different files are named big.bin; not guessing which: choose one as big.bin@PREFIX (33333333, 99999999)',
  sizeBytes: 0,
  choices,
});

const swarm = swarmListing([
  swarmFile('big.bin', 4 * MIB, 1, '3'),
  swarmFile('big.bin', 4 * MIB, 3, '9'),
  swarmFile('other.iso', 16 * MIB, 2, 'e'),
]);

async function show(): Promise<{ view: RenderedView; intents: RecordingIntents }> {
  const intents = new RecordingIntents();
  const view = await renderPeer({
    peer: peerSnapshot({ downloads: [ambiguous] }),
    swarm,
    intents,
    size: { columns: 100, rows: 30 },
  });
  views.push(view);
  return { view, intents };
}

describe('files that share a name', () => {
  test('Swarm files shows them as NAME@PREFIX; d takes the file of the row, by its infohash', async () => {
    const { view, intents } = await show();
    const frame = view.frame();
    assert.match(frame, /▸ big\.bin@33333333 │ 4\.0 MiB +│ 1 +│/);
    assert.match(frame, /│ {3}big\.bin@99999999 │ 4\.0 MiB +│ 3 +│/);
    assert.match(frame, /│ {3}other\.iso +│/, 'a name of its own is shown alone');
    await view.press('j', 'd');
    assert.deepEqual(intents.actions(), [['download', `big.bin@${'9'.repeat(64)}`]]);
    assert.match(view.frame(), /✓ added big\.bin@99999999 to the downloads/);
    await view.press('j', 'd');
    assert.deepEqual(
      intents.actions().at(-1),
      ['download', `other.iso@${'e'.repeat(64)}`],
      'a unique name by its infohash too',
    );
  });

  test('a download that met several files says so, with Enter to choose', async () => {
    const { view } = await show();
    const lines = view.lines();
    const title = lines.findIndex((line) => line.includes('big.bin [') && line.includes('failed'));
    assert.ok(title >= 0, view.frame());
    assert.equal(lines[title + 1], '  Enter: choose one of the 2 files named big.bin');
    assert.equal(lines[title + 2], '  33333333 4.0 MiB 1 owner · 99999999 4.0 MiB 3 owners');
  });

  test('Enter opens the picker: prefix, size, owners complete and partial, credit', async () => {
    const { view, intents } = await show();
    await view.press(KEY.tab, ENTER);
    const frame = view.frame();
    assert.match(frame, /2 files are named big\.bin: pick one/);
    assert.match(frame, /Anyone can announce a name, and owners are cheap: not guessing\./);
    assert.match(
      frame,
      /│ file +│ size +│ owners │ complete │ partial │ best credit │/,
      'the headings',
    );
    assert.match(frame, /│ ▸ big\.bin@33333333 │ 4\.0 MiB │ 1 +│ 1 +│ 0 +│ 12\.0 MiB +│/);
    assert.match(frame, /│ {3}big\.bin@99999999 │ 4\.0 MiB │ 3 +│ 2 +│ 1 +│ 0 B +│/);
    assert.match(frame, /↑↓ move {2}Enter download this one {2}Esc close/);
    assert.deepEqual(intents.actions(), [], 'opening it asks nothing of the engine');
  });

  test('↓ and Enter in the picker download that file by its whole infohash', async () => {
    const { view, intents } = await show();
    await view.press(KEY.tab, ENTER, KEY.down);
    assert.match(view.frame(), /│ ▸ big\.bin@99999999 │/);
    await view.press(ENTER);
    assert.deepEqual(intents.actions(), [['download', `big.bin@${'9'.repeat(64)}`]]);
    assert.doesNotMatch(view.frame(), /pick one/, 'the picker closed');
    assert.match(view.frame(), /✓ added big\.bin@99999999 to the downloads/);
  });

  test('Esc closes the picker without downloading', async () => {
    const { view, intents } = await show();
    await view.press(KEY.tab, ENTER, KEY.escape);
    assert.doesNotMatch(view.frame(), /pick one/);
    assert.match(view.frame(), /▶ Downloads/);
    assert.deepEqual(intents.actions(), []);
  });

  test('Enter on a download that met one file opens nothing', async () => {
    const intents = new RecordingIntents();
    const view = await renderPeer({
      peer: peerSnapshot({ downloads: [download('one.bin', [0, -1])] }),
      swarm,
      intents,
      size: { columns: 100, rows: 30 },
    });
    views.push(view);
    await view.press(KEY.tab);
    await view.tap(ENTER);
    assert.doesNotMatch(view.frame(), /pick one/);
    assert.deepEqual(intents.actions(), []);
  });
});
