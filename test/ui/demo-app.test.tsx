/**
 * The demo's screen: a line saying where the demo lives and what to press, over the peer view
 * of the viewer's node; t switches to the tracker view of the same swarm and back. The test
 * renderer's terminal is 100x24.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { createElement } from 'react';
import type { LogLine } from '../../source/log/logger.ts';
import { DemoApp } from '../../source/ui/demo/DemoApp.tsx';
import { fileRow, fixedStore, nodeRow, trackerSnapshot } from './fixtures.ts';
import {
  linesWiderThan,
  logOf,
  MIB,
  peerSnapshot,
  RecordingIntents,
  type RenderedView,
  renderView,
  swarmFile,
  swarmListing,
} from './peer-fixtures.ts';

const FOLDER = '/tmp/bt-tui-demo-AbC123';
const COLUMNS = 100;
const ROWS = 24;

const views: RenderedView[] = [];
afterEach(() => {
  for (const view of views.splice(0)) view.unmount();
});

async function show(): Promise<{ view: RenderedView; intents: RecordingIntents }> {
  const intents = new RecordingIntents();
  const owners = [1, 2, 3].map((nodeId) => ({
    nodeId,
    uploadCredit: 0,
    downloaders: 0,
    complete: true,
  }));
  const view = await renderView(
    createElement(DemoApp, {
      folder: FOLDER,
      peer: fixedStore(peerSnapshot({ nodeId: 4 })),
      peerLog: fixedStore<readonly LogLine[]>(logOf('registered with tracker 127.0.0.1:6881')),
      swarm: fixedStore(
        swarmListing([
          swarmFile('sample-16MiB.bin', 16 * MIB, 3),
          swarmFile('sample-8MiB.bin', 8 * MIB, 3, 'd'),
        ]),
      ),
      intents,
      tracker: fixedStore(
        trackerSnapshot(
          [nodeRow(1), nodeRow(2), nodeRow(3), nodeRow(4, { filesSeeded: 0 })],
          [
            fileRow('sample-16MiB.bin', 'cc', owners, 16 * MIB),
            fileRow('sample-8MiB.bin', 'dd', owners, 8 * MIB),
          ],
        ),
      ),
      trackerLog: fixedStore<readonly LogLine[]>(logOf('joined node 4 at 127.0.0.1:40004')),
    }),
  );
  views.push(view);
  return { view, intents };
}

describe('demo view', () => {
  test('the first line names the folder and what to press, over the peer view of node 4', async () => {
    const { view } = await show();
    const lines = view.lines();
    assert.ok(
      lines[0]?.startsWith(
        'bt-tui demo · select a file in Swarm files (↑↓) and press d · t: tracker view · /tmp/',
      ),
      lines[0],
    );
    assert.match(lines[1] ?? '', /^bt-tui peer · node 4 · /);
    assert.match(view.frame(), /│ ▸ sample-16MiB\.bin │ 16\.0 MiB │ 3 +│/);
    assert.equal(lines.length, ROWS - 1, 'the demo line and the peer view fill all rows but one');
    assert.deepEqual(linesWiderThan(lines, COLUMNS), []);
  });

  test('t switches to the tracker view of the same swarm, and t switches back', async () => {
    const { view } = await show();
    await view.press('t');
    const lines = view.lines();
    assert.ok(
      lines[0]?.startsWith(
        'bt-tui demo · watch nodes, heartbeats and credits · t: back to the peer view · /tmp/',
      ),
      lines[0],
    );
    assert.match(lines[1] ?? '', /^bt-tui tracker · 127\.0\.0\.1:6881 · up /);
    assert.match(lines[2] ?? '', /^nodes 4 alive, 0 late · files 2 ·/);
    assert.ok(lines.length <= ROWS - 1, view.frame());
    assert.deepEqual(linesWiderThan(lines, COLUMNS), []);
    await view.press('t');
    assert.match(view.lines()[1] ?? '', /^bt-tui peer · node 4 · /);
  });

  test("t and back keeps each view's filter and selection", async () => {
    // Found by a session: each switch reset both views' selection, filter and sort.
    const { view, intents } = await show();
    await view.press('/', '8M', '\r');
    assert.match(view.frame(), /Swarm files \(1\) · filter "8M"/);
    await view.press('t', '/', '3', '\r');
    assert.match(view.frame(), /filter "3"/);
    await view.press('t');
    assert.match(view.frame(), /Swarm files \(1\) · filter "8M"/, view.frame());
    await view.press('d');
    assert.deepEqual(intents.actions(), [['download', `sample-8MiB.bin@${'d'.repeat(64)}`]]);
    await view.press('t');
    assert.match(view.frame(), /filter "3"/, view.frame());
  });

  test('the keys the first line shows download a sample: ↓ then d', async () => {
    const { view, intents } = await show();
    await view.press('\u001B[B', 'd');
    assert.deepEqual(intents.actions(), [['download', `sample-8MiB.bin@${'d'.repeat(64)}`]]);
  });

  test('q quits from the peer view and from the tracker view', async () => {
    const fromPeer = await show();
    await fromPeer.view.press('q');
    assert.deepEqual(fromPeer.intents.actions(), [['exit']]);
    const fromTracker = await show();
    await fromTracker.view.press('t');
    await fromTracker.view.tap('q');
    assert.deepEqual(fromTracker.intents.actions(), [['exit']]);
  });

  test('the first line keeps the t key and its words at 80 and 100 columns', async () => {
    const { view } = await show();
    for (const columns of [100, 80]) {
      await view.resize(columns, ROWS);
      assert.match(view.lines()[0] ?? '', /t: tracker view/, `at ${columns}`);
      assert.deepEqual(linesWiderThan(view.lines(), columns), []);
    }
  });

  test('t typed in the command line is text, not a switch of view', async () => {
    const { view, intents } = await show();
    await view.press(':', 'g', 'e');
    await view.tap('t');
    assert.match(view.lines()[1] ?? '', /^bt-tui peer · node 4 · /, view.frame());
    assert.match(view.lines().at(-1) ?? '', /^:get /);
    await view.press(' sample-8MiB.bin', '\r');
    assert.deepEqual(intents.actions(), [['download', 'sample-8MiB.bin']]);
  });
});
