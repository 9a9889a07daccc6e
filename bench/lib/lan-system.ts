import type { LeecherLaunch } from './lan-crowd.ts';

/** The systems a LAN flash crowd can run: bt-tui's own, or aria2c around opentracker. */
export const LAN_SYSTEMS = ['bt-tui', 'aria2'] as const;
export type LanSystemName = (typeof LAN_SYSTEMS)[number];

/**
 * One system's swarm on the LAN, ready: its tracker runs on the tracker host and its seeder
 * holds the whole file on the seeder host (announced). It says how to start its leechers.
 */
export interface LanSwarm {
  /**
   * How to start a leecher on each of these hosts, downloading into a folder of its own; once
   * done it goes on seeding for `seedTimeSeconds` before it exits (0: exits at once).
   */
  leecherLaunches(hosts: string[], seedTimeSeconds: number): LeecherLaunch[];
  /** Stops the seeder and the tracker (the leechers have exited by then). */
  stop(): Promise<void>;
  /** The seeder process's pid (`ip netns exec` execs it, so /proc reads the client itself). */
  seederPid(): number;
  /**
   * CPU an idle client of this system spends to start and settle on `host` (started, then
   * stopped before the crowd): a leecher's start-up cost, to tell apart from its cost per byte.
   */
  measureStartupCpu(host: string): Promise<number | null>;
}

/** Host labels: the tracker and the seeder, then leechers l1..lN. */
export const TRACKER_HOST = 'tracker';
export const SEEDER_HOST = 'seeder';
export const leecherHosts = (count: number): string[] =>
  Array.from({ length: count }, (_, index) => `l${index + 1}`);
