/**
 * Two machines on a LAN, as two network namespaces joined by a veth pair (198.18.9.1 and .2, the
 * benchmarking range): what a person meets the first time the swarm leaves one machine.
 * - A peer whose tracker is on another machine listens on every address without being told
 *   (before, on 127.0.0.1, from which Linux sends nothing off the machine: the node sat silent).
 * - A seeder on the tracker's machine that reached it through 127.0.0.1 is recorded there, which
 *   names every other machine's own loopback: the downloader leaves it out and says why, the
 *   tracker says so when it joins; the same file seeded by a node given the network address
 *   downloads exact.
 * - A tracker with no route to it is unreachable at once, with the kernel's reason.
 * - The same swarm on IPv6 (2001:db8:9::1 and ::2, the documentation range) takes the batched
 *   path as IPv4 does, frame-sized blocks segmented and coalesced.
 * Needs root (ip netns); skipped with a message otherwise.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, type TestContext, test } from 'node:test';
import { killAll, spawnCli } from '../peer/harness/cli.ts';
import { makeTempDir, sha256File, writeRandomFile } from '../peer/harness/files.ts';

const A = `bt-lan-a-${process.pid}`;
const B = `bt-lan-b-${process.pid}`;
const made: string[] = [];

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

/**
 * Machines `a` (198.18.9.1, 2001:db8:9::1) and `b` (198.18.9.2, 2001:db8:9::2) on one link; the
 * reason they could not be, or null.
 */
function makeTwoMachines(a = A, b = B): string | null {
  try {
    for (const ns of [a, b]) {
      ip('netns', 'add', ns);
      made.push(ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    ip(
      'link',
      'add',
      'bt-lan-va',
      'netns',
      a,
      'type',
      'veth',
      'peer',
      'name',
      'bt-lan-vb',
      'netns',
      b,
    );
    ip('-n', a, 'addr', 'add', '198.18.9.1/24', 'dev', 'bt-lan-va');
    ip('-n', b, 'addr', 'add', '198.18.9.2/24', 'dev', 'bt-lan-vb');
    // nodad: usable at once, not after duplicate address detection's second or two.
    ip('-n', a, 'addr', 'add', '2001:db8:9::1/64', 'dev', 'bt-lan-va', 'nodad');
    ip('-n', b, 'addr', 'add', '2001:db8:9::2/64', 'dev', 'bt-lan-vb', 'nodad');
    ip('-n', a, 'link', 'set', 'bt-lan-va', 'up');
    ip('-n', b, 'link', 'set', 'bt-lan-vb', 'up');
    return null;
  } catch (error) {
    return (error as Error).message.split('\n')[0] ?? 'ip netns failed';
  }
}

after(async () => {
  await killAll();
  // Deleting a namespace deletes its end of the veth pair, and with it the other end.
  for (const ns of made.splice(0)) {
    try {
      ip('netns', 'del', ns);
    } catch {}
  }
});

/**
 * Machines `a` and `b` (makeTwoMachines, named after `suffix`) and a folder whose node 2 holds
 * a random `a.bin`, for a test that runs in `body`; skipped without root.
 */
async function onTwoMachines(
  t: TestContext,
  suffix: string,
  fileSeed: number,
  fileBytes: number,
  body: (lan: {
    a: string;
    b: string;
    dir: string;
    common: string[];
    source: string;
  }) => Promise<void>,
): Promise<void> {
  const [a, b] = [`${A}-${suffix}`, `${B}-${suffix}`];
  const problem = makeTwoMachines(a, b);
  if (problem !== null) {
    t.skip(`needs root for network namespaces: ${problem}`);
    return;
  }
  const dir = await makeTempDir(`lan-${suffix}`);
  try {
    const files = join(dir.path, 'files');
    const common = ['--headless', '--files', files, '--logs', join(dir.path, 'logs')];
    await mkdir(join(files, 'node2'), { recursive: true });
    const source = await writeRandomFile(join(files, 'node2', 'a.bin'), fileBytes, fileSeed);
    await body({ a, b, dir: dir.path, common, source });
  } finally {
    await killAll();
    await dir.remove();
  }
}

test('a swarm of two machines: addresses picked, out-of-reach owners said, the file exact', {
  timeout: 90_000,
}, async (t) => {
  const problem = makeTwoMachines();
  if (problem !== null) {
    t.skip(`needs root for network namespaces: ${problem}`);
    return;
  }
  const dir = await makeTempDir('lan-addresses');
  try {
    const files = join(dir.path, 'files');
    const logs = join(dir.path, 'logs');
    const common = ['--headless', '--files', files, '--logs', logs];
    for (const node of ['node1', 'node3']) await mkdir(join(files, node), { recursive: true });
    const source = await writeRandomFile(join(files, 'node1', 'a.bin'), 3 * 1024 * 1024, 9101);
    await writeRandomFile(join(files, 'node3', 'a.bin'), 3 * 1024 * 1024, 9101);

    const tracker = spawnCli(
      [
        'tracker',
        '--headless',
        '--host',
        '0.0.0.0',
        '--port',
        '0',
        '--logs',
        logs,
        '--db',
        join(dir.path, 'db'),
      ],
      { netns: A },
    );
    const listening = await tracker.waitForLine(/listening on 0\.0\.0\.0:\d+/);
    const port = Number(/0\.0\.0\.0:(\d+)/.exec(listening)![1]);
    const lan = `198.18.9.1:${port}`;
    // It says what nodes elsewhere give as --tracker: its one address on the link.
    assert.ok(
      listening.includes(`:${port}: nodes elsewhere give --tracker ${lan} (sweep`),
      listening,
    );

    // Node 1 on the tracker's machine, by loopback: recorded at 127.0.0.1.
    const loopbackSeeder = spawnCli(
      ['peer', '--id', '1', '--tracker', `127.0.0.1:${port}`, '--seed', 'a.bin', ...common],
      { netns: A },
    );
    await loopbackSeeder.waitForLine(/^\S+ seeding a\.bin/);
    assert.match(
      await tracker.waitForLine(/joined node 1 /),
      / joined node 1 at 127\.0\.0\.1:\d+ \(a loopback address: nodes on other machines cannot reach it; start it with --tracker set to this machine's network address\)$/,
    );

    // Node 2 on the other machine, no --host: it listens on every address and reaches the tracker.
    const leecher = spawnCli(
      ['peer', '--id', '2', '--tracker', lan, '--download', 'a.bin', '--exit-when-done', ...common],
      { netns: B },
    );
    // It says (and its view shows) the address the tracker knows it by, not 0.0.0.0.
    assert.match(
      await leecher.waitForLine(/listening on/),
      / node 2 listening on 0\.0\.0\.0:(\d+) \(as 198\.18\.9\.2:\1 toward the tracker; receive /,
    );
    await leecher.waitForLine(/registered with tracker 198\.18\.9\.1:/);
    assert.match(
      await leecher.waitForLine(/the tracker named node 1/),
      / a\.bin: the tracker named node 1 at 127\.0\.0\.1, a loopback address of the tracker's machine, where that node reached the tracker from: nodes elsewhere cannot reach it \(start it with --tracker set to its machine's network address\): left out$/,
    );
    assert.match(
      await leecher.waitForLine(/waiting for owners/),
      / a\.bin: waiting for owners \(node 1 at 127\.0\.0\.1, the owner the tracker named, is out of this node's reach: the log says why\)$/,
    );

    // Node 3 on the tracker's machine, given its network address: reachable, and the file comes.
    const lanSeeder = spawnCli(
      ['peer', '--id', '3', '--tracker', lan, '--seed', 'a.bin', ...common],
      { netns: A },
    );
    await lanSeeder.waitForLine(/^\S+ seeding a\.bin/);
    assert.match(
      await tracker.waitForLine(/joined node 3 /),
      / joined node 3 at 198\.18\.9\.1:\d+$/,
    );
    assert.match(
      await leecher.waitForLine(/owner node 3 /, 30_000),
      / owner node 3 at 198\.18\.9\.1:\d+ /,
    );
    assert.deepEqual(await leecher.waitForExit(30_000), { code: 0, signal: null });
    assert.equal(await sha256File(join(files, 'node2', 'a.bin')), source);

    // A node on the tracker's machine that names it by its network address: node 1, at this
    // machine's loopback, is in its reach, and is used.
    const neighbour = spawnCli(
      ['peer', '--id', '5', '--tracker', lan, '--download', 'a.bin', '--exit-when-done', ...common],
      { netns: A },
    );
    assert.match(
      await neighbour.waitForLine(/owner node 1 /),
      / owner node 1 at 127\.0\.0\.1:\d+ /,
    );
    assert.deepEqual(await neighbour.waitForExit(30_000), { code: 0, signal: null });
    assert.equal(neighbour.stdout.filter((line) => line.includes('left out')).length, 0);
    assert.equal(await sha256File(join(files, 'node5', 'a.bin')), source);

    // A tracker this machine has no route to: said at once, with the kernel's reason.
    const lost = spawnCli(['peer', '--id', '4', '--tracker', '192.0.2.10:6881', ...common], {
      netns: B,
    });
    assert.match(
      await lost.waitForLine(/unreachable/),
      / tracker 192\.0\.2\.10:6881 unreachable \(sending fails with ENETUNREACH: no route to its network; is this machine on it\?\); retrying with backoff, seeding to known peers continues$/,
    );
    // No route, no address toward the tracker to name (not `as 0.0.0.0:…`).
    assert.match(
      lost.stdout.find((line) => line.includes(' listening on ')) ?? '',
      / node 4 listening on 0\.0\.0\.0:\d+ \(receive buffer /,
    );
  } finally {
    await killAll();
    await dir.remove();
  }
});

test('a machine that gets a new address: its node registers from there, says so, and serves', {
  timeout: 90_000,
}, async (t) => {
  await onTwoMachines(t, 'moved', 9102, 1024 * 1024, async ({ a, b, dir, common, source }) => {
    // A short sweep: the node's next heartbeat, from its new address, comes within 2 s.
    const trackerArgs = ['tracker', '--headless', '--host', '0.0.0.0', '--port', '0'];
    const db = ['--db', join(dir, 'db'), '--sweep', '2'];
    const tracker = spawnCli([...trackerArgs, '--logs', join(dir, 'logs'), ...db], { netns: a });
    const port = Number(/0\.0\.0\.0:(\d+)/.exec(await tracker.waitForLine(/listening on/))![1]);
    const lan = `198.18.9.1:${port}`;

    const seeder = spawnCli(['peer', '--id', '2', '--tracker', lan, '--seed', 'a.bin', ...common], {
      netns: b,
    });
    const listening = await seeder.waitForLine(/listening on/);
    const seederPort = /listening on 0\.0\.0\.0:(\d+) \(as 198\.18\.9\.2:/.exec(listening)?.[1];
    assert.ok(seederPort, listening);
    await seeder.waitForLine(/^\S+ seeding a\.bin/);

    // The machine's address changes, as a laptop's on another network or with a new lease.
    ip('-n', b, 'addr', 'del', '198.18.9.2/24', 'dev', 'bt-lan-vb');
    ip('-n', b, 'addr', 'add', '198.18.9.3/24', 'dev', 'bt-lan-vb');
    assert.match(
      await seeder.waitForLine(/toward the tracker now/),
      new RegExp(
        ` as 198\\.18\\.9\\.3:${seederPort} toward the tracker now \\(was 198\\.18\\.9\\.2:${seederPort}\\)$`,
      ),
    );
    await tracker.waitForLine(new RegExp(`node 2 at 198\\.18\\.9\\.3:${seederPort}`));

    // Found at its new address by a node on the tracker's machine: the file comes, exact.
    const leecher = spawnCli(
      ['peer', '--id', '3', '--tracker', lan, '--download', 'a.bin', '--exit-when-done', ...common],
      { netns: a },
    );
    assert.match(await leecher.waitForLine(/owner node 2 /), / owner node 2 at 198\.18\.9\.3:/);
    assert.deepEqual(await leecher.waitForExit(30_000), { code: 0, signal: null });
    assert.equal(await sha256File(join(dir, 'files', 'node3', 'a.bin')), source);
  });
});

test('an IPv6 LAN: tracker, seeder and downloader on two machines, batched and coalesced as over IPv4, the file exact', {
  timeout: 90_000,
}, async (t) => {
  await onTwoMachines(t, 'v6', 9103, 4 * 1024 * 1024, async ({ a, b, dir, common, source }) => {
    const trackerArgs = ['tracker', '--headless', '--host', '::', '--port', '0'];
    const db = ['--db', join(dir, 'db')];
    const tracker = spawnCli([...trackerArgs, '--logs', join(dir, 'logs'), ...db], { netns: a });
    const listening = await tracker.waitForLine(/listening on/);
    const port = Number(/\[::\]:(\d+)/.exec(listening)![1]);
    const lan = `[2001:db8:9::1]:${port}`;
    // Dual-stack: IPv4 nodes come in too, and most LANs are IPv4, so its IPv4 address first.
    assert.ok(
      listening.includes(`: nodes elsewhere give --tracker 198.18.9.1:${port} or ${lan} (`),
      listening,
    );

    const seeder = spawnCli(['peer', '--id', '2', '--tracker', lan, '--seed', 'a.bin', ...common], {
      netns: b,
    });
    // Before 2026-12-07 an IPv6 socket went through node:dgram, one datagram per call.
    assert.match(
      await seeder.waitForLine(/listening on/),
      / listening on \[::\]:\d+ \(as \[2001:db8:9::2\]:\d+ toward the tracker; receive buffer [^,]+, UDP batched by recvmmsg\/sendmmsg, segmented and coalesced \(GSO\/GRO\)\)/,
    );
    await seeder.waitForLine(/^\S+ seeding a\.bin/);

    const leecher = spawnCli(
      ['peer', '--id', '3', '--tracker', lan, '--download', 'a.bin', '--exit-when-done', ...common],
      { netns: a },
    );
    assert.match(await leecher.waitForLine(/owner node 2 /), / owner node 2 at \[2001:db8:9::2\]:/);
    // Over the veth (MTU 1,500) blocks fit a frame: sent segmented, they arrive coalesced.
    const transfer = await leecher.waitForLine(/^\S+ transfer a\.bin: /);
    const coalesced = Number(/; (\d+) datagrams arrived coalesced \(GRO\)$/.exec(transfer)?.[1]);
    assert.ok(coalesced > 0, transfer);
    assert.deepEqual(await leecher.waitForExit(30_000), { code: 0, signal: null });
    assert.equal(await sha256File(join(dir, 'files', 'node3', 'a.bin')), source);
  });
});
