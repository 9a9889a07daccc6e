import { setFlagsFromString } from 'node:v8';

/**
 * Turns V8's optimising compiler (TurboFan) off for a peer process, before its engine loads.
 *
 * Why (bench/ and perf on the project's 2-core VM, 2026-12-01): a peer's time goes to native
 * work — receiving datagrams, SHA-256, writing and reading pieces — while its own JavaScript is
 * small. TurboFan still compiled ~70 functions per download (0.6 s of compile jobs, 17–23 % of a
 * 256 MiB leecher's CPU in `perf`), several of them two or three times after deoptimisations. With
 * it off (Ignition + Sparkplug only), interleaved fresh swarms, 256 MiB from 3 seeders: leecher
 * 1.40–1.52 -> 1.23–1.28 core-s in all, transfer 1.11–1.22 -> 0.92–0.96 core-s, peak RSS 84 -> 76
 * MiB, wall time the same or shorter; warm seeders the same per byte served, cold ones 15 % less;
 * 1 GiB the same. Maglev (`--maglev --max-opt=2`) measured like this but is experimental in
 * Node 20's V8. The tracker keeps TurboFan: its work at 100k nodes is JavaScript.
 */
export function useBaselineTiersOnly(): void {
  setFlagsFromString('--no-opt');
}
