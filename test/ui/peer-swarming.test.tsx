/**
 * What the peer view shows of swarming: rate limits in the header (and `:up` / `:down` to change
 * them), partial owners with how much they hold, and the peers downloading from this node.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import {
  download,
  MIB,
  owner,
  peerSnapshot,
  RecordingIntents,
  type RenderedView,
  renderPeer,
} from './peer-fixtures.ts';

const ENTER = '\r';
const SIZE = { columns: 100, rows: 30 };
const views: RenderedView[] = [];
afterEach(() => {
  for (const view of views.splice(0)) view.unmount();
});

async function show(options: Parameters<typeof renderPeer>[0]): Promise<RenderedView> {
  const view = await renderPeer(options);
  views.push(view);
  return view;
}

describe('peer view: swarming', () => {
  test('the header shows each limit beside its rate, and how many peers are served', async () => {
    const view = await show({
      peer: peerSnapshot({
        uploadRateBytesPerSec: 2 * MIB,
        limits: { uploadBytesPerSec: 2 * MIB, downloadBytesPerSec: 0, downlinkPacedBytesPerSec: 0 },
        uploads: [
          {
            nodeId: null,
            address: '127.0.0.1:4001',
            slot: 'regular',
            rateBytesPerSec: MIB,
            bytesServed: 3 * MIB,
          },
          {
            nodeId: null,
            address: '127.0.0.1:4002',
            slot: 'choked',
            rateBytesPerSec: 0,
            bytesServed: 0,
          },
        ],
      }),
      size: SIZE,
    });
    assert.match(
      view.lines()[1]!,
      /^↓ idle {2}↑ 2\.0 MiB\/s \(limit 2\.0 MiB\/s\) · to 1 peer · seeding 0 files/,
    );
  });

  test('a downlink the node paces its requests to is said beside the download rate', async () => {
    const view = await show({
      peer: peerSnapshot({
        downloadRateBytesPerSec: 2.8 * MIB,
        limits: {
          uploadBytesPerSec: 0,
          downloadBytesPerSec: 10 * MIB,
          downlinkPacedBytesPerSec: 2.9 * MIB,
        },
      }),
      size: { columns: 120, rows: 30 },
    });
    assert.match(
      view.lines()[1]!,
      /^↓ 2\.8 MiB\/s \(limit 10\.0 MiB\/s; paced to 2\.9 MiB\/s after losses\) {2}↑ idle · seeding 0 files/,
    );
  });

  // At 80 columns with both limits set the line read `seeding 9 files · uploa…` (found by a
  // session): limits are said short first, then the bytes uploaded give way, then the files.
  test('a narrow rates line says its limits short before anything is cut', async () => {
    const limited = (columns: number) =>
      show({
        peer: peerSnapshot({
          downloadRateBytesPerSec: 266.9 * 1024,
          uploadRateBytesPerSec: 0,
          bytesUploaded: 12.3 * MIB,
          limits: {
            uploadBytesPerSec: MIB,
            downloadBytesPerSec: 300 * 1024,
            downlinkPacedBytesPerSec: 0,
          },
        }),
        size: { columns, rows: 30 },
      });
    const line = async (columns: number) => (await limited(columns)).lines()[1]!;
    assert.equal(
      await line(120),
      '↓ 266.9 KiB/s (limit 300.0 KiB/s)  ↑ idle (limit 1.0 MiB/s) · seeding 0 files · uploaded 12.3 MiB',
    );
    assert.equal(
      await line(90),
      '↓ 266.9 KiB/s (≤300.0 KiB/s)  ↑ idle (≤1.0 MiB/s) · seeding 0 files · uploaded 12.3 MiB',
    );
    assert.equal(
      await line(80),
      '↓ 266.9 KiB/s (≤300.0 KiB/s)  ↑ idle (≤1.0 MiB/s) · seeding 0 files',
    );
    assert.equal(await line(60), '↓ 266.9 KiB/s (≤300.0 KiB/s)  ↑ idle (≤1.0 MiB/s)');
  });

  test('a pace at or above the download limit is not said: the limit is what holds', async () => {
    const view = await show({
      peer: peerSnapshot({
        downloadRateBytesPerSec: 0.8 * MIB,
        limits: {
          uploadBytesPerSec: 0,
          downloadBytesPerSec: MIB,
          downlinkPacedBytesPerSec: 2 * MIB,
        },
      }),
      size: { columns: 120, rows: 30 },
    });
    // Until 2026-12-07: `(limit 1.0 MiB/s; paced to 2.0 MiB/s after losses)` (found by a session).
    assert.match(view.lines()[1]!, /^↓ 819\.2 KiB\/s \(limit 1\.0 MiB\/s\) {2}↑ idle/);
  });

  test(':up and :down change the limits through the engine and say so', async () => {
    const intents = new RecordingIntents();
    const view = await show({ peer: peerSnapshot(), intents, size: SIZE });
    await view.press(':', 'up 10M', ENTER);
    await view.press(':', 'down 0', ENTER);
    assert.deepEqual(intents.calls, [
      ['setLimit', 'up', 10 * MIB],
      ['setLimit', 'down', 0],
    ]);
    assert.match(view.frame(), /download limit: none/);
  });

  test('a partial owner says how many pieces it holds; a complete one does not', async () => {
    const view = await show({
      peer: peerSnapshot({
        downloads: [
          download('class.img', [0, 1, -1, -1], {
            owners: [owner(1), owner(12, { complete: false, piecesHave: 3 })],
          }),
        ],
      }),
      size: SIZE,
    });
    const rows = view.lines().filter((line) => /^ {2}[A-Z] node (1|12) /.test(line));
    assert.equal(rows.length, 2, view.frame());
    assert.doesNotMatch(rows[0]!, /partial/);
    assert.match(rows[1]!, /active ◐3\/4$/);
    assert.match(view.frame(), /legend: A node 1 {2}B node 12 ◐partial/);
  });

  test('once the download is done, a partial owner row no longer shows its last count', async () => {
    const view = await show({
      peer: peerSnapshot({
        downloads: [
          download('class.img', [0, 1, 1, 0], {
            state: 'done',
            owners: [owner(1), owner(12, { complete: false, piecesHave: 3 })],
          }),
        ],
      }),
      size: SIZE,
    });
    const rows = view.lines().filter((line) => /^ {2}[A-Z] node (1|12) /.test(line));
    assert.equal(rows.length, 2, view.frame());
    assert.match(rows[1]!, / done$/);
    assert.match(view.frame(), /legend: A node 1 {2}B node 12 ◐partial/);
  });

  test('the peers downloading from this node are listed under the downloads', async () => {
    const view = await show({
      peer: peerSnapshot({
        uploads: [
          {
            nodeId: 4,
            address: '127.0.0.1:4001',
            slot: 'regular',
            rateBytesPerSec: MIB,
            bytesServed: 3 * MIB,
          },
          {
            nodeId: 12,
            address: '127.0.0.1:4003',
            slot: 'optimistic',
            rateBytesPerSec: 512 * 1024,
            bytesServed: MIB,
          },
          {
            nodeId: null,
            address: '127.0.0.1:4002',
            slot: 'choked',
            rateBytesPerSec: 0,
            bytesServed: 0,
          },
        ],
      }),
      size: SIZE,
    });
    const lines = view.lines();
    const title = lines.indexOf('Peers downloading from this node: 3');
    assert.ok(title > 0, view.frame());
    assert.match(
      lines[title + 1]!,
      /^ {2}node 4 {10}127\.0\.0\.1:4001 +1\.0 MiB\/s +3\.0 MiB served$/,
    );
    assert.match(
      lines[title + 2]!,
      /^ {2}node 12 {9}127\.0\.0\.1:4003 +512\.0 KiB\/s +1\.0 MiB served \(optimistic\)$/,
    );
    // The tracker has not said (or knows no node there): never the id its HELLO claims.
    assert.match(lines[title + 3]!, /^ {2}unknown {9}127\.0\.0\.1:4002 +0 B\/s +0 B choked$/);
  });
});
