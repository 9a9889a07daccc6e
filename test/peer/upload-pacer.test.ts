import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock, type TimerHandle } from '../../source/clock.ts';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { UploadPacer } from '../../source/peer/upload-pacer.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A manual clock that also counts the timers still pending (set, neither fired nor cleared). */
class CountingClock extends ManualClock {
  private readonly pendingHandles = new Set<TimerHandle>();

  get pendingTimers(): number {
    return this.pendingHandles.size;
  }

  override setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const handle: TimerHandle = super.setTimeout(() => {
      this.pendingHandles.delete(handle);
      callback();
    }, delayMs);
    this.pendingHandles.add(handle);
    return handle;
  }

  override clearTimeout(handle: TimerHandle): void {
    this.pendingHandles.delete(handle);
    super.clearTimeout(handle);
  }
}

/** Submits runs named `name`, recording the time each one runs at into `log`. */
function recorder(clock: ManualClock) {
  const log: Array<[string, number]> = [];
  return { log, run: (name: string) => () => log.push([name, clock.now()]) };
}

describe('UploadPacer without a limit', () => {
  test('runs every run at once, inside submit, with nothing queued', () => {
    const clock = new CountingClock();
    const pacer = new UploadPacer(clock, 0);
    const { log, run } = recorder(clock);
    pacer.submit(MiB, run('a'));
    pacer.submit(MiB, run('b'));
    assert.deepEqual(log, [
      ['a', 0],
      ['b', 0],
    ]);
    assert.equal(pacer.limit, 0);
    assert.equal(pacer.queuedMs(), 0);
    assert.equal(clock.pendingTimers, 0);
  });
});

describe('UploadPacer with a limit', () => {
  test('runs go out in the order submitted, each once the debt of the one before is repaid', () => {
    const clock = new CountingClock();
    const pacer = new UploadPacer(clock, 1000);
    const { log, run } = recorder(clock);
    pacer.submit(1000, run('a'));
    pacer.submit(10, run('b'));
    pacer.submit(2000, run('c'));
    pacer.submit(10, run('d'));
    assert.deepEqual(log, []); // the bucket starts empty
    clock.advance(10_000);
    // a at 1 ms (1 byte saved) leaves -999: b waits until +1, 1000 ms later; and so on.
    assert.deepEqual(log, [
      ['a', 1],
      ['b', 1001],
      ['c', 1011],
      ['d', 3011],
    ]);
    assert.equal(clock.pendingTimers, 0);
  });

  test('a run submitted while others wait queues behind them even if the bucket has tokens', () => {
    const clock = new CountingClock();
    const pacer = new UploadPacer(clock, 500); // half a byte per ms; burst cap 50 bytes
    const { log, run } = recorder(clock);
    clock.advance(100); // 50 bytes saved up
    pacer.submit(51, run('a')); // goes at once: -1
    pacer.submit(10, run('b')); // waits for +1 byte: 4 ms
    clock.advance(3); // +0.5: the bucket would let a run through, but b is first
    pacer.submit(1, run('c'));
    assert.deepEqual(log, [['a', 100]]);
    clock.advance(1_000);
    // b at +1 leaves -9: c waits 20 ms for +1.
    assert.deepEqual(log, [
      ['a', 100],
      ['b', 104],
      ['c', 124],
    ]);
  });

  test('queuedMs is the waiting bytes at the limit plus the time until the bucket is positive', () => {
    const clock = new CountingClock();
    const pacer = new UploadPacer(clock, 1000);
    assert.equal(pacer.queuedMs(), 1); // empty bucket: 1 byte to wait for
    clock.advance(50);
    assert.equal(pacer.queuedMs(), 0); // 50 bytes saved
    pacer.submit(2050, () => {}); // runs now, -2000
    assert.equal(pacer.queuedMs(), 2001);
    pacer.submit(500, () => {});
    pacer.submit(250, () => {});
    assert.equal(pacer.queuedMs(), 750 + 2001);
    clock.advance(1000);
    assert.equal(pacer.queuedMs(), 750 + 1001);
    clock.advance(1001); // the 500 goes at +1: -499
    assert.equal(pacer.queuedMs(), 250 + 500);
  });

  for (const [label, limit] of [
    ['500 KiB/s', 500 * KiB],
    ['10 MiB/s', 10 * MiB],
  ] as const) {
    test(`a sender kept busy for 10 s of clock time gets ${label} within 10 %`, () => {
      const seed = 0x9ace;
      const random = new SeededRandom(seed);
      const clock = new CountingClock();
      const pacer = new UploadPacer(clock, limit);
      let bytesRun = 0;
      let runs = 0;
      // Like the seeder: offer runs of 16..256 KiB while less than 300 ms of them wait.
      const offer = () => {
        for (let offered = 0; pacer.queuedMs() < 300; offered++) {
          assert.ok(offered < 1000, `seed ${seed}: queuedMs() stays ${pacer.queuedMs()}`);
          const bytes = 16 * KiB + random.int(240 * KiB + 1);
          pacer.submit(bytes, () => {
            bytesRun += bytes;
            runs++;
          });
        }
        clock.setTimeout(offer, 10);
      };
      offer();
      clock.advance(10_000);
      const rate = bytesRun / 10;
      assert.ok(
        Math.abs(rate - limit) <= limit * 0.1,
        `seed ${seed}: ${bytesRun} bytes in ${runs} runs: ${rate} B/s`,
      );
    });
  }
});

describe('UploadPacer.setLimit and clear', () => {
  test('setLimit(0) runs every waiting run at once, in order', () => {
    const clock = new CountingClock();
    const pacer = new UploadPacer(clock, 1000);
    const { log, run } = recorder(clock);
    clock.advance(1);
    pacer.submit(5000, run('a'));
    pacer.submit(5000, run('b'));
    pacer.submit(5000, run('c'));
    clock.advance(100);
    pacer.setLimit(0);
    assert.deepEqual(log, [
      ['a', 1],
      ['b', 101],
      ['c', 101],
    ]);
    assert.equal(pacer.limit, 0);
    assert.equal(pacer.queuedMs(), 0);
  });

  test('a new limit applies to the runs already waiting', () => {
    const clock = new CountingClock();
    const pacer = new UploadPacer(clock, 1000);
    const { log, run } = recorder(clock);
    clock.advance(1);
    pacer.submit(5000, run('a')); // -4999: b would wait 5 s at 1000 B/s
    pacer.submit(1000, run('b'));
    pacer.submit(1000, run('c'));
    pacer.setLimit(100_000); // the debt is forgiven; 1 byte takes 10 µs
    assert.equal(pacer.limit, 100_000);
    clock.advance(100);
    assert.deepEqual(log, [
      ['a', 1],
      ['b', 2],
      ['c', 12],
    ]);
  });

  test('keeps one timer pending however often the limit changes while runs wait', () => {
    const clock = new CountingClock();
    const pacer = new UploadPacer(clock, 1000);
    const { log, run } = recorder(clock);
    pacer.submit(1000, run('a'));
    pacer.submit(1000, run('b'));
    assert.equal(clock.pendingTimers, 1);
    for (let i = 0; i < 5; i++) pacer.setLimit(1000 + i);
    assert.equal(clock.pendingTimers, 1);
    pacer.clear();
    assert.equal(clock.pendingTimers, 0);
    clock.advance(10_000);
    assert.deepEqual(log, []);
  });

  test('clear() drops the waiting runs; runs submitted later are paced as before', () => {
    const clock = new CountingClock();
    const pacer = new UploadPacer(clock, 1000);
    const { log, run } = recorder(clock);
    clock.advance(1);
    pacer.submit(1000, run('a'));
    pacer.submit(1000, run('b'));
    pacer.submit(1000, run('c'));
    pacer.clear();
    assert.equal(pacer.queuedMs(), 1000); // only the debt a left remains
    assert.equal(clock.pendingTimers, 0);
    clock.advance(10_000);
    assert.deepEqual(log, [['a', 1]]);
    pacer.submit(3000, run('d')); // 100 bytes saved: goes at once, -2900
    pacer.submit(10, run('e'));
    clock.advance(10_000);
    assert.deepEqual(log, [
      ['a', 1],
      ['d', 10_001],
      ['e', 12_902],
    ]);
  });
});
