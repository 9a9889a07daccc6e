import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type Clock, ManualClock, systemClock } from '../../source/clock.ts';
import { Logger } from '../../source/log/logger.ts';
import { UdpEndpoint } from '../../source/net/endpoint.ts';
import type { DatagramTransport, RemoteAddress } from '../../source/net/transport.ts';
import { proveIdentity } from '../../source/peer/tracker-registration.ts';
import { decode, encode, PROTOCOL_VERSION, relabelVersion } from '../../source/protocol/codec.ts';
import {
  type Message,
  REGISTER_DATAGRAM_BYTES,
  TOKEN_BYTES,
} from '../../source/protocol/messages.ts';
import { registrationSigningBytes } from '../../source/protocol/signatures.ts';
import { NEWER_VERSION_TEXT, OLD_VERSION_TEXT } from '../../source/tracker/other-version.ts';
import { startTracker, type TrackerServer } from '../../source/tracker/server.ts';
import { openLoopbackTransport } from '../net/loopback-transport.ts';
import { seal, u8, u16, u32 } from '../protocol/wire.ts';
import { identity, infohash } from './fixtures.ts';

const HOST = '127.0.0.1';
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function tempDbDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bt-tui-tracker-server-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'tracker_db');
}

async function openTransport(): Promise<DatagramTransport> {
  const transport = await openLoopbackTransport();
  cleanups.push(() => transport.close());
  return transport;
}

async function startOn(
  dbDir: string,
  clock: Clock = systemClock,
  port = 0,
): Promise<{ tracker: TrackerServer; logger: Logger }> {
  const logger = new Logger({ filePath: null, clock });
  const started = await startTracker({
    host: HOST,
    port,
    dbDir,
    logger,
    sweepIntervalMs: 22_000,
    clock,
  });
  if (!started.ok) throw new Error(started.error.message);
  cleanups.push(async () => {
    await started.tracker.stop();
  });
  return { tracker: started.tracker, logger };
}

/** A scripted node: a UdpEndpoint that asks the tracker and returns the reply. */
async function client(tracker: RemoteAddress): Promise<{
  address: RemoteAddress;
  endpoint: UdpEndpoint;
  tracker: RemoteAddress;
  ask: (message: Message) => Promise<Message>;
}> {
  const endpoint = new UdpEndpoint(await openTransport());
  return {
    address: endpoint.localAddress,
    endpoint,
    tracker,
    ask: async (message) => {
      const outcome = await endpoint.request(tracker, message, { timeoutMs: 300, retries: 3 });
      if (!outcome.ok) throw new Error(`${message.type}: ${outcome.reason}`);
      return outcome.reply;
    },
  };
}

async function registerAs(c: Awaited<ReturnType<typeof client>>, nodeId: number): Promise<Buffer> {
  const reply = await proveIdentity(c.endpoint, c.tracker, nodeId, identity(nodeId));
  assert.equal(reply?.type, 'registered', JSON.stringify(reply));
  return Buffer.from(reply?.type === 'registered' ? reply.token : Buffer.alloc(0));
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const startMs = performance.now();
  while (!condition()) {
    if (performance.now() - startMs > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const FILE = { infohash: infohash(0x1a), name: 'big.iso', size: 256 * 1024 * 1024 };

describe('tracker server over loopback UDP', () => {
  test('serves register, heartbeat, own, need, update, list and exit', async () => {
    const { tracker, logger } = await startOn(await tempDbDir());
    const seeder = await client(tracker.address);
    const leecher = await client(tracker.address);
    const t1 = await registerAs(seeder, 1);
    const t2 = await registerAs(leecher, 2);

    assert.deepEqual(await seeder.ask({ type: 'heartbeat', token: t1 }), { type: 'ack' });
    assert.deepEqual(await seeder.ask({ type: 'own', state: 'complete', token: t1, ...FILE }), {
      type: 'ack',
    });
    const need = await leecher.ask({
      type: 'need',
      exclude: [],
      token: t2,
      query: { kind: 'name', name: 'big.iso' },
      maxOwners: 3,
    });
    assert.equal(need.type, 'need-reply');
    if (need.type !== 'need-reply') return;
    assert.equal(need.totalMatches, 1);
    assert.deepEqual(need.matches[0]?.owners, [
      { nodeId: 1, host: HOST, port: seeder.address.port, uploadCredit: 0, complete: true },
    ]);
    const credit: Message = {
      type: 'update',
      token: t2,
      infohash: FILE.infohash,
      downloadId: Buffer.alloc(8, 7),
      credits: [{ nodeId: 1, bytes: 134_217_728 }],
    };
    assert.deepEqual(await leecher.ask(credit), { type: 'ack' });
    const list = await leecher.ask({ type: 'list', token: t2, cursor: 0 });
    assert.equal(list.type === 'list-reply' && list.files[0]?.name, 'big.iso');
    assert.deepEqual(await leecher.ask({ type: 'exit', token: t2 }), { type: 'ack' });
    const after = await leecher.ask({ type: 'heartbeat', token: t2 });
    assert.equal(after.type === 'error' && after.code, 'reregister');

    const snapshot = tracker.getSnapshot();
    assert.deepEqual(
      snapshot.nodes.map((n) => [n.nodeId, n.status, n.uploadCredit, n.filesSeeded]),
      [[1, 'alive', 134_217_728, 1]],
    );
    assert.equal(snapshot.files[0]?.lastOwner, true);
    assert.equal(snapshot.header.listeningAddress, `${HOST}:${tracker.address.port}`);
    const lines = logger.getSnapshot().map((l) => l.text);
    for (const expected of [
      `joined node 1 at ${HOST}:${seeder.address.port}`,
      'owns node 1 big.iso (256.0 MiB, 1aababab)',
      'searched node 2 "big.iso": 1 file, 1 owner',
      'credited node 2 -> node 1 +134217728 B (128.0 MiB of big.iso)',
      'exited node 2',
      `rejected ${HOST}:${leecher.address.port} heartbeat: unknown token`,
    ]) {
      assert.ok(lines.includes(expected), `log has "${expected}":\n${lines.join('\n')}`);
    }
  });

  test('a restarted tracker reloads credits, owners and the UPDATEs it credited, and asks nodes to register again', async () => {
    const dbDir = await tempDbDir();
    const first = await startOn(dbDir);
    const seeder = await client(first.tracker.address);
    const leecher = await client(first.tracker.address);
    const t1 = await registerAs(seeder, 1);
    const t2 = await registerAs(leecher, 2);
    await seeder.ask({ type: 'own', state: 'complete', token: t1, ...FILE });
    const credit = { infohash: FILE.infohash, credits: [{ nodeId: 1, bytes: 5000 }] };
    const sent = { type: 'update', downloadId: Buffer.alloc(8, 1), ...credit } as const;
    await leecher.ask({ ...sent, token: t2 });
    const port = first.tracker.address.port;
    await first.tracker.stop();
    assert.equal(
      first.logger.getSnapshot().at(-1)?.text,
      `tracker stopped; ${dbDir} is up to date`,
    );

    const second = await startOn(dbDir, systemClock, port);
    const snapshot = second.tracker.getSnapshot();
    assert.deepEqual(
      snapshot.nodes.map((n) => [n.nodeId, n.uploadCredit, n.filesSeeded]),
      [
        [1, 5000, 1],
        [2, 0, 0],
      ],
    );
    assert.deepEqual(snapshot.files[0]?.owners, [
      { nodeId: 1, uploadCredit: 5000, downloaders: 0, complete: true },
    ]);
    const stale = await seeder.ask({ type: 'heartbeat', token: t1 });
    assert.equal(stale.type === 'error' && stale.code, 'reregister');
    const t1Again = await registerAs(seeder, 1);
    assert.deepEqual(await seeder.ask({ type: 'heartbeat', token: t1Again }), { type: 'ack' });
    assert.ok(
      second.logger.getSnapshot().some((l) => l.text.includes('restored 2 nodes and 1 file from')),
    );

    // As after a crash between the write and the ACK: the leecher sends the same UPDATE again.
    const t2Again = await registerAs(leecher, 2);
    assert.deepEqual(await leecher.ask({ ...sent, token: t2Again }), { type: 'ack' });
    // Then a new download's UPDATE, whose credit shows the sum (snapshots follow changes).
    await leecher.ask({
      ...credit,
      type: 'update',
      token: t2Again,
      downloadId: Buffer.alloc(8, 2),
    });
    const creditOf1 = () => second.tracker.getSnapshot().nodes.find((n) => n.nodeId === 1);
    await waitUntil(() => creditOf1()?.uploadCredit !== 5000, 'the second credit');
    assert.equal(creditOf1()?.uploadCredit, 10_000, 'download 1 credited once, download 2 once');
  });

  test('no reply to an unvalidated sender is larger than its request', async () => {
    const { tracker } = await startOn(await tempDbDir());
    const raw = await openTransport();
    const replies: Buffer[] = [];
    raw.setReceiver((datagram) => replies.push(datagram));
    const alice = identity(3);
    const register = encode(1, { type: 'register', nodeId: 3, publicKey: alice.publicKey });
    assert.equal(register.length, REGISTER_DATAGRAM_BYTES);
    raw.send(register, register.length, tracker.address);
    await waitUntil(() => replies.length === 1, 'challenge');
    const challenge = decode(replies[0]!);
    assert.ok(challenge.ok && challenge.message.type === 'challenge');
    assert.ok(replies[0]!.length <= register.length);
    const proof = encode(2, {
      type: 'register-proof',
      nodeId: 3,
      publicKey: alice.publicKey,
      challenge: challenge.message.challenge,
      signature: alice.sign(registrationSigningBytes(challenge.message.challenge)),
    });
    assert.equal(proof.length, REGISTER_DATAGRAM_BYTES);
    raw.send(proof, proof.length, tracker.address);
    await waitUntil(() => replies.length === 2, 'registered');
    assert.ok(replies[1]!.length <= proof.length);
    // The same id from another address with another key: id-in-use.
    const other = await openTransport();
    const otherReplies: Buffer[] = [];
    other.setReceiver((datagram) => otherReplies.push(datagram));
    const stranger = encode(2, { type: 'register', nodeId: 3, publicKey: identity(9).publicKey });
    other.send(stranger, stranger.length, tracker.address);
    // A forged heartbeat is 17 bytes: its 'reregister' must be clipped to fit.
    const forged = encode(3, { type: 'heartbeat', token: Buffer.alloc(TOKEN_BYTES, 0xee) });
    other.send(forged, forged.length, tracker.address);
    await waitUntil(() => otherReplies.length === 2, 'two replies');

    const [idInUse, reregister] = otherReplies.map((d) => ({
      bytes: d.length,
      decoded: decode(d),
    }));
    assert.ok(idInUse!.bytes <= stranger.length);
    assert.equal(
      idInUse!.decoded.ok &&
        idInUse!.decoded.message.type === 'error' &&
        idInUse!.decoded.message.code,
      'id-in-use',
    );
    assert.ok(reregister!.bytes <= forged.length, `${reregister!.bytes} > ${forged.length}`);
    const message = reregister!.decoded.ok ? reregister!.decoded.message : null;
    assert.equal(message?.type === 'error' && message.code, 'reregister');
    assert.ok(tracker.stats().repliesClipped >= 1);
  });

  // Their REGISTERs: node id 7 and a node key (protocol 2: 16 bytes) or an Ed25519 public key
  // (protocol 3, whose DATA still named the infohash; 4, which announced one file a datagram; a
  // later one, as it is bound to keep REGISTER), padded to 256 bytes.
  for (const { version, keyBytes, text, upgrade } of [
    { version: 2, keyBytes: 16, text: OLD_VERSION_TEXT, upgrade: 'this node' },
    { version: 3, keyBytes: 32, text: OLD_VERSION_TEXT, upgrade: 'this node' },
    { version: 4, keyBytes: 32, text: OLD_VERSION_TEXT, upgrade: 'this node' },
    { version: 6, keyBytes: 32, text: NEWER_VERSION_TEXT, upgrade: "the tracker's machine" },
  ]) {
    test(`a node of protocol ${version} that registers is told, in its own framing, to upgrade ${upgrade}`, async () => {
      const { tracker } = await startOn(await tempDbDir());
      const raw = await openTransport();
      const replies: Buffer[] = [];
      raw.setReceiver((datagram) => replies.push(datagram));
      const header = [u16(0x4254), u8(version), u8(0x01), u8(0), u32(77), u32(0)];
      const body = [u32(7), Buffer.alloc(keyBytes, 9), Buffer.alloc(239 - keyBytes)];
      const old = seal(Buffer.concat([...header, ...body]));
      assert.equal(old.length, REGISTER_DATAGRAM_BYTES);
      raw.send(old, old.length, tracker.address);
      await waitUntil(() => replies.length === 1, 'the answer');
      const answer = replies[0]!;
      assert.ok(answer.length <= old.length);
      assert.deepEqual([answer[2], answer[3], answer.readUInt32BE(5)], [version, 0x4f, 77]);
      // Read as that version reads it: the same ERROR body as ours (code u8, text).
      const asCurrent = decode(relabelVersion(answer, PROTOCOL_VERSION));
      assert.deepEqual(asCurrent.ok && asCurrent.message, {
        type: 'error',
        code: 'bad-request',
        text,
      });
      assert.match(text, new RegExp(`speaks bt-tui protocol 5.*upgrade bt-tui on ${upgrade}$`));
      assert.equal(tracker.stats().decodeErrors, 1, 'still counted as bad-version');
    });
  }

  test('a tracker that did not run for a minute drops nobody for it, and says so', async () => {
    // Found by hand: a tracker view stopped with Ctrl+Z for 58 s dropped both its nodes at fg,
    // 'silent for 58 s', though their heartbeats were waiting in its socket.
    const clock = new ManualClock(0, Date.UTC(2026, 0, 1));
    const { tracker, logger } = await startOn(await tempDbDir(), clock);
    const node = await client(tracker.address);
    await registerAs(node, 5);
    clock.advance(10_000);
    clock.stall(60_000);
    const lines = logger.getSnapshot().map((line) => line.text);
    // 59 s: the tracker knows how late its sweep came, which was due 1 s into the stop.
    assert.ok(
      lines.includes(
        'the tracker did not run for 59 s (stopped or asleep): that silence is not held against the nodes',
      ),
      lines.join('\n'),
    );
    assert.ok(!lines.some((line) => /dropped node|late node/.test(line)), lines.join('\n'));
    assert.equal(tracker.getSnapshot().nodes.find((row) => row.nodeId === 5)?.status, 'alive');
    // Its silence after the stop counts as before: late one sweep period after it was heard.
    clock.advance(12_000);
    assert.equal(tracker.getSnapshot().nodes.find((row) => row.nodeId === 5)?.status, 'late');
  });

  test('garbage datagrams are counted and summed up in the log, never answered', async () => {
    const clock = new ManualClock(0, Date.UTC(2026, 0, 1));
    const { tracker, logger } = await startOn(await tempDbDir(), clock);
    const raw = await openTransport();
    const replies: Buffer[] = [];
    raw.setReceiver((datagram) => replies.push(datagram));
    const garbage = [
      Buffer.from('hello tracker'),
      Buffer.alloc(0),
      Buffer.from([0x42, 0x54, 1, 0x01, 0, 0, 0, 0, 1, 7]),
    ];
    for (const datagram of garbage) raw.send(datagram, datagram.length, tracker.address);
    // A well-formed peer message is not a tracker request: ignored, not answered.
    const hello = encode(9, { type: 'hello', nodeId: 4 });
    raw.send(hello, hello.length, tracker.address);
    await waitUntil(
      () => tracker.stats().decodeErrors === 3 && tracker.stats().ignoredMessages === 1,
      'counted',
    );
    clock.advance(10_000);
    const lines = logger.getSnapshot().map((l) => l.text);
    for (const code of ['bad-magic', 'truncated', 'bad-version']) {
      const line = `undecodable datagrams (${code}): 1 in the last 10 s from 1 host (most: ${HOST} ×1)`;
      assert.ok(lines.includes(line), `${line}\n${lines.join('\n')}`);
    }
    clock.advance(200);
    assert.equal(tracker.getSnapshot().header.decodeErrors, 3);
    // On loopback, what nodes give as --tracker is where it listens (the empty view says it).
    const { listeningAddress, addressForNodes } = tracker.getSnapshot().header;
    assert.deepEqual(
      [listeningAddress, addressForNodes],
      Array(2).fill(`${HOST}:${tracker.address.port}`),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(replies, []);
  });

  test('a burst of forged tokens is logged once, then summed up', async () => {
    const clock = new ManualClock(0, Date.UTC(2026, 0, 1));
    const { tracker, logger } = await startOn(await tempDbDir(), clock);
    const raw = await openTransport();
    let replies = 0;
    raw.setReceiver(() => replies++);
    const forged = encode(1, { type: 'heartbeat', token: Buffer.alloc(TOKEN_BYTES, 0xee) });
    for (let i = 0; i < 20; i++) raw.send(forged, forged.length, tracker.address);
    await waitUntil(() => replies === 20, 'twenty reregister replies');
    const rejectedLines = () => logger.getSnapshot().filter((l) => l.text.startsWith('rejected '));
    assert.equal(rejectedLines().length, 1);
    clock.advance(10_000);
    assert.equal(
      rejectedLines().at(-1)?.text,
      `rejected heartbeat (unknown token): 19 more in the last 10 s from 1 host (most: ${HOST} ×19)`,
    );
    assert.equal(tracker.stats().rejectedRequests, 20);
  });

  test('the transport wrapper sees every datagram the tracker sends and receives', async () => {
    const dbDir = await tempDbDir();
    const logger = new Logger({ filePath: null, clock: systemClock });
    const seen = { sent: 0, received: 0 };
    const started = await startTracker({
      host: HOST,
      port: 0,
      dbDir,
      logger,
      sweepIntervalMs: 22_000,
      transportWrapper: (inner) => ({
        get localAddress() {
          return inner.localAddress;
        },
        get receiveBufferBytes() {
          return inner.receiveBufferBytes;
        },
        get sendBufferBytes() {
          return inner.sendBufferBytes;
        },
        get sendErrors() {
          return inner.sendErrors;
        },
        get unsentDatagrams() {
          return inner.unsentDatagrams;
        },
        unfragmentedPayloadBytes: (to: RemoteAddress) => inner.unfragmentedPayloadBytes(to),
        sendFailureTo: (address: string) => inner.sendFailureTo(address),
        get coalescedDatagrams() {
          return inner.coalescedDatagrams;
        },
        get coalescesReceived() {
          return inner.coalescesReceived;
        },
        get receivesIntoReusedMemory() {
          return inner.receivesIntoReusedMemory;
        },
        sendUncountedRun: (run, to) => {
          seen.sent += run.count;
          inner.sendUncountedRun(run, to);
        },
        send: (datagram, length, to) => {
          seen.sent++;
          inner.send(datagram, length, to);
        },
        sendUncounted: (datagram, length, to) => {
          seen.sent++;
          inner.sendUncounted(datagram, length, to);
        },
        setReceiver: (handler) =>
          inner.setReceiver((datagram, from) => {
            seen.received++;
            handler(datagram, from);
          }),
        close: () => inner.close(),
      }),
    });
    if (!started.ok) throw new Error(started.error.message);
    cleanups.push(async () => {
      await started.tracker.stop();
    });
    const node = await client(started.tracker.address);
    await registerAs(node, 9);
    // REGISTER -> CHALLENGE, REGISTER-PROOF -> REGISTERED.
    assert.deepEqual(seen, { sent: 2, received: 2 });
  });

  test('subscribers hear of events at once and see a new snapshot', async () => {
    const { tracker } = await startOn(await tempDbDir());
    const node = await client(tracker.address);
    let notified = 0;
    const unsubscribe = tracker.subscribe(() => notified++);
    const before = tracker.getSnapshot();
    assert.equal(tracker.getSnapshot(), before, 'the same object until something changes');
    await registerAs(node, 5);
    await waitUntil(() => notified > 0, 'a notification');
    const afterJoin = tracker.getSnapshot();
    assert.notEqual(afterJoin, before);
    assert.deepEqual(
      afterJoin.nodes.map((n) => n.nodeId),
      [5],
    );
    assert.ok(Object.isFrozen(afterJoin) && Object.isFrozen(afterJoin.nodes));
    unsubscribe();
  });

  test('figures that move by themselves reach subscribers every 2 s, events at once', async () => {
    // A tracker view draws a frame for each notification, whatever changed (~12 ms of CPU): one
    // a second for the ages, and two more per heartbeat for requests a second, cost an idle view
    // with three peers 1.3-1.5 % of a core.
    const clock = new ManualClock(0, Date.UTC(2026, 0, 1));
    const { tracker } = await startOn(await tempDbDir(), clock);
    const node = await client(tracker.address);
    const token = await registerAs(node, 5);
    let notified = 0;
    const unsubscribe = tracker.subscribe(() => notified++);
    clock.advance(3_000);
    const read = tracker.getSnapshot();
    const readAtMs = clock.now();
    notified = 0;
    assert.deepEqual(await node.ask({ type: 'heartbeat', token }), { type: 'ack' });
    for (let ms = 100; ms < 2_000; ms += 100) {
      clock.advance(100);
      assert.equal(notified, 0, `a heartbeat and the ages moving notify nobody (${ms} ms)`);
    }
    assert.equal(tracker.getSnapshot(), read, 'the snapshot read is still current');
    clock.advance(100);
    assert.equal(clock.now() - readAtMs, 2_000);
    assert.equal(notified, 1, 'figures 2 s old');
    const refreshed = tracker.getSnapshot();
    assert.equal(refreshed.nodes[0]?.lastHeardAgoMs, 2_000, 'the heartbeat came at the read');
    assert.equal(refreshed.header.uptimeMs - read.header.uptimeMs, 2_000);

    notified = 0;
    clock.advance(300);
    await registerAs(await client(tracker.address), 6);
    await waitUntil(() => notified > 0, 'a notification for the join');
    assert.deepEqual(
      tracker.getSnapshot().nodes.map((row) => row.nodeId),
      [5, 6],
    );
    unsubscribe();
  });

  test('a port in use is an error value, not an exception', async () => {
    const { tracker } = await startOn(await tempDbDir());
    const logger = new Logger({ filePath: null, clock: systemClock });
    const second = await startTracker({
      host: HOST,
      port: tracker.address.port,
      dbDir: await tempDbDir(),
      logger,
      sweepIntervalMs: 22_000,
    });
    assert.equal(second.ok, false);
    assert.equal(!second.ok && second.error.code, 'address-in-use');
  });
});
