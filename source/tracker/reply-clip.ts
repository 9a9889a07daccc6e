/**
 * Keeping replies small. An error text is at most MAX_ERROR_TEXT_BYTES on the wire, and a reply
 * to a sender whose address is not proven must not be larger than what it sent (a spoofed
 * source would otherwise turn the tracker into an amplifier: BitTorrent DRDoS, 2015).
 */
import { encode } from '../protocol/codec.ts';
import type { ErrorMessage, TrackerReply, TrackerRequest } from '../protocol/messages.ts';

/**
 * `reply` encoded in at most `maxBytes`, or null when it cannot be: an error loses the end of its
 * text (binary search on the text length, a handful of encodes), anything else is not sent.
 */
export function encodeWithin(
  reply: TrackerReply,
  maxBytes: number,
  encodeReply: (reply: TrackerReply) => Buffer,
): Buffer | null {
  const whole = encodeReply(reply);
  if (whole.length <= maxBytes) return whole;
  if (reply.type !== 'error') return null;
  const chars = Array.from(reply.text);
  const withText = (count: number): Buffer =>
    encodeReply({ ...reply, text: chars.slice(0, count).join('') } satisfies ErrorMessage);
  let bestFit: Buffer | null = null;
  let low = 0;
  let high = chars.length - 1;
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const candidate = withText(middle);
    if (candidate.length <= maxBytes) {
      bestFit = candidate;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return bestFit;
}

/** True when the sender has not shown a valid token from its own address. */
export function isUnvalidated(request: TrackerRequest, reply: TrackerReply): boolean {
  return (
    request.type === 'register' ||
    request.type === 'register-proof' ||
    (reply.type === 'error' && reply.code === 'reregister')
  );
}

/**
 * The datagram answering `request`: whole for a validated sender; for an unvalidated one at
 * most `requestBytes` long (clipped: an error text was shortened), or null when nothing fits.
 */
export function replyDatagram(
  request: TrackerRequest,
  reply: TrackerReply,
  txid: number,
  requestBytes: number,
): { datagram: Buffer; clipped: boolean } | null {
  const whole = encode(txid, reply);
  if (!isUnvalidated(request, reply) || whole.length <= requestBytes) {
    return { datagram: whole, clipped: false };
  }
  const datagram = encodeWithin(reply, requestBytes, (r) => encode(txid, r));
  return datagram ? { datagram, clipped: true } : null;
}
