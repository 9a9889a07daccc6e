/**
 * The `:` command line, for people who know the original course design. It accepts the original
 * commands as written and short forms, plus the rate limits:
 *   torrent -setMode send NAME      | seed NAME
 *   torrent -setMode download NAME  | get NAME   (also: download NAME)
 *   torrent -setMode exit           | exit       (also: quit)
 *   up RATE, down RATE              upload / download limit, e.g. up 10M, down 500K, up 0 (none)
 *   help                            every key and command, as `?` shows them (also: h, ?)
 */
import {
  isRateTooLarge,
  isRateTooSmall,
  parseRate,
  RATE_TOO_LARGE,
  RATE_TOO_SMALL,
} from '../../rate.ts';

export type Command =
  | { kind: 'seed'; name: string }
  | { kind: 'download'; name: string }
  | { kind: 'exit' }
  | { kind: 'help' }
  | { kind: 'limit'; direction: 'up' | 'down'; bytesPerSec: number }
  | { kind: 'error'; message: string };

const USAGE =
  'commands: seed NAME, get NAME, up RATE, down RATE, exit, help (or torrent -setMode send|download NAME, torrent -setMode exit)';

/** Names a file name typed on the line may be: spaces of its own are kept only for these. */
export interface KnownNames {
  local: readonly string[];
  swarm: readonly string[];
}

export function parseCommand(line: string, known: KnownNames = { local: [], swarm: [] }): Command {
  const first = takeWords(line, 1);
  if (first.words.length === 0) return { kind: 'error', message: USAGE };
  let verb = first.words[0]!;
  // A file name is what follows its command words and one space, as typed, where a file of
  // that name is known: names may begin with spaces or hold several (completion writes them
  // so); otherwise blanks around it are a typing slip. Until 2026-12-07 the words were split on
  // every run of spaces and joined with one: `seed   lead.bin` (Tab-completed) asked for
  // `lead.bin` (found by a session).
  let name = first.rest;
  if (verb === 'torrent') {
    const full = takeWords(line, 3);
    if (full.words[1] !== '-setMode' || full.words.length < 3) {
      return {
        kind: 'error',
        message: `"${line.trim()}": expected torrent -setMode send|download NAME or torrent -setMode exit`,
      };
    }
    const mode = full.words[2]!;
    name = full.rest;
    verb = mode === 'send' ? 'seed' : mode === 'download' ? 'get' : mode;
    if (!['seed', 'get', 'exit'].includes(verb)) {
      return { kind: 'error', message: `unknown mode "${mode}": use send, download or exit` };
    }
  }
  const rest = name.trim();
  switch (verb) {
    case 'seed':
    case 'send':
      return rest
        ? { kind: 'seed', name: known.local.includes(name) ? name : rest }
        : { kind: 'error', message: `${verb} needs a file name` };
    case 'get':
    case 'download':
      return rest
        ? { kind: 'download', name: known.swarm.includes(name) ? name : rest }
        : { kind: 'error', message: `${verb} needs a file name` };
    case 'up':
    case 'down': {
      const bytesPerSec = parseRate(rest);
      if (bytesPerSec !== null) return { kind: 'limit', direction: verb, bytesPerSec };
      if (isRateTooLarge(rest))
        return { kind: 'error', message: `${verb}: a rate is ${RATE_TOO_LARGE}` };
      if (isRateTooSmall(rest))
        return {
          kind: 'error',
          message: `${verb}: a rate is ${RATE_TOO_SMALL} (got ${JSON.stringify(rest)})`,
        };
      // What was typed is said back, as the flags do: a typo is seen at once.
      const got = rest ? ` (got ${JSON.stringify(rest)})` : '';
      return {
        kind: 'error',
        message: `${verb} needs a rate such as 500K, 10M or 0 for no limit${got}`,
      };
    }
    case 'exit':
    case 'quit':
      return rest === ''
        ? { kind: 'exit' }
        : { kind: 'error', message: `${verb} takes no arguments` };
    // What a person types first at a prompt they do not know.
    case 'help':
    case 'h':
    case '?':
      return { kind: 'help' };
    default:
      return { kind: 'error', message: `unknown command "${verb}"; ${USAGE}` };
  }
}

/**
 * The first `count` words of `line` (runs of spaces between them), and what follows the one
 * space after them, as typed but for one space at its end (what completion adds).
 */
function takeWords(line: string, count: number): { words: string[]; rest: string } {
  const words: string[] = [];
  let at = 0;
  while (words.length < count) {
    while (at < line.length && /\s/.test(line[at]!)) at++;
    if (at >= line.length) break;
    let end = at;
    while (end < line.length && !/\s/.test(line[end]!)) end++;
    words.push(line.slice(at, end));
    at = end;
  }
  const rest = line.slice(at + 1);
  return { words, rest: rest.endsWith(' ') ? rest.slice(0, -1) : rest };
}

/**
 * Completes the last word of `line`: a command word first, then a file name from `names`
 * (local files for seed, swarm files for download). Returns the line unchanged when nothing or
 * several things match (with the common prefix filled in).
 */
export function completeCommand(line: string, localNames: string[], swarmNames: string[]): string {
  const { head, matches } = completions(line, localNames, swarmNames);
  if (matches.length === 0) return line;
  let common = matches[0]!;
  for (const match of matches) while (!match.startsWith(common)) common = common.slice(0, -1);
  const completed = matches.length === 1 ? `${common} ` : common;
  return [...head, completed].join(' ');
}

/**
 * What Tab could complete the last word of `line` to, where it is more than one: a shell lists
 * them on a second Tab; `:get m` and Tab did nothing, and `:get mi` stopped at `mine-` without
 * a word of why (found by a session).
 */
export function completionChoices(
  line: string,
  localNames: string[],
  swarmNames: string[],
): string[] {
  const { matches } = completions(line, localNames, swarmNames);
  return matches.length > 1 ? matches : [];
}

function completions(
  line: string,
  localNames: string[],
  swarmNames: string[],
): { head: string[]; matches: string[] } {
  const words = line.split(' ');
  // The command words come first; everything after them is one file name, spaces included.
  const commandWords = words[0] === 'torrent' ? 3 : 1;
  let head: string[];
  let candidates: string[];
  if (words.length <= commandWords) {
    head = words.slice(0, -1);
    candidates =
      head.length === 0
        ? ['seed', 'get', 'up', 'down', 'exit', 'help', 'torrent']
        : head.length === 1
          ? ['-setMode']
          : ['send', 'download', 'exit'];
  } else {
    head = words.slice(0, commandWords);
    const mode = head.at(-1);
    candidates =
      mode === 'seed' || mode === 'send'
        ? localNames
        : mode === 'get' || mode === 'download'
          ? swarmNames
          : [];
  }
  const prefix = words.slice(head.length).join(' ');
  return { head, matches: candidates.filter((candidate) => candidate.startsWith(prefix)) };
}
