import { PassthroughTransport } from '../../../source/net/passthrough-transport.ts';
import type { RemoteAddress } from '../../../source/net/transport.ts';
import { decode } from '../../../source/protocol/codec.ts';

/** The HELLOs a node says, by destination port (a retransmission keeps its txid: counted once). */
export class HelloCounter extends PassthroughTransport {
  readonly txidsByPort = new Map<number, Set<number>>();

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    const decoded = decode(Buffer.from(datagram.subarray(0, length)));
    if (decoded.ok && decoded.message.type === 'hello') {
      const txids = this.txidsByPort.get(to.port) ?? new Set<number>();
      txids.add(decoded.txid);
      this.txidsByPort.set(to.port, txids);
    }
    super.send(datagram, length, to);
  }

  /** HELLOs said to `port` so far. */
  saidTo(port: number): number {
    return this.txidsByPort.get(port)?.size ?? 0;
  }
}
