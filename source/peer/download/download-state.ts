/** Where a download is in its life, and how the log and the view say it. */

export type DownloadState =
  | 'searching'
  | 'fetching-metainfo'
  | 'verifying'
  | 'downloading'
  | 'waiting-for-owners'
  | 'paused'
  | 'cancelled'
  | 'done'
  | 'failed';

/** Each state in words, as the log and the view say it. */
export const DOWNLOAD_STATE_WORDS: Readonly<Record<DownloadState, string>> = {
  searching: 'searching',
  'fetching-metainfo': 'fetching metainfo',
  verifying: 'verifying',
  downloading: 'downloading',
  'waiting-for-owners': 'waiting for owners',
  paused: 'paused',
  cancelled: 'cancelled',
  done: 'done',
  failed: 'failed',
};
