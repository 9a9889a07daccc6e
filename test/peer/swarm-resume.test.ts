/**
 * A leecher that stops mid-download and starts again on the same folder resumes: the pieces its
 * resume record claims are re-hashed from the part file (a damaged one is fetched again), only
 * the rest comes over the network, and the file ends exact. A part file whose record cannot be
 * read has every piece checked instead (until 2026-12-07 it was fetched again whole). One
 * without any record is not this node's: it is left as it is and the download says why.
 */
import assert from 'node:assert/strict';
import { truncateSync } from 'node:fs';
import { access, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../../source/clock.ts';
import { defaults } from '../../source/config.ts';
import { formatSize } from '../../source/format.ts';
import { Logger } from '../../source/log/logger.ts';
import { Bitfield } from '../../source/peer/download/bitfield.ts';
import { PeerNode } from '../../source/peer/peer-node.ts';
import { sha256File, writeRandomFile } from './harness/files.ts';
import { damageByteAt, downloadStoppedMidWay } from './harness/stopped-download.ts';
import { describeOwners, downloadAndSettle, Swarm } from './harness/swarm.ts';

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
    const firstRun = await downloadStoppedMidWay(swarm, NAME, LEECHER_ID, seed);
    const claimed = await claimedPieces(firstRun.folder);
    assert.ok(
      claimed.length > 1 && claimed.length < PIECES,
      `stopped mid-way with ${claimed.length}/${PIECES} pieces claimed (seed ${seed})`,
    );

    // Damage one claimed piece in the part file: resume must re-hash and fetch it again.
    const damaged = claimed[0]!;
    await damageByteAt(join(firstRun.folder, `${NAME}.part`), damaged * PIECE_BYTES + 1234);

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

/** The pieces of the part file at `path` that hold the original's bytes. */
async function piecesMatching(path: string, original: Buffer): Promise<number[]> {
  const part = await readFile(path);
  const pieces: number[] = [];
  for (let piece = 0; piece < PIECES; piece++) {
    const range = [piece * PIECE_BYTES, (piece + 1) * PIECE_BYTES] as const;
    if (part.subarray(...range).equals(original.subarray(...range))) pieces.push(piece);
  }
  return pieces;
}

test('a part file whose resume record cannot be read keeps the pieces that hash right', {
  timeout: 60_000,
}, async () => {
  const seed = 607;
  const swarm = await Swarm.start();
  try {
    const source = join(await swarm.folderFor(1), NAME);
    const expected = await writeRandomFile(source, FILE_BYTES, seed);
    const original = await readFile(source);
    const firstRun = await downloadStoppedMidWay(swarm, NAME, LEECHER_ID, seed);
    // The record cut short (a crash while the disk filled); the part file stays.
    await writeFile(join(firstRun.folder, '.bt-tui', 'downloads', `${NAME}.json`), '{"versi');
    // The pieces the part file holds, and one of them damaged: it must be fetched again.
    const present = await piecesMatching(join(firstRun.folder, `${NAME}.part`), original);
    assert.ok(present.length > 1, `the first run wrote ${present.length} pieces (seed ${seed})`);
    await damageByteAt(join(firstRun.folder, `${NAME}.part`), present[0]! * PIECE_BYTES + 1234);

    const secondRun = await swarm.addNode({ nodeId: LEECHER_ID });
    const download = await downloadAndSettle(secondRun, NAME, 45_000);
    const context = `(seed ${seed}; ${describeOwners(download)})`;
    assert.equal(download.state, 'done', `state: ${download.reason} ${context}`);
    assert.equal(await sha256File(join(secondRun.folder, NAME)), expected, `SHA-256 ${context}`);
    const kept = present.length - 1;
    assert.ok(
      secondRun.lines.some((line) =>
        line.endsWith(
          ` ${NAME}: the resume record of ${NAME}.part cannot be read; checked every piece in it: kept ${kept}/${PIECES}`,
        ),
      ),
      `logged the check with every good piece (${kept}) ${context}`,
    );
    const fetched = download.owners.reduce((sum, owner) => sum + owner.verifiedBytes, 0);
    assert.equal(
      fetched,
      (PIECES - kept) * PIECE_BYTES,
      `only what the part file lacked was fetched ${context}`,
    );
  } finally {
    await swarm.close();
  }
});

test('a part file without any resume record is not written to: the download says why', {
  timeout: 60_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const owner = await swarm.addNode({ nodeId: 1 });
    await writeRandomFile(join(owner.folder, NAME), FILE_BYTES, 608);
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    // Someone else's file of that name: a browser's partial download, a person's notes.
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID });
    const theirs = join(leecher.folder, `${NAME}.part`);
    const theirBytes = await writeRandomFile(theirs, 100_000, 609);

    const download = await downloadAndSettle(leecher, NAME, 30_000);
    const reason = `${NAME}.part is already in the folder and no resume record says this node made it: left as it is; move or delete it to download ${NAME}`;
    assert.equal(download.state, 'failed');
    assert.equal(download.reason, reason);
    assert.ok(leecher.lines.some((line) => line.endsWith(` ${NAME}: failed: ${reason}`)));
    assert.equal(await sha256File(theirs), theirBytes, 'their file is as it was');
    await assert.rejects(access(join(leecher.folder, NAME)), 'no file of that name was made');
    await assert.rejects(
      access(join(leecher.folder, '.bt-tui', 'downloads', `${NAME}.json`)),
      'no record claims their file',
    );

    // Moved away, the download goes ahead, and their file is still theirs.
    await rename(theirs, join(leecher.folder, 'notes.bin'));
    const again = await downloadAndSettle(leecher, NAME, 30_000);
    assert.equal(again.state, 'done', `state: ${again.reason}`);
    assert.equal(await sha256File(join(leecher.folder, 'notes.bin')), theirBytes);
  } finally {
    await swarm.close();
  }
});

test('a node that leaves before the tracker answered takes up no download, and keeps its record', {
  timeout: 60_000,
}, async () => {
  // Found by a session: a shutdown signal during start-up (before the first answer) ran exit(),
  // the answer came meanwhile, the unfinished download was taken up and ran on with the socket
  // closed: the process never exited.
  const seed = 606;
  const swarm = await Swarm.start();
  try {
    await writeRandomFile(join(await swarm.folderFor(1), NAME), FILE_BYTES, seed);
    const firstRun = await downloadStoppedMidWay(swarm, NAME, LEECHER_ID, seed);
    const claimed = await claimedPieces(firstRun.folder);
    const lines: string[] = [];
    const opened = await PeerNode.open({
      nodeId: LEECHER_ID,
      host: '127.0.0.1',
      port: 0,
      tracker: swarm.trackerAddress,
      filesDir: join(swarm.root, 'files'),
      maxOwners: defaults.maxOwnersPerDownload,
      blockSizeBytes: defaults.blockSizeBytes,
      giveUpWithoutOwnersMs: null,
      clock: systemClock,
      logger: new Logger({
        filePath: null,
        clock: systemClock,
        echo: (line) => void lines.push(line),
      }),
    });
    assert.ok(opened.ok);
    // At once: the tracker's answer takes a round trip.
    await opened.node.exit();
    assert.deepEqual(await opened.node.resumed, [], lines.join('\n'));
    assert.deepEqual(opened.node.unfinishedDownloads(), []);
    assert.deepEqual(
      lines.filter((line) => /taking up|resuming|downloading/.test(line)),
      [],
      `seed ${seed}`,
    );
    // The record is as it was: the next start takes the download up.
    assert.deepEqual(opened.node.recordedDownloads(), [NAME]);
    assert.deepEqual(await claimedPieces(firstRun.folder), claimed);
  } finally {
    await swarm.close();
  }
});

test('a part file cut short by another program stops the download; started again, it ends exact', {
  timeout: 60_000,
}, async () => {
  // Found by a session: `truncate -s 0` of the part file mid-download, and the download ended
  // `done, SHA-256 of every piece verified` with 43 of 128 pieces zeros and the file short.
  const seed = 607;
  const swarm = await Swarm.start();
  try {
    const expected = await writeRandomFile(join(await swarm.folderFor(1), NAME), FILE_BYTES, seed);
    const owner = await swarm.addNode({ nodeId: 1, uplinkBytesPerSec: 4 * MiB });
    assert.deepEqual(await owner.node.seed(NAME), { ok: true });
    const leecher = await swarm.addNode({ nodeId: LEECHER_ID });
    leecher.tripwire.arm(3 * MiB, () => truncateSync(join(leecher.folder, `${NAME}.part`), 0));
    const cut = await downloadAndSettle(leecher, NAME, 30_000);
    assert.equal(cut.state, 'failed', `seed ${seed}`);
    assert.equal(
      cut.reason,
      `${NAME}.part was resized by another program while it downloaded (it must stay ${FILE_BYTES} B): the pieces verified so far are checked again when it starts again`,
    );
    await assert.rejects(access(join(leecher.folder, NAME)), { code: 'ENOENT' });
    const again = await downloadAndSettle(leecher, NAME, 45_000);
    assert.equal(again.state, 'done', `${again.reason} (seed ${seed}; ${describeOwners(again)})`);
    assert.equal(await sha256File(join(leecher.folder, NAME)), expected, `SHA-256 (seed ${seed})`);
  } finally {
    await swarm.close();
  }
});
