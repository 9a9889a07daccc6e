/**
 * Who this node uploads to (BitTorrent's choking, BEP 3 and libtorrent's rechoke): a few regular
 * slots for the peers that serve this node best, plus one optimistic slot that rotates so that a
 * newcomer with nothing to trade yet still gets served. A peer without a slot is told `choked`
 * and asks again a little later. Pure: time comes in as `nowMs`, scores from the caller.
 */

/**
 * Regular upload slots: libtorrent's default (`unchoke_slots_limit`), and what a flash crowd
 * needed here. Each peer's request window shrinks whenever its own downlink loses something,
 * so a seeder serving 4 peers at once left its uplink idle: in an 8-leecher crowd at 25 Mbit/s
 * its queue was empty in 40 % of samples and its link carried 2.44 of 2.98 MiB/s (15 % and 2.75
 * serving 8), and the crowd took 33.7-37.8 s instead of 29.7-30.8 (bench/lan.ts, interleaved).
 */
export const REGULAR_SLOTS = 8;
/** Slots are re-chosen this often (BitTorrent: every 10 s). */
export const RECHOKE_MS = 10_000;
/** The optimistic slot moves on this often (BitTorrent: every 30 s). */
export const OPTIMISTIC_MS = 30_000;
/** A slot whose peer asked nothing for this long is free for the next peer that asks. */
export const IDLE_MS = 2_000;
/** Peers remembered as interested; beyond this the oldest is forgotten (memory stays bounded). */
const MAX_INTERESTED = 1_024;

export type SlotKind = 'regular' | 'optimistic';

/** One peer that asked recently, with the slot it holds, if any. */
export interface SlotHolder {
  key: string;
  slot: SlotKind | null;
  lastRequestMs: number;
  /** When it last got a slot (fairness: the longest without one goes first). */
  lastGrantedMs: number;
}

export class UploadSlots {
  private readonly peers = new Map<string, SlotHolder>();
  private lastRechokeMs: number;
  private lastOptimisticMs: number;

  constructor(
    nowMs: number,
    private readonly random: () => number = Math.random,
    readonly regularSlots = REGULAR_SLOTS,
  ) {
    this.lastRechokeMs = nowMs;
    this.lastOptimisticMs = nowMs;
  }

  /**
   * A peer asks for data: true if it holds a slot or a free one is given to it now. `score`
   * rates a peer for the rechoke that may be due (bytes it sent this node, higher is better).
   */
  admit(key: string, nowMs: number, score: (key: string) => number): boolean {
    if (nowMs - this.lastRechokeMs >= RECHOKE_MS) this.rechoke(nowMs, score);
    let peer = this.peers.get(key);
    if (peer === undefined) {
      this.forgetOldest();
      peer = { key, slot: null, lastRequestMs: nowMs, lastGrantedMs: Number.NEGATIVE_INFINITY };
      this.peers.set(key, peer);
    }
    peer.lastRequestMs = nowMs;
    if (peer.slot !== null) return true;
    this.freeIdle(nowMs);
    const kind = this.freeSlot();
    if (kind === null) return false;
    peer.slot = kind;
    peer.lastGrantedMs = nowMs;
    if (kind === 'optimistic') this.lastOptimisticMs = nowMs;
    return true;
  }

  /**
   * The peers asking now (within IDLE_MS; a choked one asks again within a second, and one
   * quiet for longer, after `busy` say, is as idle to the slots), with their slot: who
   * downloads from this node, for the peers pane. `holders` would keep a peer that has
   * finished for up to a rechoke period: the pane listed three peers at 0 B/s, and the header
   * said `to 3 peers`, for 10 s after they all had the file (found by hand).
   */
  asking(nowMs: number): SlotHolder[] {
    return [...this.peers.values()].filter((peer) => nowMs - peer.lastRequestMs < IDLE_MS);
  }

  /** Every peer that asked within the last rechoke period, with its slot. */
  holders(nowMs: number): SlotHolder[] {
    return [...this.peers.values()].filter((peer) => nowMs - peer.lastRequestMs < RECHOKE_MS);
  }

  /**
   * Re-chooses the regular slots: the best-scoring interested peers, ties to whoever waited
   * longest; and moves the optimistic slot to a random other interested peer when it is due.
   */
  rechoke(nowMs: number, score: (key: string) => number): void {
    this.lastRechokeMs = nowMs;
    const interested = this.holders(nowMs);
    for (const peer of this.peers.values()) {
      if (!interested.includes(peer)) this.peers.delete(peer.key);
    }
    const optimistic = interested.find((peer) => peer.slot === 'optimistic');
    const keepOptimistic = nowMs - this.lastOptimisticMs < OPTIMISTIC_MS ? optimistic : undefined;
    const ranked = oneHostAtATime(
      interested
        .filter((peer) => peer !== keepOptimistic)
        .map((peer) => ({ peer, score: score(peer.key) }))
        .sort((a, b) => b.score - a.score || waitedLonger(a.peer, b.peer)),
    );
    for (const [rank, { peer }] of ranked.entries()) {
      const kind: SlotKind | null = rank < this.regularSlots ? 'regular' : null;
      if (kind !== null && peer.slot === null) peer.lastGrantedMs = nowMs;
      peer.slot = kind;
    }
    if (keepOptimistic === undefined) {
      const choked = ranked.filter(({ peer }) => peer.slot === null);
      // Someone other than its last holder whenever possible: the slot is meant to move on.
      const others = choked.filter(({ peer }) => peer !== optimistic);
      const candidates = others.length > 0 ? others : choked;
      const pick = candidates[Math.floor(this.random() * candidates.length)];
      if (pick) {
        pick.peer.slot = 'optimistic';
        pick.peer.lastGrantedMs = nowMs;
      }
      this.lastOptimisticMs = nowMs;
    }
  }

  private freeSlot(): SlotKind | null {
    let regular = 0;
    let optimistic = 0;
    for (const peer of this.peers.values()) {
      if (peer.slot === 'regular') regular++;
      else if (peer.slot === 'optimistic') optimistic++;
    }
    if (regular < this.regularSlots) return 'regular';
    return optimistic === 0 ? 'optimistic' : null;
  }

  private freeIdle(nowMs: number): void {
    for (const peer of this.peers.values()) {
      if (peer.slot !== null && nowMs - peer.lastRequestMs >= IDLE_MS) peer.slot = null;
    }
  }

  private forgetOldest(): void {
    if (this.peers.size < MAX_INTERESTED) return;
    const oldest = this.peers.keys().next().value;
    if (oldest !== undefined) this.peers.delete(oldest);
  }
}

/**
 * `ranked` with each host's best peer before any host's second: a host's many sockets (keys are
 * `address|port`) take slots only once every other asking host has one. Until 2026-12-07
 * forty sockets of one stranger, each asking for a block twice a second, held every slot in
 * turn, and an honest downloader waited for each of them to have had one: 38 s for 8 MiB that
 * take 0.14 s (found by a session acting as the stranger). Where every peer is on one host (a
 * demo, loopback) the order is as ranked.
 */
function oneHostAtATime<T extends { peer: SlotHolder }>(ranked: T[]): T[] {
  const firsts: T[] = [];
  const others: T[] = [];
  const hosts = new Set<string>();
  for (const entry of ranked) {
    const bar = entry.peer.key.lastIndexOf('|');
    const host = bar < 0 ? entry.peer.key : entry.peer.key.slice(0, bar);
    if (hosts.has(host)) others.push(entry);
    else {
      hosts.add(host);
      firsts.push(entry);
    }
  }
  return others.length === 0 ? ranked : [...firsts, ...others];
}

/**
 * Orders peers of equal score by how long they have waited for a slot: the choked first, the one
 * granted longest ago first; then the holders, the one holding its slot the shortest first. (A
 * holder's grant time is not time spent waiting: sorted with the choked, whoever held a slot the
 * longest would keep it for ever.)
 */
function waitedLonger(a: SlotHolder, b: SlotHolder): number {
  if ((a.slot === null) !== (b.slot === null)) return a.slot === null ? -1 : 1;
  const [first, second] = a.slot === null ? [a, b] : [b, a];
  if (first.lastGrantedMs === second.lastGrantedMs) return 0;
  return first.lastGrantedMs < second.lastGrantedMs ? -1 : 1;
}
