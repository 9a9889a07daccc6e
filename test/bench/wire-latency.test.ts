import assert from 'node:assert/strict';
import { test } from 'node:test';
import { histogramPercentile, latencyBucket } from '../../bench/lib/latency-histogram.ts';
import { pairRequests } from '../../bench/lib/wire-latency.ts';
import { encode } from '../../source/protocol/codec.ts';
import type { Message } from '../../source/protocol/messages.ts';

const TRACKER_PORT = 7000;
const TOKEN = Buffer.alloc(8, 7);

/** A pcap file (microsecond, little-endian, Ethernet) of UDP datagrams on 127.0.0.0/8. */
function pcapOf(
  packets: { atUs: number; from: [number, number]; to: [number, number]; payload: Buffer }[],
): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65_535, 16);
  header.writeUInt32LE(1, 20);
  const records = packets.map(({ atUs, from, to, payload }) => {
    const frame = Buffer.alloc(14 + 20 + 8 + payload.length);
    frame.writeUInt16BE(0x0800, 12);
    frame[14] = 0x45;
    frame[14 + 9] = 17;
    frame.writeUInt32BE(from[0], 14 + 12);
    frame.writeUInt32BE(to[0], 14 + 16);
    frame.writeUInt16BE(from[1], 34);
    frame.writeUInt16BE(to[1], 36);
    payload.copy(frame, 42);
    const record = Buffer.alloc(16);
    record.writeUInt32LE(Math.floor(atUs / 1e6), 0);
    record.writeUInt32LE(atUs % 1e6, 4);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    return Buffer.concat([record, frame]);
  });
  return Buffer.concat([header, ...records]);
}

const tracker: [number, number] = [0x7f000001, TRACKER_PORT];
const node = (host: number, port: number): [number, number] => [0x7f010000 + host, port];
const need: Message = {
  type: 'need',
  token: TOKEN,
  exclude: [],
  query: { kind: 'name', name: 'a.bin' },
  maxOwners: 3,
};
const heartbeat: Message = { type: 'heartbeat', token: TOKEN };
const ack: Message = { type: 'ack' };

test('a request is paired with the reply to the same node, port and txid, timed from its first send', () => {
  const pcap = pcapOf([
    { atUs: 1_000_000, from: node(1, 5000), to: tracker, payload: encode(9, need) },
    { atUs: 1_000_100, from: node(2, 5000), to: tracker, payload: encode(9, heartbeat) },
    // A retransmission of node 1's NEED: the clock keeps running from the first send.
    { atUs: 1_001_000, from: node(1, 5000), to: tracker, payload: encode(9, need) },
    { atUs: 1_000_600, from: tracker, to: node(2, 5000), payload: encode(9, ack) },
    { atUs: 1_004_000, from: tracker, to: node(1, 5000), payload: encode(9, ack) },
    // Another txid of node 1, never answered; a reply nobody asked for is ignored.
    { atUs: 1_005_000, from: node(1, 5000), to: tracker, payload: encode(10, heartbeat) },
    { atUs: 1_006_000, from: tracker, to: node(3, 5000), payload: encode(11, ack) },
  ]);
  const wire = pairRequests(pcap, new Set([TRACKER_PORT]), 0, 10_000_000);
  assert.equal(wire.paired, 2);
  assert.equal(wire.unanswered, 1);
  const count = (histogram: number[]) => histogram.reduce((sum, n) => sum + n, 0);
  assert.equal(count(wire.histogram), 2);
  assert.equal(count(wire.needHistogram), 1);
  assert.equal(wire.needHistogram[latencyBucket(4)], 1);
  assert.equal(wire.histogram[latencyBucket(0.5)], 1);
  assert.ok(Math.abs(histogramPercentile(wire.needHistogram, 0.99)! - 4) < 0.05);
});

test('a file that is not a microsecond pcap is refused', () => {
  assert.throws(() => pairRequests(Buffer.alloc(24), new Set([TRACKER_PORT]), 0, 1), {
    message: 'not a microsecond pcap file',
  });
});

test('only requests sent within the window count, and slow answers by second', () => {
  const pcap = pcapOf([
    { atUs: 1_000_000, from: node(1, 5000), to: tracker, payload: encode(1, heartbeat) },
    { atUs: 1_000_500, from: tracker, to: node(1, 5000), payload: encode(1, ack) },
    { atUs: 2_000_000, from: node(1, 5000), to: tracker, payload: encode(2, need) },
    { atUs: 2_002_000, from: tracker, to: node(1, 5000), payload: encode(2, ack) },
    { atUs: 2_600_000, from: node(2, 5000), to: tracker, payload: encode(4, heartbeat) },
    { atUs: 2_608_000, from: tracker, to: node(2, 5000), payload: encode(4, ack) },
    { atUs: 3_000_000, from: node(1, 5000), to: tracker, payload: encode(3, heartbeat) },
    { atUs: 3_000_100, from: tracker, to: node(1, 5000), payload: encode(3, ack) },
  ]);
  const wire = pairRequests(pcap, new Set([TRACKER_PORT]), 1_500_000, 3_000_000);
  assert.equal(wire.paired, 2);
  assert.equal(wire.needHistogram[latencyBucket(2)], 1);
  assert.deepEqual(wire.slowBySecond, [0, 1], 'the 8 ms answer, in the second second');
});
