import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyScroll,
  clampScroll,
  PasteReader,
  pastedLine,
  scrollActionFor,
  splitKeys,
} from '../../source/ui/keys.ts';
import { noKey } from './no-key.ts';

describe('scrollActionFor', () => {
  test('maps arrows, j/k, pages, Home/End and g/G to scroll actions', () => {
    assert.deepEqual(scrollActionFor('', { ...noKey, upArrow: true }, 5), {
      kind: 'by',
      lines: -1,
    });
    assert.deepEqual(scrollActionFor('k', noKey, 5), { kind: 'by', lines: -1 });
    assert.deepEqual(scrollActionFor('', { ...noKey, downArrow: true }, 5), {
      kind: 'by',
      lines: 1,
    });
    assert.deepEqual(scrollActionFor('j', noKey, 5), { kind: 'by', lines: 1 });
    assert.deepEqual(scrollActionFor('', { ...noKey, pageUp: true }, 5), {
      kind: 'by',
      lines: -5,
    });
    assert.deepEqual(scrollActionFor('', { ...noKey, pageDown: true }, 5), {
      kind: 'by',
      lines: 5,
    });
    assert.deepEqual(scrollActionFor('', { ...noKey, home: true }, 5), { kind: 'top' });
    assert.deepEqual(scrollActionFor('g', noKey, 5), { kind: 'top' });
    assert.deepEqual(scrollActionFor('', { ...noKey, end: true }, 5), { kind: 'bottom' });
    assert.deepEqual(scrollActionFor('G', { ...noKey, shift: true }, 5), { kind: 'bottom' });
  });

  test('a page is at least one line', () => {
    assert.deepEqual(scrollActionFor('', { ...noKey, pageDown: true }, 0), {
      kind: 'by',
      lines: 1,
    });
  });

  test('other keys are not scroll keys', () => {
    assert.equal(scrollActionFor('s', noKey, 5), null);
    assert.equal(scrollActionFor('', { ...noKey, tab: true }, 5), null);
  });
});

describe('applyScroll', () => {
  test('moves by lines within [0, total - visible]', () => {
    assert.equal(applyScroll(0, { kind: 'by', lines: 1 }, 20, 4), 1);
    assert.equal(applyScroll(5, { kind: 'by', lines: -4 }, 20, 4), 1);
    assert.equal(applyScroll(1, { kind: 'by', lines: -4 }, 20, 4), 0);
    assert.equal(applyScroll(15, { kind: 'by', lines: 4 }, 20, 4), 16);
  });

  test('jumps to the top and to the last full window', () => {
    assert.equal(applyScroll(7, { kind: 'top' }, 20, 4), 0);
    assert.equal(applyScroll(7, { kind: 'bottom' }, 20, 4), 16);
  });

  test('a list that fits its window never scrolls', () => {
    assert.equal(applyScroll(0, { kind: 'by', lines: 3 }, 3, 4), 0);
    assert.equal(applyScroll(0, { kind: 'bottom' }, 3, 4), 0);
    assert.equal(applyScroll(0, { kind: 'by', lines: 1 }, 0, 4), 0);
  });
});

describe('clampScroll', () => {
  test('keeps a valid offset', () => {
    assert.equal(clampScroll(3, 20, 4), 3);
  });

  test('pulls an offset back when the list shrank or the window grew', () => {
    assert.equal(clampScroll(16, 10, 4), 6);
    assert.equal(clampScroll(16, 20, 30), 0);
  });

  test('never goes negative', () => {
    assert.equal(clampScroll(-3, 20, 4), 0);
  });
});

describe('splitKeys', () => {
  test('a burst of characters comes out one key at a time; Enter in it is Enter', () => {
    const presses = splitKeys('ab\r', noKey);
    assert.deepEqual(
      presses.map((press) => [press.input, press.key.return]),
      [
        ['a', false],
        ['b', false],
        ['', true],
      ],
    );
  });

  test('LF is Enter, TAB is Tab, DEL is delete, Ctrl+letters are Ctrl and the letter; other control characters are dropped', () => {
    // Found by a session: `send-keys C-a C-k` came as one read and both keys were dropped.
    const presses = splitKeys('x\n\t\u007f\u0001\u000b\u001cY', noKey);
    assert.deepEqual(
      presses.map(({ input, key }) => [
        input,
        key.return,
        key.tab,
        key.delete,
        key.ctrl,
        key.shift,
      ]),
      [
        ['x', false, false, false, false, false],
        ['', true, false, false, false, false],
        ['', false, true, false, false, false],
        ['', false, false, true, false, false],
        ['a', false, false, false, true, false],
        ['k', false, false, false, true, false],
        ['Y', false, false, false, false, true],
      ],
    );
  });

  test('a single key or a named key passes as it is', () => {
    const up = { ...noKey, upArrow: true };
    assert.deepEqual(splitKeys('', up), [{ input: '', key: up }]);
    assert.deepEqual(splitKeys('j', noKey), [{ input: 'j', key: noKey }]);
  });
});

describe('PasteReader', () => {
  test('keys pass; what comes between the brackets is one paste, over several reads', () => {
    const reader = new PasteReader();
    const key = noKey;
    assert.deepEqual(reader.read('jj', key), { kind: 'keys', input: 'jj', key });
    assert.equal(reader.read('[200~', key), null);
    assert.equal(reader.read('big.', key), null);
    assert.equal(reader.read('', { ...key, return: true }), null);
    assert.equal(reader.read('iso\rq', key), null);
    assert.deepEqual(reader.read('[201~', key), { kind: 'paste', text: 'big.\riso\rq', key });
    assert.deepEqual(reader.read('q', key), { kind: 'keys', input: 'q', key });
  });

  test('Ctrl+C ends a paste whose end never came, and reaches the view', () => {
    const reader = new PasteReader();
    const ctrlC = { ...noKey, ctrl: true };
    assert.equal(reader.read('[200~', noKey), null);
    assert.equal(reader.read('half a name', noKey), null);
    assert.deepEqual(reader.read('c', ctrlC), { kind: 'keys', input: 'c', key: ctrlC });
    assert.deepEqual(reader.read('q', noKey), { kind: 'keys', input: 'q', key: noKey });
  });

  test('a paste is cut at 4096 characters', () => {
    const reader = new PasteReader();
    reader.read('[200~', noKey);
    for (let index = 0; index < 10; index++) reader.read('x'.repeat(1000), noKey);
    const read = reader.read('[201~', noKey);
    assert.equal(read?.kind === 'paste' ? read.text.length : -1, 4096);
  });
});

describe('pastedLine', () => {
  test('the first line that holds anything, trimmed, its control characters dropped', () => {
    assert.equal(pastedLine('big.iso\rq\r'), 'big.iso');
    assert.equal(pastedLine('\n\n  a b.iso \nsecond'), 'a b.iso');
    assert.equal(pastedLine('x\u0007y\u007fz\tw'), 'xyzw');
    assert.equal(pastedLine('\r\n \n'), '');
  });
});
