/**
 * A slow uplink for tests: outbound datagrams leave at most at `bytesPerSec`, through a short
 * drop-tail queue like a router's. Tests use it to make a transfer last long enough for
 * something to happen in the middle of it (an owner dies, a leecher is cancelled) on any machine.
 */
import { PassthroughTransport } from '../../../source/net/passthrough-transport.ts';
import type { DatagramTransport, RemoteAddress } from '../../../source/net/transport.ts';

/** The queue drains on this period; each turn sends what the rate allows. */
const DRAIN_PERIOD_MS = 5;
/** Bytes an idle link may send back to back. */
const MAX_BURST_BYTES = 64 * 1024;

export class SlowLinkTransport extends PassthroughTransport {
  dropped = 0;
  private readonly queue: Array<{ bytes: Buffer; to: RemoteAddress }> = [];
  private credit = 0;
  private lastDrainMs = performance.now();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    inner: DatagramTransport,
    private readonly bytesPerSec: number,
    private readonly maxQueuedDatagrams = 32,
  ) {
    super(inner);
  }

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    if (this.closed) return;
    if (this.queue.length >= this.maxQueuedDatagrams) {
      this.dropped++;
      return;
    }
    // Copies: the caller may reuse its buffer once send() returns.
    this.queue.push({
      bytes: Buffer.from(datagram.subarray(0, length)),
      to: { address: to.address, port: to.port },
    });
    // An idle link sends at once; a busy one drains on the timer.
    if (this.timer === null) this.drain();
  }

  private readonly drain = (): void => {
    this.timer = null;
    if (this.closed) return;
    const nowMs = performance.now();
    // Unused credit is capped (a short burst, like a router's bucket), so idle time is not banked.
    this.credit = Math.min(
      this.credit + ((nowMs - this.lastDrainMs) * this.bytesPerSec) / 1000,
      Math.max((this.bytesPerSec * DRAIN_PERIOD_MS) / 1000, MAX_BURST_BYTES),
    );
    this.lastDrainMs = nowMs;
    while (this.queue.length > 0 && this.credit >= this.queue[0]!.bytes.length) {
      const next = this.queue.shift()!;
      this.credit -= next.bytes.length;
      this.inner.send(next.bytes, next.bytes.length, next.to);
    }
    if (this.queue.length > 0) this.timer = setTimeout(this.drain, DRAIN_PERIOD_MS);
  };

  override close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
    return this.inner.close();
  }
}
