import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Key } from 'ink';
import {
  initialPeerViewState,
  type PeerKeyContext,
  type PeerViewState,
  reducePeerKeys,
} from '../../source/ui/peer/peer-view-state.ts';
import { noKey } from './no-key.ts';

const context: PeerKeyContext = {
  localFiles: [
    { name: 'notes.txt', seeding: false },
    { name: 'big.iso', seeding: true },
  ],
  swarmNames: ['big.iso', 'ubuntu.iso', 'a.bin'],
  downloads: ['big.iso'],
  listRows: 5,
  logLines: 5,
  logTotal: 40,
  canSwitchView: false,
};

const press = (state: PeerViewState, text: string, key: Partial<Key> = {}) =>
  reducePeerKeys(state, text, { ...noKey, ...key }, context);

describe('peer view keys as a pure reducer', () => {
  test('a burst of keys in one read is applied key by key on fresh state', () => {
    const { state, effects } = press(initialPeerViewState, 'jd');
    assert.equal(state.selected.swarm, 1);
    assert.deepEqual(effects, [{ kind: 'download', name: 'ubuntu.iso' }]);
  });

  test('a key that opens the command line takes the rest of the chunk as typed text', () => {
    const { state, effects } = press(initialPeerViewState, ':get big.iso');
    assert.deepEqual(state.input, { purpose: 'command', value: 'get big.iso' });
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

  test('the filter narrows what d downloads, and Esc clears it', () => {
    let { state } = press(initialPeerViewState, '/');
    ({ state } = press(state, 'a.b'));
    assert.equal(state.filter, 'a.b');
    ({ state } = press(state, '\r', { return: true }));
    assert.deepEqual(press(state, 'd').effects, [{ kind: 'download', name: 'a.bin' }]);
    ({ state } = press(state, '/'));
    ({ state } = press(state, '', { escape: true }));
    assert.equal(state.filter, '');
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
});
