import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatEvent, formatSize, quoteForLog, reachNote } from '../../source/tracker/events.ts';

const HOST = '127.0.0.1';

describe('event lines', () => {
  test('a refusal keeps its quotes as they are, and escapes only what could act on a terminal', () => {
    // Until 2026-12-07: `is already known as \"a.iso\"` (found by a session).
    assert.equal(
      formatEvent({
        kind: 'refused',
        from: { address: HOST, port: 47656 },
        request: 'own',
        code: 'conflict',
        text: 'infohash 1aababab is already known as "a.iso" (100 B)\u001b[2J\u009b\n',
      }),
      'refused 127.0.0.1:47656 own (conflict): infohash 1aababab is already known as "a.iso" (100 B)\\u001b[2J\\u009b\\u000a',
    );
  });

  test('read like the examples of the issue', () => {
    assert.equal(
      formatEvent({ kind: 'joined', nodeId: 3, address: { address: HOST, port: 40111 } }),
      'joined node 3 at 127.0.0.1:40111',
    );
    assert.equal(
      formatEvent({ kind: 'late', nodeId: 3, silentMs: 23_400 }),
      'late node 3 (no heartbeat for 23 s)',
    );
    const kept = { filesGone: 0, goneNames: [] };
    assert.equal(
      formatEvent({ kind: 'dropped', nodeId: 3, silentMs: 44_000, filesLostOwner: 2, ...kept }),
      'dropped node 3 (silent for 44 s; 2 files lost an owner)',
    );
    assert.equal(
      formatEvent({ kind: 'dropped', nodeId: 3, silentMs: 44_000, filesLostOwner: 0, ...kept }),
      'dropped node 3 (silent for 44 s)',
    );
    assert.equal(
      formatEvent({
        kind: 'owns',
        nodeId: 3,
        name: 'big.iso',
        sizeBytes: 256 * 1024 * 1024,
        infohashHex: `1a2b3c4d${'0'.repeat(56)}`,
        partial: false,
      }),
      'owns node 3 big.iso (256.0 MiB, 1a2b3c4d)',
    );
    assert.equal(
      formatEvent({
        kind: 'owns',
        nodeId: 5,
        name: 'big.iso',
        sizeBytes: 256 * 1024 * 1024,
        infohashHex: `1a2b3c4d${'0'.repeat(56)}`,
        partial: true,
      }),
      'owns node 5 big.iso (256.0 MiB, 1a2b3c4d, partial)',
    );
    assert.equal(
      formatEvent({ kind: 'withdrew', nodeId: 5, name: 'big.iso', ownersLeft: 2 }),
      'withdrew node 5 big.iso (2 owners left)',
    );
    assert.equal(
      formatEvent({ kind: 'withdrew', nodeId: 1, name: 'big.iso', ownersLeft: 0 }),
      'withdrew node 1 big.iso (no owner left: the file is gone)',
    );
    assert.equal(
      formatEvent({
        kind: 'searched',
        nodeId: 4,
        query: { kind: 'name', name: 'big.iso' },
        files: 1,
        owners: 2,
      }),
      'searched node 4 "big.iso": 1 file, 2 owners',
    );
    assert.equal(
      formatEvent({
        kind: 'credited',
        fromNodeId: 4,
        toNodeId: 1,
        bytes: 134217728,
        name: 'big.iso',
      }),
      'credited node 4 -> node 1 +134217728 B (128.0 MiB of big.iso)',
    );
    assert.equal(
      formatEvent({ kind: 'exited', nodeId: 3, filesLostOwner: 0, ...kept }),
      'exited node 3',
    );
    assert.equal(
      formatEvent({
        kind: 'rejected',
        from: { address: HOST, port: 5555 },
        request: 'heartbeat',
        problem: 'unknown-token',
      }),
      'rejected 127.0.0.1:5555 heartbeat: unknown token',
    );
  });

  test('a node joining through loopback of a tracker open to the network is told of', () => {
    const at = (address: string) => ({ address, port: 40111 });
    const joined = { kind: 'joined' as const, nodeId: 1, address: at('127.0.0.1') };
    const note =
      " (a loopback address: nodes on other machines cannot reach it; start it with --tracker set to this machine's network address)";
    assert.equal(reachNote(joined, '0.0.0.0'), note);
    assert.equal(reachNote(joined, '198.18.9.1'), note);
    assert.equal(reachNote({ ...joined, kind: 'reregistered' }, '0.0.0.0'), note);
    const rejoined = {
      kind: 'rejoined' as const,
      nodeId: 1,
      address: at('::1'),
      previous: at('::1'),
    };
    assert.equal(reachNote(rejoined, '::'), note);
    // A tracker on loopback has only this machine's nodes; a node on the network is reachable.
    assert.equal(reachNote(joined, '127.0.0.1'), '');
    assert.equal(reachNote({ ...joined, address: at('198.18.9.2') }, '0.0.0.0'), '');
    assert.equal(reachNote({ kind: 'late', nodeId: 1, silentMs: 30_000 }, '0.0.0.0'), '');
  });

  test('an IPv6 address keeps its port readable', () => {
    assert.equal(
      formatEvent({ kind: 'joined', nodeId: 1, address: { address: '::1', port: 9 } }),
      'joined node 1 at [::1]:9',
    );
  });

  test('a searched name from the network cannot act on the terminal', () => {
    const line = formatEvent({
      kind: 'searched',
      nodeId: 4,
      query: { kind: 'name', name: '\u001b[2J\u009b\u202ename' },
      files: 0,
      owners: 0,
    });
    assert.equal(line, 'searched node 4 "\\u001b[2J\\u009b\\u202ename": 0 files, 0 owners');
    assert.equal(quoteForLog('plain'), '"plain"');
  });

  test('sizes use binary units with one decimal', () => {
    assert.deepEqual([0, 1023, 1024, 1536, 1024 ** 3, 2 ** 40].map(formatSize), [
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1.5 KiB',
      '1.0 GiB',
      '1.0 TiB',
    ]);
  });

  test('a leaving node names the files it was the last owner of (three, then a count)', () => {
    const left = (filesLostOwner: number, goneNames: string[], filesGone = goneNames.length) =>
      formatEvent({ kind: 'exited', nodeId: 3, filesLostOwner, filesGone, goneNames });
    assert.equal(left(2, ['a.iso']), 'exited node 3 (2 files lost an owner; a.iso has none left)');
    assert.equal(
      left(2, ['a.iso', 'b.iso']),
      'exited node 3 (2 files lost an owner; a.iso and b.iso have none left)',
    );
    assert.equal(
      left(9, ['a.iso', 'b.iso', 'c.iso'], 7),
      'exited node 3 (9 files lost an owner; a.iso, b.iso, c.iso and 4 more have none left)',
    );
    assert.equal(
      formatEvent({
        kind: 'dropped',
        nodeId: 3,
        silentMs: 44_000,
        filesLostOwner: 1,
        filesGone: 1,
        goneNames: ['a.iso'],
      }),
      'dropped node 3 (silent for 44 s; 1 file lost an owner; a.iso has none left)',
    );
  });
});

describe('tracker lifecycle lines', () => {
  test('say where the tracker listens, what it restored and what noise it ignored', () => {
    assert.equal(
      formatEvent({
        kind: 'listening',
        address: { address: HOST, port: 12345 },
        sweepIntervalMs: 22_000,
        heartbeatIntervalMs: 20_000,
        restoredNodes: 1,
        restoredFiles: 3,
        dbDir: 'tracker_db',
      }),
      "tracker listening on 127.0.0.1:12345 (sweep 22 s, heartbeat 20 s; restored 1 node and 3 files from tracker_db); loopback: only this machine's nodes reach it, --host 0.0.0.0 lets the network in",
    );
    // On IPv6's loopback, IPv6's every address (it said 0.0.0.0; found by a session).
    assert.match(
      formatEvent({
        kind: 'listening',
        address: { address: '::1', port: 12345 },
        sweepIntervalMs: 22_000,
        heartbeatIntervalMs: 20_000,
        restoredNodes: 0,
        restoredFiles: 0,
        dbDir: 'tracker_db',
      }),
      /; loopback: only this machine's nodes reach it, --host :: lets the network in$/,
    );
    assert.equal(
      formatEvent({
        kind: 'listening',
        address: { address: '0.0.0.0', port: 12345 },
        sweepIntervalMs: 22_000,
        heartbeatIntervalMs: 20_000,
        restoredNodes: 0,
        restoredFiles: 0,
        dbDir: 'tracker_db',
        reachableAt: ['10.0.0.5', '192.168.1.7'],
      }),
      'tracker listening on 0.0.0.0:12345: nodes elsewhere give --tracker 10.0.0.5:12345 or 192.168.1.7:12345 (sweep 22 s, heartbeat 20 s; restored 0 nodes and 0 files from tracker_db)',
    );
    assert.equal(
      formatEvent({
        kind: 'noise',
        summary: {
          kind: 'undecodable datagrams (bad-checksum)',
          count: 1200,
          logged: 0,
          hosts: 3,
          hostsCapped: false,
          top: [
            { host: '10.0.0.9', count: 1100 },
            { host: '10.0.0.8', count: 99 },
            { host: '10.0.0.7', count: 1 },
          ],
          windowMs: 10_000,
        },
      }),
      'undecodable datagrams (bad-checksum): 1200 in the last 10 s from 3 hosts (most: 10.0.0.9 ×1100, 10.0.0.8 ×99, 10.0.0.7 ×1)',
    );
    assert.equal(
      formatEvent({
        kind: 'noise',
        summary: {
          kind: 'refused own (conflict)',
          count: 5,
          logged: 1,
          hosts: 1001,
          hostsCapped: true,
          top: [{ host: '10.0.0.9', count: 5 }],
          windowMs: 10_000,
        },
      }),
      'refused own (conflict): 5 more in the last 10 s from at least 1001 hosts (most: 10.0.0.9 ×5)',
    );
    assert.equal(
      formatEvent({ kind: 'db-entries-ignored', dbDir: 'tracker_db', entries: 2 }),
      'tracker_db: ignored 2 entries that did not fit together',
    );
  });
});
