/**
 * Which file a download means when the tracker knows several with its name. Anyone can announce
 * a name, and owners are cheap (a few attacker nodes outnumber one honest seeder), so several
 * files of one name are ambiguous: like a torrent client given two magnets, we do not guess by
 * owner count but list the candidates and let a person pick one (NAME@PREFIX, or the view's
 * picker). Pure: the tracker's NEED reply in, a decision out.
 */
import { formatSize } from '../../format.ts';
import type { NeedMatch, NeedReplyMessage } from '../../protocol/messages.ts';
import { type DownloadTarget, formatTarget, SHOWN_PREFIX_HEX_DIGITS } from './download-target.ts';

/** One file of a name, as a person choosing among several sees it. */
export interface EntryChoice {
  name: string;
  infohashHex: string;
  sizeBytes: number;
  /** Owners the tracker knows, complete and partial (the asker left out). */
  ownerCount: number;
  /** Of the owners the tracker named (its best, at most 16): complete and partial ones. */
  completeOwners: number;
  partialOwners: number;
  /** Highest upload credit among those owners, and their sum (verified bytes, from UPDATE). */
  bestCreditBytes: number;
  totalCreditBytes: number;
}

/** What a NEED reply means for a target. */
export type EntryPick =
  | { kind: 'chosen'; match: NeedMatch }
  | { kind: 'not-found' }
  /** Several files of the name have owners (or may: `unlisted` more than the reply holds). */
  | { kind: 'ambiguous'; choices: EntryChoice[]; unlisted: number }
  /** No listed file of the name starts with the prefix; `unlisted` files were not in the reply. */
  | { kind: 'unknown-prefix'; choices: EntryChoice[]; unlisted: number }
  | { kind: 'ambiguous-prefix'; choices: EntryChoice[] };

/** A NEED match as a choice. */
export function toChoice(match: NeedMatch): EntryChoice {
  let completeOwners = 0;
  let bestCreditBytes = 0;
  let totalCreditBytes = 0;
  for (const owner of match.owners) {
    if (owner.complete) completeOwners++;
    bestCreditBytes = Math.max(bestCreditBytes, owner.uploadCredit);
    totalCreditBytes += owner.uploadCredit;
  }
  return {
    name: match.name,
    infohashHex: match.infohash.toString('hex'),
    sizeBytes: match.size,
    ownerCount: match.ownerCount,
    completeOwners,
    partialOwners: match.owners.length - completeOwners,
    bestCreditBytes,
    totalCreditBytes,
  };
}

/**
 * The order candidates are listed in, for reading only (nothing is picked by it): owners with
 * credit first (verified uploads), then complete owners, then owners, then infohash.
 */
export function compareChoices(a: EntryChoice, b: EntryChoice): number {
  return (
    b.bestCreditBytes - a.bestCreditBytes ||
    b.completeOwners - a.completeOwners ||
    b.ownerCount - a.ownerCount ||
    (a.infohashHex < b.infohashHex ? -1 : a.infohashHex > b.infohashHex ? 1 : 0)
  );
}

function choicesOf(matches: readonly NeedMatch[]): EntryChoice[] {
  return matches.map(toChoice).sort(compareChoices);
}

/**
 * The file `target` means among the matches of a NEED by its name. With a prefix: the one match
 * it starts. Without: the only file of the name, or the only one with owners; several with owners
 * are ambiguous.
 */
export function pickEntry(reply: NeedReplyMessage, target: DownloadTarget): EntryPick {
  const matches = reply.matches.filter((match) => match.name === target.name);
  const unlisted = Math.max(0, reply.totalMatches - reply.matches.length);
  const prefix = target.infohashPrefix;
  if (prefix !== null) {
    const hits = matches.filter((match) => match.infohash.toString('hex').startsWith(prefix));
    if (hits.length === 1) return { kind: 'chosen', match: hits[0]! };
    if (hits.length > 1) return { kind: 'ambiguous-prefix', choices: choicesOf(hits) };
    return { kind: 'unknown-prefix', choices: choicesOf(matches), unlisted };
  }
  if (matches.length === 0) return unlisted > 0 ? ambiguous() : { kind: 'not-found' };
  const owned = matches.filter((match) => match.ownerCount > 0);
  // Files the reply left out are listed after every file with owners (see answerNeed), so one
  // owned file plus left-out files is still a choice: they may have owners too.
  if (owned.length === 1 && unlisted === 0) return { kind: 'chosen', match: owned[0]! };
  if (matches.length === 1 && unlisted === 0) return { kind: 'chosen', match: matches[0]! };
  return ambiguous();

  function ambiguous(): EntryPick {
    return { kind: 'ambiguous', choices: choicesOf(matches), unlisted };
  }
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** One candidate on one line: `big.bin@3fa2c1d0  4.0 MiB  3 owners (2 complete, 1 partial)  best credit 12.0 MiB`. */
export function describeChoice(choice: EntryChoice): string {
  const named = choice.completeOwners + choice.partialOwners;
  const more = choice.ownerCount > named ? `, ${choice.ownerCount - named} more` : '';
  return `${formatTarget(choice.name, choice.infohashHex)}  ${formatSize(choice.sizeBytes)}  ${plural(choice.ownerCount, 'owner')} (${choice.completeOwners} complete, ${choice.partialOwners} partial${more})  best credit ${formatSize(choice.bestCreditBytes)}`;
}

/** Prefixes of `choices`, for a one-line reason. */
function prefixes(choices: readonly EntryChoice[]): string {
  return choices.map((choice) => choice.infohashHex.slice(0, SHOWN_PREFIX_HEX_DIGITS)).join(', ');
}

/** Why a pick that is not `chosen` starts no download: one line for a person. */
export function describePick(
  target: DownloadTarget,
  pick: Exclude<EntryPick, { kind: 'chosen' }>,
): string {
  const { name } = target;
  switch (pick.kind) {
    case 'not-found':
      return name.includes('@')
        ? 'not found in the swarm (to pick one of several files of a name: NAME@PREFIX, with 4 to 64 hex digits of its infohash)'
        : 'not found in the swarm';
    case 'ambiguous': {
      // Only a tracker that contradicts itself says it has files of the name and lists none.
      if (pick.choices.length === 0)
        return `the tracker counted ${plural(pick.unlisted, 'file')} named ${name} but listed none; asking again may help`;
      const total = pick.choices.length + pick.unlisted;
      const unlisted = pick.unlisted > 0 ? `; ${pick.unlisted} more not listed` : '';
      return `${total} different files are named ${name}; not guessing which: choose one as ${name}@PREFIX (${prefixes(pick.choices)}${unlisted})`;
    }
    case 'unknown-prefix': {
      const known =
        pick.choices.length > 0 ? ` (files of that name: ${prefixes(pick.choices)})` : '';
      return `no file named ${name} has an infohash starting with ${target.infohashPrefix}${known}`;
    }
    case 'ambiguous-prefix':
      return `${pick.choices.length} files named ${name} have an infohash starting with ${target.infohashPrefix}: give more digits (${prefixes(pick.choices)})`;
  }
}
