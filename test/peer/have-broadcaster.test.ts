import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RemoteAddress } from '../../source/net/transport.ts';
import { HaveBroadcaster, WATCH_TTL_MS } from '../../source/peer/have-broadcaster.ts';
import { MAX_HAVE_PIECES } from '../../source/protocol/messages.ts';

const FILE_A = 'aa'.repeat(32);
const FILE_B = 'bb'.repeat(32);

function peer(port: number): RemoteAddress {
  return { address: '10.0.0.2', port };
}

/**
 * Watches `file` as the peer at `port` (the key is its address, as the seeder makes it), with the
 * txid of its BITFIELD request `1000 + port` unless given.
 */
function watch(
  haves: HaveBroadcaster,
  file: string,
  port: number,
  nowMs: number,
  txid = 1000 + port,
): void {
  haves.watch(file, `10.0.0.2|${port}`, peer(port), txid, nowMs);
}

/** Flushes at `nowMs` and returns what was sent, as `port file pieces` lines. */
function flush(haves: HaveBroadcaster, nowMs: number, withTxids = false): string[] {
  const sent: string[] = [];
  haves.flush(nowMs, (address, infohashHex, pieces, txid) => {
    const line = `${address.port} ${infohashHex.slice(0, 2)} ${pieces.join(',')}`;
    sent.push(withTxids ? `${line} @${txid}` : line);
  });
  return sent;
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

describe('HaveBroadcaster', () => {
  test('tells every watcher of a file the pieces noted since the last flush, once', () => {
    const haves = new HaveBroadcaster();
    watch(haves, FILE_A, 1, 0);
    watch(haves, FILE_A, 2, 0);
    watch(haves, FILE_B, 3, 0);
    haves.noteHave(FILE_A, 7);
    haves.noteHave(FILE_A, 3);
    haves.noteHave(FILE_B, 0);
    assert.deepEqual(flush(haves, 100), ['1 aa 7,3', '2 aa 7,3', '3 bb 0']);
    assert.deepEqual(flush(haves, 200), []);
    haves.noteHave(FILE_A, 9);
    assert.deepEqual(flush(haves, 300), ['1 aa 9', '2 aa 9']);
  });

  test("each HAVE carries the txid of the watcher's latest BITFIELD request", () => {
    const haves = new HaveBroadcaster();
    watch(haves, FILE_A, 1, 0);
    watch(haves, FILE_A, 2, 0);
    haves.noteHave(FILE_A, 4);
    assert.deepEqual(flush(haves, 100, true), ['1 aa 4 @1001', '2 aa 4 @1002']);
    watch(haves, FILE_A, 1, 150, 77);
    haves.noteHave(FILE_A, 5);
    assert.deepEqual(flush(haves, 200, true), ['2 aa 5 @1002', '1 aa 5 @77']);
  });

  test('sends nothing while no piece is new', () => {
    const haves = new HaveBroadcaster();
    watch(haves, FILE_A, 1, 0);
    for (let nowMs = 0; nowMs < 1000; nowMs += 100) assert.deepEqual(flush(haves, nowMs), []);
  });

  test('splits many pending pieces into batches of at most MAX_HAVE_PIECES, in order', () => {
    assert.equal(MAX_HAVE_PIECES, 256);
    const haves = new HaveBroadcaster();
    watch(haves, FILE_A, 1, 0);
    watch(haves, FILE_A, 2, 0);
    for (const piece of range(0, 600)) haves.noteHave(FILE_A, piece);
    const batches: Array<[number, number[]]> = [];
    haves.flush(100, (address, _infohashHex, pieces) => batches.push([address.port, pieces]));
    assert.deepEqual(batches, [
      [1, range(0, 256)],
      [2, range(0, 256)],
      [1, range(256, 256)],
      [2, range(256, 256)],
      [1, range(512, 88)],
      [2, range(512, 88)],
    ]);
  });

  test('a watcher that has not asked again for WATCH_TTL_MS is dropped and not told', () => {
    const haves = new HaveBroadcaster();
    watch(haves, FILE_A, 1, 0);
    watch(haves, FILE_A, 2, 5_000);
    haves.noteHave(FILE_A, 1);
    assert.deepEqual(flush(haves, WATCH_TTL_MS - 1), ['1 aa 1', '2 aa 1']);
    haves.noteHave(FILE_A, 2);
    assert.deepEqual(flush(haves, WATCH_TTL_MS), ['2 aa 2']);
    // Dropped for good: a later flush does not bring it back.
    haves.noteHave(FILE_A, 3);
    assert.deepEqual(flush(haves, WATCH_TTL_MS + 100), ['2 aa 3']);
  });

  test('asking again renews the watch for another WATCH_TTL_MS', () => {
    const haves = new HaveBroadcaster();
    watch(haves, FILE_A, 1, 0);
    watch(haves, FILE_A, 1, 20_000);
    haves.noteHave(FILE_A, 4);
    assert.deepEqual(flush(haves, 20_000 + WATCH_TTL_MS - 1), ['1 aa 4']);
    haves.noteHave(FILE_A, 5);
    assert.deepEqual(flush(haves, 20_000 + WATCH_TTL_MS), []);
  });

  test('keeps at most 64 watchers per file, replacing the one that renewed least recently', () => {
    const haves = new HaveBroadcaster();
    for (let port = 1; port <= 63; port++) watch(haves, FILE_A, port, port);
    watch(haves, FILE_A, 1, 100); // port 1 renews: port 2 is now the stalest
    watch(haves, FILE_A, 64, 100);
    watch(haves, FILE_A, 65, 101);
    watch(haves, FILE_B, 66, 101); // another file has its own 64
    haves.noteHave(FILE_A, 0);
    haves.noteHave(FILE_B, 0);
    const sent = flush(haves, 200);
    const toldOfA = sent
      .filter((line) => line.includes(' aa '))
      .map((line) => Number(line.split(' ')[0]));
    assert.equal(toldOfA.length, 64);
    assert.deepEqual(
      [...toldOfA].sort((a, b) => a - b),
      [1, ...range(3, 63)],
    );
    assert.ok(sent.includes('66 bb 0'));
  });

  test('forget() stops telling anyone of the file, until someone watches it again', () => {
    const haves = new HaveBroadcaster();
    watch(haves, FILE_A, 1, 0);
    watch(haves, FILE_B, 2, 0);
    haves.noteHave(FILE_A, 1);
    haves.forget(FILE_A);
    haves.noteHave(FILE_A, 2);
    haves.noteHave(FILE_B, 3);
    assert.deepEqual(flush(haves, 100), ['2 bb 3']);
    watch(haves, FILE_A, 1, 200);
    haves.noteHave(FILE_A, 4);
    assert.deepEqual(flush(haves, 300), ['1 aa 4']);
  });

  test('pieces noted while nobody watches are not kept for a later watcher', () => {
    const haves = new HaveBroadcaster();
    haves.noteHave(FILE_A, 1); // never watched
    watch(haves, FILE_A, 1, 0);
    assert.deepEqual(flush(haves, 100), []);
    // Every watcher expired: the file is dropped at the next flush, pending pieces with it.
    haves.noteHave(FILE_A, 2);
    assert.deepEqual(flush(haves, WATCH_TTL_MS), []);
    haves.noteHave(FILE_A, 3);
    watch(haves, FILE_A, 2, WATCH_TTL_MS + 100);
    haves.noteHave(FILE_A, 4);
    assert.deepEqual(flush(haves, WATCH_TTL_MS + 200), ['2 aa 4']);
  });
});
