import {
  type DatagramRun,
  type DatagramTransport,
  type RemoteAddress,
  sendEachFrom,
} from './transport.ts';

type Receiver = (datagram: Buffer, from: RemoteAddress) => void;

/**
 * A transport that hands everything to the one it wraps. Wrappers (fault injection, slow links,
 * test doubles) extend it and override only what they change; `passUp` hands a received
 * datagram on to the engine.
 */
export abstract class PassthroughTransport implements DatagramTransport {
  private receiver: Receiver = () => {};

  constructor(protected readonly inner: DatagramTransport) {
    inner.setReceiver((datagram, from) => this.onReceive(datagram, from));
  }

  /** A datagram arrived from the network; by default it goes straight to the engine. */
  protected onReceive(datagram: Buffer, from: RemoteAddress): void {
    this.passUp(datagram, from);
  }

  protected passUp(datagram: Buffer, from: RemoteAddress): void {
    this.receiver(datagram, from);
  }

  get localAddress(): RemoteAddress {
    return this.inner.localAddress;
  }
  get receiveBufferBytes(): number {
    return this.inner.receiveBufferBytes;
  }
  get sendBufferBytes(): number {
    return this.inner.sendBufferBytes;
  }
  get sendErrors(): number {
    return this.inner.sendErrors;
  }
  get unsentDatagrams(): number {
    return this.inner.unsentDatagrams;
  }
  sendFailureTo(address: string): string | null {
    return this.inner.sendFailureTo(address);
  }
  send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    this.inner.send(datagram, length, to);
  }
  /** Goes through send(), so a wrapper that overrides only send() sees these datagrams too. */
  sendUncounted(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    this.send(datagram, length, to);
  }
  /** One sendUncounted() per datagram, so a wrapper sees (and may fault) each one. */
  sendUncountedRun(run: DatagramRun, to: RemoteAddress): void {
    sendEachFrom(0, run, to, this);
  }
  get receivesIntoReusedMemory(): boolean {
    return this.inner.receivesIntoReusedMemory;
  }
  unfragmentedPayloadBytes(to: RemoteAddress): number | null {
    return this.inner.unfragmentedPayloadBytes(to);
  }
  get coalescedDatagrams(): number {
    return this.inner.coalescedDatagrams;
  }
  get coalescesReceived(): boolean {
    return this.inner.coalescesReceived;
  }
  setReceiver(handler: Receiver): void {
    this.receiver = handler;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
