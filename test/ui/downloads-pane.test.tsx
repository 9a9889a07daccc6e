/**
 * The Downloads pane's own layout: the peers section below the downloads is drawn whole, or its
 * title line alone counting them, never cut below a selected download taller than the room left.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import type { UploadPeerSnapshot } from '../../source/peer/peer-snapshot.ts';
import { downloadBlockHeight } from '../../source/ui/peer/DownloadBlock.tsx';
import { DownloadsPane } from '../../source/ui/peer/DownloadsPane.tsx';
import { download, owner } from './peer-fixtures.ts';

const MIB = 1024 * 1024;

function uploader(nodeId: number): UploadPeerSnapshot {
  const address = `127.0.0.1:${4000 + nodeId}`;
  return { nodeId, address, slot: 'regular', rateBytesPerSec: MIB, bytesServed: MIB };
}

test('below a selected download taller than the room left, the peers section is left out whole', () => {
  const tall = download('a120.bin', [0, 1, -1, -1], {
    owners: [owner(1), owner(2), owner(5, { complete: false, piecesHave: 2 })],
  });
  const short = download('b.bin', [0, -1]);
  const height = downloadBlockHeight(tall);
  assert.ok(height >= 6, `a tall block: ${height} lines`);
  const uploads = [uploader(4), uploader(7)];
  const frame = (selected: number, paneHeight: number) => {
    const view = render(
      <DownloadsPane
        downloads={[short, tall]}
        uploads={uploads}
        selected={selected}
        focused
        height={paneHeight}
        width={80}
      />,
    );
    const text = stripVTControlCharacters(view.lastFrame() ?? '');
    view.unmount();
    return text;
  };
  // Room for the title, the tall block and the section (title and two rows): all of it.
  const roomy = frame(1, 1 + height + 3);
  assert.match(roomy, /Peers downloading from this node: 2\n {2}node 4 .*\n {2}node 7 /, roomy);
  // One row less: until 2026-12-07 the section's title said 2 and its rows were cut off (found
  // by a session at 80x24); then the section was left out without a word (found by a session).
  // Its title alone says they are there.
  const tight = frame(1, height + 3);
  assert.match(
    tight,
    /a120\.bin[\s\S]*\nPeers downloading from this node: 2 \(a taller window lists them\)\n*$/,
    tight,
  );
  assert.doesNotMatch(tight, /node 4 /, tight);
  // No room for that line either: the download alone.
  const none = frame(1, height + 1);
  assert.doesNotMatch(none, /Peers downloading/, none);
  assert.match(none, /a120\.bin/, none);
});
