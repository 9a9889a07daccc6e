import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { after, describe, type TestContext, test } from 'node:test';
import { describeUdpPath, ipv4ToU32 } from '../../source/net/native-udp.ts';
import {
  type DatagramTransport,
  openUdpTransport,
  type RemoteAddress,
} from '../../source/net/transport.ts';

const HOST = '127.0.0.1';
const MiB = 1024 * 1024;
const MAX_IPV4_PAYLOAD = 65_507;
const MAX_IPV6_PAYLOAD = 65_527;

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function openTransport(host = HOST): Promise<DatagramTransport> {
  const opened = await openUdpTransport({
    host,
    port: 0,
    receiveBufferBytes: 8 * MiB,
    sendBufferBytes: 4 * MiB,
  });
  if (!opened.ok) throw new Error(opened.error.message);
  cleanups.push(() => opened.transport.close());
  return opened.transport;
}

async function plainSocket(host = HOST): Promise<Socket> {
  const type = host.includes(':') ? 'udp6' : 'udp4';
  const socket = createSocket({ type, recvBufferSize: 8 * MiB });
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  cleanups.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return socket;
}

/** Datagram `i` of `length` bytes: its index, then bytes that depend on both. */
function numbered(i: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let at = 0; at < length; at++) bytes[at] = (i * 31 + at * 7) & 255;
  if (length >= 4) bytes.writeUInt32BE(i, 0);
  return bytes;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 3_000) {
  const startMs = performance.now();
  while (!condition()) {
    if (performance.now() - startMs > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const onLinux = process.platform === 'linux';

describe('batched UDP (the udp_batch addon)', () => {
  test('on Linux the addon is built and IPv4 and IPv6 transports receive through it', async (t) => {
    if (!onLinux) return;
    assert.equal(
      describeUdpPath(true),
      'UDP batched by recvmmsg/sendmmsg',
      'the udp_batch addon is not built here: npm ci builds it (python3, make and g++ needed)',
    );
    const transport = await openTransport();
    assert.equal(transport.receivesIntoReusedMemory, true);
    assert.equal(
      describeUdpPath(false),
      'UDP one datagram per call: a socket the addon cannot take',
    );
    const ipv6 = await openOrSkip(t, '::1');
    if (ipv6 !== null) assert.equal(ipv6.receivesIntoReusedMemory, true);
  });

  /** A transport on `host`; for an IPv6 one, null (the test skipped) on a machine without. */
  async function openOrSkip(t: TestContext, host: string): Promise<DatagramTransport | null> {
    try {
      return await openTransport(host);
    } catch (error) {
      if (!host.includes(':')) throw error;
      t.skip(`no IPv6 loopback here: ${(error as Error).message}`);
      return null;
    }
  }

  for (const [family, host, largest] of [
    ['IPv4', HOST, MAX_IPV4_PAYLOAD],
    ['IPv6', '::1', MAX_IPV6_PAYLOAD],
  ] as const) {
    test(`${family}: every datagram arrives whole, in order, from its real sender, 1 B to ${largest.toLocaleString('en')} B`, async (t) => {
      const transport = await openOrSkip(t, host);
      if (transport === null) return;
      await everyDatagramArrives(transport, await plainSocket(host), host, largest);
    });
  }

  async function everyDatagramArrives(
    transport: DatagramTransport,
    sender: Socket,
    host: string,
    largest: number,
  ) {
    const lengths = [1, 2, 53, 1_400, 16_437, 16_384, largest, 3, 60_000, 9_000];
    const got: Array<{ digest: string; length: number; from: RemoteAddress }> = [];
    // Receivers may keep nothing of `datagram` after the call: the test keeps a digest.
    transport.setReceiver((datagram, from) => {
      got.push({ digest: sha(datagram), length: datagram.length, from });
    });
    const total = 120;
    const sent: Buffer[] = [];
    for (let i = 0; i < total; i++) sent.push(numbered(i, lengths[i % lengths.length]!));
    // A few at a time, so a batch is sometimes full and sometimes not, and no buffer overflows.
    for (let i = 0; i < total; i += 8) {
      for (const datagram of sent.slice(i, i + 8)) {
        sender.send(datagram, transport.localAddress.port, host);
      }
      await waitUntil(() => got.length >= Math.min(i + 8, total), `datagram ${i + 8}`);
    }
    assert.equal(got.length, total);
    const senderPort = sender.address().port;
    for (let i = 0; i < total; i++) {
      assert.equal(got[i]!.length, sent[i]!.length, `length of datagram ${i}`);
      assert.equal(got[i]!.digest, sha(sent[i]!), `bytes of datagram ${i}`);
      assert.deepEqual({ ...got[i]!.from }, { address: host, port: senderPort });
    }
  }

  test('a run goes out as separate datagrams: stride apart, the last one shorter', async () => {
    const transport = await openTransport();
    const receiver = await plainSocket();
    const stride = 1_053;
    const count = 64;
    const lastLength = 500;
    const run = Buffer.alloc(stride * count);
    for (let i = 0; i < count; i++) numbered(i, stride).copy(run, i * stride);
    const got: Buffer[] = [];
    receiver.on('message', (datagram) => got.push(datagram));
    const to = { address: HOST, port: receiver.address().port };
    transport.sendUncountedRun({ buffer: run, stride, count, lastLength }, to);
    await waitUntil(() => got.length === count, `${count} datagrams`);
    for (let i = 0; i < count; i++) {
      const expected = run.subarray(
        i * stride,
        i * stride + (i + 1 === count ? lastLength : stride),
      );
      assert.ok(got[i]!.equals(expected), `datagram ${i}`);
    }
    assert.equal(transport.sendErrors, 0);
  });

  /**
   * Sends a run of numbered datagrams from one transport to another over loopback; checks each
   * arrives whole and in order, handed over one at a time. Returns the receiver.
   */
  async function sendRunAcross(stride: number, count: number, lastLength: number, host = HOST) {
    const sender = await openTransport(host);
    const transport = await openTransport(host);
    const run = Buffer.alloc(stride * count);
    for (let i = 0; i < count; i++) numbered(i, stride).copy(run, i * stride);
    const got: Buffer[] = [];
    // Copied: the datagram's memory is reused for the next batch.
    transport.setReceiver((datagram) => got.push(Buffer.from(datagram)));
    sender.sendUncountedRun({ buffer: run, stride, count, lastLength }, transport.localAddress);
    await waitUntil(() => got.length === count, `${count} datagrams`);
    for (let i = 0; i < count; i++) {
      const length = i + 1 === count ? lastLength : stride;
      assert.ok(got[i]!.equals(run.subarray(i * stride, i * stride + length)), `datagram ${i}`);
    }
    assert.equal(sender.sendErrors, 0);
    return transport;
  }

  test('a run of frame-sized datagrams goes out segmented (GSO), arrives coalesced (GRO), and is handed over one datagram at a time', async () => {
    if (!onLinux) return;
    const transport = await sendRunAcross(1_472, 64, 700);
    assert.equal(transport.coalescesReceived, true, 'UDP GRO is on (Linux 5.0 and later)');
    assert.ok(
      transport.coalescedDatagrams > 0,
      'the kernel coalesced some of them (UDP GRO; Linux 5.0 and later)',
    );
  });

  test('a run of 16 KiB datagrams over loopback, whose MTU holds them whole, goes segmented too: three to a send, arriving coalesced', async () => {
    if (!onLinux) return;
    const transport = await sendRunAcross(16_437, 16, 5_000);
    // Sent one by one (sendmmsg) they would arrive one by one: none coalesced.
    assert.ok(transport.coalescedDatagrams > 0, 'the kernel handed some over coalesced (UDP GRO)');
  });

  test('IPv6: runs of frame-sized and of 16 KiB datagrams go out segmented and arrive coalesced, each whole', async (t) => {
    if (!onLinux || (await openOrSkip(t, '::1')) === null) return;
    for (const [stride, count, lastLength] of [
      [1_452, 64, 700],
      [16_437, 16, 5_000],
    ] as const) {
      const transport = await sendRunAcross(stride, count, lastLength, '::1');
      assert.ok(transport.coalescedDatagrams > 0, `${stride} B: some arrived coalesced (UDP GRO)`);
    }
  });

  test('the payload that reaches a peer in one frame: the route MTU less the IP and UDP headers (28 over IPv4, 48 over IPv6)', async (t) => {
    if (!onLinux) return;
    const transport = await openTransport();
    const loopbackMtu = Number(readFileSync('/sys/class/net/lo/mtu', 'utf8'));
    // An IPv4 packet is at most 65,535 bytes whatever the interface's MTU (lo's is 65,536).
    const expected = Math.min(loopbackMtu, 65_535) - 28;
    assert.equal(transport.unfragmentedPayloadBytes({ address: HOST, port: 9 }), expected);
    assert.equal(transport.unfragmentedPayloadBytes({ address: 'localhost', port: 9 }), null);
    assert.equal(transport.unfragmentedPayloadBytes({ address: '::1', port: 9 }), null);
    const ipv6 = await openOrSkip(t, '::1');
    if (ipv6 === null) return;
    // IPv6's length field leaves out its own header: the route's MTU is the limit, 40 + 8 less.
    assert.equal(ipv6.unfragmentedPayloadBytes({ address: '::1', port: 9 }), loopbackMtu - 48);
    assert.equal(ipv6.unfragmentedPayloadBytes({ address: '0:0::1', port: 9 }), loopbackMtu - 48);
    // An IPv4 peer of an IPv6 socket travels as IPv4: 28 bytes of headers.
    assert.equal(ipv6.unfragmentedPayloadBytes({ address: HOST, port: 9 }), expected);
  });

  test('single sends and runs, mixed, arrive in the order sent, only `length` bytes of each', async () => {
    const transport = await openTransport();
    const receiver = await plainSocket();
    const got: Buffer[] = [];
    receiver.on('message', (datagram) => got.push(datagram));
    const to = { address: HOST, port: receiver.address().port };
    // A view into the middle of a larger buffer, sent shorter than the view: the addon must use
    // the view's offset and `length`, not the whole buffer.
    const backing = Buffer.concat([Buffer.alloc(7, 0xee), numbered(0, 300), Buffer.alloc(9, 0xee)]);
    const view = backing.subarray(7, 7 + 300);
    transport.send(view, 200, to);
    transport.sendUncounted(numbered(1, 64), 64, to);
    const run = Buffer.concat([numbered(2, 50), numbered(3, 50)]);
    transport.sendUncountedRun({ buffer: run, stride: 50, count: 2, lastLength: 50 }, to);
    transport.send(numbered(4, 1), 1, to);
    await waitUntil(() => got.length === 5, 'five datagrams');
    assert.deepEqual(
      got.map((datagram) => datagram.length),
      [200, 64, 50, 50, 1],
    );
    assert.ok(got[0]!.equals(numbered(0, 300).subarray(0, 200)));
    assert.ok(got[1]!.equals(numbered(1, 64)));
    assert.ok(got[2]!.equals(numbered(2, 50)));
    assert.ok(got[3]!.equals(numbered(3, 50)));
    assert.ok(got[4]!.equals(numbered(4, 1)));
    assert.equal(transport.sendErrors, 0);
  });

  test('a run to a host name still goes out (through node:dgram)', async () => {
    const transport = await openTransport();
    const receiver = await plainSocket();
    const got: Buffer[] = [];
    receiver.on('message', (datagram) => got.push(datagram));
    const run = Buffer.concat([numbered(0, 100), numbered(1, 100)]);
    transport.sendUncountedRun(
      { buffer: run, stride: 100, count: 2, lastLength: 100 },
      {
        address: 'localhost',
        port: receiver.address().port,
      },
    );
    await waitUntil(() => got.length === 2, 'two datagrams to localhost');
    // Each send resolves the name on its own, so the two may arrive in either order.
    const indices = got.map((datagram) => datagram.readUInt32BE(0)).sort();
    assert.deepEqual(indices, [0, 1]);
    for (const datagram of got) assert.ok(datagram.equals(numbered(datagram.readUInt32BE(0), 100)));
  });

  test('a dual-stack socket (`::`) names IPv6 senders as node:dgram does and IPv4 ones a.b.c.d, and answers each there', async (t) => {
    const transport = await openOrSkip(t, '::');
    if (transport === null) return;
    assert.equal(transport.receivesIntoReusedMemory, onLinux);
    const port = transport.localAddress.port;
    const senders = [
      { host: '::1', to: '::1', name: '::1' },
      { host: '::1', to: '0:0::1', name: '::1' },
      // The kernel says ::ffff:127.0.0.1; an IPv4 node knows the host as 127.0.0.1.
      { host: HOST, to: HOST, name: HOST },
    ];
    for (const [index, { host, to, name }] of senders.entries()) {
      const socket = await plainSocket(host);
      const echoed: Array<{ bytes: Buffer; address: string }> = [];
      socket.on('message', (bytes, rinfo) => echoed.push({ bytes, address: rinfo.address }));
      // The transport sees `name`: it is what it echoes to, and the echo must arrive.
      let seen = '';
      transport.setReceiver((datagram, from) => {
        seen = from.address;
        assert.equal(from.port, socket.address().port);
        transport.sendUncounted(datagram, datagram.length, from);
      });
      socket.send(numbered(index, 300), port, to);
      await waitUntil(() => echoed.length === 1, `the echo to ${to}`);
      assert.equal(seen, name);
      assert.ok(echoed[0]!.bytes.equals(numbered(index, 300)));
    }
    assert.equal(transport.sendErrors, 0);
  });

  test('through node:dgram (BT_TUI_NATIVE_UDP=0) a dual-stack socket names and answers an IPv4 sender a.b.c.d too', (t) => {
    // In a child: the choice is made once per process.
    const script = `
      import { createSocket } from 'node:dgram';
      import { openUdpTransport } from './source/net/transport.ts';
      const opened = await openUdpTransport({ host: '::', port: 0, receiveBufferBytes: 1 << 20, sendBufferBytes: 1 << 20 });
      if (!opened.ok) { console.log('no IPv6'); process.exit(0); }
      const transport = opened.transport;
      let seen = '';
      transport.setReceiver((datagram, from) => {
        seen = from.address;
        transport.send(datagram, datagram.length, from);
      });
      const sender = createSocket('udp4');
      const echoed = new Promise((resolve) => sender.on('message', (m) => resolve(m.toString())));
      sender.bind(0, '127.0.0.1', () => sender.send('hello', transport.localAddress.port, '127.0.0.1'));
      const echo = await echoed;
      console.log(seen, echo, transport.receivesIntoReusedMemory, transport.sendErrors);
      sender.close();
      await transport.close();
    `;
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { env: { ...process.env, BT_TUI_NATIVE_UDP: '0' }, encoding: 'utf8', timeout: 20_000 },
    ).trim();
    if (out === 'no IPv6') {
      t.skip('no IPv6 here');
      return;
    }
    assert.equal(out, '127.0.0.1 hello false 0');
  });

  test('closing stops delivery at once and frees the port', async () => {
    const transport = await openTransport();
    const port = transport.localAddress.port;
    let received = 0;
    transport.setReceiver(() => {
      received++;
    });
    await transport.close();
    const sender = await plainSocket();
    sender.send(numbered(1, 64), port, HOST);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(received, 0);
    const again = await openUdpTransport({
      host: HOST,
      port,
      receiveBufferBytes: MiB,
      sendBufferBytes: MiB,
    });
    assert.equal(again.ok, true, 'the port is free again');
    if (again.ok) await again.transport.close();
  });

  test('BT_TUI_NATIVE_UDP=0 falls back to node:dgram, says why, and a run still arrives', () => {
    // In a child: the choice is made once per process.
    const script = `
      import { describeUdpPath } from './source/net/native-udp.ts';
      import { openUdpTransport } from './source/net/transport.ts';
      const opened = await openUdpTransport({ host: '127.0.0.1', port: 0, receiveBufferBytes: 1 << 20, sendBufferBytes: 1 << 20 });
      const transport = opened.transport;
      const got = [];
      transport.setReceiver((datagram) => got.push(datagram.toString()));
      transport.sendUncountedRun({ buffer: Buffer.from('aaabbbcc'), stride: 3, count: 3, lastLength: 2 }, transport.localAddress);
      while (got.length < 3) await new Promise((resolve) => setTimeout(resolve, 2));
      console.log(describeUdpPath(transport.receivesIntoReusedMemory));
      console.log(transport.receivesIntoReusedMemory, got.join(','));
      await transport.close();
    `;
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { env: { ...process.env, BT_TUI_NATIVE_UDP: '0' }, encoding: 'utf8', timeout: 20_000 },
    );
    assert.equal(out.trim(), 'UDP one datagram per call: BT_TUI_NATIVE_UDP=0\nfalse aaa,bbb,cc');
  });

  test('ipv4ToU32 reads dotted quads and refuses anything else', () => {
    assert.equal(ipv4ToU32('127.0.0.1'), 0x7f000001);
    assert.equal(ipv4ToU32('255.255.255.255'), 0xffffffff);
    assert.equal(ipv4ToU32('198.18.0.10'), 0xc612000a);
    assert.equal(ipv4ToU32('::1'), -1);
    assert.equal(ipv4ToU32('localhost'), -1);
    assert.equal(ipv4ToU32('256.1.1.1'), -1);
  });
});

function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
