/**
 * A node of another bt-tui version cannot decode this version's datagrams, so without help it
 * would only see a tracker that never answers. This wrapper around the tracker's socket answers
 * another version's REGISTER with an ERROR in that version's own framing, saying what to do; the
 * datagram still goes on to the endpoint, which counts it as `bad-version`. The answer is never
 * larger than the REGISTER (padded to 256 bytes in every version), so it amplifies nothing.
 * Versions 1 to 5 share the header, REGISTER's type code and ERROR's body; a later version must
 * keep them for an older tracker's answer to reach its nodes.
 */
import { PassthroughTransport } from '../net/passthrough-transport.ts';
import type { RemoteAddress } from '../net/transport.ts';
import { encode, PROTOCOL_MAGIC, PROTOCOL_VERSION, relabelVersion } from '../protocol/codec.ts';

const OLDEST_ANSWERED_VERSION = 1;
const REGISTER_TYPE_CODE = 0x01;
const TXID_OFFSET = 5;
const MIN_DATAGRAM_BYTES = 13;

/** What an older node is told (its log and view show the text). */
export const OLD_VERSION_TEXT = `this tracker speaks bt-tui protocol ${PROTOCOL_VERSION} (files announced 16 to a datagram, DATA tagged, nodes prove a key pair): upgrade bt-tui on this node`;
/** What a newer node is told: the tracker is the one to upgrade. */
export const NEWER_VERSION_TEXT = `this tracker speaks bt-tui protocol ${PROTOCOL_VERSION}, older than this node's: upgrade bt-tui on the tracker's machine`;

/** Answers other versions' REGISTERs; everything else passes through untouched. */
export class OtherVersionAnswer extends PassthroughTransport {
  /** Other versions' REGISTERs answered. */
  answered = 0;

  protected override onReceive(datagram: Buffer, from: RemoteAddress): void {
    const version = datagram[2] ?? 0;
    if (
      datagram.length >= MIN_DATAGRAM_BYTES &&
      datagram.readUInt16BE(0) === PROTOCOL_MAGIC &&
      version >= OLDEST_ANSWERED_VERSION &&
      version !== PROTOCOL_VERSION &&
      datagram[3] === REGISTER_TYPE_CODE
    ) {
      const txid = datagram.readUInt32BE(TXID_OFFSET);
      const text = version < PROTOCOL_VERSION ? OLD_VERSION_TEXT : NEWER_VERSION_TEXT;
      const error = encode(txid, { type: 'error', code: 'bad-request', text });
      const answer = relabelVersion(error, version);
      if (answer.length <= datagram.length) {
        this.answered++;
        this.inner.send(answer, answer.length, from);
      }
    }
    this.passUp(datagram, from);
  }
}
