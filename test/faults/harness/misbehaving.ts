/**
 * Misbehaving owners built from honest ones: a real PeerNode whose socket is wrapped so that
 * REQUESTs never reach it (it still answers HELLO and serves metainfo), are answered 'busy'
 * every time, or are served slowly. The wrapper counts the REQUESTs it intercepted.
 */

import type { DatagramTransport, RemoteAddress } from '../../../source/net/transport.ts';
import { decode, encode, peekHeader } from '../../../source/protocol/codec.ts';

/** What a misbehaving owner does with a REQUEST. */
export type RequestBehaviour = 'ignore' | 'busy';

/** Passes everything but REQUESTs through; REQUESTs are ignored or refused 'busy'. */
export class RequestInterceptor implements DatagramTransport {
  /** REQUEST datagrams that arrived (and never reached the node). */
  requests = 0;
  /** When each REQUEST arrived (performance.now() ms). */
  readonly requestTimesMs: number[] = [];
  private receiver: (datagram: Buffer, from: RemoteAddress) => void = () => {};

  constructor(
    private readonly inner: DatagramTransport,
    private readonly behaviour: RequestBehaviour,
  ) {
    inner.setReceiver((datagram, from) => {
      const header = peekHeader(datagram);
      if (!header.ok || header.type !== 'request') {
        this.receiver(datagram, from);
        return;
      }
      this.requests++;
      this.requestTimesMs.push(performance.now());
      if (this.behaviour === 'ignore') return;
      const decoded = decode(datagram);
      if (!decoded.ok || decoded.message.type !== 'request') return;
      const { infohash, piece, begin } = decoded.message;
      const reject = encode(decoded.txid, {
        type: 'reject',
        infohash,
        piece,
        begin,
        reason: 'busy',
      });
      inner.send(reject, reject.length, from);
    });
  }

  get localAddress(): RemoteAddress {
    return this.inner.localAddress;
  }
  get receiveBufferBytes(): number {
    return this.inner.receiveBufferBytes;
  }
  get sendBufferBytes(): number {
    return this.inner.sendBufferBytes;
  }
  get sendErrors(): number {
    return this.inner.sendErrors;
  }
  send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    this.inner.send(datagram, length, to);
  }
  setReceiver(handler: (datagram: Buffer, from: RemoteAddress) => void): void {
    this.receiver = handler;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
