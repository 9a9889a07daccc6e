/**
 * What a person asks to download: a file name, or `NAME@PREFIX` to pick one of several files that
 * share a name by the first hex digits of its infohash (`big.bin@3fa2c1`). Several files with one
 * name are ambiguous (anyone can announce a name), so the form is how a choice is made on the
 * command line, in `D` and in `:get`.
 */
import { describeNameError, validateFileName } from '../../protocol/names.ts';

/** An infohash is SHA-256: 64 hex digits. */
export const INFOHASH_HEX_DIGITS = 64;
/** Fewer digits would match by accident too often to be a choice (65,536 values at 4). */
export const MIN_PREFIX_HEX_DIGITS = 4;
/** Digits of an infohash shown beside a name where several files share it (as git shows 7). */
export const SHOWN_PREFIX_HEX_DIGITS = 8;

export interface DownloadTarget {
  name: string;
  /** Lower-case hex digits the infohash must start with; null for the name alone. */
  infohashPrefix: string | null;
}

/** Why a `NAME@PREFIX` text is not a download target. */
export type TargetError =
  | { code: 'no-name' }
  | { code: 'empty-prefix' }
  | { code: 'prefix-too-short'; digits: number }
  | { code: 'prefix-too-long'; digits: number }
  | { code: 'bad-name'; name: string; error: NonNullable<ReturnType<typeof validateFileName>> };

const HEX = /^[0-9a-f]+$/i;

/**
 * Reads `text` as a download target. The last `@` starts the prefix when only hex digits follow
 * it; otherwise the `@` is part of the name (`me@home.txt`). A file whose own name ends in `@`
 * and hex digits is reached with its prefix after it: `photo@2024@3fa2c1`.
 */
export function parseDownloadTarget(
  text: string,
): { ok: true; target: DownloadTarget } | { ok: false; error: TargetError } {
  const at = text.lastIndexOf('@');
  const suffix = at < 0 ? null : text.slice(at + 1);
  if (suffix === null || (suffix !== '' && !HEX.test(suffix))) return named(text, null);
  const name = text.slice(0, at);
  if (name === '') return { ok: false, error: { code: 'no-name' } };
  if (suffix === '') return { ok: false, error: { code: 'empty-prefix' } };
  if (suffix.length < MIN_PREFIX_HEX_DIGITS)
    return { ok: false, error: { code: 'prefix-too-short', digits: suffix.length } };
  if (suffix.length > INFOHASH_HEX_DIGITS)
    return { ok: false, error: { code: 'prefix-too-long', digits: suffix.length } };
  return named(name, suffix.toLowerCase());
}

function named(
  name: string,
  infohashPrefix: string | null,
): { ok: true; target: DownloadTarget } | { ok: false; error: TargetError } {
  const error = validateFileName(name);
  if (error !== null) return { ok: false, error: { code: 'bad-name', name, error } };
  return { ok: true, target: { name, infohashPrefix } };
}

const FORM = `NAME@PREFIX takes ${MIN_PREFIX_HEX_DIGITS} to ${INFOHASH_HEX_DIGITS} hex digits of the file's infohash, e.g. big.bin@3fa2c1`;

/** A sentence for a person: what is wrong with `text` and what the form is. */
export function describeTargetError(text: string, error: TargetError): string {
  const quoted = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  switch (error.code) {
    case 'bad-name':
      return describeNameError(error.name, error.error);
    case 'no-name':
      return `${quoted}: no file name before @ (${FORM})`;
    case 'empty-prefix':
      return `${quoted}: nothing after @ (${FORM})`;
    case 'prefix-too-short':
      return `${quoted}: an infohash prefix needs at least ${MIN_PREFIX_HEX_DIGITS} hex digits, this one has ${error.digits} (a name with @ in it: add its prefix, NAME@PREFIX)`;
    case 'prefix-too-long':
      return `${quoted}: an infohash has ${INFOHASH_HEX_DIGITS} hex digits, this prefix has ${error.digits}`;
  }
}

/** `name@3fa2c1d0`: how a file among several of one name is written (and typed back). */
export function formatTarget(name: string, infohashHex: string, digits = SHOWN_PREFIX_HEX_DIGITS) {
  return `${name}@${infohashHex.slice(0, digits)}`;
}
