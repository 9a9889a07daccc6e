/**
 * A leecher that stops mid-download and starts again on the same folder resumes: the pieces its
 * resume record claims are re-hashed from the part file (a damaged one is fetched again), only
 * the rest comes over the network, and the file ends exact.
 */
import assert from 'node:assert/strict';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatSize } from '../../source/format.ts';
import { Bitfield } from '../../source/peer/download/bitfield.ts';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { describeOwners, downloadAndSettle, Swarm } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const PIECE_BYTES = 256 * KiB;
const FILE_BYTES = 8 * MiB;
const PIECES = FILE_BYTES / PIECE_BYTES;
const NAME = 'resumable.bin';
const LEECHER_ID = 10;

/** The pieces `<node>/.bt-tui/downloads/<name>.json` claims as verified. */
async function claimedPieces(folder: string): Promise<number[]> {
  const record = JSON.parse(
    await readFile(join(folder, '.bt-tui', 'downloads', `${NAME}.json`), 'utf8'),
  ) as { verified: string };
  const bits = new Bitfield(PIECES, Buffer.from(record.verified, 'base64'));
  return Array.from({ length: PIECES }, (_, piece) => piece).filter((piece) => bits.has(piece));
}

test('a leecher stopped mid-download resumes from its verified pieces and ends exact', {
  timeout: 60_000,
}, async () => {
  const seed = 601;
  const swarm = await Swarm.start();
  try {
    const expected = await writeRandomFile(join(await swarm.folderFor(1), NAME), FILE_BYTES, seed);
    // A slow owner, so the first run is surely stopped in the middle.
    const owner = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 8 * MiB });
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });

    const firstRun = await swarm.addNode({ nodeId: LEECHER_ID });
    let stopping: Promise<void> | null = null;
    firstRun.tripwire.arm(3 * MiB, () => {
      stopping = firstRun.exit();
    });
    assert.deepEqual(firstRun.node.download(NAME), { ok: true });
    await waitFor(() => stopping !== null, `the first run to stop mid-way (seed ${seed})`, 20_000);
    await stopping;
    const claimed = await claimedPieces(firstRun.folder);
    assert.ok(
      claimed.length > 1 && claimed.length < PIECES,
      `stopped mid-way with ${claimed.length}/${PIECES} pieces claimed (seed ${seed})`,
    );

    // Damage one claimed piece in the part file: resume must re-hash and fetch it again.
    const damaged = claimed[0]!;
    const part = await open(join(firstRun.folder, `${NAME}.part`), 'r+');
    const byte = Buffer.alloc(1);
    await part.read(byte, 0, 1, damaged * PIECE_BYTES + 1234);
    byte[0] = byte[0]! ^ 0xff;
    await part.write(byte, 0, 1, damaged * PIECE_BYTES + 1234);
    await part.close();

    const secondRun = await swarm.addNode({ nodeId: LEECHER_ID });
    const download = await downloadAndSettle(secondRun, NAME, 45_000);
    const context = `(seed ${seed}, ${claimed.length} pieces claimed; ${describeOwners(download)})`;
    assert.equal(download.state, 'done', `state: ${download.reason} ${context}`);
    assert.equal(await sha256File(join(secondRun.folder, NAME)), expected, `SHA-256 ${context}`);
    assert.ok(
      secondRun.lines.some((line) =>
        line.includes(`resuming ${NAME}: ${claimed.length - 1}/${PIECES} pieces already verified`),
      ),
      `logged the resume with every good claimed piece ${context}`,
    );
    const fetched = download.owners.reduce((sum, owner) => sum + owner.verifiedBytes, 0);
    assert.equal(
      fetched,
      (PIECES - claimed.length + 1) * PIECE_BYTES,
      `only the missing and the damaged pieces were fetched ${context}`,
    );
    // Its done line tells what came over the network and what the part file had.
    const kept = formatSize((claimed.length - 1) * PIECE_BYTES).replace('.', '\\.');
    const done = secondRun.lines.find((line) => line.includes(` done ${NAME}: `)) ?? '';
    assert.match(
      done,
      new RegExp(
        ` done ${NAME}: 8\\.0 MiB, ${formatSize(fetched).replace('.', '\\.')} of it fetched in \\d+\\.\\d\\d s \\([\\d.]+ [KM]iB/s; ${kept} already in the part file\\), SHA-256 of every piece verified$`,
      ),
      context,
    );
  } finally {
    await swarm.close();
  }
});
