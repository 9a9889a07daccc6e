import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nearestName } from '../source/suggest.ts';

test('nearestName: the same name but for case first, else a typo away, else none', () => {
  const names = ['big.iso', 'Notes.txt', 'notes.bak', 'film-01.mkv'];
  assert.equal(nearestName('bigg.iso', names), 'big.iso');
  // Seven edits apart, far beyond a typo's distance: the same name but for case all the same.
  assert.equal(nearestName('NOTES.TXT', names), 'Notes.txt');
  assert.equal(nearestName('film-1.mkv', names), 'film-01.mkv');
  assert.equal(nearestName('zzz.bin', names), null);
  // A name never suggests itself (a listing may hold it while NEED did not, e.g. ownerless).
  assert.equal(nearestName('big.iso', ['big.iso']), null);
});
