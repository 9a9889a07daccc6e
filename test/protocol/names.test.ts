import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  describeNameError,
  type NameError,
  quoteUntrusted,
  validateFileName,
} from '../../source/protocol/names.ts';

describe('validateFileName', () => {
  const refused: Array<[string, NameError]> = [
    ['', 'empty'],
    ['.', 'dot'],
    ['..', 'dot'],
    ['a/b', 'separator'],
    ['/etc/passwd', 'separator'],
    ['../x', 'separator'],
    ['a\\b', 'separator'],
    ['..\\x', 'separator'],
    ['a\0b', 'nul'],
    ['x\n', 'control'],
    ['tab\there', 'control'],
    ['esc\u001b[2J', 'control'],
    ['del\u007f', 'control'],
    ['c1 first\u0080', 'control'],
    ['csi\u009b2J', 'control'],
    ['c1 last\u009f', 'control'],
    ['photo\u202egpj.exe', 'direction'],
    ['iso\u2066late', 'direction'],
    ['mark\u200f', 'direction'],
    ['a\u200bb.bin', 'invisible'],
    ['\ufeffbom.bin', 'invisible'],
    ['soft\u00adhyphen', 'invisible'],
    ['joiner\u2060', 'invisible'],
    ['filler\u3164', 'invisible'],
    // Found by a session (2026-12-07): each listed as one more row reading `big2.bin`.
    ['big2.bin\u{E0001}', 'invisible'],
    ['big2.bin ', 'blank-edge'],
    [' big2.bin', 'blank-edge'],
    ['big2.bin\u00a0', 'blank-edge'],
    ['big2.bin\u3000', 'blank-edge'],
    ['big2.bin\u2003', 'blank-edge'],
    [' ', 'blank-edge'],
    ['a'.repeat(256), 'too-long'],
    ['é'.repeat(128), 'too-long'],
    ['.bt-tui-meta', 'reserved'],
    ['.bt-tui', 'reserved'],
    ['a.bin.part', 'partial'],
    ['x.part', 'partial'],
    ['.hidden', 'hidden'],
    ['...', 'hidden'],
    ['.part', 'hidden'],
  ];
  for (const [name, error] of refused) {
    test(`refuses ${JSON.stringify(name.length > 20 ? `${name.slice(0, 20)}...` : name)} as ${error}`, () => {
      assert.equal(validateFileName(name), error);
    });
  }

  const accepted = [
    'file.iso',
    'ünïcødé.txt',
    'a'.repeat(255),
    `${'é'.repeat(127)}a`,
    'a b',
    'bt-tui.log',
    'x.bt-tui',
    'a.partial',
    'family \u{1f468}\u200d\u{1f469}\u200d\u{1f467}.png',
    'love \u2764\ufe0f.txt',
    'me\u200cmo.txt',
    'part',
    'a.part.bin',
    'two  blanks inside.txt',
    'no\u00a0break inside.txt',
  ];
  for (const name of accepted) {
    test(`accepts ${JSON.stringify(name.length > 20 ? `${name.slice(0, 20)}...` : name)}`, () => {
      assert.equal(validateFileName(name), null);
    });
  }
});

describe('quoteUntrusted', () => {
  test('escapes characters drawn as nothing, combining ones too', () => {
    assert.equal(
      quoteUntrusted('a\u200bb\u034fc\u17b4d\ufeff'),
      '"a\\u200bb\\u034fc\\u17b4d\\ufeff"',
    );
  });
});

describe('describeNameError', () => {
  test('says why a name with a path separator is refused', () => {
    assert.equal(
      describeNameError('../x', 'separator'),
      'name "../x" refused: it is not a plain file name (contains a path separator)',
    );
  });

  test('escapes control characters so a hostile name cannot drive the terminal', () => {
    const sentence = describeNameError('a\u001b[2Jb\n', 'control');
    assert.ok(
      [...sentence].every((char) => char >= ' '),
      sentence,
    );
    assert.ok(sentence.includes('\\u001b[2Jb\\n'), sentence);
  });

  test('escapes C1 controls and direction overrides too (JSON leaves them raw)', () => {
    const sentence = describeNameError('a\u009b2Jb\u202e', 'control');
    assert.ok(sentence.includes('a\\u009b2Jb\\u202e'), sentence);
  });

  test('accepts the characters just outside the refused ranges', () => {
    for (const name of ['a\u00a0b', 'caf\u00e9', 'x\u2010y', '\u2065']) {
      assert.equal(validateFileName(name), null, JSON.stringify(name));
    }
  });

  test('shortens very long names', () => {
    assert.ok(describeNameError('a'.repeat(300), 'too-long').length < 200);
  });

  test('has a sentence for every code', () => {
    const codes: NameError[] = [
      'empty',
      'too-long',
      'dot',
      'separator',
      'nul',
      'control',
      'direction',
      'invisible',
      'reserved',
      'hidden',
      'partial',
    ];
    for (const code of codes)
      assert.match(describeNameError('n', code), /^name "n" refused: .{8,}/);
  });
});
