/** What bounds the blocks a node has asked for and not yet received, seen from one owner. */
export interface InFlightLimits {
  /** Blocks in flight across every download of this node. */
  nodeInFlight: number;
  /** The socket's bound: the receive buffer holds this many blocks. */
  socketBlocks: number;
  /** The paced downlink's bound (DownlinkPacer.maxInFlightBlocks); Infinity while unpaced. */
  pacedBlocks: number;
  /** Blocks this download has in flight from the owner. */
  ownerInFlight: number;
  /** The owner has the whole file (in a flash crowd: the seeder, which every leecher asks). */
  ownerComplete: boolean;
  /** Owners of this download that may be asked now. */
  usableOwners: number;
}

/**
 * How many more blocks the node may ask of one owner, as far as what it has in flight goes (the
 * owner's own window is a separate bound).
 *
 * A complete owner gets at most an equal share of the bound (the socket's, or the paced one's
 * where lower). Why: the owner whose replies come first turns its share over first and takes the
 * room the others free. In a flash crowd that is the seeder, every leecher does the same, and the
 * copies go through the seeder's uplink instead of between the leechers (measured at 100 Mbit/s,
 * N = 8, paced, with the bound alone: the seeder sent 2.24–2.40 copies against 1.63–1.87). With
 * three seeders on loopback, unpaced, one served nearly all of a 256 MiB download (209/37/11 and
 * 243/13/1 MiB): each file is fetched from all its owners in parallel now (84–89 MiB each; the
 * seeders 0.72–0.94 core-s per GiB served in three runs of four, where one with a small share
 * spent 1.9–13.7; 404–432 MiB/s against 430–459). Partial owners take what a complete one leaves.
 */
export function inFlightRoom(limits: InFlightLimits): number {
  const { nodeInFlight, pacedBlocks, ownerInFlight, usableOwners } = limits;
  const bound = Math.min(limits.socketBlocks, pacedBlocks);
  const room = bound - nodeInFlight;
  if (!limits.ownerComplete || usableOwners < 2) return room;
  // At least one block each, the node's bound still over all: more complete owners than the
  // bound has blocks (9 under a download limit, whose bound may be 8) had a share of 0 each, and
  // the download asked nothing, for good (found by a session).
  return Math.min(room, Math.max(1, Math.floor(bound / usableOwners)) - ownerInFlight);
}
