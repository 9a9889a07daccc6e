/**
 * Bodies of the tracker messages (requests 0x01..0x0A, replies 0x41..0x4F): one write and one
 * read function per message, fields in wire order. Reads use the sticky-error Reader, so each
 * returns null exactly when `r.error` is set. Fixed-size fields of decoded messages (token,
 * publicKey, challenge, signature, infohash, downloadId) are views that alias the datagram.
 */
import { CodeTable, checkInteger, checkThat, type Reader, type Writer } from './binary.ts';
import {
  type AckMessage,
  CHALLENGE_BYTES,
  type ChallengeMessage,
  type Credit,
  type ErrorMessage,
  type ExitMessage,
  type HeartbeatMessage,
  type HostPort,
  INFOHASH_BYTES,
  type ListEntry,
  type ListMessage,
  type ListReplyMessage,
  MAX_ERROR_TEXT_BYTES,
  MAX_FILE_SIZE_BYTES,
  MAX_HOST_BYTES,
  MAX_LIST_PAGE,
  MAX_NAME_BYTES,
  MAX_NEED_EXCLUDE,
  MAX_NEED_MATCHES,
  MAX_OWN_MANY_ENTRIES,
  MAX_OWNERS_PER_MATCH,
  MAX_UPDATE_CREDITS,
  MAX_WHO_ADDRESSES,
  type NeedMatch,
  type NeedMessage,
  type NeedQuery,
  type NeedReplyMessage,
  type OwnEntry,
  type OwnerEntry,
  type OwnManyMessage,
  type OwnManyReplyMessage,
  type OwnMessage,
  type OwnRefusal,
  type OwnState,
  PUBLIC_KEY_BYTES,
  REGISTER_DATAGRAM_BYTES,
  type RegisteredMessage,
  type RegisterMessage,
  type RegisterProofMessage,
  SIGNATURE_BYTES,
  TOKEN_BYTES,
  type TrackerErrorCode,
  type UpdateMessage,
  type WhoMessage,
  type WhoReplyMessage,
} from './messages.ts';

/** Download ids are random per download (8 bytes), so a retransmitted UPDATE credits once. */
export const DOWNLOAD_ID_BYTES = 8;

/** ERROR codes on the wire. 0 is left unused so an all-zero body never reads as a valid code. */
export const TRACKER_ERROR_CODES = new CodeTable<TrackerErrorCode>({
  reregister: 1,
  'id-in-use': 2,
  'bad-request': 3,
  full: 4,
  conflict: 5,
  'stale-challenge': 6,
  'bad-proof': 7,
  'not-yet': 8,
});

/** NEED query kinds on the wire. */
export const NEED_QUERY_KINDS = new CodeTable<NeedQuery['kind']>({ name: 0, infohash: 1 });

/** OWN states on the wire. 0 is left unused so an all-zero body never reads as valid. */
export const OWN_STATES = new CodeTable<OwnState>({ complete: 1, partial: 2, withdrawn: 3 });

/** OwnerEntry flags: bit 0 set for a complete owner; other bits must be zero. */
const OWNER_COMPLETE_FLAG = 0x01;

/** Upload credits grow for as long as a node lives, so they are bounded only by exactness. */
const MAX_UPLOAD_CREDIT = Number.MAX_SAFE_INTEGER;

/** `items` as a u8 count (checked against min..max) followed by each item. */
function writeCounted<T>(
  w: Writer,
  items: readonly T[],
  min: number,
  max: number,
  writeItem: (w: Writer, item: T) => void,
): void {
  checkInteger(items.length, min, max, 'count');
  w.u8(items.length, 'count');
  for (const item of items) writeItem(w, item);
}

/** What writeCounted wrote; stops at the first error (the reader then holds it). */
function readCounted<T>(
  r: Reader,
  min: number,
  max: number,
  readItem: (r: Reader) => T | null,
): T[] {
  const count = r.count('count', min, max);
  const items: T[] = [];
  for (let i = 0; i < count && r.error === null; i++) {
    const item = readItem(r);
    if (item !== null && r.error === null) items.push(item);
  }
  return items;
}

// ---- requests ----

function readNodeId(r: Reader): number {
  const nodeId = r.u32('nodeId');
  if (r.error === null && nodeId < 1) r.fail('bad-value', 'nodeId');
  return nodeId;
}

export function writeRegister(w: Writer, m: RegisterMessage): void {
  checkInteger(m.nodeId, 1, 0xffff_ffff, 'nodeId');
  w.u32(m.nodeId, 'nodeId');
  w.fixed(m.publicKey, PUBLIC_KEY_BYTES, 'publicKey');
  // Padded to a fixed size at least as big as any reply: no amplification (see messages.ts).
  w.padTo(REGISTER_DATAGRAM_BYTES, 'padding');
}

export function readRegister(r: Reader): RegisterMessage | null {
  const nodeId = readNodeId(r);
  const publicKey = r.fixed(PUBLIC_KEY_BYTES, 'publicKey');
  r.zeroPaddingTo(REGISTER_DATAGRAM_BYTES);
  return r.error ? null : { type: 'register', nodeId, publicKey };
}

export function writeRegisterProof(w: Writer, m: RegisterProofMessage): void {
  checkInteger(m.nodeId, 1, 0xffff_ffff, 'nodeId');
  w.u32(m.nodeId, 'nodeId');
  w.fixed(m.publicKey, PUBLIC_KEY_BYTES, 'publicKey');
  w.fixed(m.challenge, CHALLENGE_BYTES, 'challenge');
  w.fixed(m.signature, SIGNATURE_BYTES, 'signature');
  // An error answer may be ~215 bytes: the padding keeps it no larger than this request.
  w.padTo(REGISTER_DATAGRAM_BYTES, 'padding');
}

export function readRegisterProof(r: Reader): RegisterProofMessage | null {
  const nodeId = readNodeId(r);
  const publicKey = r.fixed(PUBLIC_KEY_BYTES, 'publicKey');
  const challenge = r.fixed(CHALLENGE_BYTES, 'challenge');
  const signature = r.fixed(SIGNATURE_BYTES, 'signature');
  r.zeroPaddingTo(REGISTER_DATAGRAM_BYTES);
  return r.error ? null : { type: 'register-proof', nodeId, publicKey, challenge, signature };
}

export function writeTokenOnly(w: Writer, m: HeartbeatMessage | ExitMessage): void {
  w.fixed(m.token, TOKEN_BYTES, 'token');
}

export function readHeartbeat(r: Reader): HeartbeatMessage | null {
  const token = r.fixed(TOKEN_BYTES, 'token');
  return r.error ? null : { type: 'heartbeat', token };
}

export function readExit(r: Reader): ExitMessage | null {
  const token = r.fixed(TOKEN_BYTES, 'token');
  return r.error ? null : { type: 'exit', token };
}

function writeOwnEntry(w: Writer, entry: OwnEntry): void {
  w.fixed(entry.infohash, INFOHASH_BYTES, 'infohash');
  w.enum8(OWN_STATES, entry.state, 'state');
  w.u64(entry.size, MAX_FILE_SIZE_BYTES, 'size');
  w.str8(entry.name, MAX_NAME_BYTES, 'name');
}

function readOwnEntry(r: Reader): OwnEntry | null {
  const infohash = r.fixed(INFOHASH_BYTES, 'infohash');
  const state = r.enum8(OWN_STATES, 'state');
  const size = r.u64('size', MAX_FILE_SIZE_BYTES);
  const name = r.str8('name', MAX_NAME_BYTES);
  return r.error || state === null ? null : { infohash, state, size, name };
}

export function writeOwn(w: Writer, m: OwnMessage): void {
  w.fixed(m.token, TOKEN_BYTES, 'token');
  writeOwnEntry(w, m);
}

export function readOwn(r: Reader): OwnMessage | null {
  const token = r.fixed(TOKEN_BYTES, 'token');
  const entry = readOwnEntry(r);
  return entry === null ? null : { type: 'own', token, ...entry };
}

export function writeOwnMany(w: Writer, m: OwnManyMessage): void {
  w.fixed(m.token, TOKEN_BYTES, 'token');
  writeCounted(w, m.entries, 1, MAX_OWN_MANY_ENTRIES, writeOwnEntry);
}

export function readOwnMany(r: Reader): OwnManyMessage | null {
  const token = r.fixed(TOKEN_BYTES, 'token');
  const entries = readCounted(r, 1, MAX_OWN_MANY_ENTRIES, readOwnEntry);
  return r.error ? null : { type: 'own-many', token, entries };
}

export function writeNeed(w: Writer, m: NeedMessage): void {
  w.fixed(m.token, TOKEN_BYTES, 'token');
  checkInteger(m.maxOwners, 1, MAX_OWNERS_PER_MATCH, 'maxOwners');
  w.u8(m.maxOwners, 'maxOwners');
  w.enum8(NEED_QUERY_KINDS, m.query.kind, 'kind');
  if (m.query.kind === 'name') w.str8(m.query.name, MAX_NAME_BYTES, 'name');
  else w.fixed(m.query.infohash, INFOHASH_BYTES, 'infohash');
  checkInteger(m.exclude.length, 0, MAX_NEED_EXCLUDE, 'exclude count');
  w.u8(m.exclude.length, 'excludeCount');
  for (const nodeId of m.exclude) w.u32(nodeId, 'exclude');
}

export function readNeed(r: Reader): NeedMessage | null {
  const token = r.fixed(TOKEN_BYTES, 'token');
  const maxOwners = r.count('maxOwners', 1, MAX_OWNERS_PER_MATCH);
  const kind = r.enum8(NEED_QUERY_KINDS, 'kind');
  let query: NeedQuery;
  if (kind === 'name') query = { kind, name: r.str8('name', MAX_NAME_BYTES) };
  else query = { kind: 'infohash', infohash: r.fixed(INFOHASH_BYTES, 'infohash') };
  const excludeCount = r.count('excludeCount', 0, MAX_NEED_EXCLUDE);
  const exclude: number[] = [];
  for (let i = 0; i < excludeCount && r.error === null; i++) exclude.push(r.u32('exclude'));
  return r.error ? null : { type: 'need', token, query, maxOwners, exclude };
}

export function writeUpdate(w: Writer, m: UpdateMessage): void {
  w.fixed(m.token, TOKEN_BYTES, 'token');
  w.fixed(m.infohash, INFOHASH_BYTES, 'infohash');
  w.fixed(m.downloadId, DOWNLOAD_ID_BYTES, 'downloadId');
  checkInteger(m.credits.length, 1, MAX_UPDATE_CREDITS, 'credits count');
  w.u8(m.credits.length, 'count');
  for (const credit of m.credits) {
    w.u32(credit.nodeId, 'nodeId');
    w.u64(credit.bytes, MAX_FILE_SIZE_BYTES, 'bytes');
  }
}

export function readUpdate(r: Reader): UpdateMessage | null {
  const token = r.fixed(TOKEN_BYTES, 'token');
  const infohash = r.fixed(INFOHASH_BYTES, 'infohash');
  const downloadId = r.fixed(DOWNLOAD_ID_BYTES, 'downloadId');
  const count = r.count('count', 1, MAX_UPDATE_CREDITS);
  const credits: Credit[] = [];
  for (let i = 0; i < count && r.error === null; i++) {
    const nodeId = r.u32('nodeId');
    const bytes = r.u64('bytes', MAX_FILE_SIZE_BYTES);
    credits.push({ nodeId, bytes });
  }
  return r.error ? null : { type: 'update', token, infohash, downloadId, credits };
}

export function writeList(w: Writer, m: ListMessage): void {
  w.fixed(m.token, TOKEN_BYTES, 'token');
  w.u32(m.cursor, 'cursor');
}

export function readList(r: Reader): ListMessage | null {
  const token = r.fixed(TOKEN_BYTES, 'token');
  const cursor = r.u32('cursor');
  return r.error ? null : { type: 'list', token, cursor };
}

// ---- replies ----

export function writeChallenge(w: Writer, m: ChallengeMessage): void {
  w.u32(m.nodeId, 'nodeId');
  w.fixed(m.challenge, CHALLENGE_BYTES, 'challenge');
}

export function readChallenge(r: Reader): ChallengeMessage | null {
  const nodeId = readNodeId(r);
  const challenge = r.fixed(CHALLENGE_BYTES, 'challenge');
  return r.error ? null : { type: 'challenge', nodeId, challenge };
}

export function writeRegistered(w: Writer, m: RegisteredMessage): void {
  w.u32(m.nodeId, 'nodeId');
  w.fixed(m.token, TOKEN_BYTES, 'token');
  checkInteger(m.heartbeatIntervalMs, 1, 0xffff_ffff, 'heartbeatIntervalMs');
  w.u32(m.heartbeatIntervalMs, 'heartbeatIntervalMs');
}

export function readRegistered(r: Reader): RegisteredMessage | null {
  const nodeId = r.u32('nodeId');
  const token = r.fixed(TOKEN_BYTES, 'token');
  const heartbeatIntervalMs = r.u32('heartbeatIntervalMs');
  if (r.error === null && heartbeatIntervalMs < 1) r.fail('bad-value', 'heartbeatIntervalMs');
  return r.error ? null : { type: 'registered', nodeId, token, heartbeatIntervalMs };
}

export function readAck(r: Reader): AckMessage | null {
  return r.error ? null : { type: 'ack' };
}

export function writeOwnManyReply(w: Writer, m: OwnManyReplyMessage): void {
  writeCounted(w, m.refused, 0, MAX_OWN_MANY_ENTRIES, (w, refusal) => {
    checkInteger(refusal.index, 0, MAX_OWN_MANY_ENTRIES - 1, 'index');
    w.u8(refusal.index, 'index');
    w.enum8(TRACKER_ERROR_CODES, refusal.code, 'code');
    w.str8(refusal.text, MAX_ERROR_TEXT_BYTES, 'text');
  });
}

export function readOwnManyReply(r: Reader): OwnManyReplyMessage | null {
  const count = r.count('count', 0, MAX_OWN_MANY_ENTRIES);
  const refused: OwnRefusal[] = [];
  for (let i = 0; i < count && r.error === null; i++) {
    const index = r.u8('index');
    // Ascending, each entry once: an index names one entry of the request, unambiguously.
    const previous = refused.at(-1)?.index ?? -1;
    if (r.error === null && (index >= MAX_OWN_MANY_ENTRIES || index <= previous))
      r.fail('bad-value', 'index');
    const code = r.enum8(TRACKER_ERROR_CODES, 'code');
    const text = r.str8('text', MAX_ERROR_TEXT_BYTES);
    if (r.error === null && code !== null) refused.push({ index, code, text });
  }
  return r.error ? null : { type: 'own-many-reply', refused };
}

export function writeNeedReply(w: Writer, m: NeedReplyMessage): void {
  w.u16(m.totalMatches, 'totalMatches');
  checkInteger(m.matches.length, 0, MAX_NEED_MATCHES, 'matches count');
  checkThat(m.matches.length <= m.totalMatches, 'matches', 'more matches than totalMatches');
  w.u8(m.matches.length, 'count');
  for (const match of m.matches) {
    w.fixed(match.infohash, INFOHASH_BYTES, 'infohash');
    w.u64(match.size, MAX_FILE_SIZE_BYTES, 'size');
    w.str8(match.name, MAX_NAME_BYTES, 'name');
    w.u32(match.ownerCount, 'ownerCount');
    checkInteger(match.owners.length, 0, MAX_OWNERS_PER_MATCH, 'owners count');
    checkThat(match.owners.length <= match.ownerCount, 'owners', 'more owners than ownerCount');
    w.u8(match.owners.length, 'ownersCount');
    for (const owner of match.owners) writeOwner(w, owner);
  }
}

/** A peer's UDP endpoint: host as text, then a port that is never 0. */
function writeHostPort(w: Writer, address: HostPort): void {
  w.str8(address.host, MAX_HOST_BYTES, 'host');
  checkInteger(address.port, 1, 0xffff, 'port');
  w.u16(address.port, 'port');
}
function readHostPort(r: Reader): HostPort {
  const host = r.str8('host', MAX_HOST_BYTES);
  const port = r.u16('port');
  if (r.error === null && port === 0) r.fail('bad-value', 'port');
  return { host, port };
}
function writeOwner(w: Writer, owner: OwnerEntry): void {
  w.u32(owner.nodeId, 'nodeId');
  writeHostPort(w, owner);
  w.u64(owner.uploadCredit, MAX_UPLOAD_CREDIT, 'uploadCredit');
  w.u8(owner.complete ? OWNER_COMPLETE_FLAG : 0, 'ownerFlags');
}

export function readNeedReply(r: Reader): NeedReplyMessage | null {
  const totalMatches = r.u16('totalMatches');
  const count = r.count('count', 0, MAX_NEED_MATCHES);
  if (r.error === null && count > totalMatches) r.fail('bad-value', 'count');
  const matches: NeedMatch[] = [];
  for (let i = 0; i < count && r.error === null; i++) {
    const infohash = r.fixed(INFOHASH_BYTES, 'infohash');
    const size = r.u64('size', MAX_FILE_SIZE_BYTES);
    const name = r.str8('name', MAX_NAME_BYTES);
    const ownerCount = r.u32('ownerCount');
    const k = r.count('ownersCount', 0, MAX_OWNERS_PER_MATCH);
    if (r.error === null && k > ownerCount) r.fail('bad-value', 'ownersCount');
    const owners: OwnerEntry[] = [];
    for (let j = 0; j < k && r.error === null; j++) owners.push(readOwner(r));
    matches.push({ infohash, name, size, ownerCount, owners });
  }
  return r.error ? null : { type: 'need-reply', totalMatches, matches };
}

function readOwner(r: Reader): OwnerEntry {
  const nodeId = r.u32('nodeId');
  const { host, port } = readHostPort(r);
  const uploadCredit = r.u64('uploadCredit', MAX_UPLOAD_CREDIT);
  const flags = r.u8('ownerFlags');
  if (r.error === null && (flags & ~OWNER_COMPLETE_FLAG) !== 0) r.fail('bad-value', 'ownerFlags');
  return { nodeId, host, port, uploadCredit, complete: (flags & OWNER_COMPLETE_FLAG) !== 0 };
}

export function writeWho(w: Writer, m: WhoMessage): void {
  w.fixed(m.token, TOKEN_BYTES, 'token');
  writeCounted(w, m.addresses, 1, MAX_WHO_ADDRESSES, writeHostPort);
}
export function readWho(r: Reader): WhoMessage | null {
  const token = r.fixed(TOKEN_BYTES, 'token');
  const addresses = readCounted(r, 1, MAX_WHO_ADDRESSES, readHostPort);
  return r.error ? null : { type: 'who', token, addresses };
}
export function writeWhoReply(w: Writer, m: WhoReplyMessage): void {
  checkInteger(m.nodeIds.length, 0, MAX_WHO_ADDRESSES, 'nodeIds count');
  w.u8(m.nodeIds.length, 'count');
  for (const nodeId of m.nodeIds) w.u32(nodeId, 'nodeId');
}
export function readWhoReply(r: Reader): WhoReplyMessage | null {
  const count = r.count('count', 0, MAX_WHO_ADDRESSES);
  const nodeIds: number[] = [];
  for (let i = 0; i < count && r.error === null; i++) nodeIds.push(r.u32('nodeId'));
  return r.error ? null : { type: 'who-reply', nodeIds };
}
export function writeListReply(w: Writer, m: ListReplyMessage): void {
  w.u32(m.totalFiles, 'totalFiles');
  w.u32(m.nextCursor, 'nextCursor');
  checkInteger(m.files.length, 0, MAX_LIST_PAGE, 'files count');
  w.u8(m.files.length, 'count');
  for (const file of m.files) {
    w.fixed(file.infohash, INFOHASH_BYTES, 'infohash');
    w.u64(file.size, MAX_FILE_SIZE_BYTES, 'size');
    w.u32(file.ownerCount, 'ownerCount');
    w.str8(file.name, MAX_NAME_BYTES, 'name');
  }
}

export function readListReply(r: Reader): ListReplyMessage | null {
  const totalFiles = r.u32('totalFiles');
  const nextCursor = r.u32('nextCursor');
  const count = r.count('count', 0, MAX_LIST_PAGE);
  const files: ListEntry[] = [];
  for (let i = 0; i < count && r.error === null; i++) {
    const infohash = r.fixed(INFOHASH_BYTES, 'infohash');
    const size = r.u64('size', MAX_FILE_SIZE_BYTES);
    const ownerCount = r.u32('ownerCount');
    const name = r.str8('name', MAX_NAME_BYTES);
    files.push({ infohash, name, size, ownerCount });
  }
  return r.error ? null : { type: 'list-reply', totalFiles, nextCursor, files };
}

export function writeError(w: Writer, m: ErrorMessage): void {
  w.enum8(TRACKER_ERROR_CODES, m.code, 'code');
  w.str8(m.text, MAX_ERROR_TEXT_BYTES, 'text');
}

export function readError(r: Reader): ErrorMessage | null {
  const code = r.enum8(TRACKER_ERROR_CODES, 'code');
  const text = r.str8('text', MAX_ERROR_TEXT_BYTES);
  return r.error || code === null ? null : { type: 'error', code, text };
}
