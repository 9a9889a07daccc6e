import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  describeTargetError,
  parseDownloadTarget,
} from '../../../source/peer/download/download-target.ts';

/** The target `text` reads as, or the sentence a person gets for it. */
function read(text: string) {
  const parsed = parseDownloadTarget(text);
  return parsed.ok ? parsed.target : describeTargetError(text, parsed.error);
}

test('a plain name is the name alone', () => {
  assert.deepEqual(read('big.bin'), { name: 'big.bin', infohashPrefix: null });
});

test('NAME@PREFIX picks by 4 to 64 hex digits, read in lower case', () => {
  assert.deepEqual(read('big.bin@3FA2c1'), { name: 'big.bin', infohashPrefix: '3fa2c1' });
  assert.deepEqual(read('big.bin@3fa2'), { name: 'big.bin', infohashPrefix: '3fa2' });
  const full = 'ab'.repeat(32);
  assert.deepEqual(read(`big.bin@${full}`), { name: 'big.bin', infohashPrefix: full });
});

test('an @ followed by anything but hex digits is part of the name', () => {
  assert.deepEqual(read('me@home.txt'), { name: 'me@home.txt', infohashPrefix: null });
  assert.deepEqual(read('a@b@c.log'), { name: 'a@b@c.log', infohashPrefix: null });
});

test('a name that itself ends in @ and hex digits is reached with its own prefix after it', () => {
  assert.deepEqual(read('photo@2024@3fa2c1'), { name: 'photo@2024', infohashPrefix: '3fa2c1' });
  assert.deepEqual(read('weird@@3fa2c1'), { name: 'weird@', infohashPrefix: '3fa2c1' });
});

test('bad forms get a sentence saying what is wrong and what the form is', () => {
  const form = "NAME@PREFIX takes 4 to 64 hex digits of the file's infohash, e.g. big.bin@3fa2c1";
  assert.equal(read('@3fa2c1'), `"@3fa2c1": no file name before @ (${form})`);
  assert.equal(read('big.bin@'), `"big.bin@": nothing after @ (${form})`);
  assert.equal(
    read('big.bin@3fa'),
    '"big.bin@3fa": an infohash prefix needs at least 4 hex digits, this one has 3 (a name with @ in it: add its prefix, NAME@PREFIX)',
  );
  assert.equal(
    read(`big.bin@${'a'.repeat(65)}`),
    `"big.bin@${'a'.repeat(65)}": an infohash has 64 hex digits, this prefix has 65`,
  );
});

test('the name part follows the name rules', () => {
  assert.equal(
    read('../x@3fa2c1'),
    'name "../x" refused: it is not a plain file name (contains a path separator)',
  );
  assert.equal(read('..'), 'name ".." refused: it is not a plain file name (it is "." or "..")');
});
