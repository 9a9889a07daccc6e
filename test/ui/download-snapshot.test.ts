/**
 * What the piece map is drawn from: snapshotDownload() marks pieces verified in an earlier
 * session (found on disk at resume, so no owner sent them) apart from missing ones.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaults } from '../../source/config.ts';
import { Bitfield } from '../../source/peer/download/bitfield.ts';
import type { Download } from '../../source/peer/download/download.ts';
import {
  PIECE_IN_FLIGHT,
  PIECE_RESUMED,
  snapshotDownload,
} from '../../source/peer/download/download-snapshot.ts';
import { OwnerSession } from '../../source/peer/download/owner-session.ts';
import { PeerLink } from '../../source/peer/peer-link.ts';

/**
 * A download after a resume: pieces 0-3 verified on disk before, piece 4 delivered by node 7
 * (its first owner) this session, piece 5 in flight, pieces 6-7 missing. The transfer names
 * owners by node id (0: none); the snapshot by their index in the owner list. Only the fields
 * the snapshot reads.
 */
function resumedDownload(): Download {
  const verified = new Bitfield(8);
  for (const piece of [0, 1, 2, 3, 4]) verified.add(piece);
  const pieces = { verified };
  const transfer = {
    pieceSource: Uint32Array.from([0, 0, 0, 0, 7, 0, 0, 0]),
    picker: pieces,
    pieceCount: 8,
    verifiedBytes: 5 * 1024,
    retransmittedBlocks: 0,
    fetchedPieces: () => [5][Symbol.iterator](),
  };
  return {
    name: 'f.bin',
    infohash: null,
    metainfo: { sizeBytes: 8 * 1024 },
    match: null,
    state: 'downloading',
    reason: '',
    rateBytesPerSec: 0,
    // Rates sampled already: each owner's own, and the download's.
    rateSoFar(this: Download, owner?: OwnerSession) {
      return owner?.rateBytesPerSec ?? this.rateBytesPerSec;
    },
    stalledForMs: () => 0,
    owners: [
      new OwnerSession(
        new PeerLink(7, { address: '127.0.0.1', port: 7007 }, defaults),
        defaults.minWindowBlocks,
        0,
      ),
    ],
    transfer,
  } as unknown as Download;
}

describe('snapshotDownload', () => {
  test('pieces verified before a resume are marked resumed, not missing', () => {
    const snapshot = snapshotDownload(resumedDownload());
    const R = PIECE_RESUMED;
    assert.deepEqual(Array.from(snapshot.pieceSources), [R, R, R, R, 0, PIECE_IN_FLIGHT, -1, -1]);
    assert.equal(snapshot.piecesVerified, 5);
  });

  test('pieces begun are in flight only while it downloads: paused or without owners, missing', () => {
    for (const state of ['paused', 'waiting-for-owners'] as const) {
      const download = resumedDownload();
      download.state = state;
      const R = PIECE_RESUMED;
      assert.deepEqual(
        Array.from(snapshotDownload(download).pieceSources),
        [R, R, R, R, 0, -1, -1, -1],
        state,
      );
    }
  });

  test('an owner is shown at host:port, an IPv6 one in brackets as in the log', () => {
    const download = resumedDownload();
    assert.equal(snapshotDownload(download).owners[0]!.address, '127.0.0.1:7007');
    const link = new PeerLink(7, { address: '2001:db8:9::2', port: 7007 }, defaults);
    (download.owners as OwnerSession[])[0] = new OwnerSession(link, defaults.minWindowBlocks, 0);
    // `2001:db8:9::2:7007` would read as one address with no port.
    assert.equal(snapshotDownload(download).owners[0]!.address, '[2001:db8:9::2]:7007');
  });

  test('only an owner that serves has a rate: a dead one shows none while its average decays', () => {
    const download = resumedDownload();
    const owner = download.owners[0]!;
    owner.state = 'active';
    owner.rateBytesPerSec = 2.4 * 1024;
    assert.equal(snapshotDownload(download).owners[0]!.rateBytesPerSec, 2.4 * 1024);
    owner.state = 'slow';
    assert.equal(snapshotDownload(download).owners[0]!.rateBytesPerSec, 2.4 * 1024);
    for (const state of ['connecting', 'dead', 'banned'] as const) {
      owner.state = state;
      assert.equal(snapshotDownload(download).owners[0]!.rateBytesPerSec, 0, state);
    }
  });
});
