/**
 * Under an upload limit, what each host has waiting in the paced queue, so that a full queue
 * still takes a run from a host with less than its share of it. Why: a full queue refused every
 * newcomer `busy`; an honest downloader backs off on `busy` while a greedy one (or 25 sockets of
 * one host) asks again every 100 ms and took each place as it freed: at `--upload-limit 3M` the
 * honest one got nothing for a minute (found by a session). Shares go by host, not by socket:
 * more sockets buy no more of it.
 */
export class PacedShares {
  private readonly queuedByHost = new Map<string, number>();

  /**
   * Whether `host` may queue `bytes` more in a queue already over `capacityBytes`: a host with
   * nothing waiting always may (one run); one with runs waiting, only within an equal share of
   * the capacity among the hosts that have runs waiting.
   */
  mayQueueOver(host: string, bytes: number, capacityBytes: number): boolean {
    const queued = this.queuedByHost.get(host) ?? 0;
    if (queued === 0) return true;
    return queued + bytes <= capacityBytes / this.queuedByHost.size;
  }

  /** Whether `host` has nothing waiting. */
  isEmpty(host: string): boolean {
    return !this.queuedByHost.has(host);
  }

  add(host: string, bytes: number): void {
    this.queuedByHost.set(host, (this.queuedByHost.get(host) ?? 0) + bytes);
  }

  remove(host: string, bytes: number): void {
    const left = (this.queuedByHost.get(host) ?? 0) - bytes;
    if (left > 0) this.queuedByHost.set(host, left);
    else this.queuedByHost.delete(host);
  }
}
