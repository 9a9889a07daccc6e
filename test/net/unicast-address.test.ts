import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unicastHostError } from '../../source/net/unicast-address.ts';

test('one host: IPv4 and IPv6 addresses, loopback included', () => {
  for (const host of [
    '127.0.0.1',
    '10.1.2.3',
    '198.18.0.7',
    '223.255.255.254',
    '::1',
    'fe80::1',
    '2001:db8::5',
    '::ffff:10.0.0.1',
  ])
    assert.equal(unicastHostError(host), null, host);
});

test('not one host: names, the unspecified, broadcast, multicast and reserved addresses', () => {
  const cases: Array<[string, string]> = [
    ['localhost', 'not an IP address'],
    ['evil.example.com', 'not an IP address'],
    ['', 'not an IP address'],
    ['999.1.1.1', 'not an IP address'],
    ['0.0.0.0', 'the unspecified address'],
    ['::', 'the unspecified address'],
    ['0:0:0:0:0:0:0:0', 'the unspecified address'],
    ['255.255.255.255', 'the broadcast address'],
    ['224.0.0.1', 'a multicast address'],
    ['239.255.255.250', 'a multicast address'],
    ['ff02::1', 'a multicast address'],
    ['FF05::2', 'a multicast address'],
    ['::ffff:224.0.0.1', 'a multicast address'],
    ['240.0.0.1', 'a reserved address'],
  ];
  for (const [host, why] of cases) assert.equal(unicastHostError(host), why, host);
});
