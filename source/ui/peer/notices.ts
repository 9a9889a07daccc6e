import type { PeerPane } from './peer-view-state.ts';

/** The last outcome of an action in a pane, shown on its own line there for a while. */
export interface TimedNotice {
  text: string;
  error: boolean;
  /** When it was posted, on the view's clock (ms). */
  atMs: number;
}

export type PaneNotices = Partial<Record<PeerPane, TimedNotice>>;

/** Long enough to read a line; short enough that an old outcome never looks current. */
export const NOTICE_SHOW_MS = 5_000;
/** Something failed: leave the reason up a little longer. */
export const ERROR_NOTICE_SHOW_MS = 10_000;

function expiresAtMs(notice: TimedNotice): number {
  return notice.atMs + (notice.error ? ERROR_NOTICE_SHOW_MS : NOTICE_SHOW_MS);
}

/** The notices still shown at `nowMs`. */
export function liveNotices(notices: PaneNotices, nowMs: number): PaneNotices {
  const live: PaneNotices = {};
  for (const [pane, notice] of Object.entries(notices) as Array<[PeerPane, TimedNotice]>) {
    if (expiresAtMs(notice) > nowMs) live[pane] = notice;
  }
  return live;
}

/** When the first of `notices` expires (the view redraws then), or null when none is shown. */
export function nextExpiryMs(notices: PaneNotices): number | null {
  const times = Object.values(notices).map(expiresAtMs);
  return times.length === 0 ? null : Math.min(...times);
}
