import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDiskFull } from '../source/disk-full.ts';
import { PartFileOpenError } from '../source/peer/download/part-file.ts';

test('a full disk and a full quota are both a want of room; other failures are not', () => {
  const failure = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(isDiskFull(failure('ENOSPC')), true);
  // A download asked for on a full quota failed at once; on a full disk it waited for room.
  assert.equal(isDiskFull(failure('EDQUOT')), true);
  assert.equal(isDiskFull(new PartFileOpenError('/x/a.bin.part', failure('EDQUOT'))), true);
  for (const other of [failure('EACCES'), failure('EROFS'), new Error('no code'), null, 'text'])
    assert.equal(isDiskFull(other), false, String(other));
});
