/** Lines a list pane needs besides its rows: title, table rules and heading, one notice line.
 * The downloads pane likewise has a title and a notice line above its blocks. */
const LIST_CHROME_LINES = 6;
/** Header (2 lines) and the help or input line (1). */
const FIXED_LINES = 3;
const MIN_LIST_PANE = LIST_CHROME_LINES + 1;
const MIN_DOWNLOADS_PANE = 3;
const MIN_LOG_PANE = 3;
/** Log lines (its title included) the lists leave when they grow past their third. */
const LOG_ROOM = 8;

export interface PeerLayout {
  listsHeight: number;
  listRows: number;
  downloadsHeight: number;
  logHeight: number;
}

/**
 * Splits the screen: the two file lists side by side on top, the downloads under them (as tall
 * as their blocks need, up to half the screen), the log gets the rest. One line is left free
 * (Ink redraws everything when its output is as tall as the terminal). Null when too small.
 *
 * The lists take about a third, and up to half where the downloads do not need the room and
 * the log keeps LOG_ROOM lines: with a third only, an 80x24 terminal listed one file of each
 * list and 120x40 six of 13 files above a log of empty rows (until 2026-12-06, found by hand).
 */
export function peerLayout(
  rows: number,
  listLength: number,
  downloadLines: number,
): PeerLayout | null {
  const panes = rows - 1 - FIXED_LINES;
  if (panes < MIN_LIST_PANE + MIN_DOWNLOADS_PANE + MIN_LOG_PANE) return null;
  const downloadsWanted = Math.max(MIN_DOWNLOADS_PANE, downloadLines + 2);
  const spare = Math.min(panes - downloadsWanted - LOG_ROOM, Math.floor(panes * 0.5));
  const listsHeight = Math.max(
    MIN_LIST_PANE,
    Math.min(listLength + LIST_CHROME_LINES, Math.max(Math.floor(panes * 0.35), spare)),
  );
  const roomLeft = panes - listsHeight - MIN_LOG_PANE;
  const downloadsHeight = Math.max(
    MIN_DOWNLOADS_PANE,
    Math.min(downloadLines + 2, Math.max(Math.floor(panes * 0.45), roomLeft - 4), roomLeft),
  );
  return {
    listsHeight,
    listRows: listsHeight - LIST_CHROME_LINES,
    downloadsHeight,
    logHeight: panes - listsHeight - downloadsHeight,
  };
}

/**
 * The downloads pane shows whole blocks only: lines of it that no block fills go to the file
 * lists, as far as they have rows to show, then to the log. At 80x24 the lists showed one row
 * of five files above four blank lines of downloads (found by a session).
 */
export function givingBackUnused(
  layout: PeerLayout,
  downloadsUsed: number,
  listLength: number,
): PeerLayout {
  const unused = layout.downloadsHeight - Math.max(MIN_DOWNLOADS_PANE, downloadsUsed);
  if (unused <= 0) return layout;
  const listsWant = Math.max(0, listLength + LIST_CHROME_LINES - layout.listsHeight);
  const toLists = Math.min(unused, listsWant);
  return {
    listsHeight: layout.listsHeight + toLists,
    listRows: layout.listRows + toLists,
    downloadsHeight: layout.downloadsHeight - unused,
    logHeight: layout.logHeight + unused - toLists,
  };
}

/** Narrowest a file list is made to give the other room. */
const MIN_LIST_PANE_COLUMNS = 24;

/**
 * Splits the width between My files and Swarm files: halves, unless one needs less than its
 * half and the other more, which then gets the rest. A fresh leecher's empty My files took half
 * of 80 columns while the swarm's names were cut to `sample-8MiB.b…` beside it (the demo's
 * first screen; until 2026-12-06, found by hand).
 */
export function listPaneWidths(
  columns: number,
  filesNeed: number,
  swarmNeed: number,
): { files: number; swarm: number } {
  const half = Math.floor(columns / 2);
  const fromFiles = Math.max(MIN_LIST_PANE_COLUMNS, filesNeed);
  const fromSwarm = Math.max(MIN_LIST_PANE_COLUMNS, swarmNeed);
  if (fromFiles < half && swarmNeed > columns - half)
    return { files: fromFiles, swarm: columns - fromFiles };
  if (fromSwarm < columns - half && filesNeed > half)
    return { files: columns - fromSwarm, swarm: fromSwarm };
  return { files: half, swarm: columns - half };
}
