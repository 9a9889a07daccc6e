/**
 * PiecePicker micro-bench: nanoseconds per take() and per addHave() for a few torrent sizes and
 * swarm sizes, to show the picker stays cheap up to MAX_PIECES. Pure CPU, no sockets.
 *
 *   node --import tsx bench/picker.ts [--runs 5]
 *
 * Scenarios, each on a fresh picker with `peers` partial owners holding a random half each:
 * - take (leechers): owners take in turn until none can start anything; every piece taken is
 *   verified at once. Calls that return -1 (an owner with nothing left) count too.
 * - take (seed): one complete owner (null) takes every piece.
 * - take (-1): an owner with no piece we need asks, rarest first, every other piece unassigned.
 * - addHave: every owner announces, in random order, each piece it lacked.
 * - addPeer: one partial owner connecting (its bitfield counted piece by piece).
 */
import { parseArgs } from 'node:util';
import { SeededRandom } from '../source/net/seeded-random.ts';
import { Bitfield } from '../source/peer/download/bitfield.ts';
import { PiecePicker } from '../source/peer/download/piece-picker.ts';
import { busyMachineWarning, describeMachine } from './lib/proc-stats.ts';
import { fixed, formatTable } from './lib/table.ts';

const PIECE_COUNTS = [256, 2048, 65_536];
const PEER_COUNTS = [8, 64];
/** Each owner has a piece with this probability. */
const OWNER_SHARE = 0.5;
const SEED = 12;
/** take() calls timed for a peer with nothing we need. */
const MISS_CALLS = 50;

interface Figures {
  leecherTakeNs: number;
  seedTakeNs: number;
  missTakeNs: number;
  addHaveNs: number;
  addPeerUs: number;
}

function randomOwners(pieceCount: number, peerCount: number, random: SeededRandom): Bitfield[] {
  return Array.from({ length: peerCount }, () => {
    const has = new Bitfield(pieceCount);
    for (let piece = 0; piece < pieceCount; piece++) {
      if (random.next() < OWNER_SHARE) has.add(piece);
    }
    return has;
  });
}

function newPicker(pieceCount: number, random: SeededRandom): PiecePicker {
  return new PiecePicker(pieceCount, undefined, { random: () => random.next() });
}

/** Nanoseconds per call of `body`, which returns how many calls it made. */
function timeNs(body: () => number): number {
  const start = process.hrtime.bigint();
  const calls = body();
  return Number(process.hrtime.bigint() - start) / Math.max(1, calls);
}

/** The smallest of `runs` figures per column: on a shared machine, the least disturbed run. */
function best(figures: Figures[], pick: (figure: Figures) => number): number {
  return Math.min(...figures.map(pick));
}

function measure(pieceCount: number, peerCount: number): Figures {
  const random = new SeededRandom(SEED);
  const owners = randomOwners(pieceCount, peerCount, random);

  const leeching = newPicker(pieceCount, random);
  const addPeerNs = timeNs(() => {
    for (const has of owners) leeching.addPeer(has);
    return owners.length;
  });
  const leecherTakeNs = timeNs(() => {
    let calls = 0;
    let idleInARow = 0;
    for (let turn = 0; idleInARow < peerCount; turn++) {
      const piece = leeching.take(owners[turn % peerCount]!);
      calls++;
      if (piece < 0) {
        idleInARow++;
      } else {
        idleInARow = 0;
        leeching.markVerified(piece);
      }
    }
    return calls;
  });

  const seeding = newPicker(pieceCount, random);
  seeding.addPeer(null);
  const seedTakeNs = timeNs(() => {
    let calls = 0;
    for (let piece = seeding.take(null); piece >= 0; piece = seeding.take(null)) {
      calls++;
      seeding.markVerified(piece);
    }
    return calls;
  });

  const announcing = newPicker(pieceCount, random);
  for (const has of owners) announcing.addPeer(has);
  const haves: number[] = [];
  for (const has of owners) {
    for (let piece = 0; piece < pieceCount; piece++) if (!has.has(piece)) haves.push(piece);
  }
  for (let index = haves.length - 1; index > 0; index--) {
    const other = random.int(index + 1);
    [haves[index], haves[other]] = [haves[other]!, haves[index]!];
  }
  const addHaveNs = timeNs(() => {
    for (const piece of haves) announcing.addHave(piece);
    return haves.length;
  });

  // The worst take: rarest first past the random pieces, a full pool, and nothing for this peer.
  for (const piece of [0, 1, 2, 3]) announcing.markVerified(piece);
  const nothing = new Bitfield(pieceCount);
  const missTakeNs = timeNs(() => {
    for (let call = 0; call < MISS_CALLS; call++) announcing.take(nothing);
    return MISS_CALLS;
  });

  return { leecherTakeNs, seedTakeNs, missTakeNs, addHaveNs, addPeerUs: addPeerNs / 1000 };
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) {
  console.error(`--runs must be a positive integer (got "${values.runs}")`);
  process.exit(2);
}
console.log(describeMachine());
const busy = busyMachineWarning();
if (busy) console.log(busy);
console.log(
  `scenario: owners hold a random ${OWNER_SHARE * 100}% each, seed ${SEED}, best of ${runs} run(s)`,
);
// Warm-up: let the JIT compile every path of the picker before anything is timed.
for (let round = 0; round < 5; round++) measure(2048, 8);

const rows: string[][] = [];
for (const pieceCount of PIECE_COUNTS) {
  for (const peerCount of PEER_COUNTS) {
    const figures = Array.from({ length: runs }, () => measure(pieceCount, peerCount));
    const column = (pick: (figure: Figures) => number, digits: number) =>
      fixed(best(figures, pick), digits);
    rows.push([
      String(pieceCount),
      String(peerCount),
      column((f) => f.leecherTakeNs, 0),
      column((f) => f.seedTakeNs, 0),
      column((f) => f.missTakeNs, 0),
      column((f) => f.addHaveNs, 0),
      column((f) => f.addPeerUs, 1),
    ]);
  }
}
console.log(
  formatTable(
    [
      'pieces',
      'peers',
      'take ns (leechers)',
      'take ns (seed)',
      'take ns (-1)',
      'addHave ns',
      'addPeer µs',
    ],
    rows,
  ),
);
