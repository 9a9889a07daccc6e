/**
 * The simulated swarm's files: each node owns FILES_PER_NODE files of FILE_SIZE_BYTES with
 * stable names and fake infohashes, and a needer's download target in a given period.
 */

/** Files each node OWNs. */
export const FILES_PER_NODE = 3;
/** The size every simulated file announces: also what one UPDATE credits (its cap). */
export const FILE_SIZE_BYTES = 1024 * 1024;
/** Prime steps between a needer's targets of successive periods (7919 was the first one's). */
const OWNER_STEP = 7919;
const ROUND_STEP = 104_729;

export function fileName(nodeId: number, file: number): string {
  return `sim-${nodeId}-${file}.bin`;
}

/** A stable fake infohash per (node, file), so an OWN resent after re-registering is the same. */
export function infohashOf(nodeId: number, file: number): Buffer {
  const hash = Buffer.alloc(32);
  hash.writeUInt32BE(nodeId, 0);
  hash.writeUInt32BE(file, 4);
  hash.write('bt-tui-sim', 8);
  return hash;
}

/**
 * The file needer `nodeId` downloads in its `round`-th period: another node's (maybe its own in a
 * small swarm: the tracker then offers and credits nothing, and the audit expects nothing).
 * Round 0 is the one target the generator always used.
 */
export function downloadTarget(
  nodeId: number,
  round: number,
  totalNodes: number,
): { ownerId: number; file: number } {
  return {
    ownerId: 1 + ((nodeId * OWNER_STEP + round * ROUND_STEP) % totalNodes),
    file: (nodeId + round) % FILES_PER_NODE,
  };
}
