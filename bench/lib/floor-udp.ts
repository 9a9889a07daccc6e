/**
 * The raw UDP part of the floor: a receiver and a sender process (floor-udp-peer.ts), each
 * reporting its own CPU, started on loopback or, through `wrap`, inside network namespaces.
 */
import { join } from 'node:path';
import { DATA_HEADER_BYTES } from '../../source/protocol/codec.ts';
import { REPO_ROOT } from './build.ts';
import { MiB } from './files.ts';
import type { UdpEndFigures } from './floor-udp-peer.ts';
import type { ProcessGroup } from './processes.ts';

const GiB = 1024 * MiB;
const PEER_SCRIPT = join(REPO_ROOT, 'bench', 'lib', 'floor-udp-peer.ts');
const READY_TIMEOUT_MS = 20_000;

/** One floor figure: core-seconds per GiB of payload and the rate it ran at. */
export interface FloorFigure {
  coreSecondsPerGiB: number;
  MiBps: number;
}

/** Core-seconds per GiB of `payloadBytes`, and the rate over `wallSeconds`. */
export function floorFigure(cpuSeconds: number, payloadBytes: number, wallSeconds: number) {
  return {
    coreSecondsPerGiB: cpuSeconds / (payloadBytes / GiB),
    MiBps: payloadBytes / MiB / wallSeconds,
  };
}

export interface UdpFloorOptions {
  sizeBytes: number;
  /** bt-tui's block size: each datagram carries it plus the DATA header. */
  blockBytes: number;
  windowDatagrams: number;
  ackEvery: number;
  /** Address the receiver binds and the sender sends to (127.0.0.1 on loopback). */
  receiverHost: string;
  /** Puts a command in its place (e.g. `ip netns exec NS`); identity on loopback. */
  wrapReceiver?: (command: string, args: string[]) => { command: string; args: string[] };
  wrapSender?: (command: string, args: string[]) => { command: string; args: string[] };
  timeoutMs: number;
  /** Through the udp_batch addon (recvmmsg, sendmmsg) instead of node:dgram. */
  batched?: boolean;
}

export interface UdpFloor {
  datagramBytes: number;
  udpReceive: FloorFigure;
  udpSend: FloorFigure;
  /** Datagrams the receiver never got (a floor with drops is not a fair one). */
  udpDropped: number;
}

/** Runs one transfer of `sizeBytes` between the two processes; both are stopped at the end. */
export async function measureUdpFloor(
  group: ProcessGroup,
  options: UdpFloorOptions,
): Promise<UdpFloor> {
  const same = (command: string, args: string[]) => ({ command, args });
  const datagramBytes = options.blockBytes + DATA_HEADER_BYTES;
  const node = (role: string[]) => [process.execPath, ['--import', 'tsx', PEER_SCRIPT, ...role]];
  const start = (label: string, wrap: typeof same, role: string[]) => {
    const [command, args] = node(role) as [string, string[]];
    const wrapped = wrap(command, args);
    return group.spawn(label, wrapped.command, wrapped.args, REPO_ROOT);
  };
  const receiver = start('floor udp receiver', options.wrapReceiver ?? same, [
    'receive',
    String(options.ackEvery),
    options.receiverHost,
    ...(options.batched ? ['batched'] : []),
  ]);
  let sender: ReturnType<typeof start> | null = null;
  try {
    const port = (await receiver.waitForLine(/^\{"port":(\d+)\}$/, READY_TIMEOUT_MS))[1]!;
    sender = start('floor udp sender', options.wrapSender ?? same, [
      'send',
      port,
      String(options.sizeBytes),
      String(datagramBytes),
      String(options.windowDatagrams),
      options.receiverHost,
      ...(options.batched ? ['batched'] : []),
    ]);
    const ends = /^\{"datagrams".*\}$/;
    const [received, sent] = await Promise.all(
      [receiver, sender].map(async (end) => {
        const line = (await end.waitForLine(ends, options.timeoutMs))[0];
        return JSON.parse(line) as UdpEndFigures;
      }),
    );
    // Per GiB of block payload, as bt-tui's figures are per GiB of file.
    const payload = (figures: UdpEndFigures) => figures.datagrams * options.blockBytes;
    return {
      datagramBytes,
      udpReceive: floorFigure(received!.cpuSeconds, payload(received!), received!.wallSeconds),
      udpSend: floorFigure(sent!.cpuSeconds, payload(sent!), sent!.wallSeconds),
      udpDropped: sent!.dropped ?? 0,
    };
  } finally {
    await Promise.all([sender ? group.stop(sender) : null, group.stop(receiver)]);
  }
}
