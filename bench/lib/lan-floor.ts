/**
 * The floor on the emulated LAN: the same plain-node UDP transfer as on loopback, from the
 * seeder's host to the first leecher's, through veth, bridge and both shapers, so the kernel's
 * work for the emulated network is charged the way it is charged to bt-tui and aria2c there.
 */
import { pieceSizeFor } from '../../source/config.ts';
import type { SwarmFile } from './files.ts';
import { type MachineFloor, measureMachineFloor } from './floor.ts';
import { measureUdpFloor } from './floor-udp.ts';
import type { LanStar } from './lan-star.ts';
import { leecherHosts, SEEDER_HOST } from './lan-system.ts';
import type { Workspace } from './workspace.ts';

/** tbf's queue holds rate x latency (50 ms, see lan-star.ts); keep half of it in flight. */
const SHAPER_LATENCY_SECONDS = 0.05;
const ACKS_PER_WINDOW = 4;

/** Measures the LAN floor for the bench's file at `rateMbit`; block size is bt-tui's default. */
export async function measureLanFloor(
  workspace: Workspace,
  star: LanStar,
  file: SwarmFile,
  rateMbit: number,
  blockBytes: number,
): Promise<MachineFloor> {
  const receiver = star.host(leecherHosts(1)[0]!);
  const sender = star.host(SEEDER_HOST);
  const queueBytes = ((rateMbit * 1e6) / 8) * SHAPER_LATENCY_SECONDS;
  const windowDatagrams = Math.max(2, Math.floor(queueBytes / 2 / blockBytes));
  const udp = {
    path: `${sender.label} -> ${receiver.label} over the LAN, ${windowDatagrams} in flight`,
    measure: (space: Workspace, sizeBytes: number, block: number) =>
      measureUdpFloor(space.group, {
        sizeBytes,
        blockBytes: block,
        windowDatagrams,
        ackEvery: Math.max(1, Math.floor(windowDatagrams / ACKS_PER_WINDOW)),
        receiverHost: receiver.address,
        wrapReceiver: (command, args) => star.exec(receiver.namespace, command, args),
        wrapSender: (command, args) => star.exec(sender.namespace, command, args),
        // At the shaped rate, with room for a loaded machine.
        timeoutMs: 60_000 + (sizeBytes * 8 * 4_000) / (rateMbit * 1e6),
      }),
  };
  return measureMachineFloor(
    workspace,
    file.sizeBytes,
    blockBytes,
    pieceSizeFor(file.sizeBytes),
    udp,
  );
}
