import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  fileCells,
  fileWidths,
  heartbeatText,
  NODE_SORTS,
  nodeCells,
  nodeWidths,
  OWNERS_COLUMN,
} from '../../source/ui/tracker/tracker-rows.ts';
import { fileRow, nodeRow, trackerSnapshot } from './fixtures.ts';

const snapshot = trackerSnapshot(
  [
    nodeRow(1, { uploadCredit: 2048, lastHeardAgoMs: 3_000 }),
    nodeRow(2, { uploadCredit: 0, lastHeardAgoMs: 500, status: 'alive' }),
    nodeRow(3, { uploadCredit: 4096, lastHeardAgoMs: 25_000, status: 'late' }),
    nodeRow(4, { uploadCredit: 2048, lastHeardAgoMs: 500 }),
  ],
  [
    fileRow('a.bin', '0a1b2c3d4e', [
      { nodeId: 3, uploadCredit: 4096, downloaders: 2, complete: true },
      { nodeId: 1, uploadCredit: 2048, downloaders: 0, complete: true },
    ]),
    fileRow(
      'a.bin',
      'ffee',
      [{ nodeId: 4, uploadCredit: 2048, downloaders: 0, complete: true }],
      512,
    ),
  ],
);

describe('tracker rows', () => {
  test('the sorts cycle id, credit, last heard', () => {
    assert.deepEqual(NODE_SORTS, ['id', 'credit', 'last heard']);
  });

  test('by id: ascending node id', () => {
    const { rows } = nodeCells(snapshot, 'id', 100);
    assert.deepEqual(
      rows.map((row) => row.node),
      ['1', '2', '3', '4'],
    );
  });

  test('by credit: most downloader hosts first (the rank), then bytes, shown in the cell', () => {
    const ranked = trackerSnapshot(
      [
        nodeRow(1, { uploadCredit: 2 ** 40, downloaders: 0 }),
        nodeRow(2, { uploadCredit: 1024, downloaders: 2 }),
        nodeRow(3, { uploadCredit: 4096, downloaders: 1 }),
      ],
      [],
    );
    const { rows } = nodeCells(ranked, 'credit', 100);
    assert.deepEqual(
      rows.map((row) => [row.node, row.credit]),
      [
        ['2', '1.0 KiB · 2 hosts'],
        ['3', '4.0 KiB · 1 host'],
        ['1', '1.0 TiB'],
      ],
    );
  });

  test('by credit: biggest uploader first, ties by id', () => {
    const { rows, nodes } = nodeCells(snapshot, 'credit', 100);
    assert.deepEqual(
      rows.map((row) => row.node),
      ['3', '1', '4', '2'],
    );
    assert.deepEqual(
      nodes.map((node) => node.nodeId),
      [3, 1, 4, 2],
    );
  });

  test('by last heard: most recently heard first, ties by id', () => {
    const { rows } = nodeCells(snapshot, 'last heard', 100);
    assert.deepEqual(
      rows.map((row) => row.node),
      ['2', '4', '1', '3'],
    );
  });

  test('by last heard: restored nodes, never heard since the restart, after every heard one', () => {
    const restarted = trackerSnapshot([
      nodeRow(1, { lastHeardAgoMs: 400, status: 'restored' }),
      nodeRow(2, { lastHeardAgoMs: 900 }),
      nodeRow(3, { lastHeardAgoMs: 25_000, status: 'late' }),
      nodeRow(4, { lastHeardAgoMs: 300, status: 'restored' }),
    ]);
    const { rows } = nodeCells(restarted, 'last heard', 100);
    assert.deepEqual(
      rows.map((row) => [row.node, row.heartbeat]),
      [
        ['2', 'alive 0s'],
        ['3', 'late 25s'],
        ['4', 'restored 0s'],
        ['1', 'restored 0s'],
      ],
    );
  });

  test('sorting does not reorder the snapshot it reads', () => {
    nodeCells(snapshot, 'credit', 100);
    assert.deepEqual(
      snapshot.nodes.map((node) => node.nodeId),
      [1, 2, 3, 4],
    );
  });

  test('a window formats its rows only, with columns as wide as every row needs', () => {
    const all = nodeWidths(snapshot);
    assert.equal(all.credit, '4.0 KiB'.length, 'the widest credit, of node 3');
    const { rows, widths, nodes } = nodeCells(snapshot, 'credit', 100, {
      from: 2,
      count: 1,
      atLeast: all,
    });
    assert.deepEqual(
      rows.map((row) => [row.node, row.credit]),
      [['4', '2.0 KiB']],
    );
    assert.equal(widths.credit, '4.0 KiB'.length);
    assert.equal(nodes.length, 4);
    const files = fileCells(snapshot, 100, { from: 1, count: 5, atLeast: fileWidths(snapshot) });
    assert.deepEqual(
      files.rows.map((row) => row[OWNERS_COLUMN]),
      ['4·2.0 KiB'],
    );
    assert.equal(files.widths[OWNERS_COLUMN], '3·4.0 KiB·2 hosts 1·2.0 KiB'.length);
  });

  test('a node row reads as text cells: status with age, size units, UTC join time', () => {
    const { rows } = nodeCells(snapshot, 'id', 100);
    assert.deepEqual(rows[2], {
      node: '3',
      address: '127.0.0.1:40003',
      tracker: '',
      heartbeat: 'late 25s',
      files: '1',
      credit: '4.0 KiB',
      joined: '03:04:08',
    });
    assert.equal(
      heartbeatText(nodeRow(9, { status: 'dropped', lastHeardAgoMs: 185_000 })),
      'dropped 3m05s',
    );
  });

  test('file rows: size, short infohash, owners in rank order with the hosts that rank them, last owner', () => {
    const { rows } = fileCells(snapshot, 100);
    assert.deepEqual(rows, [
      {
        file: 'a.bin',
        size: '1.0 MiB',
        infohash: '0a1b2c3d',
        [OWNERS_COLUMN]: '3·4.0 KiB·2 hosts 1·2.0 KiB',
        note: '',
      },
      {
        file: 'a.bin',
        size: '512 B',
        infohash: 'ffee0000',
        [OWNERS_COLUMN]: '4·2.0 KiB',
        note: 'last owner',
      },
    ]);
  });

  test('trackers sharing a swarm: a tracker column says which one each node talks to', () => {
    const shared = trackerSnapshot([
      nodeRow(1, { tracker: '127.0.0.1:6881' }),
      nodeRow(2, { tracker: '127.0.0.1:6882' }),
    ]);
    const { rows, columns } = nodeCells(shared, 'id', 120);
    assert.deepEqual(
      rows.map((row) => [row.node, row.tracker]),
      [
        ['1', '127.0.0.1:6881'],
        ['2', '127.0.0.1:6882'],
      ],
    );
    assert.equal(columns[2], 'tracker');
    assert.ok(!nodeCells(snapshot, 'id', 120).columns.includes('tracker'), 'one tracker: none');
  });

  test('trackers sharing a swarm, narrow: every address and tracker keeps its port', () => {
    // Found by a session: at 60-62 columns the address column read `127.0.…` on every row (the
    // nodes of one host alike) while the tracker column beside it kept its port.
    const shared = trackerSnapshot(
      [11, 12, 13, 14].map((id) =>
        nodeRow(id, { address: `127.0.0.1:478${id}`, tracker: '127.0.0.1:47800' }),
      ),
    );
    for (const width of [60, 61, 62, 65]) {
      const { rows } = nodeCells(shared, 'id', width);
      for (const row of rows) {
        assert.match(row.address, /:478\d\d$/, `at ${width}: ${row.address}`);
        assert.match(row.tracker, /:47800$/, `at ${width}: ${row.tracker}`);
      }
    }
  });

  test('a long address is cut to fit the width', () => {
    const ipv6 = trackerSnapshot([
      nodeRow(1, { address: '[2001:db8:85a3:1234:5678:8a2e:370:7334]:65535' }),
    ]);
    const { rows, columns } = nodeCells(ipv6, 'id', 60);
    // The address gives up width down to 12, then 'joined' is left out and the address takes
    // back the room it leaves: 60 = 16 of borders and padding + node 4 + address 19 + heartbeat
    // 9 + files 5 + credit 7 (heading). Before 2026-12-06 those 7 cells stayed empty. The host
    // gives up the cells, not the port (until 2026-12-07 `[2001:db8:85a3:1234…`), in its middle
    // (until 2026-12-08 `[2001:db8:85…]:65535`).
    assert.equal(rows[0]?.address, '[2001:d…:7334]:65535');
    assert.deepEqual(columns, ['node', 'address', 'heartbeat', 'files', 'credit']);
  });

  test('a swarmed file with a long name fits 60 columns: its note is cut, not the table', () => {
    const snapshot = trackerSnapshot(
      [],
      [
        fileRow(`${'L'.repeat(116)}.bin`, '3326a7d3', [
          { nodeId: 1, uploadCredit: 0, downloaders: 0, complete: true },
          { nodeId: 2, uploadCredit: 0, downloaders: 0, complete: false },
        ]),
      ],
    );
    for (const width of [60, 62, 80]) {
      const { widths, columns } = fileCells(snapshot, width);
      const used = columns.reduce((sum, column) => sum + widths[column] + 3, 1);
      assert.ok(used <= width, `at ${width}: ${used} cells, ${JSON.stringify(widths)}`);
      // The name keeps 12 cells while the note can give room (it read `qua…` beside 14).
      assert.ok(widths.file >= 12, `at ${width}: ${JSON.stringify(widths)}`);
    }
  });

  // Cut at their end, two names that differ at it were one row twice (found by a session).
  test('long names that differ at their end stay apart: cut in their middle', () => {
    const stem = 'quarterly-report-of-the-distributed-swarm-transfer-measurements';
    const snapshot = trackerSnapshot(
      [],
      ['v2', 'v3'].map((version, i) =>
        fileRow(`${stem}-${version}.bin`, `${i}`.repeat(8), [
          { nodeId: 1, uploadCredit: 0, downloaders: 0, complete: true },
        ]),
      ),
    );
    const { rows } = fileCells(snapshot, 80);
    assert.deepEqual(
      rows.map((row) => row.file.slice(-6)),
      ['v2.bin', 'v3.bin'],
    );
  });

  test('a file being swarmed: partial owners marked ◐, counts of full and partial owners', () => {
    const snapshot = trackerSnapshot(
      [],
      [
        fileRow('class.img', 'c1a55', [
          { nodeId: 1, uploadCredit: 0, downloaders: 0, complete: true },
          { nodeId: 12, uploadCredit: 2048, downloaders: 1, complete: false },
          { nodeId: 13, uploadCredit: 0, downloaders: 0, complete: false },
        ]),
      ],
    );
    const { rows } = fileCells(snapshot, 120);
    assert.equal(rows[0]?.[OWNERS_COLUMN], '1·0 B 12◐·2.0 KiB·1 host 13◐·0 B');
    assert.equal(rows[0]?.note, '1 full + 2 partial, last full copy');
  });
});
