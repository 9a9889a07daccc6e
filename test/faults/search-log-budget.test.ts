/**
 * A big swarm's searches do not each write a log line: beyond 200 `searched` lines in a 10 s
 * window the tracker sums the rest up in one line (a swarm of 100,000 nodes searches ~500 times
 * a second). Real UDP: 11 hosts on loopback, one registered node each, 20 NEEDs per host (the
 * per-host budget), 220 in all, each for another name (a search that repeats the node's last
 * answer is only counted: search-repeats below).
 *
 * And a download that asks again every two seconds writes one line, not one per search: the
 * tracker writes a search again only when its answer changed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withoutTime } from '../peer/harness/log-lines.ts';
import { Attacker } from './harness/attacker.ts';
import { World } from './harness/world.ts';

const HOSTS = 11;
const SEARCHES_PER_HOST = 20;

test('searches beyond 200 lines a window are summed up in one line', {
  timeout: 30_000,
}, async () => {
  const world = await World.create('search-log-budget');
  const tracker = await world.startTracker(60_000);
  const hosts: Attacker[] = [];
  try {
    for (let host = 1; host <= HOSTS; host++) {
      const node = await Attacker.open(`127.0.3.${host}`);
      hosts.push(node);
      const registered = await node.register(tracker.address, 100 + host);
      assert.equal(registered?.type, 'registered');
      const token = registered.type === 'registered' ? Buffer.from(registered.token) : null;
      for (let search = 0; search < SEARCHES_PER_HOST; search++) {
        const reply = await node.ask(tracker.address, {
          type: 'need',
          exclude: [],
          token: token!,
          query: { kind: 'name', name: `nothing-${search}.bin` },
          maxOwners: 3,
        });
        assert.equal(reply?.type, 'need-reply');
      }
    }
    await world.stopTracker();
    const searched = world.trackerLines.filter((line) => line.includes(' searched node '));
    assert.equal(searched.length, 200);
    const summaries = world.trackerLines.filter((line) => / searches: /.test(line));
    assert.equal(summaries.length, 1, summaries.join('\n'));
    assert.match(
      summaries[0]!,
      / searches: 20 more in the last 10 s from 1 host \(most: 127\.0\.3\.11 ×20\)$/,
    );
  } finally {
    await Promise.allSettled(hosts.map((host) => host.close()));
    await world.close();
  }
});

test('a search answered as the last one is counted, not written; a changed answer is', {
  timeout: 30_000,
}, async () => {
  const world = await World.create('search-repeats');
  const tracker = await world.startTracker(60_000);
  const downloader = await Attacker.open('127.0.3.21');
  const seeder = await Attacker.open('127.0.3.22');
  try {
    const tokenOf = async (node: Attacker, nodeId: number): Promise<Buffer> => {
      const registered = await node.register(tracker.address, nodeId);
      assert.equal(registered?.type, 'registered');
      return Buffer.from(registered.type === 'registered' ? registered.token : []);
    };
    const downloaderToken = await tokenOf(downloader, 201);
    const seederToken = await tokenOf(seeder, 202);
    const search = async (): Promise<void> => {
      const reply = await downloader.ask(tracker.address, {
        type: 'need',
        exclude: [],
        token: downloaderToken,
        query: { kind: 'name', name: 'big.iso' },
        maxOwners: 3,
      });
      assert.equal(reply?.type, 'need-reply');
    };
    for (let n = 0; n < 4; n++) await search();
    const owned = await seeder.ask(tracker.address, {
      type: 'own',
      state: 'complete',
      token: seederToken,
      infohash: Buffer.alloc(32, 7),
      name: 'big.iso',
      size: 1024,
    });
    assert.equal(owned?.type, 'ack');
    for (let n = 0; n < 3; n++) await search();
    await world.stopTracker();
    const searched = world.trackerLines
      .filter((line) => line.includes(' searched node '))
      .map(withoutTime);
    assert.deepEqual(searched, [
      'searched node 201 "big.iso": 0 files, 0 owners',
      'searched node 201 "big.iso": 1 file, 1 owner',
    ]);
    const repeats = world.trackerLines.filter((line) => line.includes(' searches answered as '));
    assert.equal(repeats.length, 1, repeats.join('\n'));
    assert.match(
      repeats[0]!,
      / searches answered as before: 5 in the last 10 s from 1 host \(most: 127\.0\.3\.21 ×5\)$/,
    );
  } finally {
    await Promise.allSettled([downloader.close(), seeder.close()]);
    await world.close();
  }
});
