/**
 * A stranger on the LAN forging HAVEs: wrapped around a downloader's socket, it answers each of
 * the first `times` HAVEs that arrive from any owner with a forged one "from" the same address
 * claiming every piece — what a raw socket with a spoofed source address can do. Its txid is not
 * that of the downloader's BITFIELD request, which a stranger does not see.
 */
import { PassthroughTransport } from '../../../source/net/passthrough-transport.ts';
import type { RemoteAddress } from '../../../source/net/transport.ts';
import { decode, encode } from '../../../source/protocol/codec.ts';
import { MAX_HAVE_PIECES } from '../../../source/protocol/messages.ts';

export class HaveForger extends PassthroughTransport {
  forged = 0;

  constructor(
    inner: ConstructorParameters<typeof PassthroughTransport>[0],
    private readonly pieceCount: number,
    private readonly times = 1,
  ) {
    super(inner);
  }

  protected override onReceive(datagram: Buffer, from: RemoteAddress): void {
    this.passUp(datagram, from);
    if (this.forged >= this.times) return;
    const decoded = decode(datagram);
    if (!decoded.ok || decoded.message.type !== 'have') return;
    this.forged++;
    for (let first = 0; first < this.pieceCount; first += MAX_HAVE_PIECES) {
      const pieces = [];
      for (let piece = first; piece < Math.min(this.pieceCount, first + MAX_HAVE_PIECES); piece++)
        pieces.push(piece);
      const txid = (decoded.txid + 0x9e37) >>> 0;
      const lie = encode(txid, { type: 'have', infohash: decoded.message.infohash, pieces });
      this.passUp(lie, from);
    }
  }
}
