/**
 * Name hijackers for the name-hijack and name-pick cases: real PeerNodes (they register and
 * announce like any node) whose socket lies on the way out, and helpers to seed a file of a name
 * and to choose node ids the tracker offers a downloader before the honest owner.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassthroughTransport } from '../../../source/net/passthrough-transport.ts';
import type { DatagramTransport, RemoteAddress } from '../../../source/net/transport.ts';
import { decode, encode } from '../../../source/protocol/codec.ts';
import { tieKeyFor } from '../../../source/tracker/ranking.ts';
import { writeRandomFile } from '../../peer/harness/files.ts';
import { waitFor } from '../../peer/harness/wait.ts';
import type { World, WorldPeer } from './world.ts';

/** What a hijacker corrupts: the metainfo it serves, or every block. */
export type Lie = 'metainfo' | 'blocks';

/**
 * An owner's socket that lies: every METAINFO-DATA (or every DATA) it sends has its bytes
 * flipped, with a valid checksum, so the downloader sees a lie, not damage in transit.
 */
export class HijackerTransport extends PassthroughTransport {
  readonly sent = { metainfo: 0, blocks: 0 };

  constructor(
    inner: DatagramTransport,
    private readonly lie: Lie,
  ) {
    super(inner);
  }

  override send(datagram: Uint8Array, length: number, to: RemoteAddress): void {
    const decoded = decode(datagram.subarray(0, length));
    if (decoded.ok) {
      const message = decoded.message;
      if (this.lie === 'metainfo' && message.type === 'metainfo-data') {
        this.sent.metainfo++;
        const lie = encode(decoded.txid, { ...message, bytes: flipped(message.bytes) });
        super.send(lie, lie.length, to);
        return;
      }
      if (this.lie === 'blocks' && message.type === 'data') {
        this.sent.blocks++;
        const lie = encode(decoded.txid, { ...message, bytes: flipped(message.bytes) });
        super.send(lie, lie.length, to);
        return;
      }
    }
    super.send(datagram, length, to);
  }
}

function flipped(bytes: Uint8Array): Buffer {
  const copy = Buffer.from(bytes);
  for (let i = 0; i < copy.length; i++) copy[i] = copy[i]! ^ 0x5a;
  return copy;
}

/** A node of the world that seeds `name` with content from `seed`; its SHA-256 and infohash. */
export interface SeededNode {
  peer: WorldPeer;
  sha256: string;
  infohashHex: string;
  transport: HijackerTransport | null;
}

/**
 * Starts node `id`, writes `sizeBytes` of content from `seed` as `name` in its folder and seeds
 * it; `lie` makes it a hijacker. Resolves once it seeds (the OWN is on its way).
 */
export async function seedAs(
  world: World,
  id: number,
  name: string,
  sizeBytes: number,
  seed: number,
  lie?: Lie,
): Promise<SeededNode> {
  const folder = join(world.filesDir, `node${id}`);
  await mkdir(folder, { recursive: true });
  const sha256 = await writeRandomFile(join(folder, name), sizeBytes, seed);
  let transport: HijackerTransport | null = null;
  const peer = await world.addPeer(
    id,
    lie
      ? (socket) => {
          transport = new HijackerTransport(socket, lie);
          return transport;
        }
      : undefined,
  );
  assert.deepEqual(await peer.node.seed(name), { ok: true });
  let infohashHex = '';
  await waitFor(() => {
    const state = peer.node.getSnapshot().files.find((file) => file.name === name)?.state;
    if (state?.kind === 'seeding') infohashHex = state.infohashHex;
    return infohashHex !== '';
  }, `node ${id} to seed ${name}`);
  return { peer, sha256, infohashHex, transport };
}

/**
 * Node ids 1..`count` + 1 (not `askerId`) split so that the tracker, among owners of equal
 * credit, offers `askerId` every attacker before the honest owner (its order for one asker is
 * `tieKeyFor`): the attackers fill the first K places.
 */
export function attackersFirst(
  askerId: number,
  count: number,
): { attackers: number[]; honest: number } {
  const ids: number[] = [];
  for (let id = 1; ids.length < count + 1; id++) if (id !== askerId) ids.push(id);
  ids.sort((a, b) => tieKeyFor(askerId, a) - tieKeyFor(askerId, b));
  return { attackers: ids.slice(0, count), honest: ids[count]! };
}

/** Waits until the tracker's snapshot shows `owners` owners of `infohashHex`. */
export async function trackerShows(world: World, infohashHex: string, owners: number) {
  await waitFor(
    () =>
      world.tracker?.getSnapshot().files.find((file) => file.infohashHex === infohashHex)?.owners
        .length === owners,
    `the tracker to list ${owners} owners of ${infohashHex.slice(0, 8)}`,
  );
}
