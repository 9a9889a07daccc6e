import { type DatagramTransport, openUdpTransport } from '../../source/net/transport.ts';

/** A UDP socket on 127.0.0.1, any free port, 1 MiB buffers each way: what most tests need. */
export async function openLoopbackTransport(): Promise<DatagramTransport> {
  const opened = await openUdpTransport({
    host: '127.0.0.1',
    port: 0,
    receiveBufferBytes: 1 << 20,
    sendBufferBytes: 1 << 20,
  });
  if (!opened.ok) throw new Error(opened.error.message);
  return opened.transport;
}
