import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  addressReadableWidth,
  fitColumns,
  fitTable,
  textWidth,
  truncate,
  truncateAddress,
  truncateMiddle,
  truncateStart,
  wrapRows,
  wrapShorteningWords,
} from '../../source/ui/text.ts';

describe('truncate', () => {
  test('leaves text that fits untouched', () => {
    assert.equal(truncate('abc', 3), 'abc');
    assert.equal(truncate('', 0), '');
  });

  test('cuts text to exactly the width, marking the cut with an ellipsis', () => {
    assert.equal(truncate('abcdef', 4), 'abc…');
    assert.equal(truncate('abcdef', 1), '…');
  });

  test('gives nothing for a width of zero or less', () => {
    assert.equal(truncate('abc', 0), '');
    assert.equal(truncate('abc', -2), '');
  });

  test('counts terminal cells: never splits a character, leaves a cell empty for a wide one', () => {
    const text = '😀😀😀😀';
    assert.equal(truncate(text, 3), '😀…');
    assert.equal(truncate(text, 4), '😀…', 'the second emoji would need cells 3 and 4');
    assert.equal(truncate(text, 5), '😀😀…');
    assert.equal(truncate('日本語のファイル名.bin', 7), '日本語…');
    assert.equal(textWidth(truncate('日本語のファイル名.bin', 12)), 11);
    // A family (four people joined by zero-width joiners) and an accent are one character each.
    const family = '👨\u200d👩\u200d👧\u200d👦';
    assert.equal(truncate(`${family}${family}x`, 4), `${family}…`);
    assert.equal(truncate('e\u0301e\u0301e\u0301', 2), 'e\u0301…');
  });
});

describe('truncateStart', () => {
  test('keeps the end of the text, in cells, on whole characters', () => {
    assert.equal(truncateStart('short', 10), 'short');
    assert.equal(truncateStart('a-long-file-name.iso', 9), '…name.iso');
    assert.equal(truncateStart('日本語のファイル名', 7), '…イル名');
    assert.equal(truncateStart('abc', 0), '');
  });
});

describe('truncateMiddle', () => {
  test('keeps the start and the end, in cells', () => {
    assert.equal(truncateMiddle('short.iso', 10), 'short.iso');
    assert.equal(truncateMiddle('a-very-long-file-name-2026.tar.gz', 20), 'a-very-lon…26.tar.gz');
    assert.ok(textWidth(truncateMiddle('日本語のファイル名です.bin', 12)) <= 12);
  });
});

describe('wrapShorteningWords', () => {
  test('cuts a long word in its middle so that the sentence after it fits', () => {
    // Found by a session: a name of 230 characters took both rows of a notice.
    const name = `${'x'.repeat(200)}.bin`;
    const text = `✗ ${name} cannot be shared: its name is longer than 255 bytes in UTF-8`;
    assert.match(wrapRows(text, 59, 2, 2).join(' '), /x…$/, 'the reason was cut off');
    const rows = wrapShorteningWords(text, 59, 2, 2);
    assert.equal(rows.length, 2);
    assert.match(
      rows.map((row) => row.trim()).join(' '),
      /^✗ x+…x+\.bin cannot be shared: its name is longer than 255 bytes in UTF-8$/,
    );
    assert.ok(rows.every((row) => textWidth(row) <= 59));
  });

  test('leaves text that fits, and short words, as wrapRows does', () => {
    const text = 'plain words that need three rows of twenty cells to be said whole';
    assert.deepEqual(wrapShorteningWords('a short one', 20, 2), ['a short one']);
    assert.deepEqual(wrapShorteningWords(text, 20, 2), wrapRows(text, 20, 2));
  });
});

describe('truncateAddress', () => {
  test('cuts the host in its middle and keeps the port: nodes of one host differ there', () => {
    assert.equal(truncateAddress('[2001:db8:9::2]:48157', 30), '[2001:db8:9::2]:48157');
    assert.equal(truncateAddress('[2001:db8:9::2]:48157', 18), '[2001:…9::2]:48157');
    // The nodes of one LAN differ at the host's end (until 2026-12-08 `198.1…:40000`).
    assert.equal(truncateAddress('198.18.0.10:40000', 12), '198…10:40000');
    // Where every row has one host, it may go down to `…` (minHostCells 1).
    assert.equal(truncateAddress('127.0.0.1:47811', 7, 1), '…:47811');
    assert.equal(truncateAddress('127.0.0.1:47811', 7), '127.0.…');
    assert.equal(textWidth(truncateAddress('[fe80::a816:e8ff:fe63:d5e5%vb]:46611', 20)), 20);
  });

  test('too narrow for a host and its port, or not host:port: cut at the end', () => {
    assert.equal(truncateAddress('198.18.0.10:40000', 8), '198.18.…');
    assert.equal(truncateAddress('a-name-not-an-address', 8), 'a-name-…');
    assert.equal(truncateAddress('10.0.0.1:port', 8), '10.0.0.…');
  });
});

describe('addressReadableWidth', () => {
  test('the port, its colon and 3 cells of host; 3 without a port; never more than the text', () => {
    assert.equal(addressReadableWidth('127.0.0.1:47811'), 9);
    assert.equal(addressReadableWidth('[::1]:7003'), 9);
    assert.equal(addressReadableWidth('somewhere'), 3);
    assert.equal(addressReadableWidth('a:1'), 3);
  });
});

describe('textWidth', () => {
  test('gives the cells a terminal uses: two for CJK and emoji, none for a combining mark', () => {
    assert.equal(textWidth('plain.txt'), 9);
    assert.equal(textWidth('日本語'), 6);
    assert.equal(textWidth('party 🎉.txt'), 12);
    assert.equal(textWidth('e\u0301'), 1);
    assert.equal(textWidth(''), 0);
  });
});

describe('fitColumns', () => {
  const headings = { id: 'id', name: 'name', note: 'note' };
  const rows = [
    { id: '1', name: 'a-rather-long-file-name.iso', note: 'ok' },
    { id: '22', name: 'short', note: 'last owner' },
  ];
  /** Width the table takes with the default chrome (3 per column + 1). */
  const tableWidth = (fitted: typeof rows) =>
    (['id', 'name', 'note'] as const)
      .map((key) => Math.max(textWidth(headings[key]), ...fitted.map((row) => textWidth(row[key]))))
      .reduce((sum, width) => sum + width + 3, 1);

  test('returns the rows unchanged when the table fits', () => {
    assert.deepEqual(fitColumns(rows, headings, ['name'], 100), rows);
    assert.equal(tableWidth(rows), 2 + 27 + 10 + 10);
  });

  test('shrinks only the flexible column, to exactly the width available', () => {
    const fitted = fitColumns(rows, headings, ['name'], 40);
    assert.deepEqual(fitted, [
      { id: '1', name: 'a-rather-long-fil…', note: 'ok' },
      { id: '22', name: 'short', note: 'last owner' },
    ]);
    assert.equal(tableWidth(fitted), 40);
  });

  test('shrinks the widest flexible column first', () => {
    const wide = [{ id: '1', name: 'x'.repeat(30), note: 'y'.repeat(12) }];
    const fitted = fitColumns(wide, headings, ['name', 'note'], 40);
    assert.deepEqual(fitted, [{ id: '1', name: `${'x'.repeat(15)}…`, note: 'y'.repeat(12) }]);
    assert.equal(tableWidth(fitted), 40);
  });

  test('cuts a cutFirst column to 12 cells before the widest is cut at all', () => {
    // Found by hand: My files cut every name to 12 cells beside a folder's 28-cell state.
    const wide = [{ id: '1', name: 'n'.repeat(40), note: 'm'.repeat(30) }];
    const columns = ['id', 'name', 'note'] as const;
    const fit = (maxWidth: number, rows = wide) =>
      fitTable(rows, [...columns], maxWidth, { flexible: ['name', 'note'], cutFirst: ['note'] });
    // 50 = 2 (id) + 10 of chrome + 38 for the two: the note 12, the name 26.
    const fitted = fit(50);
    assert.deepEqual(fitted.rows, [
      { id: '1', name: `${'n'.repeat(25)}…`, note: `${'m'.repeat(11)}…` },
    ]);
    assert.equal(tableWidth(fitted.rows), 50);
    // Only as much as is needed; a column narrower than 12 cells is never widened.
    assert.equal(fit(75).widths.note, 23);
    assert.equal(fit(75).widths.name, 40);
    const short = [{ id: '1', name: 'n'.repeat(40), note: 'ok' }];
    assert.deepEqual(fit(40, short).rows, [{ id: '1', name: `${'n'.repeat(23)}…`, note: 'ok' }]);
  });

  test('a dropped column gives its room back to the cut ones; softMinWidth moves the drop', () => {
    // Found by hand: at 60 columns Swarm files cut names to `b…` beside sizes and owner counts.
    const files = [{ name: 'ubuntu-24.04.iso', size: '5.7 GiB', owners: 'you + 12' }];
    const columns = ['name', 'size', 'owners'] as const;
    const fit = (maxWidth: number, softMinWidth?: number) =>
      fitTable(files, [...columns], maxWidth, {
        flexible: ['name'],
        droppable: ['owners'],
        ...(softMinWidth === undefined ? {} : { softMinWidth }),
      });
    // 34 = 10 of chrome + size 7 + owners 8 + name 9: under 12, so owners goes, and the name
    // gets its 16 cells back (it kept 12 before).
    assert.deepEqual(fit(34).columns, ['name', 'size']);
    assert.equal(fit(34).rows[0]?.name, 'ubuntu-24.04.iso');
    // Allowed down to 8 cells, the name is cut instead and owners stays.
    assert.deepEqual(fit(34, 8).columns, ['name', 'size', 'owners']);
    assert.equal(fit(34, 8).rows[0]?.name, 'ubuntu-2…');
  });

  test('readable widths are kept while another column can give room, then given up', () => {
    // Found by a session: at 62 columns a tracker view's address column was cut to `127.0.…`
    // (8 cells, every node on one host alike) while the tracker column beside it kept 11.
    const nodes = [{ address: '127.0.0.1:47811', tracker: '127.0.0.1:47800' }];
    const fit = (maxWidth: number) =>
      fitTable(nodes, ['address', 'tracker'], maxWidth, {
        flexible: ['address', 'tracker'],
        cutters: { address: truncateAddress, tracker: truncateAddress },
        readableWidths: { address: 9, tracker: 9 },
      });
    // 26 = 7 of chrome + 9 + 10: the widest (the first of equals) cut to its readable width.
    assert.deepEqual(fit(26).rows, [{ address: '12…:47811', tracker: '12…1:47800' }]);
    assert.deepEqual(fit(25).rows, [{ address: '12…:47811', tracker: '12…:47800' }]);
    // Narrower than both readable widths: down to 3 cells, widest first, as before.
    assert.deepEqual(fit(24).widths, { address: 8, tracker: 9 });
  });

  test('never shrinks a flexible column below its heading (or 3 characters)', () => {
    const fitted = fitColumns(rows, headings, ['name'], 10);
    assert.deepEqual(
      fitted.map((row) => row.name),
      ['a-r…', 'sho…'],
    );
  });

  test('shrinks the other flexible columns when the widest is already at its minimum', () => {
    // The table shows column keys as headings, so a long heading is a long key.
    const owners = 'owners (node·credit, best first)';
    const fitted = fitColumns(
      [{ file: 'ubuntu-24.04-desktop.iso', [owners]: '1·0 B' }],
      { file: 'file', [owners]: owners },
      ['file', owners],
      50,
    );
    // 50 = 7 of chrome + owners 32 (its heading) + file 11.
    assert.deepEqual(fitted, [{ file: 'ubuntu-24.…', [owners]: '1·0 B' }]);
  });

  test('does not change the rows it was given', () => {
    const copy = structuredClone(rows);
    fitColumns(rows, headings, ['name'], 20);
    assert.deepEqual(rows, copy);
  });
});
