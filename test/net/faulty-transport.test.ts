import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import { type FaultProfile, FaultyTransport } from '../../source/net/faulty-transport.ts';
import type { DatagramTransport, RemoteAddress } from '../../source/net/transport.ts';

/** An in-memory inner transport: records what goes out, lets the test push what comes in. */
class RecordingTransport implements DatagramTransport {
  readonly sent: Array<{ bytes: Buffer; to: RemoteAddress }> = [];
  readonly localAddress = { address: '127.0.0.1', port: 1000 };
  readonly receiveBufferBytes = 0;
  readonly sendBufferBytes = 0;
  readonly sendErrors = 0;
  readonly unsentDatagrams = 0;
  readonly receivesIntoReusedMemory = false;
  readonly coalescedDatagrams = 0;
  readonly coalescesReceived = false;
  unfragmentedPayloadBytes(): null {
    return null;
  }
  sendFailureTo(): null {
    return null;
  }
  private receiver: (datagram: Buffer, from: RemoteAddress) => void = () => {};

  send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    this.sent.push({ bytes: Buffer.from(datagram.subarray(0, length)), to });
  }
  sendUncounted(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    this.send(datagram, length, to);
  }
  sendUncountedRun(): void {
    throw new Error('not used: the wrapper sends a run datagram by datagram');
  }
  setReceiver(handler: (datagram: Buffer, from: RemoteAddress) => void): void {
    this.receiver = handler;
  }
  inject(datagram: Buffer, from: RemoteAddress): void {
    this.receiver(datagram, from);
  }
  async close(): Promise<void> {}
}

const PEER = { address: '127.0.0.1', port: 2000 };
const OTHER_PEER = { address: '127.0.0.1', port: 3000 };
const DATAGRAM_BYTES = 24;

/** Datagram number `i`: its index in the first 4 bytes, then a fixed pattern. */
function numbered(i: number, into: Buffer = Buffer.alloc(DATAGRAM_BYTES)): Buffer {
  into.fill(0xa5);
  into.writeUInt32BE(i, 0);
  return into;
}

function setup(seed: number, outbound: FaultProfile, inbound: FaultProfile = {}) {
  const inner = new RecordingTransport();
  const clock = new ManualClock();
  const faulty = new FaultyTransport(inner, { seed, outbound, inbound, clock });
  const received: Buffer[] = [];
  faulty.setReceiver((datagram) => received.push(datagram));
  return { inner, clock, faulty, received };
}

const EVERY_FAULT: FaultProfile = {
  loss: 0.05,
  burstLoss: { enter: 0.01, exit: 0.3 },
  duplicate: 0.05,
  reorder: 0.05,
  reorderMaxDelayMs: 20,
  corrupt: 0.05,
  truncate: 0.05,
  pad: 0.05,
};

/** Sends 10k numbered datagrams each way, one ms apart, and returns everything that came out. */
function runTenThousand(seed: number) {
  const { inner, clock, faulty, received } = setup(seed, EVERY_FAULT, EVERY_FAULT);
  const reused = Buffer.alloc(DATAGRAM_BYTES);
  for (let i = 0; i < 10_000; i++) {
    faulty.send(numbered(i, reused), DATAGRAM_BYTES, PEER);
    inner.inject(numbered(i), PEER);
    clock.advance(1);
  }
  clock.advance(100);
  return {
    out: inner.sent.map((s) => s.bytes.toString('hex')),
    in: received.map((b) => b.toString('hex')),
    counts: faulty.faultCounts(),
  };
}

describe('FaultyTransport', () => {
  test('one seed gives identical fault decisions over 10k datagrams', () => {
    const seed = 1234;
    const first = runTenThousand(seed);
    const second = runTenThousand(seed);
    assert.deepEqual(second.counts, first.counts, `seed ${seed}`);
    assert.deepEqual(second.out, first.out, `seed ${seed}`);
    assert.deepEqual(second.in, first.in, `seed ${seed}`);
    for (const counts of [first.counts.inbound, first.counts.outbound]) {
      assert.equal(counts.seen, 10_000, `seed ${seed}`);
      for (const fault of [
        'lost',
        'burstLost',
        'duplicated',
        'reordered',
        'corrupted',
        'truncated',
        'padded',
      ] as const) {
        assert.ok(counts[fault] > 0, `seed ${seed}: no ${fault} at all`);
      }
    }
    const other = runTenThousand(seed + 1);
    assert.notDeepEqual(other.out, first.out, `seeds ${seed} and ${seed + 1} gave the same faults`);
  });

  test('loss 0.2 drops about a fifth of the datagrams, the same ones for a seed', () => {
    const seed = 42;
    const { inner, faulty } = setup(seed, { loss: 0.2 });
    for (let i = 0; i < 10_000; i++) faulty.send(numbered(i), DATAGRAM_BYTES, PEER);
    const lost = 10_000 - inner.sent.length;
    assert.ok(lost > 1800 && lost < 2200, `seed ${seed}: lost ${lost}`);
    assert.equal(lost, 1994, `seed ${seed}`);
    assert.equal(faulty.faultCounts().outbound.lost, lost, `seed ${seed}`);
  });

  test('burst loss drops runs of consecutive datagrams', () => {
    const seed = 7;
    const { inner, faulty } = setup(seed, { burstLoss: { enter: 0.02, exit: 0.2 } });
    for (let i = 0; i < 5_000; i++) faulty.send(numbered(i), DATAGRAM_BYTES, PEER);
    const delivered = new Set(inner.sent.map((s) => s.bytes.readUInt32BE(0)));
    let longestGap = 0;
    let gap = 0;
    for (let i = 0; i < 5_000; i++) {
      gap = delivered.has(i) ? 0 : gap + 1;
      longestGap = Math.max(longestGap, gap);
    }
    assert.equal(faulty.faultCounts().outbound.burstLost, 5_000 - delivered.size, `seed ${seed}`);
    assert.ok(longestGap >= 10, `seed ${seed}: longest run of losses ${longestGap}`);
  });

  test('duplicate sends a datagram twice', () => {
    const { inner, faulty } = setup(1, { duplicate: 1 });
    for (let i = 0; i < 10; i++) faulty.send(numbered(i), DATAGRAM_BYTES, PEER);
    assert.equal(inner.sent.length, 20);
    assert.deepEqual(
      inner.sent.map((s) => s.bytes.readUInt32BE(0)),
      [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9],
    );
    assert.equal(faulty.faultCounts().outbound.duplicated, 10);
  });

  test('duplicate delivers a separate Buffer to the receiver each time', () => {
    const { inner, faulty, received } = setup(1, {}, { duplicate: 1 });
    inner.inject(numbered(5), PEER);
    assert.equal(received.length, 2);
    assert.notEqual(received[0], received[1]);
    assert.deepEqual(received[0], received[1]);
    assert.equal(faulty.faultCounts().inbound.duplicated, 1);
  });

  test('reorder holds datagrams back so the arrival order changes', () => {
    const seed = 3;
    const { inner, clock, faulty } = setup(seed, { reorder: 0.3, reorderMaxDelayMs: 5 });
    for (let i = 0; i < 100; i++) {
      faulty.send(numbered(i), DATAGRAM_BYTES, PEER);
      clock.advance(1);
    }
    const reordered = faulty.faultCounts().outbound.reordered;
    assert.ok(inner.sent.length < 100, `seed ${seed}: some datagrams are still held`);
    clock.advance(10);
    const order = inner.sent.map((s) => s.bytes.readUInt32BE(0));
    assert.equal(order.length, 100, `seed ${seed}`);
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
      `seed ${seed}: every datagram arrives exactly once`,
    );
    assert.notDeepEqual(
      order,
      [...order].sort((a, b) => a - b),
      `seed ${seed}: order unchanged`,
    );
    assert.ok(reordered > 10 && reordered < 50, `seed ${seed}: reordered ${reordered}`);
  });

  test('a held datagram keeps its bytes when the caller reuses its buffer', () => {
    const { inner, clock, faulty } = setup(1, { reorder: 1, reorderMaxDelayMs: 5 });
    const reused = Buffer.alloc(DATAGRAM_BYTES);
    faulty.send(numbered(1, reused), DATAGRAM_BYTES, PEER);
    numbered(2, reused);
    clock.advance(10);
    assert.equal(inner.sent.length, 1);
    assert.deepEqual(inner.sent[0]?.bytes, numbered(1));
  });

  test('a received datagram held back keeps its bytes when the inner transport reuses them', () => {
    // Batched receiving hands out views of one buffer that the next batch overwrites.
    const { inner, clock, received } = setup(1, {}, { reorder: 1, reorderMaxDelayMs: 5 });
    const reused = Buffer.alloc(DATAGRAM_BYTES);
    inner.inject(numbered(1, reused), PEER);
    numbered(2, reused);
    clock.advance(10);
    assert.equal(received.length, 1);
    assert.deepEqual(received[0], numbered(1));
  });

  test('corrupt flips bits: same length, different bytes, caller buffer untouched', () => {
    const { inner, faulty } = setup(9, { corrupt: 1 });
    const reused = Buffer.alloc(DATAGRAM_BYTES);
    for (let i = 0; i < 200; i++) {
      faulty.send(numbered(i, reused), DATAGRAM_BYTES, PEER);
      assert.deepEqual(reused, numbered(i), 'the caller buffer was mutated');
      const sent = inner.sent[i]!.bytes;
      assert.equal(sent.length, DATAGRAM_BYTES);
      assert.notDeepEqual(sent, numbered(i), `datagram ${i} was not changed`);
      let bitsFlipped = 0;
      for (let j = 0; j < sent.length; j++) {
        let diff = sent[j]! ^ numbered(i)[j]!;
        for (; diff; diff &= diff - 1) bitsFlipped++;
      }
      assert.ok(bitsFlipped >= 1 && bitsFlipped <= 3, `datagram ${i}: ${bitsFlipped} bits`);
    }
    assert.equal(faulty.faultCounts().outbound.corrupted, 200);
  });

  test('truncate cuts a datagram to a shorter prefix', () => {
    const { inner, faulty } = setup(11, { truncate: 1 });
    for (let i = 0; i < 100; i++) faulty.send(numbered(i), DATAGRAM_BYTES, PEER);
    for (const [i, { bytes }] of inner.sent.entries()) {
      assert.ok(bytes.length < DATAGRAM_BYTES, `datagram ${i}: length ${bytes.length}`);
      assert.deepEqual(bytes, numbered(i).subarray(0, bytes.length));
    }
    assert.equal(faulty.faultCounts().outbound.truncated, 100);
  });

  test('pad appends 1 to 16 random bytes', () => {
    const { inner, faulty } = setup(13, { pad: 1 });
    const reused = Buffer.alloc(DATAGRAM_BYTES);
    for (let i = 0; i < 100; i++) {
      faulty.send(numbered(i, reused), DATAGRAM_BYTES, PEER);
      assert.deepEqual(reused, numbered(i), 'the caller buffer was mutated');
    }
    for (const [i, { bytes }] of inner.sent.entries()) {
      const extra = bytes.length - DATAGRAM_BYTES;
      assert.ok(extra >= 1 && extra <= 16, `datagram ${i}: ${extra} extra bytes`);
      assert.deepEqual(bytes.subarray(0, DATAGRAM_BYTES), numbered(i));
    }
    assert.equal(faulty.faultCounts().outbound.padded, 100);
  });

  test('only the first `length` bytes of a larger buffer are sent', () => {
    const { inner, faulty } = setup(1, {});
    faulty.send(Buffer.alloc(100, 7), 10, PEER);
    assert.deepEqual(inner.sent[0]?.bytes, Buffer.alloc(10, 7));
  });

  test('inbound faults apply to received datagrams only', () => {
    const { inner, faulty, received } = setup(5, {}, { loss: 1 });
    inner.inject(numbered(1), PEER);
    faulty.send(numbered(2), DATAGRAM_BYTES, PEER);
    assert.equal(received.length, 0);
    assert.equal(inner.sent.length, 1);
    assert.equal(faulty.faultCounts().inbound.lost, 1);
    assert.equal(faulty.faultCounts().outbound.lost, 0);
  });

  test('partition drops both directions for matching peers until heal', () => {
    const { inner, faulty, received } = setup(1, {});
    faulty.partition((peer) => peer.port === PEER.port);
    faulty.send(numbered(1), DATAGRAM_BYTES, PEER);
    inner.inject(numbered(2), PEER);
    faulty.send(numbered(3), DATAGRAM_BYTES, OTHER_PEER);
    inner.inject(numbered(4), OTHER_PEER);
    assert.deepEqual(
      inner.sent.map((s) => s.bytes.readUInt32BE(0)),
      [3],
    );
    assert.deepEqual(
      received.map((b) => b.readUInt32BE(0)),
      [4],
    );
    assert.equal(faulty.faultCounts().outbound.partitioned, 1);
    assert.equal(faulty.faultCounts().inbound.partitioned, 1);

    faulty.heal();
    faulty.send(numbered(5), DATAGRAM_BYTES, PEER);
    inner.inject(numbered(6), PEER);
    assert.deepEqual(
      inner.sent.map((s) => s.bytes.readUInt32BE(0)),
      [3, 5],
    );
    assert.deepEqual(
      received.map((b) => b.readUInt32BE(0)),
      [4, 6],
    );
  });

  test('close drops datagrams still held for reordering', async () => {
    const { inner, clock, faulty } = setup(1, { reorder: 1 });
    faulty.send(numbered(1), DATAGRAM_BYTES, PEER);
    await faulty.close();
    clock.advance(1_000);
    assert.equal(inner.sent.length, 0);
  });
});
