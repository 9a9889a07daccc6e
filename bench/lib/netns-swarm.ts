import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readUdpReceiveBufferErrors } from '../../source/net/udp-snmp.ts';
import { linkOrCopy, MiB, type SwarmFile } from './files.ts';
import { judgeLeecher, type LeecherResult } from './leecher-result.ts';
import { runMeasured } from './measure.ts';
import type { LossyNamespace } from './netns.ts';
import type { TrackedProcess } from './processes.ts';
import type { Workspace } from './workspace.ts';

/** Fixed ports: the namespace is ours alone, and nftables counts by the leecher's port. */
export const TRACKER_PORT = 40_000;
const FIRST_SEEDER_PORT = 40_001;
export const LEECHER_PORT = 40_100;
const FIRST_LEECHER_ID = 100;

/** Seeders hash the file before they OWN it: allow a slow disk, ~10 MiB/s, per MiB. */
const startTimeoutMs = (sizeBytes: number) => 30_000 + (sizeBytes / MiB) * 100;
/** Under 10 % loss a leecher may be slow: below ~0.5 MiB/s it is stuck and killed. */
const leechTimeoutMs = (sizeBytes: number) => 60_000 + (sizeBytes / MiB) * 2_000;

const DONE_LINE = /\bdone \S+: [\d.]+ MiB in [\d.]+ s \(([\d.]+) MiB\/s[;)]/;

/** A leecher run plus the namespace-wide UDP receive-buffer losses during it. */
export interface NamespaceLeecherResult extends LeecherResult {
  /** Growth of RcvbufErrors in the namespace's /proc/net/snmp (our processes only). */
  namespaceRcvbufErrors: number | null;
}

/**
 * The bt-tui swarm (tracker + N seeders, real CLI) inside a network namespace, every process
 * run with `ip netns exec`, talking over the namespace's own 127.0.0.1 on fixed ports.
 */
export class NamespaceSwarm {
  private runs = 0;

  private constructor(
    private readonly workspace: Workspace,
    private readonly namespace: LossyNamespace,
    private readonly file: SwarmFile,
    private readonly blockSizeBytes: number,
    private readonly root: string,
    private readonly cliPath: string,
    private readonly running: TrackedProcess[],
  ) {}

  /** Starts tracker and seeders in `namespace`; resolves when every seeder OWNs the file. */
  static async start(
    workspace: Workspace,
    namespace: LossyNamespace,
    file: SwarmFile,
    seeders: number,
    blockSizeBytes: number,
    cliPath: string,
  ): Promise<NamespaceSwarm> {
    const root = join(workspace.dir, `ns-${blockSizeBytes}`);
    const tracker = spawnIn(workspace, namespace, cliPath, 'tracker', [
      'tracker',
      '--headless',
      '--host',
      '127.0.0.1',
      '--port',
      String(TRACKER_PORT),
      '--db',
      join(root, 'db'),
      '--logs',
      join(root, 'logs'),
    ]);
    await tracker.waitForLine(/listening on 127\.0\.0\.1:/, 10_000);
    const swarm = new NamespaceSwarm(workspace, namespace, file, blockSizeBytes, root, cliPath, [
      tracker,
    ]);
    const owned: Promise<unknown>[] = [];
    for (let id = 1; id <= seeders; id++) {
      const folder = join(root, 'files', `node${id}`);
      mkdirSync(folder, { recursive: true });
      linkOrCopy(file.path, join(folder, file.name));
      const args = [...swarm.peerArgs(id, FIRST_SEEDER_PORT + id - 1), '--seed', file.name];
      swarm.running.push(spawnIn(workspace, namespace, cliPath, `seeder ${id}`, args));
      owned.push(
        tracker.waitForLine(new RegExp(`owns node ${id} `), startTimeoutMs(file.sizeBytes)),
      );
    }
    await Promise.all(owned);
    return swarm;
  }

  /** Downloads the file with a fresh leecher (new id, port LEECHER_PORT), judged, cleaned up. */
  async runLeecher(): Promise<NamespaceLeecherResult> {
    const id = FIRST_LEECHER_ID + this.runs++;
    const snmpPath = `/proc/${this.running[0]!.pid}/net/snmp`;
    const errorsBefore = readUdpReceiveBufferErrors(snmpPath);
    const { command, args } = this.namespace.exec(process.execPath, [
      this.cliPath,
      ...this.peerArgs(id, LEECHER_PORT),
      '--download',
      this.file.name,
      '--exit-when-done',
    ]);
    const measured = await runMeasured(this.workspace.group, {
      label: `leecher ${id}`,
      command,
      args,
      statsPath: join(this.workspace.dir, `leecher-${this.blockSizeBytes}-${id}.time`),
      timeoutMs: leechTimeoutMs(this.file.sizeBytes),
    });
    const errorsAfter = readUdpReceiveBufferErrors(snmpPath);
    const folder = join(this.root, 'files', `node${id}`);
    const done = measured.lines.map((line) => DONE_LINE.exec(line)?.[1]).find(Boolean);
    const result = await judgeLeecher(
      measured,
      this.file,
      join(folder, this.file.name),
      done === undefined ? null : Number(done),
      null,
    );
    rmSync(folder, { recursive: true, force: true });
    const namespaceRcvbufErrors =
      errorsBefore === null || errorsAfter === null ? null : errorsAfter - errorsBefore;
    return { ...result, namespaceRcvbufErrors };
  }

  /** Stops the seeders, then the tracker. */
  async stop(): Promise<void> {
    const [tracker, ...seeders] = this.running;
    await Promise.all(seeders.map((seeder) => this.workspace.group.stop(seeder)));
    if (tracker) await this.workspace.group.stop(tracker);
  }

  private peerArgs(id: number, port: number): string[] {
    return [
      'peer',
      '--id',
      String(id),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--tracker',
      `127.0.0.1:${TRACKER_PORT}`,
      '--files',
      join(this.root, 'files'),
      '--logs',
      join(this.root, 'logs'),
      '--block-size',
      String(this.blockSizeBytes),
      '--headless',
    ];
  }
}

function spawnIn(
  workspace: Workspace,
  namespace: LossyNamespace,
  cliPath: string,
  label: string,
  cliArgs: string[],
): TrackedProcess {
  const { command, args } = namespace.exec(process.execPath, [cliPath, ...cliArgs]);
  return workspace.group.spawn(label, command, args);
}
