import chalk from 'chalk';
import { Box, Text } from 'ink';
import { formatDuration, formatRate, formatSize } from '../../format.ts';
import { DOWNLOAD_STATE_WORDS } from '../../peer/download/download-state.ts';
import type { DownloadSnapshot } from '../../peer/peer-snapshot.ts';
import { stateText, textWidth, truncate, truncateMiddle } from '../text.ts';
import { OwnerRow } from './OwnerRow.tsx';
import {
  ownerColor,
  ownerLetter,
  type PieceCell,
  type PieceTally,
  pieceCells,
  tallyPieces,
} from './piece-map.ts';

const STATE_COLOR: Partial<Record<DownloadSnapshot['state'], string>> = {
  done: 'green',
  failed: 'red',
  'waiting-for-owners': 'yellow',
  paused: 'yellow',
  cancelled: 'yellow',
};

/** `[█████░░░░]` of `width` cells for a fraction 0..1. */
export function progressBar(fraction: number, width: number): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

/** Text after the bar: state (and reason) first, so a cut line still says it; then figures. */
export function downloadStatus(download: DownloadSnapshot): string {
  return downloadStatusForms(download)[0]!;
}

/**
 * downloadStatus, then shorter forms for a narrow line: without the piece count (the bar's
 * percentage says as much); then, while downloading, the rate and ETA without the word (the bar
 * says it), the rate alone; the state alone last. Cut at its end, the line lost its rate first
 * (`27.3% downloading · 8/32 pieces 300.0…`); with the word kept, at 60 columns the rate and ETA
 * went (both found by sessions).
 */
function downloadStatusForms(download: DownloadSnapshot): string[] {
  // Waiting, the line under the title says why in full (legendText): said in both, it was read
  // twice, the title's copy cut short.
  const reasonBelow = download.state === 'waiting-for-owners' && download.choices.length === 0;
  const state = stateText(DOWNLOAD_STATE_WORDS[download.state], reasonBelow ? '' : download.reason);
  const pieces =
    download.pieceCount > 0 ? ` ${download.piecesVerified}/${download.pieceCount} pieces` : '';
  const downloading = download.state === 'downloading';
  const rate = !downloading
    ? ''
    : download.stalledSec > 0
      ? ` stalled ${formatDuration(download.stalledSec * 1000)}`
      : ` ${formatRate(download.rateBytesPerSec)}`;
  const eta =
    download.etaSec !== null && downloading ? ` ETA ${formatDuration(download.etaSec * 1000)}` : '';
  const form = (...figures: string[]) =>
    ` ${state}${figures.some(Boolean) ? ' ·' : ''}${figures.join('')}`;
  if (!downloading) return [form(pieces), form()];
  return [form(pieces, rate, eta), form(rate, eta), `${rate}${eta}`, rate, form()];
}

/** Cells of the title line besides name, bar and status: `▸ `, ` [`, `] `, `100.0%`. */
const TITLE_FIXED_CELLS = 12;
const MIN_BAR_CELLS = 10;
/** A name is cut to no fewer cells than this before the status gives up its figures. */
const MIN_NAME_CELLS = 20;

/**
 * The title line's widths: the status in its longest form that fits beside the name at 20
 * cells (the bar narrowed to 10 first), the name what is left up to its own width, the bar the
 * rest up to a quarter of the line. Before, the name took all but 24 cells and the status was
 * cut at its end: a 120-character name left `56.3% downloading · 2/4 piec…` (found by a session).
 */
export function titleLayout(
  nameCells: number,
  statusForms: readonly string[],
  width: number,
): { nameWidth: number; barWidth: number; status: string } {
  const widestBar = Math.max(MIN_BAR_CELLS, Math.min(30, Math.floor(width / 4)));
  const leastName = Math.min(nameCells, MIN_NAME_CELLS);
  for (const status of statusForms)
    for (const bar of [widestBar, MIN_BAR_CELLS]) {
      const room = width - TITLE_FIXED_CELLS - bar - textWidth(status);
      if (room < leastName) continue;
      const nameWidth = Math.min(nameCells, room);
      return { nameWidth, barWidth: Math.min(widestBar, bar + room - nameWidth), status };
    }
  const statusWidth = Math.max(0, width - TITLE_FIXED_CELLS - MIN_BAR_CELLS - leastName);
  return {
    nameWidth: leastName,
    barWidth: MIN_BAR_CELLS,
    status: truncate(statusForms.at(-1) ?? '', statusWidth),
  };
}

/**
 * The piece map as one pre-coloured string: one Ink node instead of one per cell, which keeps
 * a redraw of a large map cheap while a download runs in the same process.
 */
function pieceMapText(cells: PieceCell[]): string {
  // Cells of one look are painted as one run: a colour code per cell made Ink tokenize and
  // diff ~100 escape sequences per map line on every redraw.
  let text = '';
  let run = '';
  let runPaint: ((text: string) => string) | null = null;
  for (const cell of cells) {
    const [paint, glyph] = cellLook(cell);
    if (paint !== runPaint) {
      if (runPaint) text += runPaint(run);
      runPaint = paint;
      run = '';
    }
    run += glyph;
  }
  if (runPaint) text += runPaint(run);
  return text;
}

/** How a map cell is painted (the same function for cells that look alike) and its glyph. */
function cellLook(cell: PieceCell): [(text: string) => string, string] {
  if (cell.kind === 'owner') {
    const paint = chalk[ownerColor(cell.owner)];
    const letter = ownerLetter(cell.owner);
    return cell.partial ? [paint.dim, letter.toLowerCase()] : [paint, letter];
  }
  if (cell.kind === 'resumed')
    return [chalk.gray, cell.partial ? RESUMED_PARTLY_GLYPH : RESUMED_GLYPH];
  return [chalk.dim, cell.kind === 'in-flight' ? IN_FLIGHT_GLYPH : MISSING_GLYPH];
}

/** Map glyphs besides the owner letters; the legend names each with its piece count. */
export const RESUMED_GLYPH = '█';
export const RESUMED_PARTLY_GLYPH = '▪';
export const IN_FLIGHT_GLYPH = '▒';
export const MISSING_GLYPH = '·';

/**
 * "A node 1  B node 2  █ 3 resumed  ▒ 1 in flight  · 12 missing": counts in pieces; "a ▪ partly"
 * when some cell is mostly missing but holds delivered pieces; no in-flight and missing counts
 * once every piece is verified.
 */
function legendText(
  download: DownloadSnapshot,
  tally: PieceTally,
  cells: PieceCell[],
  width: number,
): string {
  const owners = download.owners.map(
    (owner, index) =>
      `${ownerLetter(index)} node ${owner.nodeId}${owner.complete ? '' : ' ◐partial'}`,
  );
  // Waiting, the line says why in full: the title line's cut reason lost what mattered most
  // (`… in the swarm yet; did you mean small.bin?`, and with its owners gone the other file's
  // prefix in `another big.iso has 1 owner: download big.iso@…`: found by hand). The owner
  // rows name their letters themselves.
  if (download.state === 'waiting-for-owners' && download.reason !== '')
    return truncate(
      `  ${owners.length === 0 ? 'no owners yet' : 'waiting'}: ${download.reason}`,
      width,
    );
  if (download.pieceSources.length === 0)
    return `  legend: ${owners.length > 0 ? owners.join('  ') : 'no owners yet'}`;
  // Every piece verified: `▒ 0 in flight  · 0 missing` would only take room. Nor is anything
  // in flight while a download waits, is paused or has stopped: no count then but a real one.
  const whole = tally.inFlight === 0 && tally.missing === 0;
  // Stalled, nothing is asked of anyone: `▒ 0 in flight` said only that (found by a session).
  const inFlight =
    tally.inFlight > 0 ||
    (tally.missing > 0 && download.state === 'downloading' && download.stalledSec === 0);
  const others = [
    tally.resumed > 0 ? `${RESUMED_GLYPH} ${tally.resumed} resumed` : '',
    inFlight ? `${IN_FLIGHT_GLYPH} ${tally.inFlight} in flight` : '',
    whole ? '' : `${MISSING_GLYPH} ${tally.missing} missing`,
    cells.some((cell) => 'partial' in cell && cell.partial)
      ? `a ${RESUMED_PARTLY_GLYPH} partly`
      : '',
  ].filter(Boolean);
  const parts = [...owners, ...others].join('  ');
  // The word "legend" gives way first: the glyphs and counts matter more.
  const full = `  legend: ${parts}`;
  return textWidth(full) <= width ? full : truncate(`  ${parts}`, width);
}

/**
 * In place of map and legend, for a download that met several files of its name: what to do,
 * and the candidates' prefixes with their owners.
 */
function ChoiceLines({ download, width }: { download: DownloadSnapshot; width: number }) {
  const candidates = download.choices
    .map(
      (choice) =>
        `${choice.infohashHex.slice(0, 8)} ${formatSize(choice.sizeBytes)} ${choice.ownerCount} owner${choice.ownerCount === 1 ? '' : 's'}`,
    )
    .join(' · ');
  return (
    <>
      <Text color="yellow">
        {truncate(
          `  Enter: choose one of the ${download.choices.length} files named ${download.name}`,
          width,
        )}
      </Text>
      <Text dimColor>{truncate(`  ${candidates}`, width)}</Text>
    </>
  );
}

/** How many lines a download block takes: title, piece map, legend, one row per owner. */
export function downloadBlockHeight(download: DownloadSnapshot): number {
  return 3 + download.owners.length;
}

/** The map line of a download without pieces: none known yet, or an empty file (it has none). */
function noPiecesText(download: DownloadSnapshot): string {
  return download.sizeBytes === 0 && download.state === 'done'
    ? '(an empty file: no pieces)'
    : '(no pieces yet)';
}

/**
 * One download: name, progress bar and figures; a piece map of the whole file coloured by the
 * owner that delivered each part; then a row per owner with its share of the file as a bar.
 */
export function DownloadBlock({
  download,
  width,
  selected,
  maxLines,
}: {
  download: DownloadSnapshot;
  width: number;
  selected: boolean;
  /**
   * Lines it may take: taller, its last owner rows give way to a line counting them. Clipped,
   * at 60x19 the legend named two owners and one row showed (found by a session).
   */
  maxLines?: number | undefined;
}) {
  const height = downloadBlockHeight(download);
  const cut = maxLines !== undefined && height > maxLines && maxLines >= 4;
  const owners = cut ? download.owners.slice(0, maxLines - 4) : download.owners;
  const hidden = download.owners.length - owners.length;
  const fraction =
    download.sizeBytes === 0
      ? download.state === 'done'
        ? 1
        : 0
      : download.bytesHeld / download.sizeBytes;
  const { nameWidth, barWidth, status } = titleLayout(
    textWidth(download.name),
    downloadStatusForms(download),
    width,
  );
  // In its middle: the end (`.iso`, a version) tells files apart as much as the start.
  const shownName = truncateMiddle(download.name, nameWidth);
  const mapWidth = Math.max(1, width - 6);
  const cells = pieceCells(download.pieceSources, mapWidth);
  const tally = tallyPieces(download.pieceSources, download.owners.length);
  const narrow = width < 90;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold inverse={selected}>{`${selected ? '▸' : ' '} ${shownName}`}</Text>
        {` ${progressBar(fraction, barWidth)} ${(fraction * 100).toFixed(1).padStart(5)}%`}
        <Text color={STATE_COLOR[download.state]}>{status}</Text>
      </Text>
      {download.choices.length > 0 ? (
        <ChoiceLines download={download} width={width} />
      ) : (
        <>
          <Text>
            {'  map '}
            {cells.length === 0 ? <Text dimColor>{noPiecesText(download)}</Text> : null}
            {pieceMapText(cells)}
          </Text>
          <Text dimColor>{legendText(download, tally, cells, width)}</Text>
        </>
      )}
      {owners.map((owner, index) => (
        <OwnerRow
          key={owner.nodeId}
          owner={owner}
          index={index}
          pieces={tally.byOwner[index] ?? 0}
          pieceCount={download.pieceSources.length}
          downloadState={download.state}
          width={width}
          narrow={narrow}
        />
      ))}
      {hidden > 0 ? (
        <Text dimColor>
          {truncate(
            `  +${hidden} more owner${hidden === 1 ? '' : 's'}: a taller window shows ${hidden === 1 ? 'it' : 'them'}`,
            width,
          )}
        </Text>
      ) : null}
    </Box>
  );
}
