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

export function parseCommand(line: string): Command {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { kind: 'error', message: USAGE };
  let [verb, ...rest] = words as [string, ...string[]];
  if (verb === 'torrent') {
    if (rest[0] !== '-setMode' || rest.length < 2) {
      return {
        kind: 'error',
        message: `"${line.trim()}": expected torrent -setMode send|download NAME or torrent -setMode exit`,
      };
    }
    const mode = rest[1]!;
    rest = rest.slice(2);
    verb = mode === 'send' ? 'seed' : mode === 'download' ? 'get' : mode;
    if (!['seed', 'get', 'exit'].includes(verb)) {
      return { kind: 'error', message: `unknown mode "${mode}": use send, download or exit` };
    }
  }
  const name = rest.join(' ');
  switch (verb) {
    case 'seed':
    case 'send':
      return name
        ? { kind: 'seed', name }
        : { kind: 'error', message: `${verb} needs a file name` };
    case 'get':
    case 'download':
      return name
        ? { kind: 'download', name }
        : { kind: 'error', message: `${verb} needs a file name` };
    case 'up':
    case 'down': {
      const bytesPerSec = parseRate(name);
      if (bytesPerSec !== null) return { kind: 'limit', direction: verb, bytesPerSec };
      if (isRateTooLarge(name))
        return { kind: 'error', message: `${verb}: a rate is ${RATE_TOO_LARGE}` };
      if (isRateTooSmall(name))
        return { kind: 'error', message: `${verb}: a rate is ${RATE_TOO_SMALL}` };
      // What was typed is said back, as the flags do: a typo is seen at once.
      const got = name ? ` (got ${JSON.stringify(name)})` : '';
      return {
        kind: 'error',
        message: `${verb} needs a rate such as 500K, 10M or 0 for no limit${got}`,
      };
    }
    case 'exit':
    case 'quit':
      return rest.length === 0
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
 * Completes the last word of `line`: a command word first, then a file name from `names`
 * (local files for seed, swarm files for download). Returns the line unchanged when nothing or
 * several things match (with the common prefix filled in).
 */
export function completeCommand(line: string, localNames: string[], swarmNames: string[]): string {
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
  const matches = candidates.filter((candidate) => candidate.startsWith(prefix));
  if (matches.length === 0) return line;
  let common = matches[0]!;
  for (const match of matches) while (!match.startsWith(common)) common = common.slice(0, -1);
  const completed = matches.length === 1 ? `${common} ` : common;
  return [...head, completed].join(' ');
}
