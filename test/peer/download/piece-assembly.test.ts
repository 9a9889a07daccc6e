import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaults } from '../../../source/config.ts';
import { OwnerSession } from '../../../source/peer/download/owner-session.ts';
import { OwnerTable } from '../../../source/peer/download/owner-table.ts';
import {
  blockTableBytes,
  NO_OWNER,
  PieceAssembly,
  PieceBufferPool,
} from '../../../source/peer/download/piece-assembly.ts';
import { PeerLink } from '../../../source/peer/peer-link.ts';

/** The largest node id there is: owners are named by id, whatever it is. */
const TOP_ID = 2 ** 32 - 1;

function assembly(): PieceAssembly {
  return new PieceAssembly(0, 4 * 16, 16, Buffer.alloc(64));
}

describe('piece assembly: who each block is asked of', () => {
  test('a block is asked of one owner, and in endgame of a second, by node id', () => {
    const piece = assembly();
    assert.equal(piece.askedCount(0), 0);
    piece.ask(0, 40);
    piece.ask(0, TOP_ID);
    assert.equal(piece.askedCount(0), 2);
    assert.ok(piece.isAskedOf(0, 40) && piece.isAskedOf(0, TOP_ID));
    assert.ok(!piece.isAskedOf(0, 41) && !piece.isAskedOf(1, 40));
    assert.ok(piece.hasRequestFrom(TOP_ID));
  });

  test('the second owner stays asked when the first gives up', () => {
    const piece = assembly();
    piece.ask(2, 7);
    piece.ask(2, 9);
    assert.equal(piece.unask(2, 7), true);
    assert.equal(piece.askedOf[2], 9);
    assert.equal(piece.alsoAskedOf[2], NO_OWNER);
    assert.equal(piece.unask(2, 7), false, 'asked of 7 no more');
    assert.equal(piece.askedCount(2), 1);
    assert.equal(piece.unask(2, 9), true);
    assert.equal(piece.askedCount(2), 0);
    assert.ok(!piece.hasRequestFrom(9));
  });

  test('a request given up on is remembered by owner and txid until the piece starts over', () => {
    const piece = assembly();
    assert.equal(piece.answersGivenUp(1, NO_OWNER, 0), false, 'nothing given up on');
    piece.ask(1, 7);
    piece.requestTxid[1] = 1234;
    piece.requestedAtMs[1] = 50;
    piece.giveUp(1, 7);
    piece.unask(1, 7);
    // Asked again (of the same owner): a new txid; the reply to the first is still known.
    piece.ask(1, 7);
    piece.requestTxid[1] = 1300;
    assert.equal(piece.answersGivenUp(1, 7, 1234), true);
    assert.equal(piece.answersGivenUp(1, 7, 1300), false, 'the latest request is not given up');
    assert.equal(piece.answersGivenUp(1, 8, 1234), false, 'another owner');
    assert.equal(piece.answersGivenUp(2, 7, 1234), false, 'another block');
    assert.equal(piece.forgetGivenUp(1, 7, 1234), 50, 'when the request given up on went');
    assert.equal(piece.answersGivenUp(1, 7, 1234), false, 'its reply came: forgotten');
    piece.giveUp(1, 7);
    piece.reset();
    assert.equal(piece.answersGivenUp(1, 7, 1300), false, 'the piece started over');
  });

  test('a block given up on twice before either reply came knows both replies', () => {
    // On a busy machine an owner's queued replies outlast two timeouts: the first reply was
    // thrown away as unsolicited and its loss never taken back.
    const piece = assembly();
    for (const [txid, atMs] of [
      [1234, 50],
      [1300, 90],
    ] as const) {
      piece.ask(1, 7);
      piece.requestTxid[1] = txid;
      piece.requestedAtMs[1] = atMs;
      piece.giveUp(1, 7);
      piece.unask(1, 7);
    }
    piece.ask(1, 7);
    piece.requestTxid[1] = 1400;
    assert.equal(piece.answersGivenUp(1, 7, 1234), true, 'the first request given up on');
    assert.equal(piece.answersGivenUp(1, 7, 1300), true, 'the second');
    assert.equal(piece.answersGivenUp(1, 7, 1400), false, 'the one in flight');
    assert.equal(piece.forgetGivenUp(1, 7, 1234), 50);
    assert.equal(piece.answersGivenUp(1, 7, 1234), false);
    assert.equal(piece.answersGivenUp(1, 7, 1300), true, 'the other is still known');
    assert.equal(piece.forgetGivenUp(1, 7, 1300), 90);
    assert.equal(piece.answersGivenUp(1, 7, 1300), false);
  });

  test('contributors are the node ids that delivered blocks, each once', () => {
    const piece = assembly();
    for (const [block, id] of [
      [0, 5],
      [1, TOP_ID],
      [2, 5],
    ] as const) {
      piece.contributor[block] = id;
      piece.receivedCount++;
    }
    assert.deepEqual(piece.contributors(), [5, TOP_ID]);
    piece.reset();
    assert.deepEqual(piece.contributors(), []);
    assert.equal(piece.isReceived(0), false);
  });
});

describe('piece memory: block tables reused from piece to piece', () => {
  /** Every per-block array of an assembly, in one list, to see what a table carries over. */
  function everyArray(piece: PieceAssembly): (Uint32Array | Float64Array | Uint8Array)[] {
    return [
      piece.askedOf,
      piece.alsoAskedOf,
      piece.requestedAtMs,
      piece.requestTxid,
      piece.requestSeq,
      piece.retransmitted,
      piece.contributor,
      piece.receivedChecksum,
      piece.receivedTxid,
    ];
  }

  test('a table released by one piece serves the next, which starts with nothing of the first', () => {
    const pool = new PieceBufferPool(64, Number.POSITIVE_INFINITY);
    const first = new PieceAssembly(3, 64, 16, pool.acquire(), pool.acquireTable(4));
    for (let block = 0; block < 4; block++) {
      first.ask(block, 7);
      first.ask(block, 9);
      first.requestedAtMs[block] = 1000 + block;
      first.requestTxid[block] = 0xffff_ffff;
      first.requestSeq[block] = 2 ** 40;
      first.retransmitted[block] = 1;
      first.giveUp(block, 7);
      first.contributor[block] = 9;
      first.receivedChecksum[block] = 0xdead_beef;
      first.receivedTxid[block] = 77;
    }
    pool.releaseTable(first.table);
    const second = new PieceAssembly(4, 64, 16, pool.acquire(), pool.acquireTable(4));
    assert.equal(second.table, first.table, 'the same memory');
    assert.equal(pool.tablesMade, 1);
    for (const array of everyArray(second)) {
      assert.equal(array.length, 4);
      assert.deepEqual([...array], [0, 0, 0, 0]);
    }
    // The given-up views are made on the first giveUp: made now, they must see nothing stale.
    second.giveUp(0, 5);
    for (let block = 1; block < 4; block++) {
      assert.equal(second.answersGivenUp(block, 7, 0xffff_ffff), false, 'nothing given up on');
    }
    for (let block = 0; block < 4; block++) assert.equal(second.isReceived(block), false);
    assert.deepEqual(second.contributors(), []);
    assert.equal(second.hasRequestFrom(7) || second.hasRequestFrom(9), false);
  });

  test('the arrays of one table do not overlap, given-up requests included', () => {
    const piece = new PieceAssembly(0, 5 * 16, 16, Buffer.alloc(80));
    const arrays = everyArray(piece);
    const fillAll = (base: number) =>
      arrays.forEach((array, i) => {
        array.fill(base + i);
      });
    const holdAll = (base: number) =>
      arrays.forEach((array, i) => {
        assert.deepEqual([...array], Array(5).fill(base + i), `array ${i}`);
      });
    fillAll(1);
    // Given up on twice per block: both the latest and the earlier request are written.
    for (let block = 0; block < 5; block++) {
      piece.giveUp(block, 7);
      piece.giveUp(block, 8);
    }
    holdAll(1);
    fillAll(101);
    const txid = 1 + arrays.indexOf(piece.requestTxid);
    const atMs = 1 + arrays.indexOf(piece.requestedAtMs);
    for (let block = 0; block < 5; block++) {
      assert.equal(piece.answersGivenUp(block, 7, txid), true, 'the earlier one');
      assert.equal(piece.answersGivenUp(block, 8, txid), true, 'the latest one');
      assert.equal(piece.forgetGivenUp(block, 8, txid), atMs);
    }
  });

  test('a table too small for the piece is refused; a larger one fits', () => {
    const pool = new PieceBufferPool(64, Number.POSITIVE_INFINITY);
    const big = pool.acquireTable(16);
    pool.releaseTable(big);
    assert.equal(pool.acquireTable(4), big, 'a table for more blocks serves fewer');
    assert.equal(pool.tablesMade, 1);
    assert.throws(
      () => new PieceAssembly(0, 64, 16, Buffer.alloc(64), new ArrayBuffer(blockTableBytes(3))),
      RangeError,
    );
  });
});

describe('owner table', () => {
  test('finds owners by node id, lists them in the order met, and refuses an id twice', () => {
    const table = new OwnerTable();
    const address = { address: '127.0.0.1', port: 7000 };
    for (let id = 1; id <= 40; id++)
      table.add(new OwnerSession(new PeerLink(id, address, defaults), defaults.minWindowBlocks, 0));
    assert.equal(table.size, 40);
    assert.equal(table.get(33)?.nodeId, 33);
    assert.equal(table.get(41), undefined);
    assert.deepEqual(
      [...table].slice(-2).map((owner) => owner.nodeId),
      [39, 40],
    );
    assert.throws(
      () =>
        table.add(
          new OwnerSession(new PeerLink(33, address, defaults), defaults.minWindowBlocks, 0),
        ),
      /node 33 is already/,
    );
  });
});
