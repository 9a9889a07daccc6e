import { type KeyHelp, SUSPEND_KEY } from '../components/HelpLine.tsx';
import { textWidth } from '../text.ts';
import type { PeerPane } from './peer-view-state.ts';

/** Every key of the peer view, for the `?` overlay; `short` is used when it needs two columns. */
export const PEER_KEYS: KeyHelp[] = [
  { keys: 'q x Ctrl+C', action: 'exit (EXIT to the tracker)', short: 'exit' },
  SUSPEND_KEY,
  { keys: '? Esc', action: 'this help / close it', short: 'help / close' },
  { keys: 'Tab Shift+Tab', action: 'next / previous pane', short: 'next/prev pane' },
  { keys: '↑ ↓ j k', action: 'move the selection, scroll the log', short: 'move, scroll' },
  { keys: 'PgUp PgDn', action: 'a page up / down', short: 'page up/down' },
  { keys: 'Home End g G', action: 'first / last (log: oldest / newest)', short: 'first / last' },
  { keys: 's Enter', action: 'seed / stop seeding (My files)', short: 'seed / unseed' },
  { keys: 'a', action: 'seed every file of the folder', short: 'seed all' },
  {
    keys: 'd Enter',
    action: 'download the selected file (Swarm files)',
    short: 'download',
  },
  {
    keys: '/',
    action: 'filter Swarm files, from any pane (Enter keeps, Esc clears)',
    short: 'filter swarm',
  },
  {
    keys: 'r',
    action: 'refresh Swarm files; downloads short of owners ask the tracker again',
    short: 'refresh, re-ask',
  },
  {
    keys: 'D',
    action: 'download a file by typing its name (NAME@PREFIX picks one of a name)',
    short: 'download by name',
  },
  {
    keys: 'Enter',
    action: 'choose among files of one name (Downloads)',
    short: 'choose file',
  },
  {
    keys: 'p',
    action: 'pause / resume; a failed or cancelled one starts again (Downloads)',
    short: 'pause/retry',
  },
  { keys: 'c', action: 'cancel, after y (the part file stays)', short: 'cancel (y/n)' },
  {
    keys: 'R',
    action: 'remove from the list: y keeps, d deletes the part file',
    short: 'remove (y/d/n)',
  },
  { keys: ':', action: 'command line, see below', short: 'command line' },
  {
    keys: 'paste',
    action: "typed into the open line, or into D's; never run as keys, never entered",
    short: "into D's line",
  },
];

/** Only in the demo, where the view shares the screen with the tracker view. */
export const SWITCH_VIEW_KEY: KeyHelp = {
  keys: 't',
  action: 'switch to the tracker view',
  short: 'tracker view',
};

/** The `:` syntax, under the keys in the overlay. */
export const COMMAND_HELP = [
  ':seed NAME  :get NAME  :exit  :help   Tab completes',
  ':up RATE  :down RATE   limits: 10M, 500K, 0 = none',
  ':torrent -setMode send NAME | download NAME | exit',
];

/** The footer's keys for a pane, most useful first; `?` (every key) is always shown. */
const PANE_KEYS: Record<PeerPane, KeyHelp[]> = {
  files: [
    { keys: 's/Enter', action: 'seed/stop' },
    { keys: 'a', action: 'seed all' },
  ],
  swarm: [
    { keys: 'd/Enter', action: 'download' },
    { keys: '/', action: 'filter' },
    { keys: 'r', action: 'refresh' },
    { keys: 'D', action: 'by name' },
  ],
  downloads: [
    { keys: 'p', action: 'pause/retry' },
    { keys: 'c', action: 'cancel' },
    { keys: 'R', action: 'remove' },
  ],
  log: [
    { keys: 'PgUp/PgDn', action: 'page' },
    { keys: 'g/G', action: 'oldest/newest' },
  ],
};

/** Keys of every pane, in the order they give way when the line is short. */
const GLOBAL_KEYS: KeyHelp[] = [
  { keys: 'Tab/S-Tab', action: 'pane' },
  { keys: 'q/x', action: 'exit' },
  { keys: '↑↓/jk', action: 'move' },
  { keys: ':', action: 'command' },
  { keys: 'g/G PgUp/PgDn', action: 'ends/page' },
];
const ALL_KEYS: KeyHelp = { keys: '?', action: 'all keys' };

const lineWidth = (keys: KeyHelp[]) =>
  textWidth(keys.map((key) => `${key.keys} ${key.action}`).join(' '));

/**
 * The footer for the focused pane at `width`: the pane's own keys, then the keys of every
 * pane, then `? all keys`, last of all. What does not fit gives way from the end of the global
 * keys, then of the pane's; `?` never does, so the overlay is always one key away.
 */
export function footerKeys(focus: PeerPane, width: number, canSwitchView: boolean): KeyHelp[] {
  const pane = [...PANE_KEYS[focus]];
  // The log's own keys are the scroll keys: no need to name them twice.
  const global = GLOBAL_KEYS.filter((key) => focus !== 'log' || !key.keys.startsWith('g/G'));
  if (canSwitchView) global.splice(1, 0, { keys: 't', action: 'tracker' });
  const line = () => [...pane, ...global, ALL_KEYS];
  while (lineWidth(line()) > width && global.length > 0) global.pop();
  while (lineWidth(line()) > width && pane.length > 1) pane.pop();
  return line();
}
