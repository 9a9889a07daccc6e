/**
 * Finds the file a download target means at the tracker: one NEED by name, and for a prefix the
 * tracker's reply did not list (a name can have more files than one reply holds, e.g. an attacker
 * announcing many under it) the LIST pages, then a NEED per infohash found there.
 */
import {
  type ListReplyMessage,
  MAX_NEED_MATCHES,
  MAX_OWNERS_PER_MATCH,
  type NeedReplyMessage,
} from '../../protocol/messages.ts';
import { validateFileName } from '../../protocol/names.ts';
import { nearestName } from '../../suggest.ts';
import type { TrackerOutcome } from '../tracker-client.ts';
import type { OwnerFinder } from './download.ts';
import { type DownloadTarget, formatTarget } from './download-target.ts';
import { type EntryPick, pickEntry } from './entry-choice.ts';

/** Where the resolver asks: NEED, and LIST pages for a prefix the NEED reply did not list. */
export interface EntryLookup {
  findOwners: OwnerFinder;
  listFiles?: (cursor: number) => Promise<TrackerOutcome<ListReplyMessage>>;
}

/** LIST pages read at most while looking for a prefix (32 files a page). */
const MAX_LIST_PAGES = 64;

export type Resolution =
  | { ok: true; pick: EntryPick }
  /** The tracker did not answer (or refused): ask again later. */
  | { ok: false; reason: string };

/**
 * Asks the tracker which file `target` means. Owners are asked for as many as a reply carries, so
 * a person choosing sees complete and partial owners and their credits; `exclude` leaves out
 * owners this download banned.
 */
export async function resolveEntry(
  target: DownloadTarget,
  lookup: EntryLookup,
  exclude: number[],
): Promise<Resolution> {
  const found = await lookup.findOwners(
    { kind: 'name', name: target.name },
    MAX_OWNERS_PER_MATCH,
    exclude,
  );
  if (!found.ok) return found;
  const pick = pickEntry(found.reply, target);
  if (pick.kind !== 'unknown-prefix' || pick.unlisted === 0 || !lookup.listFiles)
    return { ok: true, pick };
  return findUnlisted(target, lookup, exclude, pick);
}

/** The files of the name starting with the prefix, from LIST, each asked for by infohash. */
async function findUnlisted(
  target: DownloadTarget,
  lookup: EntryLookup,
  exclude: number[],
  unknown: EntryPick,
): Promise<Resolution> {
  const prefix = target.infohashPrefix ?? '';
  const hits: Buffer[] = [];
  let cursor = 0;
  for (let page = 0; page < MAX_LIST_PAGES && hits.length < MAX_NEED_MATCHES; page++) {
    const listed = await lookup.listFiles!(cursor);
    if (!listed.ok) return listed;
    for (const file of listed.reply.files) {
      if (file.name === target.name && file.infohash.toString('hex').startsWith(prefix))
        hits.push(file.infohash);
    }
    cursor = listed.reply.nextCursor;
    if (cursor === 0) break;
  }
  if (hits.length === 0) return { ok: true, pick: unknown };
  const reply: NeedReplyMessage = { type: 'need-reply', totalMatches: 0, matches: [] };
  for (const infohash of hits) {
    const found = await lookup.findOwners(
      { kind: 'infohash', infohash },
      MAX_OWNERS_PER_MATCH,
      exclude,
    );
    if (!found.ok) return found;
    const match = found.reply.matches.find((candidate) => candidate.infohash.equals(infohash));
    if (match) reply.matches.push(match);
  }
  reply.totalMatches = reply.matches.length;
  return { ok: true, pick: pickEntry(reply, target) };
}

/** LIST pages read at most for a name a missing one may be a typo of (32 files a page). */
const MAX_NEARBY_PAGES = 16;

/**
 * For a name the swarm does not have: the name of the swarm it most likely meant (a typo, other
 * case), from the first LIST pages, or null. A `--download bigg.iso` waited without a word on
 * what the swarm has (found by hand); a view shows the swarm's files, a headless node did not.
 */
export async function nearbyName(name: string, lookup: EntryLookup): Promise<string | null> {
  if (!lookup.listFiles) return null;
  const names: string[] = [];
  let cursor = 0;
  for (let page = 0; page < MAX_NEARBY_PAGES; page++) {
    const listed = await lookup.listFiles(cursor);
    if (!listed.ok) break;
    // Only names a download may ask for: a hostile tracker's `big\u001b[2J.iso` would otherwise
    // be written to the log and a headless node's terminal as it is.
    for (const file of listed.reply.files)
      if (validateFileName(file.name) === null) names.push(file.name);
    cursor = listed.reply.nextCursor;
    if (cursor === 0) break;
  }
  return nearestName(name, names);
}

/**
 * For `NAME@PREFIX` that found nothing: whether a file is named the whole text (`v@1a2b` is a
 * name as well as `v` with a prefix), and how to ask for it, as a clause to add to the reason:
 * `; to download the file named v@1a2b: v@1a2b@bbe4dc58`. Empty when there is none. Found by
 * hand: a file named `v@1a2b` failed with `no file named v has an infohash starting with 1a2b`.
 */
export async function wholeNameHint(target: DownloadTarget, lookup: EntryLookup): Promise<string> {
  if (target.infohashPrefix === null) return '';
  const whole = `${target.name}@${target.infohashPrefix}`;
  if (validateFileName(whole) !== null) return '';
  const found = await lookup.findOwners({ kind: 'name', name: whole }, 1, []);
  if (!found.ok) return '';
  const named = found.reply.matches.filter((match) => match.name === whole);
  if (named.length === 0) return '';
  const targets = named.map((match) => formatTarget(whole, match.infohash.toString('hex')));
  return `; to download the file named ${whole}: ${targets.join(' or ')}`;
}
