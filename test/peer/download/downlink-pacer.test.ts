import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DownlinkPacer,
  MIN_PACED_BYTES_PER_SEC,
  PACER_SLOT_MS,
} from '../../../source/peer/download/downlink-pacer.ts';

const MB = 1_000_000;

/** Drives a pacer slot by slot: `rates` are what arrived in each slot, in bytes per second. */
class Driver {
  readonly pacer: DownlinkPacer;
  nowMs = 0;
  received = 0;

  constructor(userLimit = 0) {
    this.pacer = new DownlinkPacer(userLimit, 0);
  }

  slot(rateBytesPerSec: number, opts: { loss?: boolean; held?: boolean } = {}): number {
    // Four blocks of a quarter megabyte: one block alone is never an overflow.
    if (opts.loss) for (let block = 0; block < 4; block++) this.pacer.noteLoss(MB / 4);
    if (opts.held) {
      // A request that found the bucket empty: drain it, then ask.
      this.pacer.charge(10 * MB, this.nowMs);
      assert.ok(this.pacer.waitMs(this.nowMs) > 0);
    }
    this.nowMs += PACER_SLOT_MS;
    this.received += (rateBytesPerSec * PACER_SLOT_MS) / 1000;
    this.pacer.tick(this.nowMs, this.received);
    return this.pacer.rateBytesPerSec;
  }
}

describe('DownlinkPacer', () => {
  test('does not pace while nothing is lost (loopback): no request ever waits', () => {
    const d = new Driver();
    for (let i = 0; i < 50; i++) assert.equal(d.slot(300 * MB), 0);
    assert.equal(d.pacer.limited, false);
    d.pacer.charge(100 * MB, d.nowMs);
    assert.equal(d.pacer.waitMs(d.nowMs), 0);
  });

  test('a block lost now and then is no overflowing queue: still unpaced', () => {
    const d = new Driver();
    for (let i = 0; i < 20; i++) {
      d.pacer.noteLoss(16 * 1024); // of 30 MB arriving per slot
      assert.equal(d.slot(300 * MB), 0);
    }
  });

  test('a slot that loses a good share starts pacing below the best rate lately', () => {
    const d = new Driver();
    d.slot(3 * MB);
    assert.equal(d.pacer.engaged, false);
    assert.equal(d.slot(2.5 * MB, { loss: true }), 0.85 * 3 * MB);
    assert.equal(d.pacer.limited, true);
    assert.equal(d.pacer.engaged, true);
    // Then at that rate while nothing is held back.
    assert.equal(d.slot(2.9 * MB), 3 * MB);
  });

  test('held back with everything arriving: probes above, further each slot it goes on', () => {
    const d = pacedAt3MB();
    assert.equal(d.slot(2.6 * MB, { held: true }), 1.25 * 3 * MB);
    assert.equal(d.slot(3.7 * MB, { held: true }), 3.7 * MB * 1.5);
    assert.equal(d.slot(5.5 * MB, { held: true }), 2 * 5.5 * MB);
    // The link is full at 6 MB/s: the probe did not arrive in full, so the next slot cruises.
    assert.equal(d.slot(6 * MB, { held: true }), 6 * MB);
  });

  test('held back while less arrives than asked: the downlink is full, no probe', () => {
    const d = pacedAt3MB();
    assert.equal(d.slot(1 * MB, { held: true }), 3 * MB);
  });

  test('the capacity is the best of the last second: an old peak is forgotten', () => {
    const d = new Driver();
    d.slot(8 * MB, { loss: true });
    for (let i = 0; i < 9; i++) assert.equal(d.slot(2 * MB), 8 * MB);
    assert.equal(d.slot(2 * MB), 2 * MB);
  });

  test('never below the floor, and unpaced again after a second with nothing received', () => {
    const d = new Driver();
    d.slot(1000, { loss: true });
    assert.equal(d.pacer.rateBytesPerSec, MIN_PACED_BYTES_PER_SEC);
    for (let i = 0; i < 10; i++) d.slot(0);
    assert.equal(d.pacer.rateBytesPerSec, 0);
    assert.equal(d.pacer.limited, false);
    assert.equal(d.pacer.engaged, false);
  });

  test('untouched for a second (no download running): the view sees 0, the next tick starts unpaced', () => {
    const d = new Driver();
    d.slot(3 * MB);
    d.slot(2.5 * MB, { loss: true });
    for (let i = 0; i < 30; i++) d.slot(3 * MB); // shown once it has stood three seconds
    assert.equal(d.pacer.rateAt(d.nowMs), 3 * MB);
    assert.equal(d.pacer.rateAt(d.nowMs + 999), 3 * MB);
    // The download ended: nobody ticks. A second later the rate it had is no longer shown.
    assert.equal(d.pacer.rateAt(d.nowMs + 1000), 0);
    assert.equal(d.pacer.rateBytesPerSec, 3 * MB);
    // A new download an hour later: its first tick forgets the old path, nothing waits.
    d.nowMs += 3_600_000;
    d.received += 5 * MB;
    d.pacer.tick(d.nowMs, d.received);
    assert.equal(d.pacer.engaged, false);
    assert.equal(d.pacer.limited, false);
    assert.equal(d.pacer.rateAt(d.nowMs), 0);
    // And the old peak is not its capacity: a loss now paces below what arrives now.
    d.slot(1 * MB);
    assert.equal(d.slot(1 * MB, { loss: true }), 0.85 * 1 * MB);
  });

  test('a --download-limit holds requests back too, and waits are for the slower of the two', () => {
    const d = new Driver(1 * MB);
    assert.equal(d.pacer.limited, true);
    d.pacer.charge(1 * MB, d.nowMs);
    assert.ok(d.pacer.waitMs(d.nowMs) >= 999);
    // Held back by the user's limit only: that is no sign of room in the downlink.
    d.slot(1 * MB, { loss: true });
    assert.equal(d.slot(1 * MB), 1 * MB);
  });
});

/** A pacer that found a full queue at 3 MB/s: paced at 2.55 MB/s. */
describe('DownlinkPacer: losses that were late replies', () => {
  test('taken off the slot they were noted in: it does not start pacing', () => {
    const d = new Driver();
    d.slot(3 * MB);
    d.pacer.noteLoss(MB / 2);
    d.pacer.noteLoss(MB / 2);
    assert.equal(d.pacer.undoLoss(MB / 2, d.nowMs + 10), false);
    assert.equal(d.pacer.undoLoss(MB / 2, d.nowMs + 10), false);
    assert.equal(d.slot(2.5 * MB), 0);
    assert.equal(d.pacer.engaged, false);
  });

  test('found after the slot engaged pacing: unpaced again once too few real losses are left', () => {
    // 4 blocks, 1 MB lost of 250 KB arrived in the slot: 987.5 KB beyond 5 %
    const d = pacedAt3MB();
    assert.equal(d.pacer.engaged, true);
    assert.equal(d.pacer.undoLoss(250_000, d.nowMs + 50), false);
    assert.equal(d.pacer.undoLoss(250_000, d.nowMs + 50), false, 'half of it: still paced');
    assert.equal(d.pacer.engaged, true);
    assert.equal(d.pacer.undoLoss(487_500, d.nowMs + 60), true, 'the rest: unpaced');
    assert.equal(d.pacer.engaged, false);
    assert.equal(d.pacer.rateBytesPerSec, 0);
    assert.equal(d.pacer.limited, false);
    assert.equal(d.slot(3 * MB), 0, 'and stays so while nothing is lost');
  });

  test('a late reply takes back a loss that engaged pacing before one noted since', () => {
    // An owner answers in order, so a late reply answers the oldest loss. Taken off the one
    // noted since instead, the last engaging loss stayed and the download stayed paced for good.
    const d = pacedAt3MB(); // 987.5 KB beyond 5 %
    d.pacer.noteLoss(16_384); // a block given up on just after
    assert.equal(d.pacer.undoLoss(500_000, d.nowMs + 10), false);
    assert.equal(d.pacer.undoLoss(487_500, d.nowMs + 20), true, 'unpaced');
    // The block noted since is still the slot's loss, but one block is no overflow.
    assert.equal(d.slot(2.5 * MB), 0);
    assert.equal(d.pacer.engaged, false);
  });

  test('unpaced once what is left of the engaging losses is one block, however large', () => {
    // One block's reply can come as a second copy's, or not be known as late (on a busy machine
    // that one kept a download paced for good); one block would not have engaged it.
    const d = pacedAt3MB(); // 4 blocks of 250 KB
    for (let block = 0; block < 2; block++) assert.equal(d.pacer.undoLoss(250_000, d.nowMs), false);
    assert.equal(d.pacer.undoLoss(250_000, d.nowMs), true, '1 block left: unpaced');
  });

  test('one block lost in a slot is no overflow, whatever its share of the slot', () => {
    const d = new Driver();
    d.slot(3 * MB);
    d.pacer.noteLoss(MB); // 4x what arrived in the slot, but one block
    assert.equal(d.slot(2.5 * MB), 0);
    assert.equal(d.pacer.engaged, false);
  });

  test('a late reply more than three seconds after the engaging slot changes nothing', () => {
    const d = pacedAt3MB();
    for (let i = 0; i < 30; i++) d.slot(2.5 * MB);
    assert.equal(d.pacer.undoLoss(10 * MB, d.nowMs), false);
    assert.equal(d.pacer.engaged, true);
  });
});

describe('DownlinkPacer: what a person is told', () => {
  test('pacing is shown and told once it has stood three seconds, and told once', () => {
    const d = pacedAt3MB();
    const engagedAtMs = d.nowMs;
    assert.equal(d.pacer.rateAt(d.nowMs), 0, 'late replies may still undo it');
    assert.equal(d.pacer.takeNews(d.nowMs), 0);
    for (let i = 0; i < 29; i++) d.slot(2.5 * MB);
    assert.equal(d.nowMs - engagedAtMs, 2_900);
    assert.equal(d.pacer.takeNews(d.nowMs), 0);
    d.slot(2.5 * MB);
    const rate = d.pacer.rateBytesPerSec;
    assert.ok(rate > 0);
    assert.equal(d.pacer.rateAt(d.nowMs), rate);
    assert.equal(d.pacer.takeNews(d.nowMs), rate);
    assert.equal(d.pacer.takeNews(d.nowMs), 0, 'told once');
    d.slot(2.5 * MB);
    assert.equal(d.pacer.takeNews(d.nowMs), 0);
  });

  test('pacing undone by late replies, even two seconds on, is never told', () => {
    const d = pacedAt3MB();
    for (let i = 0; i < 20; i++) d.slot(2.5 * MB);
    assert.equal(d.pacer.undoLoss(MB, d.nowMs + 50), true);
    for (let i = 0; i < 40; i++) {
      d.slot(2.5 * MB);
      assert.equal(d.pacer.takeNews(d.nowMs), 0);
      assert.equal(d.pacer.rateAt(d.nowMs), 0);
    }
  });

  test('pacing that ended (idle) and starts again is told again', () => {
    const d = pacedAt3MB();
    for (let i = 0; i < 30; i++) d.slot(2.5 * MB);
    assert.ok(d.pacer.takeNews(d.nowMs) > 0);
    for (let i = 0; i < 10; i++) d.slot(0);
    assert.equal(d.pacer.engaged, false);
    d.slot(3 * MB);
    d.slot(2.5 * MB, { loss: true });
    for (let i = 0; i < 30; i++) d.slot(2.5 * MB);
    assert.ok(d.pacer.takeNews(d.nowMs) > 0);
  });
});

function pacedAt3MB(): Driver {
  const d = new Driver();
  d.slot(3 * MB);
  d.slot(2.5 * MB, { loss: true });
  assert.equal(d.pacer.rateBytesPerSec, 0.85 * 3 * MB);
  return d;
}

test('DownlinkPacer bounds blocks in flight to 50 ms of the paced rate, or two round trips, while paced', () => {
  const d = new Driver();
  d.slot(3 * MB);
  assert.equal(d.pacer.maxInFlightBlocks(4379, 1), Number.POSITIVE_INFINITY);
  d.slot(2.5 * MB, { loss: true }); // paced at 2.55 MB/s: 127,500 bytes per 50 ms
  assert.equal(d.pacer.maxInFlightBlocks(4379, 0), 29);
  // On a LAN the round trip is a few ms: the 50 ms hold.
  assert.equal(d.pacer.maxInFlightBlocks(4379, 2), 29);
  // Owners 100 ms away: two round trips of the rate, or the bound would starve the path.
  assert.equal(d.pacer.maxInFlightBlocks(4379, 100), 116);
  // Never fewer than 8 blocks, however slow the downlink.
  assert.equal(d.pacer.maxInFlightBlocks(16 * 1024, 0), 8);
});

test('DownlinkPacer bounds blocks in flight under --download-limit too, to the slower of limit and pace', () => {
  const d = new Driver(4 * MB); // 200,000 bytes per 50 ms
  assert.equal(d.pacer.engaged, false);
  assert.equal(d.pacer.maxInFlightBlocks(10_000, 0), 20);
  assert.equal(d.pacer.maxInFlightBlocks(10_000, 100), 80);
  // Paced below the limit: the pace bounds.
  d.slot(3 * MB);
  d.slot(2.5 * MB, { loss: true }); // paced at 2.55 MB/s
  assert.equal(d.pacer.maxInFlightBlocks(10_000, 0), 12);
  // Without a limit and unpaced: unbounded.
  assert.equal(new Driver().pacer.maxInFlightBlocks(10_000, 0), Number.POSITIVE_INFINITY);
});

/**
 * A path that carries `capacity` bytes a second and loses `randomShare` of what crosses it
 * whatever the rate (a lossy radio link), plus whatever is asked beyond the capacity (its
 * queue overflowing), for a downloader that wants 400 MB/s. Exact shares, no randomness.
 */
class LossyPath {
  readonly d = new Driver();
  constructor(
    private readonly capacity: number,
    private readonly randomShare: number,
  ) {}

  /** One slot; returns the rate that arrived in it. */
  slot(): number {
    const { pacer } = this.d;
    const asked = pacer.engaged ? pacer.rateBytesPerSec : 400 * MB;
    const crossed = Math.min(asked, this.capacity);
    const arrived = crossed * (1 - this.randomShare);
    const lost = asked - arrived;
    const block = 1200;
    for (let blocks = Math.round((lost * PACER_SLOT_MS) / 1000 / block); blocks > 0; blocks--)
      pacer.noteLoss(block);
    this.d.slot(arrived, { held: pacer.engaged });
    return arrived;
  }

  /** The mean rate that arrived over `slots` slots. */
  run(slots: number): number {
    let sum = 0;
    for (let i = 0; i < slots; i++) sum += this.slot();
    return sum / slots;
  }
}

describe('DownlinkPacer: a path that loses at random', () => {
  test('a tenth lost whatever the rate: the drain relieves nothing, the pace goes back and holds', () => {
    // Before, every slot counted as an overflow and drained again, the best rate of the last
    // second fell with the pace, and this path averaged 3.9 MB/s over these 30 s.
    const path = new LossyPath(50 * MB, 0.1);
    path.run(10);
    const later = path.run(300);
    assert.ok(later > 0.7 * 45 * MB, `${(later / MB).toFixed(1)} MB/s of 45 that can arrive`);
  });

  test('a fifth lost: still most of what can arrive', () => {
    const path = new LossyPath(12 * MB, 0.2);
    path.run(10);
    const later = path.run(300);
    assert.ok(later > 0.6 * 9.6 * MB, `${(later / MB).toFixed(1)} MB/s of 9.6 that can arrive`);
  });

  test('a queue that overflowed is no loss of the path: the next overflow drains again', () => {
    const d = new Driver();
    d.slot(3 * MB);
    assert.equal(d.slot(2.5 * MB, { loss: true }), 0.85 * 3 * MB);
    // Asked for less, nothing lost: it was the queue. Paced as before, at the best rate lately.
    assert.equal(d.slot(2.55 * MB), 3 * MB);
    assert.equal(d.slot(2.9 * MB), 3 * MB);
    assert.equal(d.slot(2.5 * MB, { loss: true }), 0.85 * 3 * MB);
  });

  test('links are forgiven the path loss once a drain found it, not before', () => {
    const path = new LossyPath(50 * MB, 0.1);
    assert.equal(path.d.pacer.forgivenLossShare, 0);
    // The first drain (asked for 400 MB/s) relieved an overflow; the next relieved nothing.
    path.run(3);
    assert.equal(path.d.pacer.forgivenLossShare, 0);
    path.run(10);
    const forgiven = path.d.pacer.forgivenLossShare;
    // A tenth of what crossed was lost: ~0.1 of the blocks (fading a little since it was
    // learned), plus the 5 % any slot may lose.
    assert.ok(forgiven > 0.12 && forgiven <= 0.15, `${forgiven}`);
    // Nothing lost for a while: the learned loss fades.
    for (let i = 0; i < 100; i++) path.d.slot(45 * MB);
    assert.ok(path.d.pacer.forgivenLossShare < 0.07, `${path.d.pacer.forgivenLossShare}`);
    // A new download after a second with none: another path, perhaps; nothing is forgiven.
    path.run(20);
    assert.ok(path.d.pacer.forgivenLossShare > 0);
    path.d.nowMs += 1_000;
    path.d.pacer.tick(path.d.nowMs, path.d.received);
    assert.equal(path.d.pacer.forgivenLossShare, 0);
  });

  test('on a lossy path, an overflow on top of its loss still drains', () => {
    const path = new LossyPath(50 * MB, 0.1);
    path.run(100);
    const { d } = path;
    const before = d.pacer.rateBytesPerSec;
    // A slot that loses half of what it was asked: far beyond the path's tenth.
    for (let block = 0; block < 200; block++) d.pacer.noteLoss(12_500);
    d.slot(5 * MB, { held: true });
    assert.ok(d.pacer.rateBytesPerSec < before, `${d.pacer.rateBytesPerSec} < ${before}`);
  });
});
