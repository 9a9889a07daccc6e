/**
 * The machine's floor for moving file bytes, measured in the same run as bt-tui (issue 15): what
 * the least a leecher and a seeder must spend per GiB here, with plain node and no bt-tui code.
 *
 * - UDP receive / send: two child processes (floor-udp-peer.ts) on 127.0.0.1, datagrams of
 *   bt-tui's size (block + DATA header), 64 in flight, an ack every 16; each end's own CPU.
 * - SHA-256: createHash over piece-sized chunks, what verifying a piece costs.
 * - pwrite: piece-sized writes at their offsets into a fresh file (the leecher's disk side),
 *   then again over the same pages.
 * - pread: reads of one block and of a run of blocks from that file (the seeder's disk side).
 * Leecher floor = receive + SHA-256 + pwrite; seeder floor = send + pread of a run. Each is
 * core-seconds (user + system, process.cpuUsage or the child's own) per GiB of file payload.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pieceSizeFor } from '../../source/config.ts';
import { isAddonBuilt } from '../../source/net/native-udp.ts';
import { MiB, type SwarmFile } from './files.ts';
import {
  type FloorFigure,
  floorFigure as figure,
  measureUdpFloor,
  type UdpFloor,
} from './floor-udp.ts';
import { fixed } from './table.ts';
import type { Workspace } from './workspace.ts';

/** Datagrams in flight, and how often the receiver acks: the figures issue 15 measured with. */
const UDP_WINDOW_DATAGRAMS = 64;
const UDP_ACK_EVERY = 16;
/** The seeder reads a REQUEST's run of blocks with one readv: up to a piece, 256 KiB here. */
const SEEDER_RUN_BYTES = 256 * 1024;
const UDP_TIMEOUT_MS = 60_000;
const LOOPBACK = '127.0.0.1';

export interface MachineFloor extends UdpFloor {
  sizeBytes: number;
  /** Where the datagrams went: `127.0.0.1, 64 in flight` by default. */
  udpPath: string;
  sha256: FloorFigure;
  /** Into a fresh file (new pages), as a leecher writes. */
  pwrite: FloorFigure;
  /** The same writes again, over pages already in the page cache. */
  pwriteOver: FloorFigure;
  preadBlock: FloorFigure;
  preadRun: FloorFigure;
  /** receive + SHA-256 + pwrite. */
  leecherCoreSecondsPerGiB: number;
  /** send + pread of a run. */
  seederCoreSecondsPerGiB: number;
  /**
   * The same UDP transfer through the udp_batch addon (recvmmsg, sendmmsg), and the two floors
   * with it: what a process that batches its system calls, as bt-tui does, must spend at least.
   * Null where the addon is not built, or not measured (the LAN bench).
   */
  batched: {
    udp: UdpFloor;
    leecherCoreSecondsPerGiB: number;
    seederCoreSecondsPerGiB: number;
  } | null;
}

/** The UDP part on loopback: two processes on 127.0.0.1, 64 datagrams in flight. */
const loopbackUdp = {
  path: `127.0.0.1, ${UDP_WINDOW_DATAGRAMS} in flight`,
  measure: (workspace: Workspace, sizeBytes: number, blockBytes: number, batched = false) =>
    measureUdpFloor(workspace.group, {
      sizeBytes,
      blockBytes,
      windowDatagrams: UDP_WINDOW_DATAGRAMS,
      ackEvery: UDP_ACK_EVERY,
      receiverHost: LOOPBACK,
      timeoutMs: UDP_TIMEOUT_MS,
      batched,
    }),
  measuresBatched: true,
};

/**
 * Measures every floor figure on `sizeBytes` of data; the temp file lives in the workspace.
 * `udp` replaces the loopback transfer (the LAN bench sends across its namespaces).
 */
export async function measureMachineFloor(
  workspace: Workspace,
  sizeBytes: number,
  blockBytes: number,
  pieceBytes: number,
  udp: {
    path: string;
    measure: typeof loopbackUdp.measure;
    measuresBatched?: boolean;
  } = loopbackUdp,
): Promise<MachineFloor> {
  const transfer = await udp.measure(workspace, sizeBytes, blockBytes);
  const batchedUdp =
    udp.measuresBatched && isAddonBuilt()
      ? await udp.measure(workspace, sizeBytes, blockBytes, true)
      : null;
  const sha256 = measureSha256(sizeBytes, pieceBytes);
  const path = join(workspace.dir, 'floor-pwrite.bin');
  try {
    const { pwrite, pwriteOver } = measurePwrite(path, sizeBytes, pieceBytes);
    const preadBlock = measurePread(path, sizeBytes, blockBytes);
    const preadRun = measurePread(path, sizeBytes, Math.min(SEEDER_RUN_BYTES, pieceBytes));
    return {
      sizeBytes,
      udpPath: udp.path,
      ...transfer,
      sha256,
      pwrite,
      pwriteOver,
      preadBlock,
      preadRun,
      leecherCoreSecondsPerGiB:
        transfer.udpReceive.coreSecondsPerGiB + sha256.coreSecondsPerGiB + pwrite.coreSecondsPerGiB,
      seederCoreSecondsPerGiB: transfer.udpSend.coreSecondsPerGiB + preadRun.coreSecondsPerGiB,
      batched: batchedUdp && {
        udp: batchedUdp,
        leecherCoreSecondsPerGiB:
          batchedUdp.udpReceive.coreSecondsPerGiB +
          sha256.coreSecondsPerGiB +
          pwrite.coreSecondsPerGiB,
        seederCoreSecondsPerGiB: batchedUdp.udpSend.coreSecondsPerGiB + preadRun.coreSecondsPerGiB,
      },
    };
  } finally {
    unlinkSync(path);
  }
}

/**
 * The floor for a swarm bench's file (its size, bt-tui's piece size for it), printed. Called
 * before the swarm starts, so nothing else of the bench competes with it.
 */
export async function printFloorFor(
  workspace: Workspace,
  file: SwarmFile,
  blockBytes: number,
): Promise<MachineFloor> {
  const floor = await measureMachineFloor(
    workspace,
    file.sizeBytes,
    blockBytes,
    pieceSizeFor(file.sizeBytes),
  );
  for (const line of describeFloor(floor)) console.log(line);
  return floor;
}

/** The floor as lines for a bench's output. */
export function describeFloor(floor: MachineFloor): string[] {
  const cell = (figure: FloorFigure) =>
    `${fixed(figure.coreSecondsPerGiB, 2)} core-s/GiB (${fixed(figure.MiBps, 0)} MiB/s)`;
  return [
    `machine floor, same run, ${fixed(floor.sizeBytes / MiB, 0)} MiB each (plain node, no bt-tui code):`,
    `  UDP receive ${cell(floor.udpReceive)}, send ${cell(floor.udpSend)}: ${floor.datagramBytes} B datagrams, ${floor.udpPath}, ${floor.udpDropped} dropped`,
    `  SHA-256 ${cell(floor.sha256)}; pwrite ${cell(floor.pwrite)} into a fresh file, ${cell(floor.pwriteOver)} over cached pages; pread of a block ${cell(floor.preadBlock)}, of a run ${cell(floor.preadRun)}`,
    `  leecher floor (receive + SHA-256 + pwrite) ${fixed(floor.leecherCoreSecondsPerGiB, 2)} core-s/GiB; seeder floor (send + pread of a run) ${fixed(floor.seederCoreSecondsPerGiB, 2)} core-s/GiB`,
    ...(floor.batched === null
      ? []
      : [
          `  batched, as bt-tui's udp_batch addon does (recvmmsg, sendmmsg; no engine code): UDP receive ${cell(floor.batched.udp.udpReceive)}, send ${cell(floor.batched.udp.udpSend)}, ${floor.batched.udp.udpDropped} dropped; leecher floor ${fixed(floor.batched.leecherCoreSecondsPerGiB, 2)}, seeder floor ${fixed(floor.batched.seederCoreSecondsPerGiB, 2)} core-s/GiB`,
        ]),
  ];
}

/** Runs `work` and returns its CPU (this process, user + system) and wall seconds. */
function timed(work: () => void): { cpuSeconds: number; wallSeconds: number } {
  const startMs = performance.now();
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return {
    cpuSeconds: (used.user + used.system) / 1e6,
    wallSeconds: (performance.now() - startMs) / 1000,
  };
}

function randomChunk(bytes: number): Buffer {
  return randomFillSync(Buffer.allocUnsafe(bytes));
}

function measureSha256(sizeBytes: number, pieceBytes: number): FloorFigure {
  const piece = randomChunk(pieceBytes);
  const pieces = Math.ceil(sizeBytes / pieceBytes);
  const { cpuSeconds, wallSeconds } = timed(() => {
    for (let index = 0; index < pieces; index++) createHash('sha256').update(piece).digest();
  });
  return figure(cpuSeconds, pieces * pieceBytes, wallSeconds);
}

/**
 * Writes every piece at its offset into a fresh file, then once more over the same pages. The
 * fresh pass is what a leecher pays; the second shows how much of it is the kernel finding new
 * pages (on this project's VM, pages the balloon driver gave back cost ~0.5-2 core-s/GiB more
 * on first touch, varying with what the machine did in the seconds before).
 */
function measurePwrite(path: string, sizeBytes: number, pieceBytes: number) {
  const piece = randomChunk(pieceBytes);
  const pieces = Math.ceil(sizeBytes / pieceBytes);
  const fd = openSync(path, 'wx');
  const pass = () => {
    const { cpuSeconds, wallSeconds } = timed(() => {
      for (let index = 0; index < pieces; index++) {
        writeSync(fd, piece, 0, pieceBytes, index * pieceBytes);
      }
    });
    return figure(cpuSeconds, pieces * pieceBytes, wallSeconds);
  };
  try {
    return { pwrite: pass(), pwriteOver: pass() };
  } finally {
    closeSync(fd);
  }
}

/** Reads the file written by measurePwrite (page cache, as a seeder of a fresh file does). */
function measurePread(path: string, sizeBytes: number, readBytes: number): FloorFigure {
  const buffer = Buffer.allocUnsafe(readBytes);
  const reads = Math.floor(sizeBytes / readBytes);
  const fd = openSync(path, 'r');
  try {
    const { cpuSeconds, wallSeconds } = timed(() => {
      for (let index = 0; index < reads; index++) {
        readSync(fd, buffer, 0, readBytes, index * readBytes);
      }
    });
    return figure(cpuSeconds, reads * readBytes, wallSeconds);
  } finally {
    closeSync(fd);
  }
}
