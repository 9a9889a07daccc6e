/**
 * HAVE, batched: the peers that asked a file's BITFIELD (with a valid cookie, so their address is
 * proven) are told of each piece verified since, in one datagram per file and peer every
 * FLUSH_MS instead of one per piece. A watcher that does not ask again expires; downloaders ask
 * again every few seconds, which also repairs a HAVE lost on the way. Each HAVE carries the txid
 * of the watcher's latest BITFIELD request: a downloader takes a HAVE only with it, since anyone
 * can send one with our address (a forged HAVE of every piece made a downloader ask us for
 * pieces we lack until we ignored it as abusive; found by a session).
 */
import type { RemoteAddress } from '../net/transport.ts';
import { MAX_HAVE_PIECES } from '../protocol/messages.ts';

/** HAVEs go out at most this often per file. */
export const HAVE_FLUSH_MS = 100;
/** A watcher that has not asked for the bitfield again for this long is no longer told. */
export const WATCH_TTL_MS = 30_000;
/** Watchers per file; the one watching longest without renewing is replaced beyond this. */
const MAX_WATCHERS_PER_FILE = 64;

interface Watched {
  readonly watchers: Map<string, { address: RemoteAddress; txid: number; expiresAtMs: number }>;
  pending: number[];
}

export class HaveBroadcaster {
  private readonly files = new Map<string, Watched>();

  /** `address` asked this file's bitfield (with `txid`): tell it of new pieces for a while. */
  watch(
    infohashHex: string,
    key: string,
    address: RemoteAddress,
    txid: number,
    nowMs: number,
  ): void {
    let watched = this.files.get(infohashHex);
    if (watched === undefined) {
      watched = { watchers: new Map(), pending: [] };
      this.files.set(infohashHex, watched);
    }
    watched.watchers.delete(key);
    if (watched.watchers.size >= MAX_WATCHERS_PER_FILE) {
      const oldest = watched.watchers.keys().next().value;
      if (oldest !== undefined) watched.watchers.delete(oldest);
    }
    watched.watchers.set(key, { address, txid, expiresAtMs: nowMs + WATCH_TTL_MS });
  }

  /** A piece of this file became readable here. */
  noteHave(infohashHex: string, piece: number): void {
    const watched = this.files.get(infohashHex);
    if (watched !== undefined && watched.watchers.size > 0) watched.pending.push(piece);
  }

  /** The file is no longer served: nobody is told of it any more. */
  forget(infohashHex: string): void {
    this.files.delete(infohashHex);
  }

  /** Sends what is pending, each batch to every live watcher; drops expired watchers. */
  flush(
    nowMs: number,
    send: (address: RemoteAddress, infohashHex: string, pieces: number[], txid: number) => void,
  ): void {
    for (const [infohashHex, watched] of this.files) {
      for (const [key, watcher] of watched.watchers) {
        if (watcher.expiresAtMs <= nowMs) watched.watchers.delete(key);
      }
      if (watched.watchers.size === 0) {
        this.files.delete(infohashHex);
        continue;
      }
      if (watched.pending.length === 0) continue;
      const pending = watched.pending;
      watched.pending = [];
      for (let at = 0; at < pending.length; at += MAX_HAVE_PIECES) {
        const batch = pending.slice(at, at + MAX_HAVE_PIECES);
        for (const watcher of watched.watchers.values())
          send(watcher.address, infohashHex, batch, watcher.txid);
      }
    }
  }
}
