import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import { UdpEndpoint } from '../../source/net/endpoint.ts';
import { FaultyTransport } from '../../source/net/faulty-transport.ts';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import { type DatagramTransport, openUdpTransport } from '../../source/net/transport.ts';
import { DATA_HEADER_BYTES, decode, encode, HEADER_BYTES } from '../../source/protocol/codec.ts';
import type { DecodeError } from '../../source/protocol/decode-error.ts';
import {
  type DataMessage,
  type HeartbeatMessage,
  INFOHASH_BYTES,
  type Message,
  type RejectMessage,
  TOKEN_BYTES,
} from '../../source/protocol/messages.ts';

const HOST = '127.0.0.1';
const HEARTBEAT: HeartbeatMessage = { type: 'heartbeat', token: Buffer.alloc(TOKEN_BYTES, 1) };
const ACK: Message = { type: 'ack' };

const opened: UdpEndpoint[] = [];
after(async () => {
  await Promise.all(opened.map((endpoint) => endpoint.close()));
});

async function openTransport(): Promise<DatagramTransport> {
  const result = await openUdpTransport({
    host: HOST,
    port: 0,
    receiveBufferBytes: 1024 * 1024,
    sendBufferBytes: 1024 * 1024,
  });
  if (!result.ok) throw new Error(result.error.message);
  return result.transport;
}

async function openEndpoint(
  options: ConstructorParameters<typeof UdpEndpoint>[1] = {},
  wrap: (transport: DatagramTransport) => DatagramTransport = (transport) => transport,
): Promise<UdpEndpoint> {
  const endpoint = new UdpEndpoint(wrap(await openTransport()), options);
  opened.push(endpoint);
  return endpoint;
}

/** Polls the real event loop until `condition` holds; datagrams on loopback take microseconds. */
async function waitUntil(condition: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const startMs = performance.now();
  while (!condition()) {
    if (performance.now() - startMs > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Delivers every datagram through one buffer it reuses, as batched receiving does. */
class ReusingTransport implements DatagramTransport {
  readonly localAddress = { address: HOST, port: 1000 };
  readonly receiveBufferBytes = 0;
  readonly sendBufferBytes = 0;
  readonly sendErrors = 0;
  readonly unsentDatagrams = 0;
  readonly receivesIntoReusedMemory = true;
  readonly coalescedDatagrams = 0;
  readonly coalescesReceived = false;
  unfragmentedPayloadBytes(): null {
    return null;
  }
  sendFailureTo(): null {
    return null;
  }
  private readonly memory = Buffer.alloc(2048);
  private receiver: (datagram: Buffer, from: { address: string; port: number }) => void = () => {};
  send(): void {}
  sendUncounted(): void {}
  sendUncountedRun(): void {}
  setReceiver(handler: (datagram: Buffer, from: { address: string; port: number }) => void) {
    this.receiver = handler;
  }
  inject(datagram: Buffer): void {
    datagram.copy(this.memory);
    this.receiver(this.memory.subarray(0, datagram.length), { address: HOST, port: 2000 });
  }
  async close(): Promise<void> {}
}

/** Lets pending I/O callbacks and promise reactions run. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A server that records every request and answers each with `answer` (or not, for null). */
function recordRequests(
  server: UdpEndpoint,
  answer: (attempt: number) => Message | null = () => ACK,
): Array<{ message: Message; txid: number; port: number }> {
  const seen: Array<{ message: Message; txid: number; port: number }> = [];
  server.onMessage((message, txid, from) => {
    seen.push({ message, txid, port: from.port });
    const reply = answer(seen.length);
    if (reply) server.send(from, reply, txid);
  });
  return seen;
}

describe('UdpEndpoint request/reply', () => {
  test('a request gets its reply and both sides count one datagram each way', async () => {
    const server = await openEndpoint();
    const client = await openEndpoint();
    const seen = recordRequests(server);
    const outcome = await client.request(server.localAddress, HEARTBEAT);
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.reply, ACK);
    assert.ok(outcome.rttMs !== null && outcome.rttMs >= 0);
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0]?.message, HEARTBEAT);
    assert.equal(seen[0]?.port, client.localAddress.port);
    const stats = client.stats();
    assert.equal(stats.datagramsOut, 1);
    assert.equal(stats.datagramsIn, 1);
    assert.equal(stats.retries, 0);
    assert.equal(stats.bytesOut, server.stats().bytesIn);
    assert.equal(stats.bytesIn, server.stats().bytesOut);
  });

  test('gives up after the configured retries, the timeout doubling up to the cap', async () => {
    const clock = new ManualClock();
    const server = await openEndpoint();
    const client = await openEndpoint({ clock });
    const seen = recordRequests(server, () => null);
    let outcome: unknown = null;
    void client
      .request(server.localAddress, HEARTBEAT, { timeoutMs: 100, retries: 3, timeoutCapMs: 300 })
      .then((result) => {
        outcome = result;
      });
    // Attempts at 0, 100, 300 (100 + 200) and 600 (300 + the 300 cap); gives up at 900.
    const sendsAt = [0, 100, 300, 600];
    let nowMs = 0;
    for (const [i, atMs] of sendsAt.entries()) {
      clock.advance(atMs - nowMs);
      nowMs = atMs;
      await waitUntil(() => seen.length === i + 1, `attempt ${i + 1}`);
      assert.equal(client.stats().datagramsOut, i + 1);
    }
    clock.advance(899 - nowMs);
    await turn();
    assert.equal(outcome, null, 'still pending 1 ms before the last timeout');
    clock.advance(1);
    await turn();
    assert.deepEqual(outcome, { ok: false, reason: 'timeout' });
    const stats = client.stats();
    assert.equal(stats.retries, 3);
    assert.equal(stats.timeouts, 1);
    assert.equal(stats.datagramsOut, 4);
    assert.equal(new Set(seen.map((s) => s.txid)).size, 1, 'every attempt uses the same txid');
  });

  test('a request the kernel refuses to send gives up at its first timeout, and says why', async () => {
    // A socket on 127.0.0.1 sends nothing off the machine: Linux refuses each send (EINVAL), as
    // it refuses one with no route (ENETUNREACH) or one a firewall drops (EPERM). Sending again
    // changes nothing: the asker hears of it after one timeout, not after every retry.
    const clock = new ManualClock();
    const client = await openEndpoint({ clock });
    const elsewhere = { address: '192.0.2.10', port: 9 };
    let outcome: unknown = null;
    void client
      .request(elsewhere, HEARTBEAT, { timeoutMs: 100, retries: 3, timeoutCapMs: 300 })
      .then((result) => {
        outcome = result;
      });
    await waitUntil(() => client.sendFailureTo(elsewhere.address) !== null, 'the refusal');
    assert.equal(client.sendFailureTo(elsewhere.address), 'EINVAL');
    assert.equal(client.sendFailureTo(HOST), null);
    clock.advance(100);
    await turn();
    assert.deepEqual(outcome, { ok: false, reason: 'timeout' });
    assert.equal(client.stats().retries, 0);
    assert.equal(client.stats().sendErrors, 1);
    // A send elsewhere that goes out keeps what is known of this address.
    const server = await openEndpoint();
    client.send(server.localAddress, HEARTBEAT);
    assert.equal(client.sendFailureTo(elsewhere.address), 'EINVAL');
  });

  test('a reply to the second attempt completes the request with one retry', async () => {
    const clock = new ManualClock();
    const server = await openEndpoint();
    const client = await openEndpoint({ clock });
    const seen = recordRequests(server, (attempt) => (attempt === 2 ? ACK : null));
    const pending = client.request(server.localAddress, HEARTBEAT, {
      timeoutMs: 100,
      retries: 4,
      timeoutCapMs: 1_000,
    });
    await waitUntil(() => seen.length === 1, 'the first attempt');
    clock.advance(100);
    const outcome = await pending;
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.reply, ACK);
    assert.equal(outcome.rttMs, null, 'sent twice: which send it answers is unknown (Karn)');
    assert.equal(client.stats().retries, 1);
    assert.equal(client.stats().timeouts, 0);
    assert.equal(seen[0]?.txid, seen[1]?.txid);
    clock.advance(10_000);
    assert.equal(client.stats().datagramsOut, 2, 'no retry after completion');
  });

  test('a late duplicate reply is ignored and counted', async () => {
    const server = await openEndpoint();
    const client = await openEndpoint();
    server.onMessage((_message, txid, from) => {
      server.send(from, ACK, txid);
      server.send(from, { type: 'error', code: 'reregister', text: 'second copy' }, txid);
    });
    const otherMessages: Message[] = [];
    client.onMessage((message) => otherMessages.push(message));
    const outcome = await client.request(server.localAddress, HEARTBEAT);
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.reply, ACK);
    await waitUntil(() => client.stats().unmatchedReplies === 1, 'the duplicate');
    assert.equal(client.stats().datagramsIn, 2);
    assert.deepEqual(otherMessages, []);
  });

  test('a reply with the right txid from another socket is ignored', async () => {
    const server = await openEndpoint();
    const rogue = await openEndpoint();
    const client = await openEndpoint();
    const seen = recordRequests(server, () => null);
    let settled = false;
    const pending = client.request(server.localAddress, HEARTBEAT).then((outcome) => {
      settled = true;
      return outcome;
    });
    await waitUntil(() => seen.length === 1, 'the request');
    const txid = seen[0]!.txid;
    rogue.send(client.localAddress, { type: 'error', code: 'reregister', text: 'spoofed' }, txid);
    await waitUntil(() => client.stats().unmatchedReplies === 1, 'the spoofed reply');
    await turn();
    assert.equal(settled, false);
    server.send(client.localAddress, ACK, txid);
    const outcome = await pending;
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.reply, ACK);
  });

  test('close resolves pending requests with closed, and later requests too', async () => {
    const server = await openEndpoint();
    const client = await openEndpoint();
    recordRequests(server, () => null);
    const pending = client.request(server.localAddress, HEARTBEAT, { timeoutMs: 60_000 });
    await client.close();
    assert.deepEqual(await pending, { ok: false, reason: 'closed' });
    assert.deepEqual(await client.request(server.localAddress, HEARTBEAT), {
      ok: false,
      reason: 'closed',
    });
  });

  test('a REJECT completes its pending request; an unrequested REJECT goes to onMessage', async () => {
    const reject: RejectMessage = {
      type: 'reject',
      infohash: Buffer.alloc(INFOHASH_BYTES, 2),
      piece: 1,
      begin: 0,
      reason: 'not-seeding',
    };
    const server = await openEndpoint();
    const client = await openEndpoint();
    recordRequests(server, () => reject);
    const outcome = await client.request(server.localAddress, HEARTBEAT);
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.reply, reject);

    const unrequested: Array<{ message: Message; txid: number }> = [];
    client.onMessage((message, txid) => unrequested.push({ message, txid }));
    server.send(client.localAddress, reject, 12345);
    await waitUntil(() => unrequested.length === 1, 'the unrequested reject');
    assert.deepEqual(unrequested, [{ message: reject, txid: 12345 }]);
    assert.equal(client.stats().unmatchedReplies, 0);
  });

  test('txids cannot be guessed from the ones before them', async () => {
    // Sequential txids let an owner that saw its own requests' txids forge answers to the
    // requests sent to other owners (found by a session).
    const endpoint = await openEndpoint();
    const txids = Array.from({ length: 4096 }, () => endpoint.nextTxid());
    assert.ok(txids.every((txid) => Number.isInteger(txid) && txid >= 0 && txid < 2 ** 32));
    const near = txids.slice(1).filter((txid, i) => Math.abs(txid - txids[i]!) < 2 ** 20);
    assert.ok(near.length < 10, `${near.length} txids within 2^20 of the one before`);
    assert.ok(new Set(txids).size > 4090, 'txids repeat');
    const other = await openEndpoint();
    assert.notEqual(other.nextTxid(), endpoint.nextTxid());
  });

  test('requests complete over a lossy link through retries', async () => {
    const seed = 2024;
    const server = await openEndpoint();
    const client = await openEndpoint(
      {},
      (inner) =>
        new FaultyTransport(inner, { seed, inbound: { loss: 0.2 }, outbound: { loss: 0.2 } }),
    );
    recordRequests(server);
    for (let i = 0; i < 40; i++) {
      const outcome = await client.request(server.localAddress, HEARTBEAT, {
        timeoutMs: 20,
        retries: 10,
        timeoutCapMs: 40,
      });
      assert.ok(outcome.ok, `seed ${seed}: request ${i} ${JSON.stringify(outcome)}`);
    }
    assert.ok(client.stats().retries > 0, `seed ${seed}: no retries at 20% loss`);
  });
});

describe('UdpEndpoint routing', () => {
  test('garbage is counted and reported as decode errors, never thrown', async () => {
    const seed = 31;
    const random = new SeededRandom(seed);
    const server = await openEndpoint();
    const client = await openEndpoint();
    const reported: DecodeError[] = [];
    const messages: Message[] = [];
    server.onDecodeError((error, from) => {
      assert.equal(from.port, client.localAddress.port);
      reported.push(error);
    });
    server.onMessage((message) => messages.push(message));

    // Random bytes of every small length, including the empty datagram.
    let sent = 0;
    for (let length = 0; length <= 200; length++) {
      client.sendRaw(random.bytes(length), length, server.localAddress);
      sent++;
    }
    await waitUntil(() => server.stats().datagramsIn === sent, 'the random datagrams');
    assert.equal(reported.length, sent, `seed ${seed}: every random datagram is refused`);

    // Every proper prefix of a valid message, then the message with a byte flipped anywhere.
    const valid = encode(7, {
      type: 'own',
      state: 'complete',
      token: Buffer.alloc(TOKEN_BYTES, 3),
      infohash: Buffer.alloc(INFOHASH_BYTES, 4),
      size: 1000,
      name: 'a.txt',
    });
    for (let length = 0; length < valid.length; length++) {
      client.sendRaw(valid, length, server.localAddress);
      sent++;
    }
    for (let i = 0; i < valid.length; i++) {
      const mutated = Buffer.from(valid);
      mutated[i] = mutated[i]! ^ (1 + random.int(255));
      client.sendRaw(mutated, mutated.length, server.localAddress);
      sent++;
    }
    await waitUntil(() => server.stats().datagramsIn === sent, 'the mutated datagrams');
    assert.equal(server.stats().decodeErrors, reported.length, `seed ${seed}`);
    assert.equal(reported.length + messages.length, sent, `seed ${seed}`);
    assert.ok(reported.length >= 201 + valid.length, `seed ${seed}: every prefix is refused`);
    for (const error of reported) assert.equal(typeof error.code, 'string');
  });

  test('a message decoded from reused receive memory keeps its bytes after the call', () => {
    // Batched receiving hands out views of one buffer that the next batch overwrites: a kept
    // message (its cookie, its infohash) must not change with it.
    const inbound = new ReusingTransport();
    const endpoint = new UdpEndpoint(inbound);
    const kept: Message[] = [];
    endpoint.onMessage((message) => kept.push(message));
    const first: Message = {
      type: 'metainfo-request',
      cookie: Buffer.alloc(16, 0x5a),
      infohash: Buffer.alloc(INFOHASH_BYTES, 0x5b),
      offset: 0,
    };
    const second: Message = {
      type: 'metainfo-request',
      cookie: Buffer.alloc(16, 0x11),
      infohash: Buffer.alloc(INFOHASH_BYTES, 0x12),
      offset: 16_384,
    };
    inbound.inject(encode(1, first));
    inbound.inject(encode(2, second));
    assert.deepEqual(kept, [first, second]);
  });

  test('DATA goes to onData as the raw datagram, not to onMessage', async () => {
    const data: DataMessage = {
      type: 'data',
      tag: 9,
      piece: 3,
      begin: 16_384,
      bytes: Buffer.alloc(1_000, 7),
    };
    const server = await openEndpoint();
    const client = await openEndpoint();
    const datagrams: Buffer[] = [];
    const messages: Message[] = [];
    server.onData((datagram, from) => {
      assert.equal(from.port, client.localAddress.port);
      datagrams.push(datagram);
    });
    server.onMessage((message) => messages.push(message));
    const txid = client.send(server.localAddress, data);
    await waitUntil(() => datagrams.length === 1, 'the DATA datagram');
    assert.deepEqual(datagrams[0], encode(txid, data));
    assert.deepEqual(messages, []);
    assert.equal(server.stats().decodeErrors, 0);
  });

  test('DATA too short for its header never reaches onData: a decode error, as decode() says', async () => {
    const whole = encode(5, {
      type: 'data',
      tag: 9,
      piece: 1,
      begin: 0,
      bytes: Buffer.alloc(10, 7),
    });
    const server = await openEndpoint();
    const client = await openEndpoint();
    const datagrams: Buffer[] = [];
    const reported: DecodeError[] = [];
    server.onData((datagram) => datagrams.push(datagram));
    server.onDecodeError((error) => reported.push(error));
    const expected: DecodeError[] = [];
    for (let length = HEADER_BYTES; length <= DATA_HEADER_BYTES; length++) {
      client.sendRaw(whole, length, server.localAddress);
      const decoded = decode(whole.subarray(0, length));
      assert.equal(decoded.ok, false, `${length} bytes`);
      if (!decoded.ok) expected.push(decoded.error);
    }
    await waitUntil(() => reported.length === expected.length, 'the cut-short DATA');
    assert.deepEqual(reported, expected);
    assert.deepEqual(datagrams, []);
    assert.equal(server.stats().dataBytesIn, 0);
  });
});
