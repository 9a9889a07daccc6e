import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  DEFAULT_FRAGMENT_MEMORY_CEILING,
  type FragmentQueues,
  parseFragmentQueues,
  readFragmentMemoryCeiling,
  readFragmentQueues,
} from '../../../source/net/fragment-queues.ts';
import {
  FRAGMENT_LOSS_HOLD_MS,
  FragmentLossWatch,
  NEAR_FULL_SHARE,
  STUCK_FRAGMENT_QUEUES,
} from '../../../source/peer/download/fragment-loss.ts';

const CEILING = 4 * 1024 * 1024;
const HALF = CEILING * NEAR_FULL_SHARE;

describe('FragmentLossWatch', () => {
  test('losing while many datagrams wait for fragments, and for the hold after', () => {
    let reading: FragmentQueues = { queues: STUCK_FRAGMENT_QUEUES - 1, bytes: 0 };
    const watch = new FragmentLossWatch(() => reading, CEILING);
    watch.tick(0);
    assert.equal(watch.state(0), 'none', 'a few in progress are normal');
    reading = { queues: STUCK_FRAGMENT_QUEUES, bytes: 100_000 };
    watch.tick(50);
    assert.equal(watch.state(50), 'none', 'read at most every 100 ms');
    watch.tick(100);
    assert.equal(watch.state(100), 'losing');
    reading = { queues: 0, bytes: 0 };
    watch.tick(200);
    assert.equal(watch.state(100 + FRAGMENT_LOSS_HOLD_MS - 1), 'losing');
    assert.equal(watch.state(100 + FRAGMENT_LOSS_HOLD_MS), 'none');
  });

  test('near-full once what waits holds half the ceiling, for the hold after, then losing', () => {
    let reading: FragmentQueues = { queues: 300, bytes: HALF - 1 };
    const watch = new FragmentLossWatch(() => reading, CEILING);
    watch.tick(0);
    assert.equal(watch.state(0), 'losing');
    reading = { queues: 300, bytes: HALF };
    watch.tick(100);
    assert.equal(watch.state(100), 'near-full');
    assert.deepEqual(watch.lastReading, reading);
    reading = { queues: 100, bytes: HALF / 4 };
    watch.tick(5_000);
    assert.equal(watch.state(100 + FRAGMENT_LOSS_HOLD_MS - 1), 'near-full');
    assert.equal(watch.state(100 + FRAGMENT_LOSS_HOLD_MS), 'losing', 'still many waiting');
    assert.equal(watch.state(5_000 + FRAGMENT_LOSS_HOLD_MS), 'none');
  });

  test('the share is of this host ceiling', () => {
    const watch = new FragmentLossWatch(() => ({ queues: 1, bytes: 600_000 }), 1_000_000);
    watch.tick(0);
    assert.equal(watch.state(0), 'near-full', 'few datagrams, but half of a small ceiling');
  });

  test('where the count cannot be read, fragments never count as lost', () => {
    const watch = new FragmentLossWatch(() => null, CEILING);
    for (let t = 0; t < 1000; t += 100) watch.tick(t);
    assert.equal(watch.state(1000), 'none');
    assert.equal(watch.lastReading, null);
  });
});

describe('fragment queues', () => {
  test('reads FRAG inuse and memory from /proc/net/sockstat text', () => {
    const text = 'sockets: used 8\nUDP: inuse 0 mem 18\nFRAG: inuse 325 memory 4195944\n';
    assert.deepEqual(parseFragmentQueues(text), { queues: 325, bytes: 4_195_944 });
    assert.equal(parseFragmentQueues('UDP: inuse 0 mem 18\n'), null);
    assert.equal(readFragmentQueues(4, '/nonexistent/sockstat'), null);
  });

  test('an IPv6 socket reads FRAG6 from sockstat6 text, never the IPv4 line', () => {
    const text = 'TCP6: inuse 0\nUDP6: inuse 2\nRAW6: inuse 0\nFRAG6: inuse 12 memory 98304\n';
    assert.deepEqual(parseFragmentQueues(text, 6), { queues: 12, bytes: 98_304 });
    assert.equal(parseFragmentQueues('FRAG: inuse 325 memory 4195944\n', 6), null);
    assert.equal(parseFragmentQueues(text, 4), null);
  });

  test('the ceiling is ipfrag_high_thresh, or Linux default where it cannot be read', () => {
    assert.equal(readFragmentMemoryCeiling(6, '/nonexistent/ip6frag_high_thresh'), 4 * 1024 * 1024);
    assert.equal(DEFAULT_FRAGMENT_MEMORY_CEILING, 4 * 1024 * 1024);
  });

  for (const family of [4, 6] as const) {
    test(`reads an IPv${family} count and ceiling on this machine`, (t) => {
      const reading = readFragmentQueues(family);
      const ceiling = readFragmentMemoryCeiling(family);
      t.diagnostic(`IPv${family} fragments now: ${JSON.stringify(reading)}, ceiling ${ceiling} B`);
      assert.ok(ceiling > 0);
      if (process.platform === 'linux' && (family === 4 || existsSync('/proc/net/sockstat6'))) {
        assert.ok(reading !== null && reading.queues >= 0 && reading.bytes >= 0);
      }
    });
  }
});
