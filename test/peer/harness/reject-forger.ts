/**
 * A stranger on the LAN forging REJECTs: wrapped around a downloader's socket, each time the
 * downloader asks `ownerPort` for a block run, it hands the downloader a REJECT (`missing-piece`
 * unless told otherwise) for that run "from" the owner's address before any answer can come —
 * what a raw socket with a spoofed source address can do. Its txid is not the request's: a
 * stranger does not see requests on a switched LAN. Forges at most `limit`, for distinct pieces.
 */
import { PassthroughTransport } from '../../../source/net/passthrough-transport.ts';
import type { RemoteAddress } from '../../../source/net/transport.ts';
import { decode, encode } from '../../../source/protocol/codec.ts';
import type { RejectReason } from '../../../source/protocol/messages.ts';

export class RejectForger extends PassthroughTransport {
  /** Set once the owner is known; until then nothing is forged. */
  ownerPort = 0;
  readonly forgedPieces = new Set<number>();

  constructor(
    inner: ConstructorParameters<typeof PassthroughTransport>[0],
    private readonly limit: number,
    private readonly reason: RejectReason = 'missing-piece',
  ) {
    super(inner);
  }

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    super.send(datagram, length, to);
    if (to.port !== this.ownerPort || this.forgedPieces.size >= this.limit) return;
    const decoded = decode(datagram.subarray(0, length));
    if (!decoded.ok || decoded.message.type !== 'request') return;
    const { infohash, piece, begin } = decoded.message;
    if (this.forgedPieces.has(piece)) return;
    this.forgedPieces.add(piece);
    const txid = (decoded.txid + 0x9e37) >>> 0;
    const lie = encode(txid, { type: 'reject', infohash, piece, begin, reason: this.reason });
    this.passUp(lie, to);
  }
}
