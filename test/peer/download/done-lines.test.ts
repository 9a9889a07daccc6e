import assert from 'node:assert/strict';
import { test } from 'node:test';
import { doneLine, transferLine } from '../../../source/peer/download/done-lines.ts';

const MiB = 1024 * 1024;

test('a fresh download: the whole file, its time and rate (the form benches read)', () => {
  assert.equal(
    doneLine({
      name: 'big.bin',
      sizeBytes: 64 * MiB,
      resumedBytes: 0,
      elapsedMs: 2000,
      pausedMs: 0,
      waitingMs: 0,
    }),
    'done big.bin: 64.0 MiB in 2.00 s (32.0 MiB/s), SHA-256 of every piece verified',
  );
});

test('resumed and paused: what was fetched, in the time not paused', () => {
  // Found by hand: 510 of 800 pieces resumed, paused ~7 s of 8.15: it said 200 MiB at 24.6.
  const line = doneLine({
    name: 'big.bin',
    sizeBytes: 200 * MiB,
    resumedBytes: 127.5 * MiB,
    elapsedMs: 8150,
    pausedMs: 7060,
    waitingMs: 0,
  });
  assert.equal(
    line,
    'done big.bin: 200.0 MiB, 72.5 MiB of it fetched in 1.09 s (66.5 MiB/s; 127.5 MiB already in the part file; paused 7.1 s, not counted), SHA-256 of every piece verified',
  );
});

test('paused only, or resumed only', () => {
  const base = { name: 'a.bin', sizeBytes: 32 * MiB, elapsedMs: 3000, waitingMs: 0 };
  assert.equal(
    doneLine({ ...base, resumedBytes: 0, pausedMs: 1000 }),
    'done a.bin: 32.0 MiB in 2.00 s (16.0 MiB/s; paused 1.0 s, not counted), SHA-256 of every piece verified',
  );
  assert.equal(
    doneLine({ ...base, resumedBytes: 16 * MiB, pausedMs: 0 }),
    'done a.bin: 32.0 MiB, 16.0 MiB of it fetched in 3.00 s (5.3 MiB/s; 16.0 MiB already in the part file), SHA-256 of every piece verified',
  );
});

test('time waiting for owners is not counted in the rate, and is said', () => {
  // Found by a session: 8 MiB fetched in ~1 s after 60 s with every owner gone read 133 KiB/s.
  assert.equal(
    doneLine({
      name: 'a.bin',
      sizeBytes: 8 * MiB,
      resumedBytes: 0,
      elapsedMs: 61_000,
      pausedMs: 0,
      waitingMs: 60_000,
    }),
    'done a.bin: 8.0 MiB in 1.00 s (8.0 MiB/s; waited 60.0 s for owners, not counted), SHA-256 of every piece verified',
  );
});

test('the transfer line counts CPU per GiB fetched, and none under 16 MiB', () => {
  const facts = {
    name: 'big.bin',
    requestsSent: 325,
    retransmittedBlocks: 1,
    endgameBlocks: 0,
    lateBlocks: 0,
    duplicateBlocks: 0,
    unsolicitedBlocks: 0,
    damagedBlocks: 0,
    coreSeconds: 0.5,
    fetchedBytes: 512 * MiB,
    coalescedDatagrams: 0,
  };
  assert.equal(
    transferLine(facts),
    'transfer big.bin: 325 REQUESTs, 1 block asked again (0 in endgame), 0 late blocks kept, 0 duplicate, 0 unsolicited and 0 damaged blocks; process CPU 0.50 core-s (1.00 per GiB)',
  );
  assert.match(
    transferLine({ ...facts, fetchedBytes: 8 * MiB, coalescedDatagrams: 12 }),
    /; process CPU 0\.50 core-s; 12 datagrams arrived coalesced \(GRO\)$/,
  );
  assert.match(
    transferLine({ ...facts, requestsSent: 1 }),
    /^transfer big\.bin: 1 REQUEST, 1 block asked again \(0 in endgame\),/,
  );
  assert.match(
    transferLine({ ...facts, retransmittedBlocks: 0 }),
    /^transfer big\.bin: 325 REQUESTs, 0 blocks asked again, 0 late/,
  );
});
