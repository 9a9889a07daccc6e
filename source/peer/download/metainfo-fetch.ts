import type { RequestOptions, UdpEndpoint } from '../../net/endpoint.ts';
import type { RemoteAddress } from '../../net/transport.ts';
import type { RejectReason } from '../../protocol/messages.ts';
import {
  decodeMetainfo,
  infohashOf,
  MAX_METAINFO_BYTES,
  type Metainfo,
} from '../../protocol/metainfo.ts';
import { rejectText } from './reject-text.ts';

export type MetainfoOutcome =
  | { ok: true; metainfo: Metainfo; encoded: Buffer }
  /**
   * `lying` marks an owner that answered with bytes that are not what the tracker announced;
   * `refused` is the owner's REJECT, when it sent one.
   */
  | { ok: false; reason: string; lying: boolean; refused?: RejectReason };

/**
 * Fetches a file's metainfo from one owner, chunk by chunk, and trusts it only if its SHA-256
 * is the infohash the tracker gave and it names the expected file (identity from content).
 */
export async function fetchMetainfo(
  endpoint: UdpEndpoint,
  owner: RemoteAddress,
  cookie: Buffer,
  expected: { infohash: Buffer; name: string; sizeBytes: number },
  requestOptions?: RequestOptions,
): Promise<MetainfoOutcome> {
  let assembled: Buffer | null = null;
  let offset = 0;
  do {
    const outcome = await endpoint.request(
      owner,
      { type: 'metainfo-request', cookie, infohash: expected.infohash, offset },
      requestOptions,
    );
    if (!outcome.ok) return { ok: false, reason: 'owner did not answer', lying: false };
    const reply = outcome.reply;
    if (reply.type === 'reject') {
      const reason = `the owner ${rejectText(reply.reason)}`;
      return { ok: false, reason, lying: false, refused: reply.reason };
    }
    if (reply.type !== 'metainfo-data' || !reply.infohash.equals(expected.infohash)) {
      return { ok: false, reason: 'owner sent an unexpected reply', lying: true };
    }
    if (reply.totalLength > MAX_METAINFO_BYTES || reply.offset !== offset) {
      return { ok: false, reason: 'owner sent metainfo out of bounds', lying: true };
    }
    if (assembled === null) assembled = Buffer.alloc(reply.totalLength);
    if (
      assembled.length !== reply.totalLength ||
      (reply.bytes.length === 0 && offset < reply.totalLength)
    ) {
      return { ok: false, reason: 'owner changed the metainfo length', lying: true };
    }
    reply.bytes.copy(assembled, offset);
    offset += reply.bytes.length;
  } while (offset < assembled.length);
  if (!infohashOf(assembled).equals(expected.infohash)) {
    return { ok: false, reason: 'metainfo does not match the infohash', lying: true };
  }
  const decoded = decodeMetainfo(assembled);
  if (!decoded.ok) return { ok: false, reason: 'metainfo is malformed', lying: true };
  const { metainfo } = decoded;
  if (metainfo.name !== expected.name || metainfo.sizeBytes !== expected.sizeBytes) {
    return {
      ok: false,
      reason: 'metainfo names another file than the tracker announced',
      lying: true,
    };
  }
  return { ok: true, metainfo, encoded: assembled };
}
