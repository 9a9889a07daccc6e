/**
 * File names from the network are hostile (path traversal is a bug class torrent clients still
 * ship): a name we accept is exactly one plain path component. The codec only checks length and
 * UTF-8; every caller that uses a name from a datagram or metainfo applies validateFileName().
 */
import { MAX_NAME_BYTES } from './messages.ts';

/** Why a file name was refused. */
export type NameError =
  | 'empty'
  | 'too-long'
  | 'dot'
  | 'separator'
  | 'nul'
  | 'control'
  | 'direction'
  | 'invisible'
  | 'blank-edge'
  | 'reserved'
  | 'hidden'
  | 'partial';

/** Names starting with this are bt-tui's own cache files beside a download (part, progress). */
export const RESERVED_NAME_PREFIX = '.bt-tui';
/**
 * Suffix of a file being downloaded. A name that ends so is never shared: a node folder's
 * listing leaves such files out, and a download of `x` writes `x.part`. Until 2026-12-07 the
 * swarm took such names: `--seed a.bin.part` said `seeding` and withdrew it 50 ms later, and a
 * downloaded `a.bin.part` was written over by the next download of `a.bin` (found by hand).
 */
export const PART_SUFFIX = '.part';

/** Returns null for a plain file name, or why it is refused. */
export function validateFileName(name: string): NameError | null {
  if (name.length === 0) return 'empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return 'too-long';
  if (name === '.' || name === '..') return 'dot';
  if (name.includes('/') || name.includes('\\')) return 'separator';
  if (name.includes('\0')) return 'nul';
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    // C0, DEL and C1 (U+0080-U+009F: 8-bit terminals read U+009B as CSI, an escape sequence).
    if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f)) return 'control';
    if (isDirectionControl(unit)) return 'direction';
    if (isInvisible(unit)) return 'invisible';
  }
  if (TAG_CHARACTER.test(name)) return 'invisible';
  if (BLANK_AT_EDGE.test(name)) return 'blank-edge';
  if (name.startsWith(RESERVED_NAME_PREFIX)) return 'reserved';
  // Hidden files are never listed in a node folder; seeded by name, `.notes` was withdrawn
  // 50 ms later as gone from the folder (found by a session).
  if (name.startsWith('.')) return 'hidden';
  if (name.endsWith(PART_SUFFIX)) return 'partial';
  return null;
}

/**
 * Bidirectional marks, embeddings, overrides and isolates: invisible, they reorder how a name
 * reads (`photo\u202Egpj.exe` shows as `photoexe.jpg`), so a liar's file could pose as another.
 */
function isDirectionControl(unit: number): boolean {
  return (
    unit === 0x061c ||
    unit === 0x200e ||
    unit === 0x200f ||
    (unit >= 0x202a && unit <= 0x202e) ||
    (unit >= 0x2066 && unit <= 0x2069)
  );
}

/**
 * Characters drawn as nothing that no name needs: zero-width space, word joiner, BOM, soft
 * hyphen, the Hangul and Mongolian fillers, invisible operators. `a\u200Bb.bin` reads as
 * `ab.bin`, so another file could pose as it in Swarm files (found by a session, 2026-12-07).
 * The zero-width joiners (U+200C, U+200D) and variation selectors stay: scripts and emoji use them.
 */
function isInvisible(unit: number): boolean {
  return (
    unit === 0x00ad ||
    unit === 0x034f ||
    unit === 0x115f ||
    unit === 0x1160 ||
    unit === 0x17b4 ||
    unit === 0x17b5 ||
    (unit >= 0x180b && unit <= 0x180f) ||
    unit === 0x200b ||
    (unit >= 0x2060 && unit <= 0x2064) ||
    (unit >= 0x206a && unit <= 0x206f) ||
    unit === 0x3164 ||
    unit === 0xfeff ||
    unit === 0xffa0
  );
}

/**
 * Tag characters (U+E0000-U+E007F): drawn as nothing outside an emoji flag sequence, which no
 * file name needs; `big2.bin` + U+E0001 listed as a second `big2.bin` (found by a session).
 */
const TAG_CHARACTER = /[\u{E0000}-\u{E007F}]/u;

/**
 * A blank (a space, a no-break space, an ideographic space...) at either end: the name reads as
 * the one without it, so `big2.bin ` and `big2.bin\u00A0` listed as three rows of `big2.bin` and
 * a name of one space as an empty row (found by a session). Windows cannot hold a trailing space.
 */
const BLANK_AT_EDGE = /^\s|\s$/u;

const REASONS: Record<NameError, string> = {
  empty: 'it is empty',
  'too-long': `it is longer than ${MAX_NAME_BYTES} bytes in UTF-8`,
  dot: 'it is not a plain file name (it is "." or "..")',
  separator: 'it is not a plain file name (contains a path separator)',
  nul: 'it contains a NUL character',
  control: 'it contains a control character',
  direction: 'it contains an invisible text-direction character',
  invisible: 'it contains a character drawn as nothing (a zero-width space or the like)',
  'blank-edge':
    'it starts or ends with a blank (a space or the like), which reads as the name without it',
  reserved: `names starting with "${RESERVED_NAME_PREFIX}" are reserved for bt-tui's own files`,
  hidden: 'names starting with "." are hidden files, never shared',
  partial: `names ending in "${PART_SUFFIX}" are files still being downloaded, never shared`,
};

/**
 * Characters of a refused name quoted back, from its start and from its end; what is between
 * is elided. The end says what the file is (`.iso`): cut at 80 from the start it was never seen
 * (found by a session).
 */
const QUOTED_NAME_HEAD = 56;
const QUOTED_NAME_TAIL = 23;

// C1 controls, direction marks and characters drawn as nothing survive JSON.stringify but can
// act on a terminal (U+009B is CSI), reorder text or hide in it, so they are escaped too (the
// combining ones outside the class: a class cannot hold them unmistakably).
const UNSAFE_FOR_TERMINAL =
  /[\u007f-\u009f\u00ad\u061c\u115f\u1160\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\u206a-\u206f\u3164\ufeff\uffa0]|\u034f|\u17b4|\u17b5|\u180b|\u180c|\u180d|\u180e|\u180f/g;

const escapeCode = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** A string from the network, quoted so that no character of it can act on a terminal or log. */
export function quoteUntrusted(text: string): string {
  return JSON.stringify(text).replace(UNSAFE_FOR_TERMINAL, escapeCode);
}

/**
 * A text made of quoted parts (a refusal that names a file, quoted already), as it is: only what
 * could act on a terminal or log is escaped. quoteUntrusted() of it without its outer quotes
 * showed every inner quote as `\"` (found by a session).
 */
export function escapeUntrusted(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: those are what is escaped
  return text.replace(/[\u0000-\u001f]/g, escapeCode).replace(UNSAFE_FOR_TERMINAL, escapeCode);
}

/**
 * Why a file of the node's own folder is not shared, said of the file (`its name contains a
 * control character`): the file is plain, its name is what no peer may be asked to create. A
 * backslash is the one separator a Linux name can hold; Windows reads it as a folder.
 */
const LOCAL_REASONS: Record<NameError, string> = {
  ...REASONS,
  'too-long': `its name is longer than ${MAX_NAME_BYTES} bytes in UTF-8`,
  separator: 'its name contains a backslash, a path separator on Windows',
  nul: 'its name contains a NUL character',
  control: 'its name contains a control character',
  direction: 'its name contains an invisible text-direction character',
  invisible: 'its name contains a character drawn as nothing (a zero-width space or the like)',
  'blank-edge': 'its name starts or ends with a blank (a space or the like)',
  hidden: 'its name starts with ".", as hidden files do',
  partial: `its name ends in "${PART_SUFFIX}", as files still being downloaded do`,
};

export function describeLocalNameError(error: NameError): string {
  return LOCAL_REASONS[error];
}

/**
 * A file name as a view shows it, from the folder or from the tracker. Names with control, NUL
 * or direction characters are refused for sharing, but they are listed: such a name drawn as it
 * is broke a table (a newline; a NUL, drawn as nothing, shifted its border) or acted on the
 * terminal (an escape sequence), so it is shown quoted and escaped, as the refusal quotes it.
 * An honest tracker lists no such name (it refuses them on OWN); a hostile one did, and Swarm
 * files drew it raw until 2026-12-05.
 */
export function shownName(name: string): string {
  const error = validateFileName(name);
  return error === 'control' || error === 'direction' || error === 'invisible' || error === 'nul'
    ? quoteUntrusted(name)
    : name;
}

/** A sentence for a person, e.g. `name "../x" refused: it is not a plain file name (...)`. */
export function describeNameError(name: string, error: NameError): string {
  const chars = Array.from(name);
  const shown =
    chars.length > QUOTED_NAME_HEAD + QUOTED_NAME_TAIL + 1
      ? `${chars.slice(0, QUOTED_NAME_HEAD).join('')}…${chars.slice(-QUOTED_NAME_TAIL).join('')}`
      : name;
  return `name ${quoteUntrusted(shown)} refused: ${REASONS[error]}`;
}

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const charBytes = Buffer.byteLength(char);
    if (bytes + charBytes > maxBytes) break;
    bytes += charBytes;
    end += char.length;
  }
  return text.slice(0, end);
}
