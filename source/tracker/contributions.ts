/**
 * What a node contributes to the swarm: the files it seeds (OWN) and the bytes it uploaded to
 * others, as credited by their downloaders (UPDATE). Both mutate the index or the registry and
 * return the events to log; refusals come back as values.
 */
import { formatSeconds } from '../format.ts';
import { isLoopbackAddress } from '../net/unicast-address.ts';
import {
  type Credit,
  INFOHASH_BYTES,
  MAX_ERROR_TEXT_BYTES,
  MAX_FILE_SIZE_BYTES,
  type OwnEntry,
  type TrackerErrorCode,
  type UpdateMessage,
} from '../protocol/messages.ts';
import {
  describeNameError,
  type NameError,
  truncateUtf8,
  validateFileName,
} from '../protocol/names.ts';
import type { CreditLedger } from './credit-ledger.ts';
import { plural, shortInfohash, type TrackerEvent } from './events.ts';
import { hostKeyOf } from './host-key.ts';
import type { OwnerIndex, OwnerIndexLimits } from './owner-index.ts';
import { type ByteString, creditOwner, type NodeRecord, type Registry } from './registry.ts';

/** An OWN that was accepted (with its event when it added something), or refused. */
export type OwnOutcome =
  | { ok: true; event: TrackerEvent | null }
  | { ok: false; code: TrackerErrorCode; text: string };

/** Budgets (UTF-8 bytes) for the refused name quoted in an error, largest first. */
const QUOTED_NAME_BUDGETS = [60, 24, 0];

/**
 * describeNameError's sentence, with the quoted name shortened until the whole sentence fits in
 * an ERROR's text, so the reason (the useful part) is never the part that gets cut.
 */
function describeName(name: string, error: NameError): string {
  const full = describeNameError(name, error);
  if (Buffer.byteLength(full) <= MAX_ERROR_TEXT_BYTES) return full;
  for (const budget of QUOTED_NAME_BUDGETS) {
    const text = describeNameError(`${truncateUtf8(name, budget)}…`, error);
    if (Buffer.byteLength(text) <= MAX_ERROR_TEXT_BYTES) return text;
  }
  return full;
}

/** Why an OWN's values are unacceptable, or null. Names from the network are hostile. */
function checkOwn(request: OwnEntry): { code: TrackerErrorCode; text: string } | null {
  const nameError = validateFileName(request.name);
  if (nameError !== null)
    return { code: 'bad-request', text: describeName(request.name, nameError) };
  const size = request.size;
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_FILE_SIZE_BYTES) {
    return { code: 'bad-request', text: `size ${size} is outside 0..${MAX_FILE_SIZE_BYTES} bytes` };
  }
  if (request.infohash.length !== INFOHASH_BYTES) {
    return { code: 'bad-request', text: `infohash is not ${INFOHASH_BYTES} bytes` };
  }
  return null;
}

/** Bounds of OWN: the index's, and ownerships per host (one host may run many node ids). */
export interface OwnLimits extends OwnerIndexLimits {
  maxFilesPerHost: number;
}

/** Ownerships held by the nodes on `node`'s host. */
function ownershipsOnHost(registry: Registry, index: OwnerIndex, node: NodeRecord): number {
  let total = 0;
  for (const nodeId of registry.idsOnHost(hostKeyOf(node.address))) {
    total += index.countOwnedBy(nodeId);
  }
  return total;
}

/** Records `node` as an owner of the file an OWN describes. */
export function applyOwn(
  registry: Registry,
  index: OwnerIndex,
  limits: OwnLimits,
  node: NodeRecord,
  request: OwnEntry,
): OwnOutcome {
  const problem = checkOwn(request);
  if (problem) return { ok: false, ...problem };
  const known = index.get(request.infohash.toString('hex'));
  if (
    request.state !== 'withdrawn' &&
    !known?.hasOwner(node.nodeId) &&
    ownershipsOnHost(registry, index, node) >= limits.maxFilesPerHost
  ) {
    const host = hostKeyOf(node.address);
    const text = `host ${host} already seeds the most files allowed (${limits.maxFilesPerHost})`;
    return { ok: false, code: 'full', text };
  }
  if (request.state === 'withdrawn') {
    const file = index.withdraw(request.infohash.toString('hex'), node.nodeId);
    if (file === null) return { ok: true, event: null };
    const owners = file.ownerCount;
    return {
      ok: true,
      event: { kind: 'withdrew', nodeId: node.nodeId, name: file.name, ownersLeft: owners },
    };
  }
  const complete = request.state === 'complete';
  const result = index.addOwner(
    request.infohash,
    request.name,
    request.size,
    node.nodeId,
    complete,
  );
  switch (result.kind) {
    case 'conflict': {
      const known = result.file;
      const text = `infohash ${shortInfohash(known.infohashHex)} is already known as ${JSON.stringify(known.name)} (${known.sizeBytes} B)`;
      return { ok: false, code: 'conflict', text };
    }
    case 'full': {
      const text =
        result.limit === 'files'
          ? `tracker is full (${plural(limits.maxFiles, 'file')})`
          : `node ${node.nodeId} already seeds the most files allowed (${limits.maxFilesPerNode})`;
      return { ok: false, code: 'full', text };
    }
    case 'already-owner':
      return { ok: true, event: null };
    case 'completed':
    case 'added':
      return {
        ok: true,
        event: {
          kind: 'owns',
          nodeId: node.nodeId,
          name: request.name,
          sizeBytes: request.size,
          infohashHex: result.file.infohashHex,
          partial: !complete,
        },
      };
  }
}

/**
 * Why an owner may be missing only until it is back: what a restart (of this tracker, or of the
 * swarm's store) costs an owner until it registers and announces again.
 */
const UNTIL_BACK: ReadonlySet<string> = new Set([
  'not registered now',
  'dropped',
  'not an owner of it now',
]);

/**
 * An UPDATE's outcome: the events to log (one per credit given, and one more when the caps cut
 * what was asked; none for an unknown infohash or a retransmission), or, while the nodes of a
 * restart may still be coming back, why it is too early to decide it (`notYet`).
 */
export type UpdateOutcome = { notYet: null; events: TrackerEvent[] } | { notYet: string };

const NOTHING: UpdateOutcome = Object.freeze({ notYet: null, events: [] });

/**
 * Credits the owners named in an UPDATE, within the ledger's caps, and counts the sender's host
 * as a downloader of each owner credited on another host. `sinceRestartMs`: how long ago a
 * restart that restored nodes was, while they may still be coming back (else null). Then an
 * UPDATE naming an owner missing as only a restart leaves one missing is not decided but
 * answered `not-yet`: a download that ended during an outage credited nobody when its owed
 * UPDATE came before its owners were back (a CI run, twice), and the report was spent.
 */
/**
 * True where an owner at `ownerAddress` is on the reporting host itself. Two ids of one host
 * credited each other for made-up 1 TiB files, and the view showed `credit 3.0 TiB` and sorted
 * the choice of files by it (found by a session); the rank already ignored such credit. On
 * loopback every node of a demo or a test is one host, and only this machine can send from
 * there: credit between them stays.
 */
function ownHost(ownerAddress: string, reporterHost: string): boolean {
  return hostKeyOf(ownerAddress) === reporterHost && !isLoopbackAddress(ownerAddress);
}

export function applyUpdate(
  registry: Registry,
  index: OwnerIndex,
  ledger: CreditLedger,
  sender: NodeRecord,
  request: UpdateMessage,
  nowMs: number,
  /** False for an owner id held by another key than when it was named to the sender. */
  sameHolder: (ownerId: number, key: ByteString | null) => boolean = () => true,
  sinceRestartMs: number | null = null,
): UpdateOutcome {
  const reporterHost = hostKeyOf(sender.address);
  const downloadIdHex = request.downloadId.toString('hex');
  const undecided =
    sinceRestartMs !== null &&
    !ledger.decided({ senderId: sender.nodeId, reporterHost, downloadIdHex });
  const since = () => `since the tracker restarted ${formatSeconds(sinceRestartMs ?? 0)} ago`;
  const file = index.get(request.infohash.toString('hex'));
  if (!file) return undecided ? { notYet: `no owner of it is back ${since()}` } : NOTHING;
  /** Why `nodeId` may not be credited for this file, or null. */
  const whyNot = (nodeId: number): string | null => {
    if (nodeId === sender.nodeId) return 'itself';
    const owner = registry.get(nodeId);
    if (owner === undefined) return 'not registered now';
    if (registry.statusOf(owner, nowMs) === 'dropped') return 'dropped';
    if (!file.hasOwner(nodeId)) return 'not an owner of it now';
    if (!sameHolder(nodeId, owner.publicKey)) return 'its id held by another key now';
    if (ownHost(owner.address.address, reporterHost)) return "on the sender's host";
    return null;
  };
  if (undecided) {
    for (const { nodeId } of request.credits) {
      const why = whyNot(nodeId);
      if (why !== null && UNTIL_BACK.has(why))
        return { notYet: `node ${nodeId} is not back ${since()} (${why})` };
    }
  }
  const decision = ledger.decide({
    senderId: sender.nodeId,
    reporterHost,
    downloadIdHex,
    infohashHex: file.infohashHex,
    sizeBytes: file.sizeBytes,
    credits: request.credits,
    mayBeCredited: (nodeId) => whyNot(nodeId) === null,
  });
  if (decision.duplicate) return NOTHING;
  const events: TrackerEvent[] = [];
  let askedBytes = 0;
  for (const credit of request.credits) askedBytes += credit.bytes;
  let givenBytes = 0;
  for (const credit of decision.granted) {
    const owner = registry.get(credit.nodeId);
    if (!owner) continue;
    creditOwner(owner, credit.bytes, reporterHost);
    givenBytes += credit.bytes;
    events.push({
      kind: 'credited',
      fromNodeId: sender.nodeId,
      toNodeId: credit.nodeId,
      bytes: credit.bytes,
      name: file.name,
    });
  }
  // Said, not silent: a person trying credits with every node on one host saw a download
  // "credited" and its owners' credit stay 0.
  if (givenBytes < askedBytes) {
    const { name } = file;
    const why = whyCapped(request.credits, decision.granted, file.sizeBytes, whyNot);
    events.push({
      kind: 'credit-capped',
      fromNodeId: sender.nodeId,
      name,
      askedBytes,
      givenBytes,
      why,
    });
  }
  return { notYet: null, events };
}

/**
 * Which rule cut which credit, nodes of one reason together: `node 5, node 7: not registered
 * now; node 2: at most the file's size each`. Until 2026-12-07 the line gave every rule,
 * whichever applied (found by a session).
 */
function whyCapped(
  asked: readonly Credit[],
  granted: readonly Credit[],
  sizeBytes: number,
  whyNot: (nodeId: number) => string | null,
): string {
  const byReason = new Map<string, number[]>();
  const given = new Map(granted.map((credit) => [credit.nodeId, credit.bytes]));
  for (const credit of asked) {
    const got = given.get(credit.nodeId) ?? 0;
    if (got >= credit.bytes) continue;
    const why =
      whyNot(credit.nodeId) ??
      (got === sizeBytes && credit.bytes > sizeBytes
        ? "at most the file's size each"
        : "the sender's host has been given the file's size for it");
    byReason.set(why, [...(byReason.get(why) ?? []), credit.nodeId]);
  }
  return [...byReason]
    .map(([why, ids]) => `${ids.map((id) => `node ${id}`).join(', ')}: ${why}`)
    .join('; ');
}
