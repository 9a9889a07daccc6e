/**
 * Which file a name means: one file is taken, several with owners are a choice for a person (not
 * a guess by owner count), a prefix picks one or says exactly why not; a prefix the NEED reply
 * did not list is looked up in the LIST pages.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OwnerFinder } from '../../../source/peer/download/download.ts';
import {
  describeChoice,
  describePick,
  type EntryPick,
  pickEntry,
} from '../../../source/peer/download/entry-choice.ts';
import { resolveEntry } from '../../../source/peer/download/entry-resolver.ts';
import type {
  ListReplyMessage,
  NeedMatch,
  NeedReplyMessage,
} from '../../../source/protocol/messages.ts';

const MiB = 1024 * 1024;

/** A file of `name` whose infohash is `hexStart` padded with zeros. */
function match(
  hexStart: string,
  owners: Array<{ complete: boolean; credit: number }>,
  name = 'big.bin',
  ownerCount = owners.length,
): NeedMatch {
  return {
    infohash: Buffer.from(hexStart.padEnd(64, '0'), 'hex'),
    name,
    size: 4 * MiB,
    ownerCount,
    owners: owners.map((owner, index) => ({
      nodeId: index + 1,
      host: '127.0.0.1',
      port: 4000 + index,
      uploadCredit: owner.credit,
      complete: owner.complete,
    })),
  };
}

function reply(matches: NeedMatch[], totalMatches = matches.length): NeedReplyMessage {
  return { type: 'need-reply', totalMatches, matches };
}

const honest = match('3fa2c1d0', [{ complete: true, credit: 12 * MiB }]);
const fake = match('9b1e22aa', [
  { complete: true, credit: 0 },
  { complete: true, credit: 0 },
  { complete: false, credit: 0 },
]);

function reason(pick: EntryPick, prefix: string | null = null): string {
  assert.notEqual(pick.kind, 'chosen');
  return describePick(
    { name: 'big.bin', infohashPrefix: prefix },
    pick as Exclude<EntryPick, { kind: 'chosen' }>,
  );
}

test('the only file of a name is taken', () => {
  const pick = pickEntry(reply([honest]), { name: 'big.bin', infohashPrefix: null });
  assert.deepEqual(pick, { kind: 'chosen', match: honest });
});

test('the only file of a name with owners is taken; files without owners are no choice', () => {
  const gone = match('77', [], 'big.bin', 0);
  const pick = pickEntry(reply([gone, honest]), { name: 'big.bin', infohashPrefix: null });
  assert.deepEqual(pick, { kind: 'chosen', match: honest });
});

test('several files of a name with owners are a choice, never the one with most owners', () => {
  const pick = pickEntry(reply([fake, honest]), { name: 'big.bin', infohashPrefix: null });
  assert.equal(pick.kind, 'ambiguous');
  assert.deepEqual(pick.kind === 'ambiguous' && pick.choices.map(describeChoice), [
    // Listed by credit first: what verified uploads say, not how many nodes announce.
    'big.bin@3fa2c1d0  4.0 MiB  1 owner (1 complete, 0 partial)  best credit 12.0 MiB',
    'big.bin@9b1e22aa  4.0 MiB  3 owners (2 complete, 1 partial)  best credit 0 B',
  ]);
  assert.equal(
    reason(pick),
    '2 different files are named big.bin; not guessing which: choose one as big.bin@PREFIX (3fa2c1d0, 9b1e22aa)',
  );
});

test('files the reply left out keep the name ambiguous, and are counted', () => {
  const pick = pickEntry(reply([honest], 9), { name: 'big.bin', infohashPrefix: null });
  assert.equal(
    reason(pick),
    '9 different files are named big.bin; not guessing which: choose one as big.bin@PREFIX (3fa2c1d0; 8 more not listed)',
  );
});

test('a reply that counts files of the name but lists none says so, not "1 different files"', () => {
  const pick = pickEntry(reply([], 1), { name: 'big.bin', infohashPrefix: null });
  assert.equal(
    reason(pick),
    'the tracker counted 1 file named big.bin but listed none; asking again may help',
  );
});

test('owners beyond those the tracker named are counted in the line', () => {
  const many = match('3fa2c1d0', [{ complete: true, credit: 5 }], 'big.bin', 40);
  const pick = pickEntry(reply([many, fake]), { name: 'big.bin', infohashPrefix: null });
  assert.equal(
    pick.kind === 'ambiguous' && describeChoice(pick.choices[0]!),
    'big.bin@3fa2c1d0  4.0 MiB  40 owners (1 complete, 0 partial, 39 more)  best credit 5 B',
  );
});

test('a prefix picks the one file it starts', () => {
  const pick = pickEntry(reply([fake, honest]), { name: 'big.bin', infohashPrefix: '3fa2' });
  assert.deepEqual(pick, { kind: 'chosen', match: honest });
});

test('an unknown or ambiguous prefix says which prefixes exist', () => {
  const twin = match('3fa2ffee', [{ complete: true, credit: 0 }]);
  const target = { name: 'big.bin', infohashPrefix: '3fa2' };
  assert.equal(
    reason(pickEntry(reply([fake, honest, twin]), target), '3fa2'),
    '2 files named big.bin have an infohash starting with 3fa2: give more digits (3fa2c1d0, 3fa2ffee)',
  );
  assert.equal(
    reason(pickEntry(reply([fake, honest]), { ...target, infohashPrefix: 'dead' }), 'dead'),
    'no file named big.bin has an infohash starting with dead (files of that name: 3fa2c1d0, 9b1e22aa)',
  );
});

test('a name nobody announced is not found; with an @ in it the form is recalled', () => {
  const none = pickEntry(reply([]), { name: 'big.bin', infohashPrefix: null });
  assert.equal(reason(none), 'not found in the swarm');
  assert.equal(
    describePick({ name: 'me@x.txt', infohashPrefix: null }, { kind: 'not-found' }),
    'not found in the swarm (to pick one of several files of a name: NAME@PREFIX, with 4 to 64 hex digits of its infohash)',
  );
});

test('a prefix the NEED reply did not list is found in the LIST pages and asked for by infohash', async () => {
  const crowd = Array.from({ length: 8 }, (_, index) =>
    match(`0${index}`, [
      { complete: true, credit: 0 },
      { complete: true, credit: 0 },
    ]),
  );
  const asked: string[] = [];
  const findOwners: OwnerFinder = async (query, maxOwners, exclude) => {
    asked.push(
      `${query.kind === 'name' ? query.name : query.infohash.toString('hex').slice(0, 8)} ${maxOwners} [${exclude}]`,
    );
    if (query.kind === 'name') return { ok: true, reply: reply(crowd, 9) };
    return { ok: true, reply: reply([honest]) };
  };
  const pages: ListReplyMessage[] = [
    {
      type: 'list-reply',
      totalFiles: 10,
      nextCursor: 5,
      files: crowd.slice(0, 5).map((m) => ({ ...m, size: m.size })),
    },
    {
      type: 'list-reply',
      totalFiles: 10,
      nextCursor: 0,
      files: [...crowd.slice(5), honest, match('3fa2c1d0', [], 'other.bin')].map((m) => ({
        infohash: m.infohash,
        name: m.name,
        size: m.size,
        ownerCount: m.ownerCount,
      })),
    },
  ];
  const listFiles = async (cursor: number) => ({
    ok: true as const,
    reply: pages[cursor === 0 ? 0 : 1]!,
  });
  const resolved = await resolveEntry(
    { name: 'big.bin', infohashPrefix: '3fa2c1' },
    { findOwners, listFiles },
    [7],
  );
  assert.deepEqual(resolved, { ok: true, pick: { kind: 'chosen', match: honest } });
  assert.deepEqual(asked, ['big.bin 16 [7]', '3fa2c1d0 16 [7]']);
});

test('a tracker that does not answer is a reason to ask again, not a choice', async () => {
  const findOwners: OwnerFinder = async () => ({ ok: false, reason: 'tracker unreachable' });
  assert.deepEqual(
    await resolveEntry({ name: 'big.bin', infohashPrefix: null }, { findOwners }, []),
    {
      ok: false,
      reason: 'tracker unreachable',
    },
  );
});
