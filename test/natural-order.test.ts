import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareNatural } from '../source/natural-order.ts';

describe('compareNatural', () => {
  test('numbers in names sort by value, the rest by code unit', () => {
    const names = ['f10.dat', 'f2.dat', 'f1.dat', 'F3.dat', 'f1.dat.bak', 'g', 'f', 'f02.dat'];
    assert.deepEqual(names.sort(compareNatural), [
      'F3.dat',
      'f',
      'f1.dat',
      'f1.dat.bak',
      'f02.dat',
      'f2.dat',
      'f10.dat',
      'g',
    ]);
  });

  test('runs longer than a double holds compare exactly; equal values fall back to code units', () => {
    assert.equal(compareNatural('v12345678901234567890', 'v12345678901234567891'), -1);
    assert.equal(compareNatural('v99999999999999999999', 'v100000000000000000000'), -1);
    assert.equal(compareNatural('a007', 'a7'), -1);
    assert.equal(compareNatural('a7', 'a007'), 1);
    assert.equal(compareNatural('a7', 'a7'), 0);
    assert.equal(compareNatural('img-2b', 'img-2a'), 1);
  });
});
