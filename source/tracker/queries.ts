/**
 * Answers to the read-only requests, NEED, LIST and WHO. They never show a dropped node (even one
 * the next sweep has not removed yet) and never offer a requester to itself.
 */
import {
  type ListReplyMessage,
  MAX_LIST_PAGE,
  MAX_NEED_EXCLUDE,
  MAX_NEED_MATCHES,
  MAX_OWNERS_PER_MATCH,
  type NeedMessage,
  type NeedReplyMessage,
  type OwnerEntry,
  type WhoMessage,
  type WhoReplyMessage,
} from '../protocol/messages.ts';
import type { TrackerEvent } from './events.ts';
import type { FileRecord } from './file-record.ts';
import { hostKeyOf } from './host-key.ts';
import { countOf } from './multimap.ts';
import type { OwnerIndex } from './owner-index.ts';
import {
  compareOwners,
  NEED_ROUND_MS,
  type RankedOwner,
  selectBest,
  tieKeyFor,
} from './ranking.ts';
import type { NodeRecord, Registry } from './registry.ts';

/** totalMatches is a u16 on the wire. */
const MAX_TOTAL_MATCHES = 0xffff;

type Candidate = RankedOwner & { node: NodeRecord };

/** Owners of a file that may be offered to `askerId`: registered, not dropped, not itself. */
function offerableOwners(
  registry: Registry,
  file: FileRecord,
  askerId: number | null,
  nowMs: number,
  round = 0,
): Candidate[] {
  const candidates: Candidate[] = [];
  for (const nodeId of file.ownerIds()) {
    if (nodeId === askerId) continue;
    const node = registry.get(nodeId);
    if (!node) continue;
    const status = registry.statusOf(node, nowMs);
    if (status === 'dropped') continue;
    candidates.push({
      nodeId,
      unconfirmed: status !== 'alive',
      downloaders: countOf(node.downloaderHosts),
      uploadCredit: node.uploadCredit,
      complete: !file.isPartialOwner(nodeId),
      tieKey: askerId === null ? nodeId : tieKeyFor(askerId, nodeId, round),
      node,
    });
  }
  return candidates;
}

function compareHex(a: FileRecord, b: FileRecord): number {
  return a.infohashHex < b.infohashHex ? -1 : a.infohashHex > b.infohashHex ? 1 : 0;
}

/** The NEED reply for `requesterId`, and the event that logs it. */
export function answerNeed(
  registry: Registry,
  index: OwnerIndex,
  requesterId: number,
  message: NeedMessage,
  nowMs: number,
): { reply: NeedReplyMessage; event: TrackerEvent } {
  const query = message.query;
  const files =
    query.kind === 'name'
      ? index.named(query.name)
      : [index.get(query.infohash.toString('hex'))].filter((f): f is FileRecord => f !== undefined);
  const ownerLimit = Math.max(0, Math.min(message.maxOwners, MAX_OWNERS_PER_MATCH));
  // Owners the asker already uses (or banned) are counted but not offered again, so asking
  // again brings new owners, such as downloaders that became partial owners since.
  const excluded = new Set(message.exclude);
  // An exclude list that is full cannot name every owner the asker already knows (banned liars
  // beyond 32): equal owners are then shuffled anew each round, so asking again brings others.
  const round = message.exclude.length >= MAX_NEED_EXCLUDE ? Math.floor(nowMs / NEED_ROUND_MS) : 0;
  const scored = files.map((file) => ({
    file,
    candidates: offerableOwners(registry, file, requesterId, nowMs, round),
  }));
  // Most owners first: the copy a downloader is most likely to finish.
  scored.sort((a, b) => b.candidates.length - a.candidates.length || compareHex(a.file, b.file));
  const matches = scored.slice(0, MAX_NEED_MATCHES).map(({ file, candidates }) => ({
    infohash: file.infohash(),
    name: file.name,
    size: file.sizeBytes,
    ownerCount: candidates.length,
    owners: selectBest(
      excluded.size === 0 ? candidates : candidates.filter((c) => !excluded.has(c.nodeId)),
      ownerLimit,
      compareOwners,
    ).map(
      (c): OwnerEntry => ({
        nodeId: c.nodeId,
        host: c.node.address.address,
        port: c.node.address.port,
        uploadCredit: c.node.uploadCredit,
        complete: c.complete,
      }),
    ),
  }));
  const owners = scored.reduce((sum, s) => sum + s.candidates.length, 0);
  return {
    // The wire field is 16 bits; more matches than that only happen in a swarm built to do it.
    reply: { type: 'need-reply', totalMatches: Math.min(files.length, MAX_TOTAL_MATCHES), matches },
    event: {
      kind: 'searched',
      nodeId: requesterId,
      query:
        query.kind === 'name'
          ? { kind: 'name', name: query.name }
          : { kind: 'infohash', infohashHex: query.infohash.toString('hex') },
      files: files.length,
      owners,
    },
  };
}

/**
 * One LIST page starting at `cursor` (an index into the sorted file list). Owner counts are
 * swarm-wide (the requester included), since the picker shows how well seeded each file is.
 */
export function answerList(
  registry: Registry,
  index: OwnerIndex,
  cursor: number,
  nowMs: number,
): ListReplyMessage {
  const sorted = index.sorted();
  const start = Math.max(0, Math.min(cursor, sorted.length));
  const page = sorted.slice(start, start + MAX_LIST_PAGE);
  const end = start + page.length;
  return {
    type: 'list-reply',
    totalFiles: sorted.length,
    nextCursor: end < sorted.length ? end : 0,
    files: page.map((file) => ({
      infohash: file.infohash(),
      name: file.name,
      size: file.sizeBytes,
      ownerCount: offerableOwners(registry, file, null, nowMs).length,
    })),
  };
}

/**
 * The node registered at each asked address, 0 where none is (or it is dropped). A node's
 * address is where it registered from and heartbeats from; the id was bound to its key then.
 */
export function answerWho(registry: Registry, request: WhoMessage, nowMs: number): WhoReplyMessage {
  const nodeIds = request.addresses.map(({ host, port }) => {
    for (const nodeId of registry.idsOnHost(hostKeyOf(host))) {
      const node = registry.get(nodeId);
      if (node === undefined || node.address.port !== port) continue;
      if (node.address.address !== host || registry.statusOf(node, nowMs) === 'dropped') continue;
      return nodeId;
    }
    return 0;
  });
  return { type: 'who-reply', nodeIds };
}
