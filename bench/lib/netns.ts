import { execFileSync } from 'node:child_process';

/**
 * A network namespace of our own with nftables loss on its inbound UDP: every datagram between
 * two processes inside it crosses its loopback once, so the input hook sees each exactly once
 * and "inbound UDP dropped at N %" is loss in both directions, control messages included.
 */

/** The nftables table the bench owns inside its namespace. */
const TABLE = 'btbench';

/** Counters the ruleset keeps (packets and layer-3 bytes, i.e. IP header included). */
export const COUNTER_NAMES = [
  'udp_in',
  'data_to_leecher',
  'dropped_data_to_leecher',
  'dropped_to_leecher',
  'dropped_other',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

/** One nftables counter's value. */
export interface Counter {
  packets: number;
  bytes: number;
}
export type Counters = Record<CounterName, Counter>;

/** Type code of a DATA datagram (source/protocol/codec.ts), byte 3 of the UDP payload. */
const DATA_TYPE_CODE = 0x86;
/** Bit offset of that byte from the start of the UDP header (8-byte header + 3 bytes). */
const TYPE_BIT_OFFSET = (8 + 3) * 8;

/** Installs `nftables` with apt-get when `nft` is missing (root only), like tools.ts does. */
export function ensureNft(): void {
  try {
    execFileSync('sh', ['-c', 'command -v nft'], { stdio: 'ignore' });
    return;
  } catch {
    // Missing: install below.
  }
  if (process.getuid?.() !== 0) throw new Error('nft missing: run apt-get install -y nftables');
  console.log('installing nftables (nft missing)');
  execFileSync('apt-get', ['update'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', 'nftables'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** A namespace `bt-bench-<pid>` we created, with loopback up; delete() removes it. */
export class LossyNamespace {
  private deleted = false;

  private constructor(
    readonly name: string,
    private readonly leecherPort: number,
  ) {}

  /** Creates the namespace and a ruleset with `lossPercent` loss; the leecher's port is counted. */
  static create(leecherPort: number, lossPercent: number): LossyNamespace {
    const name = `bt-bench-${process.pid}`;
    execFileSync('ip', ['netns', 'add', name]);
    const namespace = new LossyNamespace(name, leecherPort);
    try {
      execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
      namespace.setLoss(lossPercent);
    } catch (error) {
      namespace.delete();
      throw error;
    }
    return namespace;
  }

  /** `ip netns exec NS` + command: the prefix that runs a program inside the namespace. */
  exec(command: string, args: string[]): { command: string; args: string[] } {
    return { command: 'ip', args: ['netns', 'exec', this.name, command, ...args] };
  }

  /** Replaces the ruleset: inbound UDP dropped when `numgen random mod 100 < lossPercent`. */
  setLoss(lossPercent: number): void {
    const port = this.leecherPort;
    // numgen is drawn once and kept in the mark, so the drop counters split one random draw.
    const ruleset = `
table inet ${TABLE}
delete table inet ${TABLE}
table inet ${TABLE} {
  ${COUNTER_NAMES.map((name) => `counter ${name} {}`).join('\n  ')}
  chain input {
    type filter hook input priority 0; policy accept;
    meta l4proto udp counter name "udp_in"
    udp dport ${port} @th,${TYPE_BIT_OFFSET},8 ${DATA_TYPE_CODE} counter name "data_to_leecher"
    meta l4proto udp numgen random mod 100 < ${lossPercent} meta mark set 0x1
    meta mark 0x1 udp dport ${port} @th,${TYPE_BIT_OFFSET},8 ${DATA_TYPE_CODE} counter name "dropped_data_to_leecher" drop
    meta mark 0x1 udp dport ${port} counter name "dropped_to_leecher" drop
    meta mark 0x1 counter name "dropped_other" drop
  }
}
`;
    execFileSync('ip', ['netns', 'exec', this.name, 'nft', '-f', '-'], { input: ruleset });
  }

  /** Current values of every counter (they restart at 0 with each setLoss). */
  readCounters(): Counters {
    const text = execFileSync('ip', ['netns', 'exec', this.name, 'nft', '-j', 'list', 'counters'], {
      encoding: 'utf8',
    });
    const parsed = JSON.parse(text) as { nftables: { counter?: Counter & { name: string } }[] };
    const counters = Object.fromEntries(
      COUNTER_NAMES.map((name) => [name, { packets: 0, bytes: 0 }]),
    ) as Counters;
    for (const entry of parsed.nftables) {
      const counter = entry.counter;
      if (counter && (COUNTER_NAMES as readonly string[]).includes(counter.name)) {
        counters[counter.name as CounterName] = { packets: counter.packets, bytes: counter.bytes };
      }
    }
    return counters;
  }

  /** Deletes the namespace (its ruleset goes with it). Safe to call twice; never throws. */
  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
    } catch {
      console.error(`could not delete network namespace ${this.name}: ip netns del ${this.name}`);
    }
  }
}

/** Difference of two counter readings. */
export function counterDelta(after: Counters, before: Counters): Counters {
  return Object.fromEntries(
    COUNTER_NAMES.map((name) => [
      name,
      {
        packets: after[name].packets - before[name].packets,
        bytes: after[name].bytes - before[name].bytes,
      },
    ]),
  ) as Counters;
}
