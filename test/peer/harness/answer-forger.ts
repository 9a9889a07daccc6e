/**
 * A stranger on the LAN forging answers: wrapped around a downloader's socket, each time the
 * downloader asks `ownerPort` for a block run, it hands the downloader an answer "from" the
 * owner's address before any real one can come — what a raw socket with a spoofed source address
 * can do. `forge` says which: a REJECT with that reason, or DATA for the run's first block (random
 * bytes, a valid CRC, the request's tag, which any owner of the download learns from its own
 * REQUESTs). Its txid is not the request's: a stranger does not see requests to others on a
 * switched LAN. Forges at most `limit`, for distinct pieces.
 */
import { randomBytes } from 'node:crypto';
import { PassthroughTransport } from '../../../source/net/passthrough-transport.ts';
import type { RemoteAddress } from '../../../source/net/transport.ts';
import { decode, encode } from '../../../source/protocol/codec.ts';
import type { Message, RejectReason } from '../../../source/protocol/messages.ts';

export class AnswerForger extends PassthroughTransport {
  /** Set once the owner is known; until then nothing is forged. */
  ownerPort = 0;
  readonly forgedPieces = new Set<number>();

  constructor(
    inner: ConstructorParameters<typeof PassthroughTransport>[0],
    private readonly limit: number,
    private readonly forge: RejectReason | 'data' = 'missing-piece',
  ) {
    super(inner);
  }

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    super.send(datagram, length, to);
    if (to.port !== this.ownerPort || this.forgedPieces.size >= this.limit) return;
    const decoded = decode(datagram.subarray(0, length));
    if (!decoded.ok || decoded.message.type !== 'request') return;
    const { infohash, piece, begin, blockLength, tag } = decoded.message;
    if (this.forgedPieces.has(piece)) return;
    this.forgedPieces.add(piece);
    const txid = (decoded.txid + 0x9e37) >>> 0;
    const lie: Message =
      this.forge === 'data'
        ? { type: 'data', tag, piece, begin, bytes: randomBytes(blockLength) }
        : { type: 'reject', infohash, piece, begin, reason: this.forge };
    this.passUp(encode(txid, lie), to);
  }
}
