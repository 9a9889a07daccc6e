import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseUdpReceiveBufferErrors } from '../../source/net/udp-snmp.ts';
import { parseNetDev, qdiscDrops } from './link-counters.ts';
import type { ProcessGroup, TrackedProcess } from './processes.ts';

/**
 * An emulated LAN: a star of network namespaces around a Linux bridge, every link shaped by
 * tbf both ways (the host's uplink on its side, its downlink on the switch's side), so each
 * host has its own upload and download capacity, as on a switched Ethernet.
 */

/** Every namespace of the testbed starts with this: one name to refuse on and to clean up. */
export const NAMESPACE_PREFIX = 'btlan-';
const SWITCH_NAMESPACE = `${NAMESPACE_PREFIX}switch`;
const BRIDGE = 'br0';
/** The host's end of its veth; the switch's end is named after the host (its port). */
const HOST_DEVICE = 'eth0';
/** Addresses from the benchmarking range 198.18.0.0/15 (RFC 2544): nobody's real network. */
const ADDRESS_PREFIX = '198.18.0.';
const PREFIX_LENGTH = 24;
/** IPv6 addresses from the documentation range 2001:db8::/32 (RFC 3849), for `--ipv6`. */
const ADDRESS6_PREFIX = '2001:db8:18::';
const PREFIX6_LENGTH = 64;
/** One host per address of the /24 (1..254): far more than one machine's CPU can drive. */
const MAX_HOSTS = 254;
/**
 * tbf: 32 KiB of burst (a few frames beyond one, so 100 Mbit/s is reachable with a 250 Hz
 * timer) and 50 ms of queue, a switch port's buffer, not a bufferbloated one.
 */
const TBF_BURST = '32kb';
const TBF_LATENCY = '50ms';

/** One host of the star. */
export interface LanHost {
  /** Short name (`seeder`, `l3`): also its switch port's device name. */
  label: string;
  namespace: string;
  address: string;
  /** Its IPv6 address, beside the IPv4 one (nodad: usable at once). */
  address6: string;
}

/** Bytes that crossed a host's link since the star was built, from the switch port's counters. */
export interface LinkBytes {
  /** Switch → host: what the host downloaded (frames, Ethernet + IP headers included). */
  toHostBytes: number;
  /** Host → switch: what the host uploaded. */
  fromHostBytes: number;
}

/** Packets a host's shapers dropped: leaving the host, and on their way to it. */
export interface LinkDrops {
  up: number;
  down: number;
}

/** Namespaces whose name starts with NAMESPACE_PREFIX (a run in progress, or left over). */
export function existingLanNamespaces(): string[] {
  const listed = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return listed
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(NAMESPACE_PREFIX));
}

/** The star. create() builds it; delete() kills what runs inside and removes every namespace. */
export class LanStar {
  private readonly made: string[] = [];
  private counterReader: TrackedProcess | null = null;
  private deleted = false;

  private constructor(
    readonly hosts: LanHost[],
    readonly rateMbit: number,
  ) {}

  /**
   * Builds the switch and one host per label (addresses .1, .2, … in label order), every link
   * at `rateMbit` both ways. A process parked in the switch namespace lets readLinks() read its
   * counters from /proc without spawning a command per reading. Throws after removing what it made.
   */
  static create(group: ProcessGroup, labels: string[], rateMbit: number): LanStar {
    if (labels.length > MAX_HOSTS) throw new Error(`at most ${MAX_HOSTS} hosts`);
    const hosts = labels.map((label, index) => ({
      label,
      namespace: `${NAMESPACE_PREFIX}${label}`,
      address: `${ADDRESS_PREFIX}${index + 1}`,
      address6: `${ADDRESS6_PREFIX}${(index + 1).toString(16)}`,
    }));
    const star = new LanStar(hosts, rateMbit);
    try {
      star.addNamespace(SWITCH_NAMESPACE);
      ip(SWITCH_NAMESPACE, 'link', 'add', 'name', BRIDGE, 'type', 'bridge', 'stp_state', '0');
      ip(SWITCH_NAMESPACE, 'link', 'set', 'dev', BRIDGE, 'up');
      for (const host of hosts) star.addHost(host);
      const { command, args } = star.exec(SWITCH_NAMESPACE, 'sleep', ['infinity']);
      star.counterReader = group.spawn('switch counters', command, args);
    } catch (error) {
      star.delete();
      throw error;
    }
    return star;
  }

  host(label: string): LanHost {
    const host = this.hosts.find((candidate) => candidate.label === label);
    if (!host) throw new Error(`no host ${label} on the LAN`);
    return host;
  }

  /** `ip netns exec NS` + command: the prefix that runs a program on a host (or the switch). */
  exec(namespace: string, command: string, args: string[]): { command: string; args: string[] } {
    return { command: 'ip', args: ['netns', 'exec', namespace, command, ...args] };
  }

  /**
   * Every host's link counters, by label (a read of /proc/PID/net/dev of the switch); empty
   * once the star is being torn down (its counter reader stopped).
   */
  readLinks(): Map<string, LinkBytes> {
    let text = '';
    try {
      text = readFileSync(`/proc/${this.counterReader?.pid}/net/dev`, 'utf8');
    } catch {
      // Stopped (Ctrl+C): nothing to read.
    }
    const links = new Map<string, LinkBytes>();
    for (const [device, counters] of parseNetDev(text)) {
      // The switch port transmits what its host receives, and the other way round.
      if (this.hosts.some((host) => host.label === device)) {
        links.set(device, { toHostBytes: counters.txBytes, fromHostBytes: counters.rxBytes });
      }
    }
    return links;
  }

  /** Packets tbf dropped so far, per host: on its uplink (host side) and its downlink. */
  readTbfDrops(): Map<string, LinkDrops> {
    const drops = new Map<string, LinkDrops>();
    for (const host of this.hosts) {
      drops.set(host.label, {
        up: qdiscDrops(host.namespace, HOST_DEVICE),
        down: qdiscDrops(SWITCH_NAMESPACE, host.label),
      });
    }
    return drops;
  }

  /**
   * UDP datagrams dropped for a full receive buffer on these hosts so far (RcvbufErrors of each
   * namespace's own /proc/net/snmp, summed): only that host's sockets count there.
   */
  readRcvbufErrors(labels: string[]): number | null {
    let errors = 0;
    for (const label of labels) {
      const { command, args } = this.exec(this.host(label).namespace, 'cat', ['/proc/net/snmp']);
      const count = parseUdpReceiveBufferErrors(execFileSync(command, args, { encoding: 'utf8' }));
      if (count === null) return null;
      errors += count;
    }
    return errors;
  }

  /**
   * Kills every process left in the namespaces (by pid, from `ip netns pids`), then deletes
   * them; the veths and the bridge go with them. Synchronous (fit for an 'exit' handler), safe
   * to call twice, never throws.
   */
  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    for (const namespace of this.made) killProcessesIn(namespace);
    for (const namespace of this.made) {
      try {
        execFileSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' });
      } catch {
        console.error(`could not delete network namespace ${namespace}: ip netns del ${namespace}`);
      }
    }
  }

  private addNamespace(namespace: string): void {
    execFileSync('ip', ['netns', 'add', namespace], { stdio: 'pipe' });
    this.made.push(namespace);
  }

  private addHost(host: LanHost): void {
    const { namespace, label: port } = host;
    this.addNamespace(namespace);
    execFileSync('ip', [
      'link',
      'add',
      'name',
      HOST_DEVICE,
      'netns',
      namespace,
      'type',
      'veth',
      'peer',
      'name',
      port,
      'netns',
      SWITCH_NAMESPACE,
    ]);
    ip(SWITCH_NAMESPACE, 'link', 'set', 'dev', port, 'master', BRIDGE);
    ip(SWITCH_NAMESPACE, 'link', 'set', 'dev', port, 'up');
    ip(namespace, 'link', 'set', 'dev', 'lo', 'up');
    ip(namespace, 'address', 'add', `${host.address}/${PREFIX_LENGTH}`, 'dev', HOST_DEVICE);
    const address6 = `${host.address6}/${PREFIX6_LENGTH}`;
    ip(namespace, 'address', 'add', address6, 'dev', HOST_DEVICE, 'nodad');
    ip(namespace, 'link', 'set', 'dev', HOST_DEVICE, 'up');
    shape(namespace, HOST_DEVICE, this.rateMbit); // uplink
    shape(SWITCH_NAMESPACE, port, this.rateMbit); // downlink
  }
}

function ip(namespace: string, ...args: string[]): void {
  execFileSync('ip', ['-n', namespace, ...args], { stdio: 'pipe' });
}

function shape(namespace: string, device: string, rateMbit: number): void {
  execFileSync(
    'tc',
    [
      ...['-n', namespace, 'qdisc', 'add', 'dev', device, 'root', 'tbf'],
      ...['rate', `${rateMbit}mbit`, 'burst', TBF_BURST, 'latency', TBF_LATENCY],
    ],
    { stdio: 'pipe' },
  );
}

function killProcessesIn(namespace: string): void {
  let pids: number[] = [];
  try {
    pids = execFileSync('ip', ['netns', 'pids', namespace], { encoding: 'utf8' })
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return; // No such namespace (any more).
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
