import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProgressLine } from '../../source/cli/progress-line.ts';
import type { DownloadSnapshot } from '../../source/peer/peer-snapshot.ts';

/** Only the fields the line reads: half of 1 MiB held and verified, running, one owner. */
function download(fields: Record<string, unknown>): DownloadSnapshot {
  return {
    name: 'big.iso',
    sizeBytes: 1024 * 1024,
    bytesVerified: 512 * 1024,
    bytesHeld: 512 * 1024,
    piecesVerified: 2,
    pieceCount: 4,
    rateBytesPerSec: 0,
    etaSec: null,
    stalledSec: 0,
    owners: [{ nodeId: 1, state: 'active', rateBytesPerSec: 0 }],
    ...fields,
  } as unknown as DownloadSnapshot;
}

test('a headless progress line gives rates through formatRate (KiB/s when slow, not 0.0 MiB/s)', () => {
  const line = formatProgressLine(
    download({
      rateBytesPerSec: 1536,
      etaSec: 341,
      owners: [
        { nodeId: 1, state: 'active', rateBytesPerSec: 1536 },
        { nodeId: 2, state: 'slow', rateBytesPerSec: 3 * 1024 * 1024 },
      ],
    }),
  );
  assert.equal(
    line,
    'progress big.iso 50.0% 2/4 pieces 1.5 KiB/s ETA 5m41s | node 1 active 1.5 KiB/s, node 2 slow 3.0 MiB/s',
  );
});

test('a stalled download has no rate and no ETA in its headless line, and says for how long', () => {
  assert.equal(
    formatProgressLine(download({ stalledSec: 75 })),
    'progress big.iso 50.0% 2/4 pieces 0 B/s ETA ? (stalled 1m15s) | node 1 active 0 B/s',
  );
});

test('the percentage counts the blocks received of pieces not verified yet', () => {
  // One piece, three of its four blocks in hand: 0/1 pieces verified, 75 % held. By verified
  // pieces alone a one-piece file read 0.0 % for a minute at a 2K owner (found by a session).
  const line = formatProgressLine(
    download({
      name: 'tiny.bin',
      sizeBytes: 64 * 1024,
      bytesVerified: 0,
      bytesHeld: 48 * 1024,
      piecesVerified: 0,
      pieceCount: 1,
      rateBytesPerSec: 1024,
      etaSec: 16,
      owners: [{ nodeId: 1, state: 'active', rateBytesPerSec: 1024 }],
    }),
  );
  assert.equal(
    line,
    'progress tiny.bin 75.0% 0/1 pieces 1.0 KiB/s ETA 16s | node 1 active 1.0 KiB/s',
  );
});
