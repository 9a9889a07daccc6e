import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseFragmentQueues, readFragmentQueues } from '../../../source/net/fragment-queues.ts';
import {
  FRAGMENT_LOSS_HOLD_MS,
  FragmentLossWatch,
  STUCK_FRAGMENT_QUEUES,
} from '../../../source/peer/download/fragment-loss.ts';

describe('FragmentLossWatch', () => {
  test('losing while many datagrams wait for fragments, and for the hold after', () => {
    let queues = STUCK_FRAGMENT_QUEUES - 1;
    const watch = new FragmentLossWatch(() => queues);
    watch.tick(0);
    assert.equal(watch.losing(0), false, 'a few in progress are normal');
    queues = STUCK_FRAGMENT_QUEUES;
    watch.tick(50);
    assert.equal(watch.losing(50), false, 'read at most every 100 ms');
    watch.tick(100);
    assert.equal(watch.losing(100), true);
    queues = 0;
    watch.tick(200);
    assert.equal(watch.losing(100 + FRAGMENT_LOSS_HOLD_MS - 1), true);
    assert.equal(watch.losing(100 + FRAGMENT_LOSS_HOLD_MS), false);
  });

  test('where the count cannot be read, fragments never count as lost', () => {
    const watch = new FragmentLossWatch(() => null);
    for (let t = 0; t < 1000; t += 100) watch.tick(t);
    assert.equal(watch.losing(1000), false);
  });
});

describe('fragment queues', () => {
  test('reads FRAG inuse from /proc/net/sockstat text', () => {
    const text = 'sockets: used 8\nUDP: inuse 0 mem 18\nFRAG: inuse 325 memory 4195944\n';
    assert.equal(parseFragmentQueues(text), 325);
    assert.equal(parseFragmentQueues('UDP: inuse 0 mem 18\n'), null);
    assert.equal(readFragmentQueues('/nonexistent/sockstat'), null);
  });

  test('reads a count on this machine', (t) => {
    const queues = readFragmentQueues();
    t.diagnostic(`FRAG inuse now: ${queues}`);
    if (process.platform === 'linux') assert.ok(typeof queues === 'number' && queues >= 0);
  });
});
