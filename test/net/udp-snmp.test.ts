import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  parseUdpReceiveBufferErrors,
  readUdpReceiveBufferErrors,
} from '../../source/net/udp-snmp.ts';

const SAMPLE = [
  'Ip: Forwarding DefaultTTL',
  'Ip: 1 64',
  'Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors',
  'Udp: 21 0 3 22 17 0 0 0 0',
  'UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors',
  'UdpLite: 0 0 0 0 99 0 0 0 0',
  '',
].join('\n');

describe('udp-snmp', () => {
  test('reads RcvbufErrors from the Udp lines, not UdpLite', () => {
    assert.equal(parseUdpReceiveBufferErrors(SAMPLE), 17);
  });

  test('gives null for text without the counter', () => {
    assert.equal(parseUdpReceiveBufferErrors(''), null);
    assert.equal(parseUdpReceiveBufferErrors('Udp: InDatagrams\nUdp: 4\n'), null);
    assert.equal(parseUdpReceiveBufferErrors('Udp: RcvbufErrors\nUdp: x\n'), null);
  });

  test('gives null for a file that cannot be read', () => {
    assert.equal(readUdpReceiveBufferErrors('/nonexistent/snmp'), null);
  });

  test('reads a count from this machine', (t) => {
    const count = readUdpReceiveBufferErrors();
    t.diagnostic(`UDP RcvbufErrors now: ${count}`);
    if (process.platform === 'linux') assert.ok(typeof count === 'number' && count >= 0);
  });
});
