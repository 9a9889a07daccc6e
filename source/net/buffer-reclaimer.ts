import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's gc(): with `{ type: 'minor' }`, a scavenge of the young generation only. */
type CollectGarbage = (options: { type: 'minor' }) => void;

const MINOR: { type: 'minor' } = { type: 'minor' };

/**
 * Why this exists: through node:dgram every received datagram is a fresh Buffer (the endpoint
 * notes only such traffic: batched receiving in native-udp.ts makes none). Their memory lives
 * outside the JS heap, and V8 lets about 64 MB of such garbage pile up before it collects, so a
 * transfer's RSS would sit far above an idle node's.
 * A minor GC (a scavenge, ~1 ms) every few MiB of traffic frees them while they are young and
 * keeps RSS flat and small. Without a way to reach the collector this is a no-op.
 *
 * Until 2026-12-05 every 32nd was meant to be a full collection, for what had been promoted;
 * it never was: on Node 20 (V8 11.3) gc() given any options object scavenges, `type: 'major'`
 * included (seen through a PerformanceObserver of 'gc' entries), so every figure below was
 * measured with scavenges alone. Made real (gc() with no argument), it bought nothing: 1 GiB
 * from 3 seeders through node:dgram (BT_TUI_NATIVE_UDP=0), two runs each, leecher peak RSS 87.0
 * and 86.3 MiB against 89.8 and 85.8, 3.59-3.93 core-s/GiB against 3.40-3.47.
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

  constructor(private readonly everyBytes: number) {
    collector ??= findCollector();
  }

  note(bytes: number): void {
    this.sinceLastBytes += bytes;
    if (this.sinceLastBytes < this.everyBytes) return;
    this.sinceLastBytes = 0;
    collector?.(MINOR);
  }
}
