/** Lines a pane's table needs besides its rows: title, top rule, heading, heading rule, bottom rule. */
const TABLE_CHROME_LINES = 5;
/** Header (2 lines) and help line (1). */
const FIXED_LINES = 3;
const MIN_TABLE_PANE = TABLE_CHROME_LINES + 1;
const MIN_LOG_PANE = 3;

export interface TrackerLayout {
  nodesHeight: number;
  filesHeight: number;
  logHeight: number;
  nodeRows: number;
  fileRows: number;
  logLines: number;
}

/**
 * Splits `rows` terminal lines between the panes: each table gets what its rows need up to a
 * share of the screen, the log gets the rest. Ink redraws the whole terminal when its output is
 * as tall as the screen, so one line is left free. Null when the terminal is too small.
 */
export function trackerLayout(
  rows: number,
  nodeCount: number,
  fileCount: number,
): TrackerLayout | null {
  const panes = rows - 1 - FIXED_LINES;
  if (panes < MIN_TABLE_PANE * 2 + MIN_LOG_PANE) return null;
  const clamp = (wanted: number, max: number) => Math.max(MIN_TABLE_PANE, Math.min(wanted, max));
  const nodesWanted = nodeCount + TABLE_CHROME_LINES;
  const filesWanted = fileCount + TABLE_CHROME_LINES;
  const nodesShare = Math.floor(panes * 0.45);
  const filesShare = Math.floor(panes * 0.3);
  let nodesHeight = clamp(nodesWanted, nodesShare);
  let filesHeight = clamp(filesWanted, filesShare);
  // A table that needs less than its share leaves the rest to the other, the log keeping a
  // quarter: at 120x36 four nodes left 5 lines unused and the owner index showed `rows 1-4 of
  // 6` above a log of 13 lines (found by a session).
  const logKeeps = Math.max(MIN_LOG_PANE, Math.floor(panes * 0.25));
  const extra = (wanted: number, height: number, unusedShare: number) =>
    Math.max(
      0,
      Math.min(wanted - height, unusedShare, panes - logKeeps - nodesHeight - filesHeight),
    );
  filesHeight += extra(filesWanted, filesHeight, nodesShare - nodesHeight);
  nodesHeight += extra(nodesWanted, nodesHeight, filesShare - filesHeight);
  const logHeight = panes - nodesHeight - filesHeight;
  return {
    nodesHeight,
    filesHeight,
    logHeight,
    nodeRows: nodesHeight - TABLE_CHROME_LINES,
    fileRows: filesHeight - TABLE_CHROME_LINES,
    logLines: logHeight - 1,
  };
}
