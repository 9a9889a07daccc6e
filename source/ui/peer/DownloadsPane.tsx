import { Box, Text } from 'ink';
import type { DownloadSnapshot, UploadPeerSnapshot } from '../../peer/peer-snapshot.ts';
import { PaneTitle } from '../components/PaneTitle.tsx';
import { firstFitting, rowsShown, wrapShorteningWords } from '../text.ts';
import { DownloadBlock, downloadBlockHeight } from './DownloadBlock.tsx';
import type { Notice } from './ListPanes.tsx';
import { UploadsSection, uploadsSectionHeight } from './UploadsSection.tsx';

/** What the downloads pane shows in `height` lines: whole blocks only, and the lines they use. */
export interface DownloadsFit {
  first: number;
  shown: DownloadSnapshot[];
  withUploads: boolean;
  /** The peers section does not fit, but its title line does: it counts them (see below). */
  uploadsCounted: boolean;
  /** Title, notice, blocks and the peers section: at most `height`, often less. */
  usedLines: number;
  /** Lines for the blocks: a selected block taller than this is drawn short (see DownloadBlock). */
  room: number;
}

/** Which blocks fit, scrolled so the selected one is visible (see DownloadsPane). */
export function fitDownloads(props: {
  downloads: readonly DownloadSnapshot[];
  uploads: readonly UploadPeerSnapshot[];
  selected: number;
  height: number;
  /** A notice line under the title (shown, or room kept for one). */
  noticeLine: boolean;
}): DownloadsFit {
  const uploadLines = uploadsSectionHeight(props.uploads);
  // The peers section goes below the downloads when both fit; the downloads come first. The
  // selected block is drawn whole whatever room there is: sized by the first block, the section
  // was clipped below a taller selected one, its title counting peers whose rows were cut
  // (found by a session at 80x24).
  const selected = props.downloads[props.selected] ?? props.downloads[0];
  const downloadsNeed = selected === undefined ? 1 : downloadBlockHeight(selected);
  const top = 1 + (props.noticeLine ? 1 : 0);
  const withUploads = props.height - top - uploadLines >= downloadsNeed;
  // Without room for its rows the section was left out without a word, at 80x24 as soon as a
  // download was listed (found by a session): its title line alone says they are there.
  const uploadsCounted = !withUploads && uploadLines > 0 && props.height - top - 1 >= downloadsNeed;
  const sectionLines = withUploads ? uploadLines : uploadsCounted ? 1 : 0;
  const room = props.height - top - sectionLines;
  // Start at the selected download and go back while the blocks before it still fit.
  let first = props.selected;
  let used = props.downloads[first] ? downloadBlockHeight(props.downloads[first]!) : 0;
  while (first > 0 && used + downloadBlockHeight(props.downloads[first - 1]!) <= room) {
    first--;
    used += downloadBlockHeight(props.downloads[first]!);
  }
  const shown: DownloadSnapshot[] = [];
  let lines = 0;
  for (let index = first; index < props.downloads.length; index++) {
    const height = downloadBlockHeight(props.downloads[index]!);
    if (lines + height > room && shown.length > 0) break;
    shown.push(props.downloads[index]!);
    lines += height;
  }
  const usedLines = top + (props.downloads.length === 0 ? 1 : lines) + sectionLines;
  return {
    first,
    shown,
    withUploads,
    uploadsCounted,
    usedLines: Math.min(props.height, usedLines),
    room,
  };
}

/** The download queue: one block per download, scrolled so the selected one is visible. */
export function DownloadsPane(props: {
  downloads: readonly DownloadSnapshot[];
  /** Peers downloading from this node, listed under the downloads when there is room. */
  uploads: readonly UploadPeerSnapshot[];
  selected: number;
  focused: boolean;
  height: number;
  width: number;
  notice?: Notice | undefined;
}) {
  const { first, shown, withUploads, uploadsCounted, room } = fitDownloads({
    ...props,
    noticeLine: props.notice !== undefined,
  });
  return (
    <Box flexDirection="column" height={props.height} overflow="hidden">
      {/* No shrinking: a block that does not fit is clipped at the bottom, never squeezed. */}
      <Box flexDirection="column" flexShrink={0}>
        <PaneTitle
          title={`Downloads (${props.downloads.length})${rowsShown(first, shown.length, props.downloads.length)}`}
          focused={props.focused}
          width={props.width}
        />
        {props.notice ? (
          <Text color={props.notice.error ? 'red' : 'green'}>
            {/* One row: a long name in it cut in its middle, so that the reason shows. */}
            {wrapShorteningWords(
              `${props.notice.error ? '✗' : '✓'} ${props.notice.text}`,
              props.width,
              1,
            )[0] ?? ''}
          </Text>
        ) : null}
        {props.downloads.length === 0 ? (
          <Text dimColor>
            {firstFitting(
              [
                'nothing yet: pick a file in Swarm files and press d, or D to type a name',
                'nothing yet: d on a swarm file, or D and a name',
              ],
              props.width,
            )}
          </Text>
        ) : null}
        {shown.map((download, index) => (
          <DownloadBlock
            key={download.name}
            download={download}
            width={props.width}
            selected={props.focused && first + index === props.selected}
            maxLines={index === 0 ? room : undefined}
          />
        ))}
        {withUploads || uploadsCounted ? (
          <UploadsSection uploads={props.uploads} width={props.width} rows={withUploads} />
        ) : null}
      </Box>
    </Box>
  );
}
