import type { Key } from 'ink';
import type { DownloadState } from '../../peer/download/download.ts';
import type { EntryChoice } from '../../peer/download/entry-choice.ts';
import type { PeerEffect, PeerKeyOutcome, PeerViewState } from './peer-view-state.ts';

/** A download as the keys of the Downloads pane see it. */
export interface DownloadRow {
  name: string;
  state: DownloadState;
  /** Paused by a person, or to pause as soon as it starts: `p` resumes it in any state. */
  heldByPerson?: boolean;
  /** Several files of its name were found and none picked: Enter opens the picker. */
  choices?: readonly EntryChoice[];
  /** The file's infohash once known ('' before): `p` starts that file again, not another. */
  infohashHex?: string;
  /**
   * False while nothing was written (its file not found yet): `R` then offers no part file to
   * delete, where it said `deleted its part file` of a file never made (found by hand).
   */
  hasPartFile?: boolean;
}

/** A destructive action waiting for y/n (htop asks before F9 kills; so do we). */
export type Confirmation =
  /** `partFile`: there is one, and it is kept. */
  | { kind: 'cancel'; name: string; partFile: boolean }
  /** `partFile`: there is one to keep or delete; `done`: the downloaded file stays either way. */
  | { kind: 'remove'; name: string; partFile: boolean; done: boolean };

/** States in which a download has stopped for good (until it is started again). */
const ENDED: readonly DownloadState[] = ['done', 'cancelled', 'failed'];

/** What a person reads when `p` cannot pause, resume or start again a download, by its state. */
function whyNoPause(row: DownloadRow): string | null {
  if (row.heldByPerson) return null;
  switch (row.state) {
    case 'downloading':
    case 'waiting-for-owners':
    case 'paused':
    case 'cancelled':
      return null;
    case 'failed':
      // Started again by name it would fail the same way: the person has to pick the file.
      return row.choices && row.choices.length > 0
        ? `${row.name}: several files have this name; Enter picks one`
        : null;
    case 'done':
      return `${row.name} is done: nothing to pause`;
    default:
      return `${row.name} is ${row.state.replaceAll('-', ' ')}: it can be paused once it downloads`;
  }
}

/**
 * `p` on a failed or cancelled download starts it again, as Resume does on a stopped torrent
 * in Transmission: from what its part file holds, and the same file when its infohash is known.
 * Before, `p` pointed at `d` in Swarm files, where a name typed with `D` and not found is not.
 */
function startAgain(state: PeerViewState, row: DownloadRow): PeerKeyOutcome {
  const target = row.infohashHex ? { target: `${row.name}@${row.infohashHex}` } : {};
  return {
    state: { ...state, follow: row.name },
    effects: [{ kind: 'download', name: row.name, ...target, picked: true, again: true }],
  };
}

const notice = (text: string, error: boolean): PeerEffect => ({
  kind: 'notice',
  pane: 'downloads',
  text,
  error,
});

/** `c`, `p` and `R` on the selected download: act, ask to confirm, or say why not. */
export function downloadKey(
  state: PeerViewState,
  text: string,
  row: DownloadRow,
): PeerKeyOutcome | null {
  if (text === 'p') {
    const why = whyNoPause(row);
    if (why === null && !row.heldByPerson && (row.state === 'failed' || row.state === 'cancelled'))
      return startAgain(state, row);
    return {
      state,
      effects: [why ? notice(why, true) : { kind: 'toggle-pause', name: row.name }],
    };
  }
  if (text === 'c') {
    if (ENDED.includes(row.state)) {
      const was = row.state === 'done' ? 'is done' : `was already ${row.state}`;
      return {
        state,
        effects: [
          notice(`${row.name} ${was}: nothing to cancel (R removes it from the list)`, true),
        ],
      };
    }
    const confirm: Confirmation = {
      kind: 'cancel',
      name: row.name,
      partFile: row.hasPartFile !== false,
    };
    return { state: { ...state, confirm }, effects: [] };
  }
  if (text === 'R') {
    const confirm: Confirmation = {
      kind: 'remove',
      name: row.name,
      partFile: row.state !== 'done' && row.hasPartFile !== false,
      done: row.state === 'done',
    };
    return { state: { ...state, confirm }, effects: [] };
  }
  return null;
}

/**
 * The question the bottom line asks while a confirmation is open, and its answers; short, so
 * both fit 60 columns with a name of a dozen characters.
 */
export function confirmationPrompt(confirm: Confirmation): { question: string; answers: string } {
  if (confirm.kind === 'cancel') {
    const kept = confirm.partFile ? ' (part file kept)' : '';
    return { question: `cancel ${confirm.name}?${kept}`, answers: 'y yes  n no' };
  }
  if (confirm.partFile)
    return { question: `remove ${confirm.name}?`, answers: 'y keep part file  d delete it  n no' };
  const stays = confirm.done ? ' (the file stays)' : '';
  return { question: `remove ${confirm.name}?${stays}`, answers: 'y yes  n no' };
}

/** One key while a confirmation is open: y (or d) acts, n or Esc closes, anything else waits. */
export function confirmKey(
  state: PeerViewState,
  confirm: Confirmation,
  text: string,
  key: Key,
): PeerKeyOutcome {
  const closed = { ...state, confirm: null };
  if (text === 'n' || key.escape) return { state: closed, effects: [] };
  if (text === 'y' && confirm.kind === 'cancel')
    return { state: closed, effects: [{ kind: 'cancel', name: confirm.name }] };
  if (confirm.kind === 'remove' && (text === 'y' || (text === 'd' && confirm.partFile)))
    return {
      state: closed,
      effects: [{ kind: 'remove', name: confirm.name, deletePartFile: text === 'd' }],
    };
  return { state, effects: [] };
}
