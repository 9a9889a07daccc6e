/**
 * The address a node bound to every address is known by at its tracker: the kernel's route
 * choice toward it, asked without sending anything.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUnspecifiedAddress, routeSourceAddress } from '../../source/net/route-source.ts';

test('toward a tracker on this machine, the source is loopback', async () => {
  assert.equal(await routeSourceAddress({ address: '127.0.0.1', port: 12345 }), '127.0.0.1');
  assert.equal(await routeSourceAddress({ address: '127.0.0.2', port: 12345 }), '127.0.0.1');
});

test('toward what no datagram can go to, null (the view then shows the bound address)', async () => {
  assert.equal(await routeSourceAddress({ address: '127.0.0.1', port: 0 }), null);
});

test('0.0.0.0 and :: are unspecified; a machine address is not', () => {
  assert.equal(isUnspecifiedAddress('0.0.0.0'), true);
  assert.equal(isUnspecifiedAddress('::'), true);
  assert.equal(isUnspecifiedAddress('127.0.0.1'), false);
  assert.equal(isUnspecifiedAddress('198.18.9.2'), false);
});
