/**
 * RedrawThrottle: a view's stores share one redraw per interval (the peer view's node, swarm
 * listing and log each throttled alone drew up to three frames an interval).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { RedrawThrottle } from '../../source/ui/hooks/use-store.ts';
import { MutableStore, tick } from './fixtures.ts';
import { MIB, peerSnapshot, renderPeer, swarmFile, swarmListing } from './peer-fixtures.ts';

/** Records, per redraw, which stores' change signals it delivered. */
function recorder() {
  const redraws: string[][] = [];
  let current: string[] | null = null;
  const onChange = (name: string) => () => {
    if (current === null) {
      current = [];
      redraws.push(current);
      queueMicrotask(() => {
        current = null;
      });
    }
    current.push(name);
  };
  return { redraws, onChange };
}

describe('RedrawThrottle on a mocked clock', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.UTC(2026, 0, 2) }));
  afterEach(() => mock.timers.reset());

  test('changes of several stores within an interval are delivered together, once each', async () => {
    const throttle = new RedrawThrottle(100);
    const { redraws, onChange } = recorder();
    const node = onChange('node');
    const log = onChange('log');
    const swarm = onChange('swarm');
    throttle.request(node);
    mock.timers.tick(0);
    await Promise.resolve();
    assert.deepEqual(redraws, [['node']], 'the first change after a quiet spell at once');
    // A burst: each store changes several times within the next interval.
    for (let step = 0; step < 4; step++) {
      throttle.request(log);
      throttle.request(node);
      mock.timers.tick(20);
      throttle.request(swarm);
    }
    await Promise.resolve();
    assert.equal(redraws.length, 1, 'nothing before the interval is over');
    mock.timers.tick(20);
    await Promise.resolve();
    assert.deepEqual(redraws, [['node'], ['log', 'node', 'swarm']]);
    mock.timers.tick(1_000);
    await Promise.resolve();
    assert.equal(redraws.length, 2, 'nothing more without a change');
  });

  test('a store unsubscribed before the redraw is not called, and leaves no timer behind', () => {
    const throttle = new RedrawThrottle(100);
    let calls = 0;
    const onChange = () => calls++;
    throttle.request(onChange);
    mock.timers.tick(0);
    throttle.request(onChange);
    throttle.cancel(onChange);
    mock.timers.tick(1_000);
    assert.equal(calls, 1);
  });
});

test('the peer view draws at most one frame an interval while its node and listing both change', async () => {
  const peer = new MutableStore(peerSnapshot());
  const swarm = new MutableStore(swarmListing([swarmFile('big.iso', 16 * MIB, 1)]));
  const view = await renderPeer({ peer, swarm, size: { columns: 120, rows: 36 } });
  try {
    const before = view.frames().length;
    const startedMs = performance.now();
    // Both change every 10 ms, visibly, for a second: ten intervals of 100 ms.
    for (let step = 1; performance.now() - startedMs < 1_000; step++) {
      peer.set(peerSnapshot({ bytesUploaded: step * 1024 }));
      swarm.set(swarmListing([swarmFile('big.iso', 16 * MIB, step)]));
      await tick(10);
    }
    await tick(200);
    const drawn = view.frames().length - before;
    // One frame per interval, and the last change: 11 at most (each store throttled alone: ~20).
    assert.ok(drawn <= 12, `${drawn} frames in a second`);
    assert.match(view.frame(), /uploaded \d/);
  } finally {
    view.unmount();
  }
});
