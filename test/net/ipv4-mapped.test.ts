import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reachableFromIpv6, unmappedIpv4 } from '../../source/net/ipv4-mapped.ts';

test('an IPv4 address mapped into IPv6 is named as IPv4; nothing else changes', () => {
  assert.equal(unmappedIpv4('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(unmappedIpv4('::FFFF:198.18.0.10'), '198.18.0.10');
  assert.equal(unmappedIpv4('::ffff:0.0.0.0'), '0.0.0.0');
  for (const address of [
    '::1',
    '127.0.0.1',
    '2001:db8::1',
    '::ffff:1:2',
    '::ffff:999.1.1.1',
    '::fff:1.2.3.4',
    'fe80::1%eth0',
    '',
  ]) {
    assert.equal(unmappedIpv4(address), address, address);
  }
});

test('an IPv6 socket reaches an IPv4 address at its mapped address; others as they are', () => {
  assert.equal(reachableFromIpv6('10.0.0.7'), '::ffff:10.0.0.7');
  assert.equal(reachableFromIpv6('::1'), '::1');
  assert.equal(reachableFromIpv6('fe80::1%eth0'), 'fe80::1%eth0');
  assert.equal(reachableFromIpv6('trackerbox'), 'trackerbox');
});
