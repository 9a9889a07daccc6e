import assert from 'node:assert/strict';
import { test } from 'node:test';
import { didYouMean, nearestName, otherUnicodeForm } from '../source/suggest.ts';

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

test('a name that is the same text in other Unicode characters is said to be so, with how to ask', () => {
  const nfd = 'cafe\u0301.bin'; // as macOS names it
  const nfc = 'caf\u00e9.bin'; // as a keyboard types it
  // The same text first, before a closer typo and before one equal but for case.
  assert.equal(nearestName(nfc, ['cafe.bin', 'CAF\u00c9.BIN', nfd]), nfd);
  assert.equal(otherUnicodeForm(nfc, nfd), '\u00e9 is U+0065 U+0301 there, U+00E9 here');
  assert.equal(otherUnicodeForm(nfd, nfc), '\u00e9 is U+00E9 there, U+0065 U+0301 here');
  assert.equal(
    didYouMean(nfc, nfd),
    `the swarm has ${nfd}, the same name in other Unicode characters (\u00e9 is U+0065 U+0301 there, U+00E9 here): pick it in Swarm files, or in a shell give $'cafe\\u0301.bin'`,
  );
  // Marks in another order are the same text; the character named is the whole of it.
  assert.equal(
    otherUnicodeForm('a\u0323\u0302.txt', 'a\u0302\u0323.txt'),
    '\u1ead is U+0061 U+0302 U+0323 there, U+0061 U+0323 U+0302 here',
  );
  // Beyond the Basic Multilingual Plane, and a quote in the name.
  assert.equal(
    didYouMean("it's e\u0301 \u{1f600}", "it's \u00e9 \u{1f600}").split(' give ')[1],
    "$'it\\'s \\u00e9 \\U0001f600'",
  );
  assert.equal(otherUnicodeForm('big.iso', 'Big.iso'), null);
  assert.equal(didYouMean('bigg.iso', 'big.iso'), 'did you mean big.iso?');
});

test('did you mean: a name with blanks at either end is quoted, others as they are', () => {
  // Found by a session: `did you mean trail.bin ?` hid the blank that made it another name.
  assert.equal(didYouMean('big.iso', 'bigg.iso'), 'did you mean bigg.iso?');
  assert.equal(didYouMean('trail.bin', 'trail.bin '), 'did you mean "trail.bin "?');
  assert.equal(didYouMean('lead.bin', ' lead.bin'), 'did you mean " lead.bin"?');
});
