/**
 * Where a peer listens when --host is left out, and a loopback --host with a tracker on another
 * machine refused with the reason (a node on 127.0.0.1 sends nothing off its machine).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { listenAddress } from '../../source/cli/listen-address.ts';
import { isLoopbackAddress, reachError } from '../../source/net/unicast-address.ts';
import { spawnCli } from '../peer/harness/cli.ts';

const at = (address: string) => ({ address, port: 12345 });

describe('listenAddress', () => {
  test('without --host: loopback for a tracker on this machine, every address otherwise', () => {
    assert.deepEqual(listenAddress(null, [at('127.0.0.1')]), { ok: true, host: '127.0.0.1' });
    assert.deepEqual(listenAddress(null, [at('::1')]), { ok: true, host: '::1' });
    assert.deepEqual(listenAddress(null, [at('10.0.0.5')]), { ok: true, host: '0.0.0.0' });
    assert.deepEqual(listenAddress(null, [at('fd00::5')]), { ok: true, host: '::' });
    // One tracker elsewhere is enough: the node must reach it when it moves on to it.
    assert.deepEqual(listenAddress(null, [at('127.0.0.1'), at('10.0.0.5')]), {
      ok: true,
      host: '0.0.0.0',
    });
  });

  test('--host as given, unless it is loopback and a tracker is not', () => {
    assert.deepEqual(listenAddress('10.0.0.7', [at('10.0.0.5')]), { ok: true, host: '10.0.0.7' });
    assert.deepEqual(listenAddress('0.0.0.0', [at('127.0.0.1')]), { ok: true, host: '0.0.0.0' });
    assert.deepEqual(listenAddress('127.0.0.1', [at('127.0.0.2')]), {
      ok: true,
      host: '127.0.0.1',
    });
    assert.deepEqual(listenAddress('127.0.0.1', [at('127.0.0.1'), at('192.0.2.10')]), {
      ok: false,
      problem:
        "--tracker 192.0.2.10:12345 is not on this machine, and --host 127.0.0.1 is a loopback address, from which nothing leaves it: give --host this machine's address on the tracker's network, or leave --host out to listen on every address",
    });
    const six = listenAddress('::1', [at('fd00::5')]);
    assert.equal(six.ok, false);
    assert.match((six as { problem: string }).problem, /^--tracker \[fd00::5\]:12345 is not on/);
  });
});

describe('addresses', () => {
  test('loopback: 127.0.0.0/8, ::1 however written, 127.x mapped into IPv6', () => {
    for (const yes of ['127.0.0.1', '127.200.1.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])
      assert.equal(isLoopbackAddress(yes), true, yes);
    for (const no of ['10.0.0.1', '0.0.0.0', '::', '::11', 'fe80::1', '::ffff:10.0.0.1', 'x'])
      assert.equal(isLoopbackAddress(no), false, no);
  });

  test('an owner out of reach: at loopback from a tracker elsewhere, or elsewhere from loopback', () => {
    const elsewhere = () => false;
    assert.match(
      reachError('0.0.0.0', '10.0.0.5', '127.0.0.1', elsewhere) ?? '',
      /^a loopback address of the tracker's machine, where that node reached the tracker from/,
    );
    // This node on the tracker's machine: that machine's loopback is its own.
    assert.equal(
      reachError('0.0.0.0', '10.0.0.5', '127.0.0.1', () => true),
      null,
    );
    assert.match(
      reachError('127.0.0.1', '127.0.0.1', '10.0.0.9', elsewhere) ?? '',
      /^which this node cannot reach: it listens on 127\.0\.0\.1, a loopback address/,
    );
    assert.equal(reachError('127.0.0.1', '127.0.0.1', '127.0.0.1', elsewhere), null);
    assert.equal(reachError('0.0.0.0', '10.0.0.5', '10.0.0.9', elsewhere), null);
    assert.equal(reachError('0.0.0.0', '127.0.0.1', '10.0.0.9', elsewhere), null);
  });

  test('an owner of the other IP family (a tracker on `::` names both) is out of reach, but for a node on ::', () => {
    const elsewhere = () => false;
    assert.equal(
      reachError('0.0.0.0', '::', '2001:db8::7', elsewhere),
      "an IPv6 address, which this node cannot reach: it listens on IPv4 (0.0.0.0); IPv4 and IPv6 nodes swarm each with their own family (a node given the tracker's IPv6 address and --host :: reaches both)",
    );
    assert.match(
      reachError('2001:db8::2', '2001:db8::1', '10.0.0.9', elsewhere) ?? '',
      /^an IPv4 address, which this node cannot reach: it listens on IPv6 \(2001:db8::2\);/,
    );
    assert.equal(reachError('::', '2001:db8::1', '10.0.0.9', elsewhere), null);
    assert.equal(reachError('::', '2001:db8::1', '2001:db8::7', elsewhere), null);
  });
});

test('bt-tui peer: a loopback --host with a tracker elsewhere is one line, exit 2', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bt-listen-'));
  const cli = spawnCli(
    ['peer', '--id', '1', '--headless', '--host', '127.0.0.1'].concat([
      '--tracker',
      '192.0.2.10:6881',
      '--files',
      dir,
      '--logs',
      join(dir, 'logs'),
    ]),
  );
  const exit = await cli.waitForExit();
  assert.deepEqual(exit, { code: 2, signal: null });
  assert.deepEqual(cli.stderr, [
    "bt-tui: --tracker 192.0.2.10:6881 is not on this machine, and --host 127.0.0.1 is a loopback address, from which nothing leaves it: give --host this machine's address on the tracker's network, or leave --host out to listen on every address",
  ]);
  assert.deepEqual(cli.stdout, []);
  await rm(dir, { recursive: true, force: true });
});
