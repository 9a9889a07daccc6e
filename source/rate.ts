/**
 * Rates as people type them for `--upload-limit`, `--download-limit` and the view's `:up` and
 * `:down` commands: bytes per second with an optional binary suffix, as rtorrent and aria2c take
 * them (`500K`, `10M`, `1.5M`, `1G`; `0` = no limit).
 */

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
/** Above this a limit means nothing on a LAN; it also keeps every figure an exact integer. */
export const MAX_RATE_BYTES_PER_SEC = 1024 ** 4;

/**
 * Below this a limit is a slip, not a limit: `0.1` (meant `0.1M`) was rounded to 0 and meant no
 * limit at all, and `5` let one 16 KiB block through every 55 minutes.
 */
export const MIN_RATE_BYTES_PER_SEC = 1024;

const RATE = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b(?:\/s)?)?$/i;
/** What a person reads when a rate is written right but too large. */
export const RATE_TOO_LARGE = 'at most 1024G (1 TiB/s)';
/** ...or written right but above 0 and too small to be meant. */
export const RATE_TOO_SMALL = '0 (no limit) or at least 1K';

/** The bytes per second `text` writes (not rounded), or null if it is not written as a rate. */
function writtenRate(text: string): number | null {
  const match = RATE.exec(text.trim());
  return match === null ? null : Number(match[1]) * UNITS[match[2]!.toUpperCase()]!;
}

/** Bytes per second, or null if `text` is not a rate (`10M`, `500K`, `1.5m`, `0`). */
export function parseRate(text: string): number | null {
  const written = writtenRate(text);
  if (written === null || (written > 0 && written < MIN_RATE_BYTES_PER_SEC)) return null;
  const bytes = Math.round(written);
  return Number.isSafeInteger(bytes) && bytes <= MAX_RATE_BYTES_PER_SEC ? bytes : null;
}

/** True when `text` is written as a rate but is above MAX_RATE_BYTES_PER_SEC. */
export function isRateTooLarge(text: string): boolean {
  const written = writtenRate(text);
  return written !== null && written >= MIN_RATE_BYTES_PER_SEC && parseRate(text) === null;
}

/** True when `text` is written as a rate above 0 but below MIN_RATE_BYTES_PER_SEC. */
export function isRateTooSmall(text: string): boolean {
  const written = writtenRate(text);
  return written !== null && written > 0 && written < MIN_RATE_BYTES_PER_SEC;
}

/** The sentence a person reads when a rate does not parse. */
export function describeRateError(what: string, text: string): string {
  if (isRateTooLarge(text)) return `${what} must be ${RATE_TOO_LARGE} (got "${text}")`;
  if (isRateTooSmall(text)) return `${what} must be ${RATE_TOO_SMALL} (got "${text}")`;
  return `${what} must be bytes per second such as 500K, 10M or 0 for no limit (got "${text}")`;
}
