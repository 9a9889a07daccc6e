/**
 * Everything the tracker tells a person, as typed events, and the one place that turns them into
 * log lines. Engines return events; the server logs them and the UI shows the same text.
 */

import { formatAddress, formatSeconds, formatSize, shortInfohash } from '../format.ts';
import type { RemoteAddress } from '../net/transport.ts';
import { isLoopbackAddress } from '../net/unicast-address.ts';
import type { TrackerErrorCode, TrackerRequest } from '../protocol/messages.ts';
import { escapeUntrusted, quoteUntrusted } from '../protocol/names.ts';
import type { RefusalSummary } from './noise-window.ts';
import type { OwnersLost } from './owner-index.ts';

export { formatAddress, formatSize, shortInfohash };

/** Why a request carrying a token was refused with 'reregister'. */
export type TokenProblem = 'unknown-token' | 'wrong-address' | 'silent-too-long';

/** What a NEED asked for, as logged: a name (quoted, it comes from the network) or an infohash. */
export type SearchQuery =
  | { kind: 'name'; name: string }
  | { kind: 'infohash'; infohashHex: string };

/** One thing that happened in the tracker, worth one log line. */
export type TrackerEvent =
  | { kind: 'joined'; nodeId: number; address: RemoteAddress }
  | { kind: 'reregistered'; nodeId: number; address: RemoteAddress }
  | { kind: 'rejoined'; nodeId: number; address: RemoteAddress; previous: RemoteAddress }
  | { kind: 'late'; nodeId: number; silentMs: number; neverHeard?: true; storeOut?: true }
  | { kind: 'back'; nodeId: number; silentMs: number }
  | ({ kind: 'dropped'; nodeId: number; silentMs: number } & OwnersLost)
  | ({ kind: 'exited'; nodeId: number } & OwnersLost)
  | {
      kind: 'owns';
      nodeId: number;
      name: string;
      sizeBytes: number;
      infohashHex: string;
      /** Some verified pieces only: a downloader that already serves them. */
      partial: boolean;
    }
  | { kind: 'withdrew'; nodeId: number; name: string; ownersLeft: number }
  | { kind: 'searched'; nodeId: number; query: SearchQuery; files: number; owners: number }
  | { kind: 'credited'; fromNodeId: number; toNodeId: number; bytes: number; name: string }
  /** An UPDATE whose credits the rules cut (some or all): what was asked, what was given. */
  | {
      kind: 'credit-capped';
      fromNodeId: number;
      name: string;
      askedBytes: number;
      givenBytes: number;
      /** Which rule cut which credit (contributions.ts, whyCapped). */
      why: string;
    }
  | {
      kind: 'rejected';
      from: RemoteAddress;
      request: TrackerRequest['type'];
      problem: TokenProblem;
    }
  | {
      kind: 'listening';
      address: RemoteAddress;
      sweepIntervalMs: number;
      heartbeatIntervalMs: number;
      restoredNodes: number;
      restoredFiles: number;
      dbDir: string;
      /**
       * Listening on every address (0.0.0.0, ::): this machine's addresses of that family other
       * than loopback, what nodes elsewhere give as --tracker.
       */
      reachableAt?: readonly string[];
    }
  | { kind: 'stopped'; dbDir: string; dbUpToDate: boolean }
  | { kind: 'db-entries-ignored'; dbDir: string; entries: number }
  /** One kind of refusal summed up over a window (see noise-window.ts). */
  | { kind: 'noise'; summary: RefusalSummary }
  | { kind: 'internal-error'; request: TrackerRequest['type']; from: RemoteAddress; reason: string }
  /** A proven request over its host's request budget: dropped unanswered. */
  | { kind: 'throttled'; from: RemoteAddress; request: TrackerRequest['type'] }
  | {
      kind: 'refused';
      from: RemoteAddress;
      request: TrackerRequest['type'];
      code: TrackerErrorCode;
      text: string;
    };

/** A string from the network, quoted so that no byte of it can act on the terminal or log. */
export const quoteForLog = quoteUntrusted;

function formatQuery(query: SearchQuery): string {
  return query.kind === 'name' ? quoteForLog(query.name) : shortInfohash(query.infohashHex);
}

/**
 * What a leaving node took from the owner index, and by name the files it took away for good:
 * `2 files lost an owner; a.iso has none left`. Before, `1 file lost an owner` was all a line
 * said of a file that had just vanished from the swarm.
 */
function ownersLostText(lost: OwnersLost): string[] {
  if (lost.filesLostOwner === 0) return [];
  const parts = [`${plural(lost.filesLostOwner, 'file')} lost an owner`];
  if (lost.filesGone === 0) return parts;
  const more = lost.filesGone - lost.goneNames.length;
  const names = more > 0 ? [...lost.goneNames, `${more} more`] : lost.goneNames;
  const listed =
    names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  parts.push(`${listed} ${lost.filesGone === 1 ? 'has' : 'have'} none left`);
  return parts;
}

/** `1 node`, `3 nodes`, `2 entries`. */
export function plural(count: number, word: string): string {
  if (count === 1) return `1 ${word}`;
  if (word.endsWith('y')) return `${count} ${word.slice(0, -1)}ies`;
  if (/(s|ch|sh|x)$/.test(word)) return `${count} ${word}es`;
  return `${count} ${word}s`;
}

const TOKEN_PROBLEM_TEXT: Record<TokenProblem, string> = {
  'unknown-token': 'unknown token',
  'wrong-address': 'token issued to another address',
  'silent-too-long': 'node was silent too long',
};

/** Events that are refusals: each kind is logged in full once per window, then summed up. */
export type RefusalEvent = Extract<
  TrackerEvent,
  { kind: 'rejected' | 'refused' | 'throttled' | 'internal-error' }
>;

/** True for the events a NoiseWindow sums up. */
export function isRefusal(event: TrackerEvent): event is RefusalEvent {
  return (
    event.kind === 'rejected' ||
    event.kind === 'refused' ||
    event.kind === 'throttled' ||
    event.kind === 'internal-error'
  );
}

/** The kind a refusal is counted under, e.g. `refused own (conflict)`. */
export function refusalKind(event: RefusalEvent): string {
  switch (event.kind) {
    case 'rejected':
      return `rejected ${event.request} (${TOKEN_PROBLEM_TEXT[event.problem]})`;
    case 'refused':
      return `refused ${event.request} (${event.code})`;
    case 'throttled':
      return `throttled ${event.request} (over its host's request budget)`;
    case 'internal-error':
      return `internal error handling ${event.request}`;
  }
}

/** The kind undecodable datagrams are counted under, by decode error code. */
export function undecodableKind(code: string): string {
  return `undecodable datagrams (${code})`;
}

/** e.g. `refused own (conflict): 1230 more in the last 10 s from 2 hosts (most: a ×1200, b ×30)`. */
function formatSummary(summary: RefusalSummary): string {
  const hosts = `${summary.hostsCapped ? 'at least ' : ''}${plural(summary.hosts, 'host')}`;
  const top = summary.top.map(({ host, count }) => `${host} ×${count}`).join(', ');
  const more = summary.logged > 0 ? ' more' : '';
  return `${summary.kind}: ${summary.count}${more} in the last ${formatSeconds(summary.windowMs)} from ${hosts} (most: ${top})`;
}

/**
 * What a tracker listening on `listening` adds to the line of a node joining at a loopback
 * address: given to every other node at 127.0.0.1, which names each asker's own machine, it is
 * out of their reach (they leave it out and say why). Empty for every other event.
 */
export function reachNote(event: TrackerEvent, listening: string): string {
  const joining =
    event.kind === 'joined' || event.kind === 'reregistered' || event.kind === 'rejoined';
  if (!joining || isLoopbackAddress(listening) || !isLoopbackAddress(event.address.address))
    return '';
  return " (a loopback address: nodes on other machines cannot reach it; start it with --tracker set to this machine's network address)";
}

/** Who can reach a tracker listening there, and how nodes elsewhere name it. */
/**
 * On every address, the tracker's address for nodes on other machines, said first (a log pane
 * cut at its width still shows it).
 */
function listeningNote(event: Extract<TrackerEvent, { kind: 'listening' }>): string {
  const { port } = event.address;
  const at = (event.reachableAt ?? []).map((host) => formatAddress({ address: host, port }));
  if (at.length === 0) return '';
  const more = at.length > 4 ? ', or another address of this machine' : '';
  return `: nodes elsewhere give --tracker ${at.slice(0, 4).join(' or ')}${more}`;
}

/** On loopback, after the figures (the empty view says what to give): no other machine. */
function loopbackNote(event: Extract<TrackerEvent, { kind: 'listening' }>): string {
  const { address } = event.address;
  if (!isLoopbackAddress(address)) return '';
  // IPv6 loopback: the IPv6 way to every address (it said 0.0.0.0, found by a session).
  const every = address.includes(':') ? '::' : '0.0.0.0';
  return `; loopback: only this machine's nodes reach it, --host ${every} lets the network in`;
}

/** One log line for an event, e.g. `joined node 3 at 127.0.0.1:40111`. */
export function formatEvent(event: TrackerEvent): string {
  switch (event.kind) {
    case 'joined':
      return `joined node ${event.nodeId} at ${formatAddress(event.address)}`;
    case 'reregistered':
      return `re-registered node ${event.nodeId} at ${formatAddress(event.address)}`;
    case 'rejoined':
      return `rejoined node ${event.nodeId} at ${formatAddress(event.address)} (was ${formatAddress(event.previous)})`;
    case 'late':
      return event.neverHeard
        ? `late node ${event.nodeId} (restored from the store, not heard in the ${formatSeconds(event.silentMs)} since)`
        : event.storeOut
          ? // A node heard by another tracker read plain `late` while the store was out, heard
            // all along (found by a session): this tracker cannot know.
            `late node ${event.nodeId} (no heartbeat heard here for ${formatSeconds(event.silentMs)}; the shared store is out, so heartbeats to other trackers do not reach this one)`
          : `late node ${event.nodeId} (no heartbeat for ${formatSeconds(event.silentMs)})`;
    case 'back':
      return `back node ${event.nodeId} (heard again after ${formatSeconds(event.silentMs)})`;
    case 'dropped': {
      const silent = `silent for ${formatSeconds(event.silentMs)}`;
      return `dropped node ${event.nodeId} (${[silent, ...ownersLostText(event)].join('; ')})`;
    }
    case 'exited': {
      const lost = ownersLostText(event);
      return lost.length === 0
        ? `exited node ${event.nodeId}`
        : `exited node ${event.nodeId} (${lost.join('; ')})`;
    }
    case 'owns':
      return `owns node ${event.nodeId} ${event.name} (${formatSize(event.sizeBytes)}, ${shortInfohash(event.infohashHex)}${event.partial ? ', partial' : ''})`;
    case 'withdrew':
      return `withdrew node ${event.nodeId} ${event.name} (${event.ownersLeft === 0 ? 'no owner left: the file is gone' : `${plural(event.ownersLeft, 'owner')} left`})`;
    case 'searched':
      return `searched node ${event.nodeId} ${formatQuery(event.query)}: ${plural(event.files, 'file')}, ${plural(event.owners, 'owner')}`;
    case 'credited':
      // Exact bytes: the log is the credit ledger's record (scripts add these up).
      // Every byte, as the record; and in a unit a person reads at a glance (found reading the
      // view's log: `+50331648 B`).
      return `credited node ${event.fromNodeId} -> node ${event.toNodeId} +${event.bytes} B (${event.bytes >= 1024 ? `${formatSize(event.bytes)} of ` : ''}${event.name})`;
    case 'credit-capped':
      return `capped node ${event.fromNodeId}'s credit for ${event.name}: ${event.askedBytes} B asked, ${event.givenBytes} B given (${event.why})`;
    case 'rejected':
      return `rejected ${formatAddress(event.from)} ${event.request}: ${TOKEN_PROBLEM_TEXT[event.problem]}`;
    case 'listening':
      return `tracker listening on ${formatAddress(event.address)}${listeningNote(event)} (sweep ${formatSeconds(event.sweepIntervalMs, 1)}, heartbeat ${formatSeconds(event.heartbeatIntervalMs, 1)}; restored ${plural(event.restoredNodes, 'node')} and ${plural(event.restoredFiles, 'file')} from ${event.dbDir})${loopbackNote(event)}`;
    case 'stopped':
      return event.dbUpToDate
        ? `tracker stopped; ${event.dbDir} is up to date`
        : `tracker stopped; ${event.dbDir} could not be written (see above)`;
    case 'db-entries-ignored':
      return `${event.dbDir}: ignored ${plural(event.entries, 'entry')} that did not fit together`;
    case 'noise':
      return formatSummary(event.summary);
    case 'internal-error':
      return `internal error handling ${event.request} from ${formatAddress(event.from)}: ${event.reason}`;
    case 'throttled':
      return `throttled ${formatAddress(event.from)} ${event.request}: over its host's request budget, not answered`;
    case 'refused':
      return `refused ${formatAddress(event.from)} ${event.request} (${event.code}): ${escapeUntrusted(event.text)}`;
  }
}
