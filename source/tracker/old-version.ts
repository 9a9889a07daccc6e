/**
 * A node of an older bt-tui cannot decode this version's datagrams, so without help it would
 * only see a tracker that never answers. This wrapper around the tracker's socket answers an
 * older version's REGISTER with an ERROR in that version's own framing, saying what to do; the
 * datagram still goes on to the endpoint, which counts it as `bad-version`. The answer is never
 * larger than the REGISTER (padded to 256 bytes in every version), so it amplifies nothing.
 */
import { PassthroughTransport } from '../net/passthrough-transport.ts';
import type { RemoteAddress } from '../net/transport.ts';
import { encode, PROTOCOL_MAGIC, PROTOCOL_VERSION, relabelVersion } from '../protocol/codec.ts';

/** Versions whose ERROR body (code u8, text) and REGISTER type code (0x01) match ours. */
const OLDEST_ANSWERED_VERSION = 1;
const REGISTER_TYPE_CODE = 0x01;
const TXID_OFFSET = 5;
const MIN_DATAGRAM_BYTES = 13;

/** What an older node is told (its log and view show the text). */
export const OLD_VERSION_TEXT = `this tracker speaks bt-tui protocol ${PROTOCOL_VERSION} (files announced 16 to a datagram, DATA tagged, nodes prove a key pair): upgrade bt-tui on this node`;

/** Answers older versions' REGISTERs; everything else passes through untouched. */
export class OldVersionAnswer extends PassthroughTransport {
  /** Older REGISTERs answered. */
  answered = 0;

  protected override onReceive(datagram: Buffer, from: RemoteAddress): void {
    const version = datagram[2] ?? 0;
    if (
      datagram.length >= MIN_DATAGRAM_BYTES &&
      datagram.readUInt16BE(0) === PROTOCOL_MAGIC &&
      version >= OLDEST_ANSWERED_VERSION &&
      version < PROTOCOL_VERSION &&
      datagram[3] === REGISTER_TYPE_CODE
    ) {
      const txid = datagram.readUInt32BE(TXID_OFFSET);
      const error = encode(txid, { type: 'error', code: 'bad-request', text: OLD_VERSION_TEXT });
      const answer = relabelVersion(error, version);
      if (answer.length <= datagram.length) {
        this.answered++;
        this.inner.send(answer, answer.length, from);
      }
    }
    this.passUp(datagram, from);
  }
}
