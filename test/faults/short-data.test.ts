/**
 * DATA datagrams skip the decoder (the hot path), so their length is the one thing the receiver
 * must check before it reads a field. Until 2026-12-05 it did not: one DATA datagram of 17 bytes
 * with a valid header, from anyone on the LAN, made a downloading node read past its end and die
 * (`RangeError [ERR_OUT_OF_RANGE]` out of routeData). Here a stranger sends a downloading node
 * every cut-short DATA there is, and the download goes on to an exact file.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DATA_HEADER_BYTES, encode } from '../../source/protocol/codec.ts';
import { killAll, spawnCli, startCliSwarm } from '../peer/harness/cli.ts';
import { makeTempDir, sha256File, writeRandomFile } from '../peer/harness/files.ts';

const MiB = 1024 * 1024;
const NAME = 'short.bin';
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await killAll();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Every prefix of a DATA datagram from its 13-byte header up to its first payload byte. */
function cutShortData(): Buffer[] {
  const whole = encode(7, {
    type: 'data',
    tag: 0xab,
    piece: 0,
    begin: 0,
    bytes: Buffer.alloc(64, 1),
  });
  const prefixes: Buffer[] = [];
  for (let length = 13; length <= DATA_HEADER_BYTES; length++) {
    prefixes.push(whole.subarray(0, length));
  }
  return prefixes;
}

test('DATA cut short, from a stranger, is dropped and the download ends exact', {
  timeout: 60_000,
}, async () => {
  const seed = 5171;
  const dir = await makeTempDir('short-data');
  cleanups.push(dir.remove);
  const { tracker, common, files } = await startCliSwarm(dir.path);
  await mkdir(join(files, 'node1'), { recursive: true });
  const expected = await writeRandomFile(join(files, 'node1', NAME), 4 * MiB, seed);
  spawnCli(['peer', '--id', '1', '--seed', NAME, ...common]);
  await tracker.waitForLine(/owns node 1 short\.bin/);
  // Slow enough that the datagrams arrive while the download runs.
  const leecher = spawnCli(
    ['peer', '--id', '2', '--download', NAME, '--download-limit', '1M', '--exit-when-done'].concat(
      common,
    ),
  );
  const listening = await leecher.waitForLine(/node 2 listening on 127\.0\.0\.1:\d+/);
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(listening)![1]);
  await leecher.waitForLine(/short\.bin: downloading$/);

  const stranger = createSocket('udp4');
  cleanups.push(() => new Promise((resolve) => stranger.close(() => resolve())));
  const sent = cutShortData();
  for (const datagram of sent) {
    await new Promise<void>((resolve, reject) =>
      stranger.send(datagram, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
  }

  const ended = await leecher.waitForExit(45_000);
  const output = [...leecher.stdout, ...leecher.stderr].slice(-10).join('\n');
  assert.deepEqual(
    ended,
    { code: 0, signal: null },
    `seed ${seed}, ${sent.length} sent:\n${output}`,
  );
  assert.equal(await sha256File(join(files, 'node2', NAME)), expected, `seed ${seed}`);
  assert.equal(leecher.stderr.join('\n').includes('RangeError'), false, output);
});
