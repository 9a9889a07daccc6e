/**
 * After a --kill-one run: the swarm as the shared store holds it, read with the real
 * `bt-tui tracker export --store redis://...` (what a tracker loads when it starts, and where
 * the survivor writes every drop: a node it lost is missing here), held against what the
 * generators registered and the credits their acknowledged UPDATEs gave.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** The store's view against the generators' count. */
export interface SharedViewAudit {
  nodesInView: number;
  /** Nodes the generators registered that the view no longer holds (must be 0). */
  nodesLost: number;
  creditExpectedBytes: number;
  creditStoredBytes: number;
  /** Owners whose stored credit is not what the acknowledged UPDATEs gave them. */
  ownersOff: number;
  /** The first OWNERS_LISTED of them. */
  ownersOffListed: { ownerId: number; expectedBytes: number; storedBytes: number }[];
}

/** Owners whose credit differs, listed by id (the count says how many in all). */
const OWNERS_LISTED = 10;

interface ExportedSwarm {
  nodes: { nodeId: number; uploadCredit: number }[];
}

/** The export's text runs to megabytes at 100,000 nodes. */
const EXPORT_MAX_BYTES = 1024 * 1024 * 1024;
const EXPORT_TIMEOUT_MS = 120_000;

/**
 * Reads the view of the simulated nodes 1..`nodeCount` from `storeUrl`; `registered`: how many of
 * them registered; `creditedBytes`: owner id -> bytes its acknowledged UPDATEs credit.
 */
export async function auditSharedView(
  cliPath: string,
  storeUrl: string,
  nodeCount: number,
  registered: number,
  creditedBytes: Record<string, number>,
): Promise<SharedViewAudit> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [cliPath, 'tracker', 'export', '--store', storeUrl],
    { encoding: 'utf8', maxBuffer: EXPORT_MAX_BYTES, timeout: EXPORT_TIMEOUT_MS },
  );
  const view = JSON.parse(stdout) as ExportedSwarm;
  const stored = new Map<number, number>();
  for (const node of view.nodes) {
    if (node.nodeId >= 1 && node.nodeId <= nodeCount) stored.set(node.nodeId, node.uploadCredit);
  }
  let creditExpectedBytes = 0;
  let creditStoredBytes = 0;
  const ownersOffListed: SharedViewAudit['ownersOffListed'] = [];
  let ownersOff = 0;
  for (let id = 1; id <= nodeCount; id++) {
    const expected = creditedBytes[String(id)] ?? 0;
    const found = stored.get(id) ?? 0;
    creditExpectedBytes += expected;
    creditStoredBytes += found;
    if (expected === found) continue;
    ownersOff++;
    if (ownersOffListed.length < OWNERS_LISTED) {
      ownersOffListed.push({ ownerId: id, expectedBytes: expected, storedBytes: found });
    }
  }
  return {
    nodesInView: stored.size,
    nodesLost: registered - stored.size,
    creditExpectedBytes,
    creditStoredBytes,
    ownersOff,
    ownersOffListed,
  };
}
