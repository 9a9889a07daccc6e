/**
 * A node's socket wrapper that makes it a lying partial owner: every BITFIELD it sends claims
 * every piece, and every DATA it sends has its payload flipped (with a valid checksum, so the
 * downloader sees a bad piece, not damage in transit).
 */
import { PassthroughTransport } from '../../../source/net/passthrough-transport.ts';
import type { RemoteAddress } from '../../../source/net/transport.ts';
import { decode, encode } from '../../../source/protocol/codec.ts';

export class LyingUploader extends PassthroughTransport {
  readonly counts = { bitfields: 0, blocks: 0 };

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    const decoded = decode(datagram.subarray(0, length));
    if (decoded.ok && decoded.message.type === 'bitfield') {
      this.counts.bitfields++;
      const { pieceCount } = decoded.message;
      const bits = Buffer.alloc(decoded.message.bits.length, 0xff);
      const spare = bits.length * 8 - pieceCount;
      if (spare > 0) bits[bits.length - 1] = (0xff << spare) & 0xff;
      const lie = encode(decoded.txid, { ...decoded.message, bits });
      super.send(lie, lie.length, to);
      return;
    }
    if (decoded.ok && decoded.message.type === 'data') {
      this.counts.blocks++;
      const bytes = Buffer.from(decoded.message.bytes);
      for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! ^ 0x5a;
      const lie = encode(decoded.txid, { ...decoded.message, bytes });
      super.send(lie, lie.length, to);
      return;
    }
    super.send(datagram, length, to);
  }
}
