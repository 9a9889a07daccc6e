/**
 * Owners that answer but never serve: a stranger's ids, registered and announced as complete
 * owners of a real file, ranked by the tracker before its honest seeder for this downloader.
 * Some never send the metainfo; some send it and then refuse every block (busy). Either way the
 * download looks past them and ends exact. Until 2026-12-07 three of the first kind held a
 * download at `waiting for owners` for good (the tracker's answer was those three every time),
 * and nine of the second stopped its search for owners at 0 % (found by a session acting as a
 * stranger on the LAN).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchMetainfo } from '../../source/peer/download/metainfo-fetch.ts';
import { COOKIE_BYTES } from '../../source/protocol/messages.ts';
import { tieKeyFor } from '../../source/tracker/ranking.ts';
import { sha256File, writeRandomFile } from '../peer/harness/files.ts';
import { describeOwners } from '../peer/harness/swarm.ts';
import { askTracker, type RawNode, registerRaw } from './harness/liars.ts';
import { World } from './harness/world.ts';

const MiB = 1024 * 1024;
const NAME = 'wanted.bin';
const SIZE_BYTES = 2 * MiB;
const HONEST_ID = 2;
const LEECHER_ID = 10;

/** The first `count` ids the tracker offers `askerId` before `honestId` (equal credit). */
function idsBefore(askerId: number, honestId: number, count: number): number[] {
  const honestKey = tieKeyFor(askerId, honestId);
  const ids: number[] = [];
  for (let id = 100; ids.length < count; id++) if (tieKeyFor(askerId, id) < honestKey) ids.push(id);
  return ids;
}

/** What the stranger's owners were asked, all of them together. */
interface Asked {
  hellos: number;
  metainfoRequests: number;
  requests: number;
}

/**
 * Registers `ids` and announces each as a complete owner of the honest file. Each says HELLO
 * back; with `metainfo` it sends it and refuses every block as busy, without it sends nothing.
 */
async function strangers(
  world: World,
  ids: number[],
  infohash: Buffer,
  metainfo: Buffer | null,
): Promise<Asked> {
  const asked: Asked = { hellos: 0, metainfoRequests: 0, requests: 0 };
  for (const id of ids) {
    const node: RawNode = await registerRaw(world, id);
    node.endpoint.onMessage((message, txid, from) => {
      if (message.type === 'hello') {
        asked.hellos++;
        const cookie = Buffer.alloc(COOKIE_BYTES, 0x3c);
        node.endpoint.send(from, { type: 'welcome', nodeId: id, cookie }, txid);
      } else if (message.type === 'metainfo-request') {
        asked.metainfoRequests++;
        if (metainfo === null) return;
        const bytes = metainfo.subarray(message.offset, message.offset + 1024);
        const totalLength = metainfo.length;
        const data = {
          type: 'metainfo-data',
          infohash,
          totalLength,
          offset: message.offset,
          bytes,
        };
        node.endpoint.send(from, data as Parameters<typeof node.endpoint.send>[1], txid);
      } else if (message.type === 'request') {
        asked.requests++;
        const { piece, begin } = message;
        node.endpoint.send(from, { type: 'reject', infohash, piece, begin, reason: 'busy' }, txid);
      }
    });
    const owned = await askTracker(world, node, {
      type: 'own',
      state: 'complete',
      token: node.token,
      infohash,
      name: NAME,
      size: SIZE_BYTES,
    });
    assert.deepEqual(owned, { type: 'ack' }, `node ${id} announced`);
  }
  return asked;
}

/** The honest seeder (node 2) of NAME; its infohash and metainfo as a downloader gets them. */
async function honestSeeder(
  world: World,
  seed: number,
): Promise<{ sha256: string; infohash: Buffer; metainfo: Buffer }> {
  const folder = join(world.filesDir, `node${HONEST_ID}`);
  await mkdir(folder, { recursive: true });
  const sha256 = await writeRandomFile(join(folder, NAME), SIZE_BYTES, seed);
  const owner = await world.addPeer(HONEST_ID);
  assert.deepEqual(await owner.node.seed(NAME), { ok: true });
  // The tracker's snapshot is rebuilt at most every 50 ms.
  const deadline = Date.now() + 2_000;
  const tracker = world.tracker!;
  const fileRow = () => tracker.getSnapshot().files.find((file) => file.name === NAME);
  while (fileRow() === undefined && Date.now() < deadline) await sleep(20);
  const infohash = Buffer.from(fileRow()!.infohashHex, 'hex');
  const row = tracker.getSnapshot().nodes.find((node) => node.nodeId === HONEST_ID)!;
  const colon = row.address.lastIndexOf(':');
  const address = {
    address: row.address.slice(0, colon),
    port: Number(row.address.slice(colon + 1)),
  };
  const client = await world.rawClient();
  const welcome = await client.request(address, { type: 'hello', nodeId: 999 });
  assert.ok(welcome.ok && welcome.reply.type === 'welcome', 'the seeder says HELLO back');
  const cookie = Buffer.from(welcome.reply.cookie);
  const expected = { infohash, name: NAME, sizeBytes: SIZE_BYTES };
  const fetched = await fetchMetainfo(client, address, cookie, expected);
  assert.ok(fetched.ok, 'the honest metainfo');
  return { sha256, infohash, metainfo: fetched.ok ? fetched.encoded : Buffer.alloc(0) };
}

for (const kind of ['never send the metainfo', 'refuse every block'] as const) {
  test(`owners ranked first that ${kind} do not keep the download from an honest one`, {
    timeout: 90_000,
  }, async () => {
    const seed = kind === 'refuse every block' ? 7201 : 7202;
    const world = await World.create(`useless-owners-${seed}`);
    try {
      await world.startTracker(60_000);
      const honest = await honestSeeder(world, seed);
      // Nine: one more than a download keeps asking the tracker for (--max-peers 8).
      const ids = idsBefore(LEECHER_ID, HONEST_ID, kind === 'refuse every block' ? 9 : 3);
      const serveMetainfo = kind === 'refuse every block' ? honest.metainfo : null;
      const asked = await strangers(world, ids, honest.infohash, serveMetainfo);

      const leecher = await world.addPeer(LEECHER_ID);
      assert.deepEqual(leecher.node.download(NAME), { ok: true });
      const [download] = await leecher.node.whenDownloadsSettled();
      const detail = `(seed ${seed}; strangers ${ids.join(', ')}; ${download!.state}: ${download!.reason}; ${describeOwners(download!)})`;
      assert.equal(download!.state, 'done', detail);
      const path = join(world.filesDir, `node${LEECHER_ID}`, NAME);
      assert.equal(await sha256File(path), honest.sha256, `SHA-256 ${detail}`);
      const honestOwner = download!.owners.find((owner) => owner.nodeId === HONEST_ID);
      assert.equal(honestOwner?.verifiedBytes, SIZE_BYTES, `all from the honest seeder ${detail}`);
      assert.ok(asked.hellos >= 1, `the strangers were met first ${detail}`);
      if (kind === 'never send the metainfo')
        assert.ok(asked.metainfoRequests >= 1, `they were asked for the metainfo ${detail}`);
      else assert.ok(asked.requests >= 1, `they were asked for blocks ${detail}`);
    } finally {
      await world.close();
    }
  });
}
