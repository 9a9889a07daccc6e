import { defaults } from '../config.ts';

/** A flag a command accepts: its meow type and the line `--help` prints for it. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  isMultiple?: boolean;
  help: string;
}

const seconds = (ms: number) => `${ms / 1000}`;

export const trackerFlags = {
  host: {
    type: 'string',
    help: `address to listen on (default ${defaults.trackerHost}: this machine only; 0.0.0.0 for the network)`,
  },
  port: { type: 'string', help: `UDP port to listen on (default ${defaults.trackerPort})` },
  db: { type: 'string', help: `folder of the persisted swarm (default ${defaults.trackerDbDir})` },
  store: {
    type: 'string',
    help: 'redis://HOST:PORT: keep the swarm in Redis, shared with other trackers (instead of --db)',
  },
  logs: { type: 'string', help: `folder for tracker.log (default ${defaults.logsDir})` },
  sweep: {
    type: 'string',
    help: `seconds of silence before a node is late; twice that and it is dropped (default ${seconds(defaults.sweepIntervalMs)})`,
  },
  maxNodes: {
    type: 'string',
    help: `nodes the tracker registers at most; more are told it is full (default ${defaults.trackerMaxNodes})`,
  },
  maxFiles: {
    type: 'string',
    help: `files the tracker indexes at most; more are told it is full (default ${defaults.trackerMaxFiles})`,
  },
  headless: {
    type: 'boolean',
    help: 'print events as plain lines instead of the full-screen view',
  },
} satisfies Record<string, FlagSpec>;

export const peerFlags = {
  id: { type: 'string', help: 'this node id, a positive integer (required)' },
  tracker: {
    type: 'string',
    help: `tracker address HOST:PORT (HOST an IP address or a host name), or several A:P,B:P used in order, the next when one stops answering (default ${defaults.trackerHost}:${defaults.trackerPort})`,
  },
  host: {
    type: 'string',
    help: `address to listen on (default ${defaults.trackerHost}, or every address when a tracker is on another machine)`,
  },
  port: {
    type: 'string',
    help: 'UDP port to listen on (default: any free port; give one to open in a firewall)',
  },
  files: {
    type: 'string',
    help: `folder of node folders; this node uses <files>/node<ID>/ (default ${defaults.filesDir})`,
  },
  logs: { type: 'string', help: `folder for node<ID>.log (default ${defaults.logsDir})` },
  seed: {
    type: 'string',
    isMultiple: true,
    help: 'seed this file of the node folder (repeatable)',
  },
  seedAll: {
    type: 'boolean',
    help: 'seed every file of the node folder, and each file copied in later once it stops changing',
  },
  download: {
    type: 'string',
    isMultiple: true,
    help: 'download this file from the swarm (repeatable); NAME@3fa2c1 picks by infohash prefix',
  },
  maxOwners: {
    type: 'string',
    help: `owners to download from at once, best uploaders first (default ${defaults.maxOwnersPerDownload})`,
  },
  maxPeers: {
    type: 'string',
    help: `owners (complete or partial) a download keeps asking the tracker for (default ${defaults.maxPeersPerDownload})`,
  },
  uploadLimit: {
    type: 'string',
    help: 'upload at most this many bytes/s, e.g. 500K, 10M; 0 = no limit (default 0)',
  },
  downloadLimit: {
    type: 'string',
    help: 'download at most this many bytes/s, e.g. 500K, 10M; 0 = no limit (default 0)',
  },
  blockSize: {
    type: 'string',
    help: `bytes per DATA datagram at most; over Ethernet one frame's worth (1447) where the kernel coalesces (default ${defaults.blockSizeBytes})`,
  },
  exitWhenDone: {
    type: 'boolean',
    help: 'exit 0 once every download (asked for, or taken up from the last run) is verified; non-zero with the reason if one fails',
  },
  seedTime: {
    type: 'string',
    help: 'with --exit-when-done: once every download is verified, go on seeding for this many seconds, then exit (default 0); in a flash crowd the first done serve the rest',
  },
  headless: {
    type: 'boolean',
    help: 'print events as plain lines instead of the full-screen view',
  },
} satisfies Record<string, FlagSpec>;

export const demoFlags = {
  size: {
    type: 'string',
    help: 'sample file sizes in MiB, comma-separated (default 8,64,256)',
  },
  seeders: { type: 'string', help: 'seeder nodes, each with every sample file (default 3)' },
  keep: { type: 'boolean', help: 'keep the temporary folder (files, logs, database) on exit' },
  headless: {
    type: 'boolean',
    help: 'no screen: download every sample file, print a summary, exit 0 only if all verified',
  },
} satisfies Record<string, FlagSpec>;

export const commandFlags = { tracker: trackerFlags, peer: peerFlags, demo: demoFlags } as const;
export type CommandName = keyof typeof commandFlags;
export const commandNames = Object.keys(commandFlags) as CommandName[];

/** camelCase flag name -> the --kebab-case a person types. */
export function flagToOption(name: string): string {
  return `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

const otherFlags = {
  help: { type: 'boolean', help: 'show this help' },
  version: { type: 'boolean', help: 'show the version' },
} satisfies Record<string, FlagSpec>;

function optionText(name: string, spec: FlagSpec): string {
  return spec.type === 'string' ? `${flagToOption(name)} <value>` : flagToOption(name);
}

/** Every flag's help starts in one column, past the longest option (`--download-limit <value>`). */
const OPTION_COLUMN = Math.max(
  ...[trackerFlags, peerFlags, demoFlags, otherFlags].flatMap((flags) =>
    Object.entries(flags).map(([name, spec]) => optionText(name, spec).length),
  ),
);

function describeFlags(flags: Record<string, FlagSpec>): string {
  return Object.entries(flags)
    .map(([name, spec]) => `    ${optionText(name, spec).padEnd(OPTION_COLUMN)} ${spec.help}`)
    .join('\n');
}

export const helpText = `
  Usage
    $ bt-tui demo [flags]        a whole swarm on this machine, in a temporary folder
    $ bt-tui tracker [flags]     run the swarm's tracker
    $ bt-tui tracker export [--db DIR | --store URL]
                                 print the swarm a tracker store holds, as one JSON object
    $ bt-tui peer --id N [flags] run a node that seeds and downloads

  Tracker flags
${describeFlags(trackerFlags)}

  Peer flags
${describeFlags(peerFlags)}

  Demo flags
${describeFlags(demoFlags)}

  Other
${describeFlags(otherFlags)}

  Examples
    $ bt-tui demo
    $ bt-tui tracker --headless
    $ bt-tui peer --id 1 --seed big.iso --headless
    $ bt-tui peer --id 4 --download big.iso --exit-when-done --headless
`;
