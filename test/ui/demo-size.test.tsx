/** The demo at the README's minimum size: its hint line gives way so the views still fit. */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { createElement } from 'react';
import type { LogLine } from '../../source/log/logger.ts';
import { DemoApp } from '../../source/ui/demo/DemoApp.tsx';
import { fixedStore, trackerSnapshot } from './fixtures.ts';
import {
  linesWiderThan,
  peerSnapshot,
  RecordingIntents,
  type RenderedView,
  renderView,
  swarmListing,
} from './peer-fixtures.ts';

const views: RenderedView[] = [];
afterEach(() => {
  for (const view of views.splice(0)) view.unmount();
});

async function showDemo(): Promise<RenderedView> {
  const view = await renderView(
    createElement(DemoApp, {
      folder: '/tmp/bt-tui-demo-AbC123',
      peer: fixedStore(peerSnapshot({ nodeId: 4 })),
      peerLog: fixedStore<readonly LogLine[]>([]),
      swarm: fixedStore(swarmListing([])),
      intents: new RecordingIntents(),
      tracker: fixedStore(trackerSnapshot([])),
      trackerLog: fixedStore<readonly LogLine[]>([]),
    }),
  );
  views.push(view);
  return view;
}

describe('demo: small terminals', () => {
  test('at 60x19 the peer and the tracker views draw, without the hint line', async () => {
    const view = await showDemo();
    await view.resize(60, 19);
    // At 60 columns the product's name gives way to what the tracker says.
    assert.match(view.lines()[0] ?? '', /^node 4 · .* registered$/, view.frame());
    assert.deepEqual(linesWiderThan(view.lines(), 60), []);
    await view.press('t');
    assert.match(view.lines()[0] ?? '', /^bt-tui tracker/, view.frame());
  });

  test('from 60x20 the hint line is back above the view', async () => {
    const view = await showDemo();
    await view.resize(60, 20);
    assert.match(view.lines()[0] ?? '', /^bt-tui demo · /);
    assert.match(view.lines()[1] ?? '', /^node 4 · .* registered$/);
  });
});
