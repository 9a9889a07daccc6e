/**
 * A Redis that stops answering without closing the connection (SIGSTOP: a hung host, a paused
 * VM; the kernel still accepts). Found by a session: tracker B, whose nodes all talk to tracker
 * A, heard nothing through the stopped Redis and dropped every node; once Redis answered again
 * its drops reached A too, and nodes alive throughout lost their sessions and credits. And a
 * tracker or an export started against such a Redis waited for good, silent.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { killAll, spawnCli, trackerPort } from '../peer/harness/cli.ts';
import { writeRandomFile } from '../peer/harness/files.ts';
import { type RedisServer, startRedisServer } from '../peer/harness/redis-server.ts';
import { sleep, waitFor } from '../peer/harness/wait.ts';
import { exportSwarm, spawnTracker } from './harness/tracker-cli.ts';
import { World } from './harness/world.ts';

const MiB = 1024 * 1024;
const NAME = 'kept.bin';
/** Nodes heartbeat every 0.9 s and are dropped after 2 s of silence. */
const SWEEP_SEC = 1;
const STOPPED_MS = 5_000;

let redis: RedisServer | null = null;
let mute: Server | null = null;
const muteSockets: Socket[] = [];
after(async () => {
  await killAll();
  if (redis) {
    process.kill(redis.pid, 'SIGCONT');
    await redis.stop();
  }
  for (const socket of muteSockets) socket.destroy();
  mute?.close();
});

test('Redis stopped for over two sweep periods: no tracker drops a node, and none loses its session or credit', {
  timeout: 90_000,
}, async () => {
  redis = await startRedisServer();
  const world = await World.create('redis-outage');
  const tracker = (name: string) =>
    spawnTracker(world.root, name, SWEEP_SEC, ['--store', redis!.url]);
  try {
    const [a, b] = [tracker('a'), tracker('b')];
    const [portA] = [await trackerPort(a), await trackerPort(b)];
    // Every node talks to A alone: B knows of them only through Redis.
    world.pointAtTrackers([portA]);
    const folder = join(world.filesDir, 'node1');
    await mkdir(folder, { recursive: true });
    await writeRandomFile(join(folder, NAME), 2 * MiB, 1701);
    const seeder = await world.addPeer(1);
    assert.deepEqual(await seeder.node.seed(NAME), { ok: true });
    const leecher = await world.addPeer(10, undefined, '127.0.0.10');
    assert.deepEqual(leecher.node.download(NAME), { ok: true });
    const [download] = await leecher.node.whenDownloadsSettled();
    assert.equal(download?.state, 'done', download?.reason);
    await waitFor(
      async () => (await exportSwarm(redis!.url)).nodes.some((n) => n.uploadCredit === 2 * MiB),
      'node 1 credited',
      10_000,
    );

    process.kill(redis.pid, 'SIGSTOP');
    await sleep(STOPPED_MS);
    process.kill(redis.pid, 'SIGCONT');
    await b.waitForLine(/was out for/, 10_000);
    // Two sweep periods more: a drop decided from the outage's silence would come by now.
    await sleep(2 * SWEEP_SEC * 1000 + 500);

    const lines = (cli: typeof a) => cli.stdout.map((line) => line.replace(/^\S+ /, ''));
    const url = redis.url;
    for (const [name, cli] of [
      ['A', a],
      ['B', b],
    ] as const) {
      const log = lines(cli);
      assert.deepEqual(
        log.filter((line) => line.startsWith('dropped node')),
        [],
        `tracker ${name} dropped nobody:\n${log.join('\n')}`,
      );
      assert.ok(
        log.some((line) => line.startsWith(`${url} does not answer (nothing for `)),
        `tracker ${name} said Redis does not answer:\n${log.join('\n')}`,
      );
      assert.ok(
        log.some((line) => line.startsWith(`${url} answers again, after `)),
        name,
      );
    }
    const logB = lines(b);
    assert.ok(
      logB.includes(
        `no node is dropped while ${url} is out: one heard only by another tracker cannot be told from a gone one`,
      ),
      logB.join('\n'),
    );
    assert.ok(
      logB.some((line) =>
        /^redis:\/\/\S+ was out for \d+ s: that silence is not held against the nodes$/.test(line),
      ),
      logB.join('\n'),
    );
    for (const peer of [seeder, leecher]) {
      assert.ok(
        !peer.lines.some((line) => line.includes('register again')),
        `node ${peer.nodeId} kept its session:\n${peer.lines.join('\n')}`,
      );
    }
    const swarm = await exportSwarm(url);
    assert.deepEqual(
      swarm.nodes.map((node) => [node.nodeId, node.uploadCredit]),
      [
        [1, 2 * MiB],
        [10, 0],
      ],
    );
    assert.deepEqual(
      swarm.files.map((file) => [file.name, file.owners]),
      [[NAME, [1, 10]]],
    );
  } finally {
    await world.close();
  }
});

test('a Redis that takes the connection and answers nothing: the tracker and export say so in 5 s', {
  timeout: 30_000,
}, async () => {
  mute = createServer((socket) => muteSockets.push(socket));
  await new Promise<void>((resolve) => mute!.listen(0, '127.0.0.1', resolve));
  const url = `redis://127.0.0.1:${(mute.address() as { port: number }).port}`;
  const said = `cannot open ${url}: it took the connection but answered nothing in 5 s (stopped, or not a Redis?)`;
  const started = performance.now();
  const tracker = spawnCli(['tracker', '--headless', '--port', '0', '--store', url]);
  const exported = spawnCli(['tracker', 'export', '--store', url]);
  const [trackerExit, exportExit] = await Promise.all([
    tracker.waitForExit(15_000),
    exported.waitForExit(15_000),
  ]);
  assert.ok(performance.now() - started < 12_000, 'both ended within 12 s');
  assert.equal(trackerExit.code, 1, tracker.stderr.join('\n'));
  assert.deepEqual(tracker.stderr, [`bt-tui: ${said}`]);
  assert.equal(exportExit.code, 1, exported.stderr.join('\n'));
  assert.deepEqual(exported.stderr, [
    `bt-tui: cannot read ${url}: it took the connection but answered nothing in 5 s (stopped, or not a Redis?)`,
  ]);
});

test('export reads only: a Redis no tracker has used is said to hold no swarm, and stays empty', {
  timeout: 30_000,
}, async () => {
  const empty = await startRedisServer();
  try {
    const exported = spawnCli(['tracker', 'export', '--store', empty.url]);
    const exit = await exported.waitForExit(15_000);
    // Until 2026-12-07: `{"nodes": [], "files": []}`, exit 0, and the swarm's secret written
    // into that Redis (found by a session).
    assert.equal(exit.code, 1, exported.stdout.join('\n'));
    assert.deepEqual(exported.stderr, [
      `bt-tui: cannot read ${empty.url}: no swarm there (no bt-tui tracker has used it)`,
    ]);
    const dbsize = spawnSync('redis-cli', ['-u', empty.url, 'DBSIZE'], { encoding: 'utf8' });
    assert.equal(dbsize.stdout.trim(), '0', dbsize.stderr);
  } finally {
    await empty.stop();
  }
});
