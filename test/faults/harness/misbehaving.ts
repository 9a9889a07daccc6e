/**
 * Misbehaving owners built from honest ones: a real PeerNode whose socket is wrapped so that
 * REQUESTs never reach it (it still answers HELLO and serves metainfo), are answered 'busy'
 * every time, or are served slowly. The wrapper counts the REQUESTs it intercepted.
 */

import { PassthroughTransport } from '../../../source/net/passthrough-transport.ts';
import type { DatagramTransport, RemoteAddress } from '../../../source/net/transport.ts';
import { decode, encode, peekHeader } from '../../../source/protocol/codec.ts';

/**
 * What a misbehaving owner does with a REQUEST: ignore it, refuse it 'busy', or refuse it as
 * 'missing-piece' (a complete owner that has nothing to give).
 */
export type RequestBehaviour = 'ignore' | 'busy' | 'missing-piece';

/** Passes everything but REQUESTs through; REQUESTs are ignored or refused as `behaviour` says. */
export class RequestInterceptor extends PassthroughTransport {
  /** REQUEST datagrams that arrived (and never reached the node). */
  requests = 0;
  /** When each REQUEST arrived (performance.now() ms). */
  readonly requestTimesMs: number[] = [];

  constructor(
    inner: DatagramTransport,
    private readonly behaviour: RequestBehaviour,
  ) {
    super(inner);
  }

  protected override onReceive(datagram: Buffer, from: RemoteAddress): void {
    {
      const header = peekHeader(datagram);
      if (!header.ok || header.type !== 'request') {
        this.passUp(datagram, from);
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
        reason: this.behaviour,
      });
      this.inner.send(reject, reject.length, from);
    }
  }
}
