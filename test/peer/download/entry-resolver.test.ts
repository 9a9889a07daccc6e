import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nearbyName } from '../../../source/peer/download/entry-resolver.ts';
import type { ListEntry } from '../../../source/protocol/messages.ts';

/** A tracker whose LIST holds `names`, 32 a page, as a real one pages them. */
function listing(names: string[]) {
  const pages: string[][] = [];
  for (let at = 0; at < names.length; at += 32) pages.push(names.slice(at, at + 32));
  const entry = (name: string): ListEntry => ({
    infohash: Buffer.alloc(32),
    name,
    size: 1,
    ownerCount: 1,
  });
  return {
    findOwners: () => Promise.reject(new Error('not asked')),
    listFiles: async (cursor: number) => ({
      ok: true as const,
      reply: {
        type: 'list-reply' as const,
        totalFiles: names.length,
        nextCursor: cursor + 1 < pages.length ? cursor + 1 : 0,
        files: (pages[cursor] ?? []).map(entry),
      },
    }),
  };
}

test('nearbyName reads the LIST pages and suggests a name the download could ask for', async () => {
  const many = Array.from({ length: 70 }, (_, index) => `file-${index}.dat`);
  assert.equal(await nearbyName('bigg.iso', listing([...many, 'big.iso'])), 'big.iso');
  assert.equal(await nearbyName('zzz.bin', listing(many)), null);
  // A hostile tracker's name with a control character, one edit away: never suggested, so it
  // never reaches the log or a terminal as it is.
  assert.equal(await nearbyName('big.iso', listing(['big\u001b.iso'])), null);
  assert.equal(await nearbyName('big.iso', listing(['big\u202e.iso', 'bog.iso'])), 'bog.iso');
});
