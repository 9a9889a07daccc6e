import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Key } from 'ink';
import type { EntryChoice } from '../../source/peer/download/entry-choice.ts';
import { confirmationPrompt } from '../../source/ui/peer/download-keys.ts';
import {
  initialPeerViewState,
  type PeerKeyContext,
  type PeerViewState,
  reducePeerKeys,
  selectedDownload,
  selectedIndex,
} from '../../source/ui/peer/peer-view-state.ts';
import { noKey } from './no-key.ts';

const context: PeerKeyContext = {
  localFiles: [
    { name: 'notes.txt', seeding: false },
    { name: 'big.iso', seeding: true },
  ],
  swarmNames: ['big.iso', 'ubuntu.iso', 'a.bin'],
  downloads: [
    { name: 'big.iso', state: 'downloading' },
    { name: 'old.bin', state: 'done' },
    { name: 'gone.bin', state: 'cancelled' },
    { name: 'new.bin', state: 'verifying' },
  ],
  listRows: 5,
  logLines: 5,
  logTotal: 40,
  canSwitchView: false,
};

const press = (
  state: PeerViewState,
  text: string,
  key: Partial<Key> = {},
  keyContext: PeerKeyContext = context,
) => reducePeerKeys(state, text, { ...noKey, ...key }, keyContext);

/** One of several files of the name twin.bin, by the digit its infohash repeats. */
const choice = (hexDigits: string): EntryChoice => ({
  name: 'twin.bin',
  infohashHex: hexDigits.repeat(32),
  sizeBytes: 1024,
  ownerCount: 1,
  completeOwners: 1,
  partialOwners: 0,
  bestCreditBytes: 0,
  totalCreditBytes: 0,
});

/** The Downloads pane focused with the row `index` selected. */
const onDownload = (index: number): PeerViewState => ({
  ...initialPeerViewState,
  focus: 'downloads',
  selected: { files: 0, swarm: 0, downloads: index },
});

describe('peer view keys as a pure reducer', () => {
  test('a burst of keys in one read is applied key by key on fresh state', () => {
    const { state, effects } = press(initialPeerViewState, 'jd');
    assert.equal(state.selected.swarm, 1);
    assert.deepEqual(effects, [{ kind: 'download', name: 'ubuntu.iso', picked: true }]);
  });

  test('the selection stays on its file while files are listed above it, and d takes that file', () => {
    const listed = (names: string[], hashes: string[]): PeerKeyContext => ({
      ...context,
      swarmNames: names,
      swarmInfohashes: hashes,
    });
    const before = listed(['big200.bin', 'mid30.bin'], ['aa'.repeat(32), 'bb'.repeat(32)]);
    const { state } = press(initialPeerViewState, 'j', {}, before);
    // A look-alike of the selected file's name, and another file, are announced above it.
    const after = listed(
      ['aaa.bin', 'big200.bin', 'mid30.bin', 'mid30.bin'],
      ['cc'.repeat(32), 'aa'.repeat(32), 'dd'.repeat(32), 'bb'.repeat(32)],
    );
    // Until 2026-12-07 the selection stayed on the second row: `d` took aaa's neighbour (found
    // by a session).
    assert.deepEqual(press(state, 'd', {}, after).effects, [
      { kind: 'download', name: 'mid30.bin', target: `mid30.bin@${'bb'.repeat(32)}`, picked: true },
    ]);
    assert.equal(selectedIndex(state, 'swarm', ['x@1', `mid30.bin@${'bb'.repeat(32)}`]), 1);
    // Moving goes on from where the file is now; a file gone leaves the selection where it was.
    assert.equal(press(state, 'k', {}, after).state.selected.swarm, 2);
    assert.equal(selectedIndex(state, 'swarm', ['x@1', 'y@2', 'z@3']), 1);
  });

  test('a key that opens the command line takes the rest of the chunk as typed text', () => {
    const { state, effects } = press(initialPeerViewState, ':get big.iso');
    assert.deepEqual(state.input, { purpose: 'command', value: 'get big.iso', fromEnd: 0 });
    assert.deepEqual(effects, []);
    assert.deepEqual(press(state, '\r', { return: true }).effects, [
      { kind: 'download', name: 'big.iso' },
    ]);
  });

  test('seed on a file already seeded stops seeding it', () => {
    const files = {
      ...initialPeerViewState,
      focus: 'files' as const,
      selected: { files: 1, swarm: 0, downloads: 0 },
    };
    assert.deepEqual(press(files, 's').effects, [{ kind: 'unseed', name: 'big.iso' }]);
    assert.deepEqual(
      press(initialPeerViewState, ':seed notes.txt').state.input?.value,
      'seed notes.txt',
    );
  });

  test("d asks for the row's own file by its infohash, also where the name reads as NAME@PREFIX", () => {
    // Found by hand: d on a file named v@1a2b asked for a file named v; d on a unique name took
    // a kept part file of an older file of the name.
    const names = ['v@1a2b', 'x@12', 'me@home.txt'];
    const rows: PeerKeyContext = {
      ...context,
      swarmNames: names,
      swarmInfohashes: ['bb'.repeat(32), 'cc'.repeat(32), 'dd'.repeat(32)],
    };
    const targets = names.map((_, swarm) => {
      const state = { ...initialPeerViewState, selected: { files: 0, swarm, downloads: 0 } };
      return press(state, 'd', {}, rows).effects;
    });
    assert.deepEqual(targets, [
      [{ kind: 'download', name: 'v@1a2b', picked: true, target: `v@1a2b@${'bb'.repeat(32)}` }],
      [{ kind: 'download', name: 'x@12', picked: true, target: `x@12@${'cc'.repeat(32)}` }],
      [
        {
          kind: 'download',
          name: 'me@home.txt',
          picked: true,
          target: `me@home.txt@${'dd'.repeat(32)}`,
        },
      ],
    ]);
  });

  test('the filter narrows what d downloads, and Esc clears it', () => {
    let { state } = press(initialPeerViewState, '/');
    ({ state } = press(state, 'a.b'));
    assert.equal(state.filter, 'a.b');
    ({ state } = press(state, '\r', { return: true }));
    assert.deepEqual(press(state, 'd').effects, [
      { kind: 'download', name: 'a.bin', picked: true },
    ]);
    ({ state } = press(state, '/'));
    ({ state } = press(state, '', { escape: true }));
    assert.equal(state.filter, '');
  });

  test('Esc clears a filter kept with Enter, as it does while it is typed', () => {
    const kept = press(initialPeerViewState, '/u\r', {}).state;
    assert.equal(kept.filter, 'u');
    assert.equal(press(kept, '', { escape: true }).state.filter, '');
  });

  // `:get m` and Tab did nothing, and `:get mi` stopped at `mine-` without a word (found by a
  // session): where Tab cannot go further, the choices are said.
  test('Tab that cannot complete further lists the choices', () => {
    const rows: PeerKeyContext = { ...context, swarmNames: ['mine-a.bin', 'mine-b.bin', 'other'] };
    const tab = (line: string) => {
      const { state } = press(initialPeerViewState, `:${line}`, {}, rows);
      return press(state, '', { tab: true }, rows);
    };
    const stopped = tab('get mi');
    assert.equal(stopped.state.input?.value, 'get mine-');
    assert.deepEqual(stopped.effects, []);
    const listed = tab('get mine-');
    assert.equal(listed.state.input?.value, 'get mine-');
    assert.deepEqual(listed.effects, [
      {
        kind: 'notice',
        pane: 'downloads',
        text: 'Tab: 2 choices: mine-a.bin · mine-b.bin',
        error: false,
      },
    ]);
    assert.deepEqual(tab('get o').effects, []);
    assert.equal(tab('get o').state.input?.value, 'get other ');
  });

  // The selection went back to the row picked before the filter (found by a session).
  test('clearing the filter keeps the selection on the row it showed under the filter', () => {
    // big.iso picked; /a.b shows a.bin alone, selected; Esc (typed or kept) stays on a.bin.
    for (const clear of ['/a.b', '/a.b\r']) {
      let { state } = press({ ...initialPeerViewState, focus: 'swarm' }, clear);
      ({ state } = press(state, '', { escape: true }));
      assert.equal(state.filter, '', clear);
      assert.deepEqual(press(state, 'd').effects, [
        { kind: 'download', name: 'a.bin', picked: true },
      ]);
    }
  });

  test('a filter with @ matches the NAME@PREFIX a shared name is shown as', () => {
    // Found by a session: rows read twin.bin@bbbb and twin.bin@cccc, and /twin.bin@c matched none.
    const twins: PeerKeyContext = {
      ...context,
      swarmNames: ['twin.bin', 'twin.bin', 'me@home.txt'],
      swarmInfohashes: ['bb'.repeat(32), 'cc'.repeat(32), 'dd'.repeat(32)],
    };
    const filtered = (filter: string) => {
      const state = { ...initialPeerViewState, focus: 'swarm' as const, filter };
      return press(state, 'd', {}, twins).effects;
    };
    assert.deepEqual(filtered('TWIN.bin@C'), [
      { kind: 'download', name: 'twin.bin', picked: true, target: `twin.bin@${'cc'.repeat(32)}` },
    ]);
    // A name that holds @ still matches by its name.
    assert.deepEqual(filtered('me@home'), [
      {
        kind: 'download',
        name: 'me@home.txt',
        picked: true,
        target: `me@home.txt@${'dd'.repeat(32)}`,
      },
    ]);
    assert.deepEqual(filtered('twin.bin@e'), []);
  });

  test('while help is open only ?, Esc and q act (and only to close it)', () => {
    const { state } = press(initialPeerViewState, '?');
    assert.equal(state.helpOpen, true);
    assert.deepEqual(press(state, 'd'), { state, effects: [] });
    assert.equal(press(state, 'q').state.helpOpen, false);
  });

  test('Ctrl+C exits from anywhere, even while typing', () => {
    const typing = press(initialPeerViewState, ':se').state;
    assert.deepEqual(press(typing, 'c', { ctrl: true }).effects, [{ kind: 'exit' }]);
  });

  test('a paste ending in Enter, in one read, submits the D prompt and the : line', () => {
    // tmux send-keys 'name' Enter and a terminal paste deliver "name\r" as one chunk.
    const named = press(press(initialPeerViewState, 'D').state, 'not-listed.bin\r');
    assert.equal(named.state.input, null);
    assert.deepEqual(named.effects, [{ kind: 'download', name: 'not-listed.bin' }]);
    const typed = press(initialPeerViewState, ':get a.bin\r');
    assert.equal(typed.state.input, null);
    assert.deepEqual(typed.effects, [{ kind: 'download', name: 'a.bin' }]);
    // Keys after the Enter act as keys again.
    assert.equal(press(initialPeerViewState, '/a\rj').state.selected.swarm, 0);
    assert.deepEqual(press(initialPeerViewState, ':exit\n').effects, [{ kind: 'exit' }]);
  });

  test('the Downloads selection follows a new download once the engine lists it', () => {
    const started = press(
      { ...initialPeerViewState, selected: { files: 0, swarm: 1, downloads: 0 } },
      'd',
    );
    assert.deepEqual(started.effects, [{ kind: 'download', name: 'ubuntu.iso', picked: true }]);
    const listed: PeerKeyContext = {
      ...context,
      downloads: [...context.downloads, { name: 'ubuntu.iso', state: 'searching' }],
    };
    assert.equal(
      selectedDownload(
        started.state,
        listed.downloads.map((row) => row.name),
      ),
      4,
    );
    const moved = press({ ...started.state, focus: 'downloads' }, 'k', {}, listed);
    assert.equal(moved.state.selected.downloads, 3, 'from the new row, one up');
    assert.equal(moved.state.follow, null);
  });

  test('p says why it cannot pause a done or verifying download', () => {
    assert.deepEqual(press(onDownload(0), 'p').effects, [
      { kind: 'toggle-pause', name: 'big.iso' },
    ]);
    const why = (index: number) => {
      const [effect] = press(onDownload(index), 'p').effects;
      assert.equal(effect?.kind, 'notice');
      return effect?.kind === 'notice' ? effect.text : '';
    };
    assert.equal(why(1), 'old.bin is done: nothing to pause');
    assert.match(why(3), /^new\.bin is verifying: it can be paused once it downloads/);
  });

  test('p starts a failed or cancelled download again, the same file when its infohash is known', () => {
    const ended: PeerKeyContext = {
      ...context,
      downloads: [
        { name: 'gone.bin', state: 'cancelled', infohashHex: 'ab'.repeat(32) },
        { name: 'typo.bin', state: 'failed', infohashHex: '' },
        { name: 'twin.bin', state: 'failed', choices: [choice('aa'), choice('bb')] },
      ],
    };
    const cancelled = press(onDownload(0), 'p', {}, ended);
    assert.deepEqual(cancelled.effects, [
      {
        kind: 'download',
        name: 'gone.bin',
        target: `gone.bin@${'ab'.repeat(32)}`,
        picked: true,
        again: true,
      },
    ]);
    assert.equal(cancelled.state.follow, 'gone.bin');
    assert.deepEqual(press(onDownload(1), 'p', {}, ended).effects, [
      { kind: 'download', name: 'typo.bin', picked: true, again: true },
    ]);
    // By name it would fail again among the same files: the person picks one.
    assert.deepEqual(press(onDownload(2), 'p', {}, ended).effects, [
      {
        kind: 'notice',
        pane: 'downloads',
        text: 'twin.bin: several files have this name; Enter picks one',
        error: true,
      },
    ]);
  });

  test('p on a download taken up paused resumes it even while it is still verifying', () => {
    const held: PeerKeyContext = {
      ...context,
      downloads: [
        ...context.downloads,
        { name: 'held.bin', state: 'verifying', heldByPerson: true },
      ],
    };
    assert.deepEqual(press(onDownload(4), 'p', {}, held).effects, [
      { kind: 'toggle-pause', name: 'held.bin' },
    ]);
  });

  test('c asks y/n before cancelling; n, Esc and other keys cancel nothing', () => {
    const asked = press(onDownload(0), 'c');
    assert.deepEqual(asked.effects, []);
    assert.deepEqual(asked.state.confirm, { kind: 'cancel', name: 'big.iso', partFile: true });
    assert.deepEqual(press(asked.state, 'j').state, asked.state, 'other keys wait for an answer');
    assert.equal(press(asked.state, 'n').state.confirm, null);
    assert.deepEqual(press(asked.state, '', { escape: true }).effects, []);
    const yes = press(asked.state, 'y');
    assert.equal(yes.state.confirm, null);
    assert.deepEqual(yes.effects, [{ kind: 'cancel', name: 'big.iso' }]);
    const done = press(onDownload(1), 'c');
    assert.equal(done.state.confirm, null, 'nothing to cancel on a finished download');
    assert.match(
      done.effects[0]?.kind === 'notice' ? done.effects[0].text : '',
      /is done: nothing to cancel/,
    );
  });

  test('R removes after y (part file kept) or d (part file deleted); a done file has no d', () => {
    const asked = press(onDownload(2), 'R');
    assert.deepEqual(asked.state.confirm, {
      kind: 'remove',
      name: 'gone.bin',
      partFile: true,
      done: false,
    });
    assert.deepEqual(press(asked.state, 'y').effects, [
      { kind: 'remove', name: 'gone.bin', deletePartFile: false },
    ]);
    assert.deepEqual(press(asked.state, 'd').effects, [
      { kind: 'remove', name: 'gone.bin', deletePartFile: true },
    ]);
    const done = press(onDownload(1), 'R').state;
    assert.deepEqual(press(done, 'd').effects, [], 'no part file to delete');
    assert.deepEqual(press(done, 'y').effects, [
      { kind: 'remove', name: 'old.bin', deletePartFile: false },
    ]);
  });

  test('R on a download whose file was never found offers no part file, and says no file stays', () => {
    const waiting: PeerKeyContext = {
      ...context,
      downloads: [{ name: 'typo.bin', state: 'waiting-for-owners', hasPartFile: false }],
    };
    const asked = press(onDownload(0), 'R', {}, waiting);
    const confirm = asked.state.confirm;
    assert.deepEqual(confirm, { kind: 'remove', name: 'typo.bin', partFile: false, done: false });
    assert.deepEqual(confirm && confirmationPrompt(confirm), {
      question: 'remove typo.bin?',
      answers: 'y yes  n no',
    });
    assert.deepEqual(press(asked.state, 'd', {}, waiting).effects, [], 'no part file to delete');
  });

  test('s on an entry that cannot be shared says why instead of seeding', () => {
    const folder: PeerKeyContext = {
      ...context,
      localFiles: [
        { name: 'photos', seeding: false, unsupported: 'a folder: only plain files can be shared' },
      ],
    };
    const { effects } = press({ ...initialPeerViewState, focus: 'files' }, 's', {}, folder);
    assert.deepEqual(effects, [
      {
        kind: 'notice',
        pane: 'files',
        text: 'photos cannot be shared: a folder: only plain files can be shared',
        error: true,
      },
    ]);
  });

  test('s on a file being hashed stops it, as on one seeded', () => {
    const hashing: PeerKeyContext = {
      ...context,
      localFiles: [{ name: 'huge.bin', seeding: false, hashing: true }],
    };
    const { effects } = press({ ...initialPeerViewState, focus: 'files' }, 's', {}, hashing);
    assert.deepEqual(effects, [{ kind: 'unseed', name: 'huge.bin' }]);
  });
});

describe("a pane's letter pressed in another pane", () => {
  test('moves the focus to that pane, asks nothing of the engine, and says what the key does', () => {
    const fromSwarm = press(initialPeerViewState, 's');
    assert.equal(fromSwarm.state.focus, 'files');
    assert.deepEqual(fromSwarm.effects, [
      { kind: 'notice', pane: 'files', text: 's seeds the file selected here', error: false },
    ]);
    const fromLog = press({ ...initialPeerViewState, focus: 'log' }, 'R');
    assert.equal(fromLog.state.focus, 'downloads');
    assert.equal(fromLog.state.confirm, null, 'no removal asked');
    assert.deepEqual(fromLog.effects, [
      {
        kind: 'notice',
        pane: 'downloads',
        text: 'p pauses or retries, c cancels, R removes the download selected here',
        error: false,
      },
    ]);
    const fromFiles = press({ ...initialPeerViewState, focus: 'files' }, 'd');
    assert.equal(fromFiles.state.focus, 'swarm');
    assert.deepEqual(fromFiles.effects, [], 'Swarm files shows its keys on the bottom line');
  });

  test('the same letter again acts in that pane', () => {
    const { state } = press(initialPeerViewState, 'p');
    assert.deepEqual(press(state, 'p').effects, [{ kind: 'toggle-pause', name: 'big.iso' }]);
  });
});
