/**
 * Abuse of a running tracker over real UDP (test/tracker/forged.test.ts and credits.test.ts
 * cover the same rules on the state machine). Forged actions: 1000 guessed tokens for each
 * token-bearing message, and real tokens replayed from another address, change nothing the
 * tracker shows, and no reply is larger than its request. UPDATE abuse: repeated and fresh
 * downloadIds, credit to non-owners, to oneself, above the file size: credits follow the rules
 * exactly (each sender gives at most a file's size per file, never to itself or a non-owner).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import {
  type Credit,
  MAX_FILE_SIZE_BYTES,
  TOKEN_BYTES,
  type TrackerRequest,
} from '../../source/protocol/messages.ts';
import { tieKeyFor } from '../../source/tracker/ranking.ts';
import type { TrackerServer } from '../../source/tracker/server.ts';
import { askTracker, type RawNode, RawSocket, registerRaw } from './harness/liars.ts';
import { World } from './harness/world.ts';

const FILE_A = { name: 'a.iso', size: 1000 };
const FILE_B = { name: 'b.iso', size: 5000 };

/** Polls `check` every 10 ms until it holds or `timeoutMs` passes; returns whether it held. */
async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** What the tracker shows, without the ages that move with time. */
function view(tracker: TrackerServer): string {
  const snapshot = tracker.getSnapshot();
  return JSON.stringify({
    header: { nodesAlive: snapshot.header.nodesAlive, files: snapshot.header.files },
    nodes: snapshot.nodes.map(({ lastHeardAgoMs: _age, ...row }) => row),
    files: snapshot.files,
  });
}

/** The snapshot's upload credit of every node, by id. */
function creditsShown(tracker: TrackerServer): Map<number, number> {
  return new Map(tracker.getSnapshot().nodes.map((node) => [node.nodeId, node.uploadCredit]));
}

/** Every token-bearing request, with `token`. */
function requestsWith(token: Buffer, infohash: Buffer): TrackerRequest[] {
  return [
    { type: 'heartbeat', token },
    {
      type: 'own',
      state: 'complete',
      token,
      infohash: Buffer.alloc(32, 0x2d),
      name: 'forged.bin',
      size: 5,
    },
    { type: 'need', exclude: [], token, query: { kind: 'name', name: FILE_A.name }, maxOwners: 3 },
    {
      type: 'update',
      token,
      infohash,
      downloadId: Buffer.alloc(8, 0x42),
      credits: [{ nodeId: 1, bytes: FILE_A.size }],
    },
    { type: 'list', token, cursor: 0 },
    { type: 'exit', token },
  ];
}

/** Nodes 1 and 2 own A and B, node 3 owns nothing, nodes 4 and 5 download. */
async function swarm(world: World, seed: number) {
  const random = new SeededRandom(seed);
  const nodes = new Map<number, RawNode>();
  for (const id of [1, 2, 3, 4, 5]) nodes.set(id, await registerRaw(world, id));
  const files = [
    { ...FILE_A, infohash: random.bytes(32) },
    { ...FILE_B, infohash: random.bytes(32) },
  ];
  for (const id of [1, 2]) {
    for (const file of files) {
      const node = nodes.get(id)!;
      const reply = await askTracker(world, node, {
        type: 'own',
        state: 'complete',
        token: node.token,
        ...file,
      });
      assert.deepEqual(reply, { type: 'ack' });
    }
  }
  return { nodes, files, random };
}

test('1000 guessed tokens per message and replayed tokens change nothing; no reply outgrows its request', {
  timeout: 30_000,
}, async (t) => {
  const seed = 8081;
  const world = await World.create('forged-udp');
  const attacker = await RawSocket.open();
  try {
    const tracker = await world.startTracker(60_000);
    const { nodes, files, random } = await swarm(world, seed);
    const downloader = nodes.get(4)!;
    const credit = await askTracker(world, downloader, {
      type: 'update',
      token: downloader.token,
      infohash: files[0]!.infohash,
      downloadId: random.bytes(8),
      credits: [{ nodeId: 1, bytes: 100 }],
    });
    assert.deepEqual(credit, { type: 'ack' });
    await until(() => creditsShown(tracker).get(1) === 100, 2_000);
    const before = view(tracker);
    const statsBefore = tracker.stats();

    let sent = 0;
    const send = async (label: string, request: TrackerRequest): Promise<void> => {
      attacker.send(world.trackerAddress, label, request);
      sent++;
      // Paced: let the tracker drain its socket every 200 datagrams, so none is lost to the
      // receive buffer and every one is counted below.
      if (sent % 200 === 0) {
        await until(() => tracker.stats().requests - statsBefore.requests >= sent, 5_000);
      }
    };
    // No token (all zeros), then 1000 guessed tokens for each message type.
    for (const request of requestsWith(Buffer.alloc(TOKEN_BYTES), files[0]!.infohash)) {
      await send(`${request.type} without token`, request);
    }
    for (let i = 0; i < 1000; i++) {
      for (const request of requestsWith(random.bytes(TOKEN_BYTES), files[0]!.infohash)) {
        await send(`${request.type} guessed`, request);
      }
    }
    // Every real token, replayed from the attacker's address.
    for (const node of nodes.values()) {
      for (const request of requestsWith(node.token, files[0]!.infohash)) {
        await send(`${request.type} replayed from node ${node.nodeId}`, request);
      }
    }
    const allHandled = await until(
      () => tracker.stats().requests - statsBefore.requests >= sent,
      5_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stats = tracker.stats();
    const context = `(seed ${seed}; sent ${sent}, handled ${stats.requests - statsBefore.requests}, rejected ${stats.rejectedRequests - statsBefore.rejectedRequests}, replies ${attacker.replies}, clipped ${stats.repliesClipped - statsBefore.repliesClipped}, withheld ${stats.repliesWithheld - statsBefore.repliesWithheld})`;
    assert.ok(allHandled, `every forged datagram reached the tracker ${context}`);
    assert.equal(sent, 6 + 6000 + 30, context);
    assert.equal(stats.rejectedRequests - statsBefore.rejectedRequests, sent, context);
    assert.equal(stats.internalErrors, 0, context);
    assert.equal(view(tracker), before, `the tracker shows the same state ${context}`);
    assert.equal(attacker.strayReplies, 0, context);
    for (const [txid, exchange] of attacker.exchanges) {
      assert.ok(exchange.replyBytes.length <= 1, `one reply at most: ${txid} ${context}`);
      for (const bytes of exchange.replyBytes) {
        assert.ok(
          bytes <= exchange.requestBytes,
          `${exchange.label}: ${bytes} B reply to a ${exchange.requestBytes} B request ${context}`,
        );
      }
    }
    t.diagnostic(context);
    // The real nodes kept their sessions: a forged EXIT removed nobody.
    for (const node of nodes.values()) {
      const reply = await askTracker(world, node, { type: 'heartbeat', token: node.token });
      assert.deepEqual(reply, { type: 'ack' }, `node ${node.nodeId} ${context}`);
    }
  } finally {
    await attacker.close();
    await world.close();
  }
});

/**
 * The crediting rules, as a user of the ranking is promised them: caps and download ids are per
 * reporting host (every node here is on 127.0.0.1), the self rule per node id.
 */
class CreditModel {
  readonly credit = new Map<number, number>();
  private readonly applied = new Set<string>();
  private readonly given = new Map<string, number>();

  constructor(private readonly owners: ReadonlySet<number>) {}

  update(
    sender: number,
    file: { infohash: Buffer; size: number } | null,
    downloadId: Buffer,
    credits: Credit[],
  ): void {
    if (file === null) return;
    const key = downloadId.toString('hex');
    if (this.applied.has(key)) return;
    this.applied.add(key);
    const pair = file.infohash.toString('hex');
    let given = this.given.get(pair) ?? 0;
    for (const { nodeId, bytes } of credits) {
      if (nodeId === sender || !this.owners.has(nodeId)) continue;
      const granted = Math.min(bytes, file.size - given);
      if (granted <= 0) continue;
      given += granted;
      this.credit.set(nodeId, (this.credit.get(nodeId) ?? 0) + granted);
    }
    this.given.set(pair, given);
  }
}

test('UPDATE abuse (replays, fresh downloadIds, non-owners, self, oversize) credits only what the rules allow', {
  timeout: 30_000,
}, async (t) => {
  const seed = 10_101;
  const world = await World.create('update-abuse');
  try {
    const tracker = await world.startTracker(60_000);
    const { nodes, files, random } = await swarm(world, seed);
    const model = new CreditModel(new Set([1, 2]));
    const unknownFile = { infohash: random.bytes(32), size: 1 };
    const bytesChoices = [0, 1, 999, 1000, 1001, 5000, 10 ** 9, MAX_FILE_SIZE_BYTES];
    for (let step = 0; step < 600; step++) {
      const sender = 1 + random.int(5);
      const pick = random.int(7);
      // Mostly A or B, sometimes a file the tracker does not know.
      const file = pick < 3 ? files[0]! : pick < 6 ? files[1]! : null;
      // A small pool of downloadIds per sender, so most are replays.
      const downloadId = Buffer.alloc(8, sender * 16 + random.int(8));
      const credits: Credit[] = [];
      for (let i = 1 + random.int(16); i > 0; i--) {
        credits.push({
          nodeId: [1, 2, 3, 4, 5, 77][random.int(6)]!,
          bytes: bytesChoices[random.int(bytesChoices.length)]!,
        });
      }
      const node = nodes.get(sender)!;
      const reply = await askTracker(world, node, {
        type: 'update',
        token: node.token,
        infohash: (file ?? unknownFile).infohash,
        downloadId,
        credits,
      });
      assert.deepEqual(reply, { type: 'ack' }, `seed ${seed}, step ${step}`);
      model.update(sender, file, downloadId, credits);
    }
    const expected = [1, 2, 3, 4, 5].map((id) => [id, model.credit.get(id) ?? 0]);
    const shown = () => [1, 2, 3, 4, 5].map((id) => [id, creditsShown(tracker).get(id)]);
    await until(() => JSON.stringify(shown()) === JSON.stringify(expected), 2_000);
    const context = `(seed ${seed}; shown ${JSON.stringify(shown())}, model ${JSON.stringify(expected)})`;
    assert.deepEqual(shown(), expected, context);
    t.diagnostic(context);
    // The rules themselves, whatever the model says: nothing to non-owners, and the one host
    // the five senders share gave, however many ids it used, exactly A's size plus B's.
    for (const id of [3, 4, 5]) assert.equal(creditsShown(tracker).get(id), 0, context);
    const total = (creditsShown(tracker).get(1) ?? 0) + (creditsShown(tracker).get(2) ?? 0);
    assert.equal(total, FILE_A.size + FILE_B.size, context);
    // A NEED shows the same figures; bytes do not rank, and credits from the owners' own host
    // count no downloader: equal owners come in the asker's tie order.
    const need = await askTracker(world, nodes.get(3)!, {
      type: 'need',
      exclude: [],
      token: nodes.get(3)!.token,
      query: { kind: 'name', name: FILE_A.name },
      maxOwners: 3,
    });
    assert.equal(need.type, 'need-reply', context);
    if (need.type === 'need-reply') {
      const owners = need.matches[0]?.owners.map((o) => [o.nodeId, o.uploadCredit]);
      const byTie = expected
        .filter(([id]) => id === 1 || id === 2)
        .sort((a, b) => tieKeyFor(3, a[0]!) - tieKeyFor(3, b[0]!));
      assert.deepEqual(owners, byTie, context);
    }
  } finally {
    await world.close();
  }
});
