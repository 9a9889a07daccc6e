/**
 * Registered nodes, with real session tokens, send the tracker thousands of well-formed requests
 * with hostile values: OWNs of colliding infohashes, names and sizes (0, 1, 2^40, names the
 * tracker must refuse), NEEDs asking for 1 to 16 owners and excluding anyone, UPDATEs crediting
 * anyone with anything, LIST cursors past the end, WHOs about any address, seeded. tracker-abuse
 * covers forged tokens and the crediting rules; this looks for a request that reaches a bug. No
 * request may hit one (the tracker counts them: internalErrors), every datagram must be handled,
 * the tracker must still find an honest owner for an honest downloader, and a restart from its
 * database must bring that back too. Runs on the shared store as well (npm run test:shared-store).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import {
  type HostPort,
  MAX_FILE_SIZE_BYTES,
  MAX_NEED_EXCLUDE,
  MAX_OWN_MANY_ENTRIES,
  MAX_UPDATE_CREDITS,
  MAX_WHO_ADDRESSES,
  type OwnEntry,
  type OwnState,
  type TrackerRequest,
} from '../../source/protocol/messages.ts';
import { waitFor } from '../peer/harness/wait.ts';
import { askTracker, type RawNode, registerRaw } from './harness/liars.ts';
import { World } from './harness/world.ts';

const REQUESTS = 3_000;
/** 300 requests each: within a host's burst of 400, none throttled. */
const HOSTILE_NODES = 10;
const HONEST = { name: 'honest.iso', size: 123_456 };
const STATES: OwnState[] = ['complete', 'partial', 'withdrawn'];
/** Names the tracker must take, and names it must refuse with a clear error. */
const NAMES = [
  'a.iso',
  'b.iso',
  HONEST.name,
  'x'.repeat(255),
  'ünïcødé.bin',
  'name with spaces.txt',
  '',
  '.',
  '..',
  'a/b',
  'a\\b',
  '\u0000nul',
  '.bt-tui-reserved',
  'ctrl\u001bchar',
];

class HostileRequests {
  private readonly infohashes: Buffer[];

  constructor(
    private readonly random: SeededRandom,
    honestInfohash: Buffer,
  ) {
    // Few infohashes, so OWNs collide in name and size; the honest one among them.
    this.infohashes = [honestInfohash, random.bytes(32), random.bytes(32), random.bytes(32)];
  }

  next(node: RawNode, ids: number[]): TrackerRequest {
    const r = this.random;
    const token = node.token;
    switch (r.int(7)) {
      case 0:
        return { type: 'own', token, ...this.ownEntry() };
      case 5:
        return {
          type: 'own-many',
          token,
          entries: Array.from({ length: 1 + r.int(MAX_OWN_MANY_ENTRIES) }, () => this.ownEntry()),
        };
      case 1:
        return {
          type: 'need',
          token,
          query:
            r.next() < 0.5
              ? { kind: 'name', name: NAMES[r.int(NAMES.length)]! }
              : { kind: 'infohash', infohash: this.infohash() },
          maxOwners: [1, 2, 3, 16][r.int(4)]!,
          exclude: Array.from({ length: r.int(MAX_NEED_EXCLUDE + 1) }, () => this.nodeId(ids)),
        };
      case 2:
        return {
          type: 'update',
          token,
          infohash: this.infohash(),
          downloadId: r.next() < 0.3 ? Buffer.alloc(8) : r.bytes(8),
          credits: Array.from({ length: 1 + r.int(MAX_UPDATE_CREDITS) }, () => ({
            nodeId: this.nodeId(ids),
            bytes: this.size(),
          })),
        };
      case 3:
        return {
          type: 'list',
          token,
          cursor: [0, 1, 31, 32, 2 ** 32 - 1, r.int(2 ** 32)][r.int(6)]!,
        };
      case 4:
        return {
          type: 'who',
          token,
          addresses: Array.from({ length: 1 + r.int(MAX_WHO_ADDRESSES) }, () => this.hostPort()),
        };
      default:
        return { type: 'heartbeat', token };
    }
  }

  private ownEntry(): OwnEntry {
    const r = this.random;
    return {
      infohash: this.infohash(),
      state: STATES[r.int(STATES.length)]!,
      name: NAMES[r.int(NAMES.length)]!,
      size: this.size(),
    };
  }

  private infohash(): Buffer {
    return this.infohashes[this.random.int(this.infohashes.length)]!;
  }

  private size(): number {
    const r = this.random;
    const picks = [0, 1, HONEST.size, MAX_FILE_SIZE_BYTES - 1, MAX_FILE_SIZE_BYTES];
    return r.next() < 0.7 ? picks[r.int(picks.length)]! : r.int(2 ** 32);
  }

  private nodeId(ids: number[]): number {
    const r = this.random;
    const picks = [0, 1, 2 ** 31, 2 ** 32 - 1, ...ids];
    return picks[r.int(picks.length)]!;
  }

  private hostPort(): HostPort {
    const r = this.random;
    const hosts = ['127.0.0.1', '0.0.0.0', '255.255.255.255', '::1', 'localhost', '1.2.3.4'];
    return { host: hosts[r.int(hosts.length)]!, port: [1, 65_535, 1 + r.int(65_535)][r.int(3)]! };
  }
}

for (const seed of [9101, 9102]) {
  test(`${REQUESTS} well-formed hostile requests with real tokens (seed ${seed}) hit no bug`, {
    timeout: 60_000,
  }, async () => {
    const world = await World.create('tracker-fuzz');
    try {
      const tracker = await world.startTracker(60_000);
      const random = new SeededRandom(seed);
      const honestInfohash = random.bytes(32);
      const owner = await registerRaw(world, 1);
      const owned = await askTracker(world, owner, {
        type: 'own',
        token: owner.token,
        infohash: honestInfohash,
        state: 'complete',
        ...HONEST,
      });
      assert.deepEqual(owned, { type: 'ack' });
      // Each on a host of its own, so that no host goes over its request budget (a throttled
      // request reaches nothing).
      const hostile: RawNode[] = [];
      for (let nodeId = 2; nodeId < 2 + HOSTILE_NODES; nodeId++)
        hostile.push(await registerRaw(world, nodeId, undefined, `127.0.0.${60 + nodeId}`));
      const ids = [1, 2, 3, 4, 5, 90, 91];
      const requests = new HostileRequests(random, honestInfohash);
      const before = tracker.stats();
      const handled = (): number => tracker.stats().requests - before.requests;
      for (let sent = 1; sent <= REQUESTS; sent++) {
        const node = hostile[random.int(hostile.length)]!;
        node.endpoint.send(world.trackerAddress, requests.next(node, ids));
        // Paced, so none is lost to the receive buffer and every one is counted below.
        if (sent % 100 === 0 || sent === REQUESTS)
          await waitFor(() => handled() >= sent, `seed ${seed}: ${sent} requests handled`, 5_000);
      }
      const stats = tracker.stats();
      const context = `seed ${seed}; handled ${handled()}, rejected ${stats.rejectedRequests - before.rejectedRequests}, internal errors ${stats.internalErrors}`;
      const throttled = world.trackerLines.filter((line) => line.includes('throttled'));
      assert.deepEqual(throttled, [], `${context}: requests were dropped, not fuzzed`);
      const bugs = world.trackerLines.filter((line) => line.includes('internal'));
      assert.equal(stats.internalErrors, 0, `${context}\n${bugs.slice(0, 3).join('\n')}`);

      // An honest downloader still finds the honest owner, before and after a restart.
      const findsOwner = async (downloaderId: number): Promise<void> => {
        const downloader = await registerRaw(world, downloaderId);
        const reply = await askTracker(world, downloader, {
          type: 'need',
          token: downloader.token,
          query: { kind: 'infohash', infohash: honestInfohash },
          maxOwners: 16,
          exclude: [],
        });
        assert.equal(reply.type, 'need-reply', context);
        const match = reply.type === 'need-reply' ? reply.matches[0] : undefined;
        assert.ok(
          match?.owners.some((entry) => entry.nodeId === 1),
          `${context}: ${JSON.stringify(match)}`,
        );
      };
      await findsOwner(90);
      await world.stopTracker();
      const restarted = await world.startTracker(60_000);
      // Restored, the owner is listed again once it registers (and announces its file, as a
      // node does at every registration).
      const again = await registerRaw(world, 1, owner.identity).catch((error: Error) => error);
      assert.ok(!(again instanceof Error), `${context}: the owner could not register: ${again}`);
      const ownedAgain = await askTracker(world, again, {
        type: 'own',
        token: again.token,
        infohash: honestInfohash,
        state: 'complete',
        ...HONEST,
      });
      assert.deepEqual(ownedAgain, { type: 'ack' });
      await findsOwner(91);
      assert.equal(restarted.stats().internalErrors, 0, context);
    } finally {
      await world.close();
    }
  });
}
