import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type DatagramTransport, openUdpTransport } from '../../source/net/transport.ts';

const HOST = '127.0.0.1';
const MiB = 1024 * 1024;

async function open(port = 0, receiveBufferBytes = 8 * MiB): Promise<DatagramTransport> {
  const opened = await openUdpTransport({
    host: HOST,
    port,
    receiveBufferBytes,
    sendBufferBytes: 4 * MiB,
  });
  if (!opened.ok) throw new Error(opened.error.message);
  return opened.transport;
}

describe('openUdpTransport', () => {
  test('binds a free port and reports the real one', async () => {
    const transport = await open();
    try {
      assert.equal(transport.localAddress.address, HOST);
      assert.ok(transport.localAddress.port > 0);
    } finally {
      await transport.close();
    }
  });

  test('the kernel grants at least its default receive buffer', async (t) => {
    const transport = await open();
    try {
      t.diagnostic(
        `asked 8 MiB: receive buffer ${transport.receiveBufferBytes} B, send buffer ${transport.sendBufferBytes} B`,
      );
      assert.ok(transport.receiveBufferBytes >= 212_992, `${transport.receiveBufferBytes}`);
    } finally {
      await transport.close();
    }
  });

  test('a taken port is an address-in-use error with a sentence for a person', async () => {
    const first = await open();
    try {
      const port = first.localAddress.port;
      const second = await openUdpTransport({
        host: HOST,
        port,
        receiveBufferBytes: MiB,
        sendBufferBytes: MiB,
      });
      assert.deepEqual(second, {
        ok: false,
        error: {
          code: 'address-in-use',
          message: `port ${port} on 127.0.0.1 is already in use (is another bt-tui running?)`,
        },
      });
    } finally {
      await first.close();
    }
  });

  test('an address this machine does not have is address-not-available', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a host, and bind sends nothing.
    const opened = await openUdpTransport({
      host: '192.0.2.1',
      port: 0,
      receiveBufferBytes: MiB,
      sendBufferBytes: MiB,
    });
    assert.equal(opened.ok ? 'opened' : opened.error.code, 'address-not-available');
    // It names the addresses this machine has: what --host can be here.
    assert.match(
      opened.ok ? '' : opened.error.message,
      /^192\.0\.2\.1 is not an address of this machine \(its addresses: [^)]*\b127\.0\.0\.1\b[^)]*\), so nothing can listen on it$/,
    );
  });

  test('a datagram goes from one transport to another with the sender address', async () => {
    const a = await open();
    const b = await open();
    try {
      const arrived = new Promise<{ datagram: Buffer; port: number; address: string }>((resolve) =>
        b.setReceiver((datagram, from) =>
          resolve({ datagram, port: from.port, address: from.address }),
        ),
      );
      const bytes = Buffer.from('hello, and some bytes the receiver must not see');
      a.send(bytes, 5, b.localAddress);
      const got = await arrived;
      assert.deepEqual(got, {
        datagram: Buffer.from('hello'),
        port: a.localAddress.port,
        address: HOST,
      });
      assert.equal(a.sendErrors, 0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('a send that cannot happen is counted, not thrown', async () => {
    const transport = await open();
    try {
      transport.send(Buffer.alloc(70_000), 70_000, { address: HOST, port: 9 });
      transport.send(Buffer.alloc(4), 4, { address: HOST, port: 70_000 });
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(transport.sendErrors, 2);
    } finally {
      await transport.close();
    }
    transport.send(Buffer.alloc(4), 4, { address: HOST, port: 9 });
    assert.equal(transport.sendErrors, 3);
    await transport.close();
  });

  test('an uncounted send arrives like any other, and one that cannot happen is not counted', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    try {
      const arrived = new Promise<Buffer>((resolve) =>
        b.setReceiver((datagram) => resolve(datagram)),
      );
      a.sendUncounted(Buffer.from('bulk bytes'), 4, b.localAddress);
      assert.deepEqual(await arrived, Buffer.from('bulk'));
      a.sendUncounted(Buffer.alloc(70_000), 70_000, { address: HOST, port: 9 });
      a.sendUncounted(Buffer.alloc(4), 4, { address: HOST, port: 70_000 });
      // A run to a port out of range once reached the addon, which threw a RangeError.
      const run = { buffer: Buffer.alloc(8), stride: 4, count: 2, lastLength: 4 };
      a.sendUncountedRun(run, { address: HOST, port: 70_000 });
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(a.sendErrors, 0);
      assert.equal(a.unsentDatagrams, 0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
