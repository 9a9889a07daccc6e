import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type CollectGarbage = (options: { type: 'minor' | 'major'; execution: 'sync' }) => void;

/** Every this many minor collections, one full one: buffers that lived long enough to be
 * promoted (piece buffers waiting for the disk) are freed too. A full GC of our small heap
 * takes a few ms; at 300 MiB/s this is about one a second. */
const MINOR_PER_MAJOR = 32;

/**
 * Why this exists: through node:dgram every received datagram is a fresh Buffer (the endpoint
 * notes only such traffic: batched receiving in native-udp.ts makes none). Their memory lives
 * outside the JS heap, and V8 lets about 64 MB of such garbage pile up before it collects, so a
 * transfer's RSS would sit far above an idle node's.
 * A minor GC (a scavenge, ~1 ms) every few MiB of traffic frees them while they are young and
 * keeps RSS flat and small; now and then a full one frees what was promoted. Without a way to
 * reach the collector this is a no-op.
 *
 * It also saves CPU: memory freed while young is reused while it is still mapped, where letting
 * V8 collect on its own schedule maps fresh pages (a page fault each, dear in a VM). Measured
 * 2026-12-01 on the 2-core EPYC VM, 512 MiB from 3 seeders (busy machine, runs interleaved):
 * with it the leecher used 2.3-2.5 core-s, 84 MiB peak RSS, ~16k minor faults; without it
 * 3.1-3.4 core-s, 112 MiB, 29-35k faults, and the seeders 25-35 % more CPU. Collecting every
 * 2 or 4 MiB instead of 8 changed nothing measurable.
 */
function findCollector(): CollectGarbage | null {
  const exposed = (globalThis as { gc?: CollectGarbage }).gc;
  if (exposed) return exposed;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as CollectGarbage;
  } catch {
    return null;
  }
}

let collector: CollectGarbage | null | undefined;

/** Counts bytes that passed through short-lived Buffers and collects after every `everyBytes`. */
export class BufferReclaimer {
  private sinceLastBytes = 0;
  private minorCollections = 0;

  constructor(private readonly everyBytes: number) {
    collector ??= findCollector();
  }

  note(bytes: number): void {
    this.sinceLastBytes += bytes;
    if (this.sinceLastBytes < this.everyBytes) return;
    this.sinceLastBytes = 0;
    const major = ++this.minorCollections % MINOR_PER_MAJOR === 0;
    collector?.({ type: major ? 'major' : 'minor', execution: 'sync' });
  }
}
