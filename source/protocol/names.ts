/**
 * File names from the network are hostile (path traversal is a bug class torrent clients still
 * ship): a name we accept is exactly one plain path component. The codec only checks length and
 * UTF-8; every caller that uses a name from a datagram or metainfo applies validateFileName().
 */
import { MAX_NAME_BYTES } from './messages.ts';

/** Why a file name was refused. */
export type NameError = 'empty' | 'too-long' | 'dot' | 'separator' | 'nul' | 'control' | 'reserved';

/** Names starting with this are bt-tui's own cache files beside a download (part, progress). */
export const RESERVED_NAME_PREFIX = '.bt-tui';

/** Returns null for a plain file name, or why it is refused. */
export function validateFileName(name: string): NameError | null {
  if (name.length === 0) return 'empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return 'too-long';
  if (name === '.' || name === '..') return 'dot';
  if (name.includes('/') || name.includes('\\')) return 'separator';
  if (name.includes('\0')) return 'nul';
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    if (unit < 0x20 || unit === 0x7f) return 'control';
  }
  if (name.startsWith(RESERVED_NAME_PREFIX)) return 'reserved';
  return null;
}

const REASONS: Record<NameError, string> = {
  empty: 'it is empty',
  'too-long': `it is longer than ${MAX_NAME_BYTES} bytes in UTF-8`,
  dot: 'it is not a plain file name (it is "." or "..")',
  separator: 'it is not a plain file name (contains a path separator)',
  nul: 'it contains a NUL character',
  control: 'it contains a control character',
  reserved: `names starting with "${RESERVED_NAME_PREFIX}" are reserved for bt-tui's own files`,
};

/** Longest part of a refused name quoted back; the rest is elided. */
const QUOTED_NAME_CHARS = 80;

/** A sentence for a person, e.g. `name "../x" refused: it is not a plain file name (...)`. */
export function describeNameError(name: string, error: NameError): string {
  const shown = name.length > QUOTED_NAME_CHARS ? `${name.slice(0, QUOTED_NAME_CHARS)}…` : name;
  // JSON quoting escapes control characters, so a hostile name cannot drive the terminal.
  return `name ${JSON.stringify(shown)} refused: ${REASONS[error]}`;
}
