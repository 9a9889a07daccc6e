import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Key } from 'ink';
import { stepInput } from '../../source/ui/line-edit.ts';
import { completeCommand, parseCommand } from '../../source/ui/peer/command-line.ts';
import { noKey } from './no-key.ts';

const USAGE =
  'commands: seed NAME, get NAME, up RATE, down RATE, exit, help (or torrent -setMode send|download NAME, torrent -setMode exit)';

describe('parseCommand: the forms of the original design', () => {
  test('torrent -setMode send NAME seeds, download NAME downloads, exit exits', () => {
    assert.deepEqual(parseCommand('torrent -setMode send a.bin'), { kind: 'seed', name: 'a.bin' });
    assert.deepEqual(parseCommand('torrent -setMode download big.iso'), {
      kind: 'download',
      name: 'big.iso',
    });
    assert.deepEqual(parseCommand('torrent -setMode exit'), { kind: 'exit' });
  });

  test('extra blanks around and between words are ignored', () => {
    assert.deepEqual(parseCommand('  torrent   -setMode  download   big.iso  '), {
      kind: 'download',
      name: 'big.iso',
    });
  });

  test('a known name with blanks of its own is kept as typed; an unknown one is trimmed', () => {
    const known = { local: ['  lead.bin'], swarm: ['a  b.iso'] };
    // Tab completes `seed   l` to `seed   lead.bin ` (one space after the command, one added).
    assert.deepEqual(parseCommand('seed   lead.bin ', known), { kind: 'seed', name: '  lead.bin' });
    assert.deepEqual(parseCommand('get a  b.iso', known), { kind: 'download', name: 'a  b.iso' });
    assert.deepEqual(parseCommand('get   c.iso ', known), { kind: 'download', name: 'c.iso' });
    assert.deepEqual(parseCommand('torrent -setMode send   lead.bin', known), {
      kind: 'seed',
      name: '  lead.bin',
    });
  });

  test('a name with a space is kept whole', () => {
    assert.deepEqual(parseCommand('torrent -setMode send my file.txt'), {
      kind: 'seed',
      name: 'my file.txt',
    });
  });

  test('torrent without -setMode and a mode is explained', () => {
    for (const line of [
      'torrent',
      'torrent -setMode',
      'torrent send a.bin',
      'torrent -mode exit',
    ]) {
      assert.deepEqual(
        parseCommand(line),
        {
          kind: 'error',
          message: `"${line}": expected torrent -setMode send|download NAME or torrent -setMode exit`,
        },
        line,
      );
    }
  });

  test('an unknown mode names the valid ones', () => {
    assert.deepEqual(parseCommand('torrent -setMode upload a.bin'), {
      kind: 'error',
      message: 'unknown mode "upload": use send, download or exit',
    });
  });

  test('send and download need a name; exit takes none', () => {
    assert.deepEqual(parseCommand('torrent -setMode send'), {
      kind: 'error',
      message: 'seed needs a file name',
    });
    assert.deepEqual(parseCommand('torrent -setMode download'), {
      kind: 'error',
      message: 'get needs a file name',
    });
    assert.deepEqual(parseCommand('torrent -setMode exit now'), {
      kind: 'error',
      message: 'exit takes no arguments',
    });
  });
});

describe('parseCommand: rate limits', () => {
  test('up and down RATE set the limits; 0 lifts one; a bad rate is named', () => {
    assert.deepEqual(parseCommand('up 10M'), {
      kind: 'limit',
      direction: 'up',
      bytesPerSec: 10 * 1024 * 1024,
    });
    assert.deepEqual(parseCommand('down 500K'), {
      kind: 'limit',
      direction: 'down',
      bytesPerSec: 500 * 1024,
    });
    assert.deepEqual(parseCommand('up 0'), { kind: 'limit', direction: 'up', bytesPerSec: 0 });
    assert.deepEqual(parseCommand('down fast'), {
      kind: 'error',
      message: 'down needs a rate such as 500K, 10M or 0 for no limit (got "fast")',
    });
    assert.deepEqual(parseCommand('up'), {
      kind: 'error',
      message: 'up needs a rate such as 500K, 10M or 0 for no limit',
    });
    assert.deepEqual(parseCommand('down 2000G'), {
      kind: 'error',
      message: 'down: a rate is at most 1024G (1 TiB/s)',
    });
    // `0.1` meant 0.1M, not "no limit".
    assert.deepEqual(parseCommand('down 0.1'), {
      kind: 'error',
      message: 'down: a rate is 0 (no limit) or at least 1K (got "0.1")',
    });
  });
});

describe('parseCommand: short forms', () => {
  test('seed and send NAME seed; get and download NAME download; exit and quit exit', () => {
    assert.deepEqual(parseCommand('seed x'), { kind: 'seed', name: 'x' });
    assert.deepEqual(parseCommand('send x'), { kind: 'seed', name: 'x' });
    assert.deepEqual(parseCommand('get big.iso'), { kind: 'download', name: 'big.iso' });
    assert.deepEqual(parseCommand('download big.iso'), { kind: 'download', name: 'big.iso' });
    assert.deepEqual(parseCommand('exit'), { kind: 'exit' });
    assert.deepEqual(parseCommand('quit'), { kind: 'exit' });
  });

  test('a verb without its name, or exit with one, is an error naming the verb typed', () => {
    assert.deepEqual(parseCommand('seed'), { kind: 'error', message: 'seed needs a file name' });
    assert.deepEqual(parseCommand('send'), { kind: 'error', message: 'send needs a file name' });
    assert.deepEqual(parseCommand('get'), { kind: 'error', message: 'get needs a file name' });
    assert.deepEqual(parseCommand('download '), {
      kind: 'error',
      message: 'download needs a file name',
    });
    assert.deepEqual(parseCommand('quit please'), {
      kind: 'error',
      message: 'quit takes no arguments',
    });
  });

  test('an empty line shows the usage; an unknown verb is named with the usage', () => {
    assert.deepEqual(parseCommand(''), { kind: 'error', message: USAGE });
    assert.deepEqual(parseCommand('   '), { kind: 'error', message: USAGE });
    assert.deepEqual(parseCommand('fetch big.iso'), {
      kind: 'error',
      message: `unknown command "fetch"; ${USAGE}`,
    });
  });

  test('commands are case-sensitive, as in the original design', () => {
    assert.equal(parseCommand('GET big.iso').kind, 'error');
    assert.equal(parseCommand('torrent -setmode exit').kind, 'error');
  });
});

describe('completeCommand', () => {
  const local = ['notes.txt', 'a.bin', 'album.zip'];
  const swarm = ['big.iso', 'sample-8MiB.bin', 'sample-16MiB.bin'];

  test('completes a command word with a space after it', () => {
    assert.equal(completeCommand('s', local, swarm), 'seed ');
    assert.equal(completeCommand('g', local, swarm), 'get ');
    assert.equal(completeCommand('e', local, swarm), 'exit ');
    assert.equal(completeCommand('t', local, swarm), 'torrent ');
  });

  test('completes -setMode, then the mode, after torrent', () => {
    assert.equal(completeCommand('torrent -', local, swarm), 'torrent -setMode ');
    assert.equal(completeCommand('torrent -setMode d', local, swarm), 'torrent -setMode download ');
    assert.equal(completeCommand('torrent -setMode s', local, swarm), 'torrent -setMode send ');
  });

  test('seed and send complete local names; get and download complete swarm names', () => {
    assert.equal(completeCommand('seed n', local, swarm), 'seed notes.txt ');
    assert.equal(
      completeCommand('torrent -setMode send no', local, swarm),
      'torrent -setMode send notes.txt ',
    );
    assert.equal(completeCommand('get b', local, swarm), 'get big.iso ');
    assert.equal(
      completeCommand('torrent -setMode download b', local, swarm),
      'torrent -setMode download big.iso ',
    );
    assert.equal(
      completeCommand('get n', local, swarm),
      'get n',
      'a local name is not offered to get',
    );
    assert.equal(
      completeCommand('seed b', local, swarm),
      'seed b',
      'a swarm name is not offered to seed',
    );
  });

  test('several matches fill in their common prefix; a unique one is completed', () => {
    assert.equal(completeCommand('get s', local, swarm), 'get sample-');
    assert.equal(completeCommand('get sample-1', local, swarm), 'get sample-16MiB.bin ');
    assert.equal(completeCommand('seed a', local, swarm), 'seed a');
    assert.equal(completeCommand('seed al', local, swarm), 'seed album.zip ');
  });

  test('nothing to complete leaves the line as it is', () => {
    assert.equal(completeCommand('', local, swarm), '');
    assert.equal(completeCommand('get zzz', local, swarm), 'get zzz');
    assert.equal(completeCommand('exit ', local, swarm), 'exit ');
    assert.equal(completeCommand('fetch b', local, swarm), 'fetch b');
  });

  test('completes a name that has a space in it', () => {
    assert.equal(completeCommand('get my f', [], ['my film.mkv']), 'get my film.mkv ');
  });
});

const key = (overrides: Partial<Key>): Key => ({ ...noKey, ...overrides });

describe('stepInput: one key applied to the line being typed', () => {
  test('typed text goes in at the end, several characters at once too', () => {
    assert.deepEqual(stepInput('ge', 't', noKey), { kind: 'edit', value: 'get', fromEnd: 0 });
    assert.deepEqual(stepInput('get ', 'big.iso', noKey), {
      kind: 'edit',
      value: 'get big.iso',
      fromEnd: 0,
    });
  });

  test('Backspace and Delete remove the character before the cursor; nothing to remove is fine', () => {
    const edited = (value: string) => ({ kind: 'edit', value, fromEnd: 0 });
    assert.deepEqual(stepInput('get', '', key({ backspace: true })), edited('ge'));
    assert.deepEqual(stepInput('get', '', key({ delete: true })), edited('ge'));
    assert.deepEqual(stepInput('', '', key({ backspace: true })), edited(''));
    // A character as a person sees it: an emoji of several code points, a letter and its accent.
    assert.deepEqual(stepInput('a👍🏽', '', key({ backspace: true })), edited('a'));
    assert.deepEqual(stepInput('cafe\u0301', '', key({ backspace: true })), edited('caf'));
  });

  test('Enter submits the line, Esc cancels, Tab asks for completion', () => {
    assert.deepEqual(stepInput('exit', '\r', key({ return: true })), {
      kind: 'submit',
      value: 'exit',
    });
    assert.deepEqual(stepInput('exit', '', key({ escape: true })), { kind: 'cancel' });
    assert.deepEqual(stepInput('se', '\t', key({ tab: true })), { kind: 'complete' });
  });

  test('up, down and other Ctrl or Meta chords change nothing', () => {
    for (const chord of [
      key({ upArrow: true }),
      key({ downArrow: true }),
      key({ ctrl: true }),
      key({ meta: true }),
    ]) {
      assert.deepEqual(stepInput('get', 'x', chord, 1), { kind: 'edit', value: 'get', fromEnd: 1 });
    }
  });

  test('a typo at the start is mended without retyping the rest (found by a session)', () => {
    // `get bgi.iso`: Home, → ×5, Backspace, then `i` typed in; Enter takes the whole line.
    let line = { value: 'get bgi.iso', fromEnd: 0 };
    const press = (input: string, pressed: Partial<Key> = {}) => {
      const step = stepInput(line.value, input, key(pressed), line.fromEnd);
      assert.equal(step.kind, 'edit');
      if (step.kind === 'edit') line = { value: step.value, fromEnd: step.fromEnd };
    };
    press('', { home: true });
    for (let index = 0; index < 6; index++) press('', { rightArrow: true });
    press('', { backspace: true });
    press('', { rightArrow: true });
    press('g');
    assert.deepEqual(line, { value: 'get big.iso', fromEnd: 4 });
    assert.deepEqual(stepInput(line.value, '\r', key({ return: true }), line.fromEnd), {
      kind: 'submit',
      value: 'get big.iso',
    });
  });

  test("a shell's editing keys: by character, by word, to either end, deleting to either end", () => {
    const at = (value: string, fromEnd: number) => ({ kind: 'edit', value, fromEnd });
    const line = 'get two words.iso';
    assert.deepEqual(stepInput(line, '', key({ leftArrow: true }), 0), at(line, 1));
    assert.deepEqual(stepInput(line, 'b', key({ ctrl: true }), 0), at(line, 1));
    assert.deepEqual(stepInput(line, '', key({ rightArrow: true }), 1), at(line, 0));
    assert.deepEqual(stepInput(line, '', key({ rightArrow: true }), 0), at(line, 0));
    assert.deepEqual(stepInput(line, 'a', key({ ctrl: true }), 3), at(line, line.length));
    assert.deepEqual(stepInput(line, '', key({ home: true }), 3), at(line, line.length));
    assert.deepEqual(stepInput(line, 'e', key({ ctrl: true }), 3), at(line, 0));
    assert.deepEqual(stepInput(line, '', key({ end: true }), 3), at(line, 0));
    // Alt+B, Ctrl+← and Alt+F, Ctrl+→ by word.
    assert.deepEqual(stepInput(line, 'b', key({ meta: true }), 0), at(line, 9));
    assert.deepEqual(stepInput(line, '', key({ ctrl: true, leftArrow: true }), 9), at(line, 13));
    assert.deepEqual(stepInput(line, 'f', key({ meta: true }), 13), at(line, 10));
    assert.deepEqual(stepInput(line, '', key({ ctrl: true, rightArrow: true }), 9), at(line, 0));
    // Ctrl+W and Alt+Backspace a word back, Ctrl+U to the start, Ctrl+K to the end, Ctrl+D at.
    assert.deepEqual(stepInput(line, 'w', key({ ctrl: true }), 0), at('get two ', 0));
    assert.deepEqual(
      stepInput(line, '', key({ meta: true, backspace: true }), 9),
      at('get words.iso', 9),
    );
    assert.deepEqual(stepInput(line, 'u', key({ ctrl: true }), 9), at('words.iso', 9));
    assert.deepEqual(stepInput(line, 'k', key({ ctrl: true }), 9), at('get two ', 0));
    assert.deepEqual(stepInput(line, 'd', key({ ctrl: true }), 9), at('get two ords.iso', 8));
    assert.deepEqual(stepInput(line, 'd', key({ ctrl: true }), 0), at(line, 0));
  });

  test('control characters never reach a name or a command', () => {
    assert.deepEqual(stepInput('get ', 'a\u0000b\u0007c\u001bd\u007f', noKey), {
      kind: 'edit',
      value: 'get abcd',
      fromEnd: 0,
    });
    assert.deepEqual(stepInput('x', '\n', noKey), { kind: 'edit', value: 'x', fromEnd: 0 });
  });
});
