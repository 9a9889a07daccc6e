/**
 * Stealing a node id at a running tracker over real UDP. A node's address is public (every NEED
 * answer carries it) and its registration datagrams can be seen by anyone on the LAN. The
 * attacker (on 127.0.0.66, another host to the tracker): replays every registration datagram
 * the victim sent, and uses any session it gets to send EXIT; registers the victim's id with
 * its own key; and, once the victim's process dies, binds the victim's very address and
 * registers the id from there. None of it changes who holds the id: the victim, restarted from
 * its folder at a new port, takes its id back at once and its file is in the swarm again.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../source/clock.ts';
import { defaults } from '../../source/config.ts';
import { PeerNode } from '../../source/peer/peer-node.ts';
import type { TrackerReply } from '../../source/protocol/messages.ts';
import { writeRandomFile } from '../peer/harness/files.ts';
import { waitFor } from '../peer/harness/wait.ts';
import { Attacker, SniffedTransport } from './harness/attacker.ts';
import { memoryLogger, World } from './harness/world.ts';

const SEED = 1313;
const FILE = 'precious.bin';

/** The port of a `host:port` text. */
function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

/** Sends EXIT with every token an attack got: what an attacker does with a stolen session. */
async function exitWithStolenSessions(
  attacker: Attacker,
  tracker: { address: string; port: number },
  replies: readonly (TrackerReply | null)[],
): Promise<number> {
  let sessions = 0;
  for (const reply of replies) {
    if (reply?.type !== 'registered') continue;
    sessions++;
    await attacker.ask(tracker, { type: 'exit', token: Buffer.from(reply.token) });
  }
  return sessions;
}

test('replayed, forged and squatted registrations never take a node id; its owner takes it back at once', {
  timeout: 30_000,
}, async (t) => {
  const world = await World.create('identity-theft');
  const attackers: Attacker[] = [];
  try {
    const tracker = await world.startTracker(60_000);
    await mkdir(join(world.filesDir, 'node1'), { recursive: true });
    await writeRandomFile(join(world.filesDir, 'node1', FILE), 64 * 1024, SEED);
    let sniffer: SniffedTransport | null = null;
    const victim = await world.addPeer(1, (inner) => {
      sniffer = new SniffedTransport(inner, new Set(['register', 'register-proof']));
      return sniffer;
    });
    const sniffed = sniffer as SniffedTransport | null;
    assert.ok(sniffed, 'the victim runs on the sniffed transport');
    assert.equal((await victim.node.seed(FILE)).ok, true);
    const ownerOf = () =>
      tracker
        .getSnapshot()
        .files.find((f) => f.name === FILE)
        ?.owners.map((o) => o.nodeId);
    await waitFor(() => ownerOf()?.[0] === 1, 'the victim seeds its file', 5_000);
    const port = portOf(victim.node.getSnapshot().address);

    // 1. Replay, from another host, everything the victim sent to register.
    const remote = await Attacker.open('127.0.0.66');
    attackers.push(remote);
    const replayed = await remote.replay(tracker.address, sniffed.sent);
    const stolenByReplay = await exitWithStolenSessions(remote, tracker.address, replayed);
    // 2. Register the victim's id with the attacker's own key.
    const forged = await remote.register(tracker.address, 1);
    const stolenByForgery = await exitWithStolenSessions(remote, tracker.address, [forged]);
    // 3. The victim's process dies; the attacker takes its address and registers from there.
    await sniffed.crash();
    const squatter = await Attacker.open('127.0.0.1', port);
    attackers.push(squatter);
    const squatted = await squatter.register(tracker.address, 1);
    const stolenBySquat = await exitWithStolenSessions(squatter, tracker.address, [squatted]);

    const context = `(replayed ${sniffed.sent.length} datagrams: ${replayed.map((r) => r.type).join(', ')}; forged: ${JSON.stringify(forged)}; squatted: ${JSON.stringify(squatted)})`;
    t.diagnostic(context);
    assert.deepEqual([stolenByReplay, stolenByForgery, stolenBySquat], [0, 0, 0], context);
    assert.equal(forged?.type === 'error' && forged.code, 'id-in-use', context);
    assert.equal(squatted?.type === 'error' && squatted.code, 'id-in-use', context);
    assert.deepEqual(ownerOf(), [1], `the victim's file is still in the swarm ${context}`);
    assert.ok(remote.worstReplyRatio <= 1, `reply/request ${remote.worstReplyRatio} ${context}`);
    assert.ok(
      squatter.worstReplyRatio <= 1,
      `reply/request ${squatter.worstReplyRatio} ${context}`,
    );

    // 4. The victim restarts from its folder (same key pair) at a new port: its id at once.
    const restarted = await world.addPeer(1);
    const newPort = portOf(restarted.node.getSnapshot().address);
    assert.notEqual(newPort, port);
    const rejoined = `rejoined node 1 at 127.0.0.1:${newPort} (was 127.0.0.1:${port})`;
    assert.ok(
      world.trackerLines.some((line) => line.endsWith(rejoined)),
      world.trackerLines.join('\n'),
    );
    const nodeOne = () => tracker.getSnapshot().nodes.find((n) => n.nodeId === 1);
    const moved = () => nodeOne()?.address === `127.0.0.1:${newPort}`;
    await waitFor(moved, 'the tracker shows node 1 at its new address', 5_000);
    await waitFor(() => ownerOf()?.[0] === 1, 'the restarted victim seeds its file again', 5_000);
    assert.ok(
      !world.trackerLines.some((line) => /node 1 at 127\.0\.0\.66/.test(line)),
      'the attacker never held node 1',
    );
  } finally {
    await Promise.allSettled(attackers.map((a) => a.close()));
    await world.close();
  }
});

test('a view refused an id in use asks again, and takes the id once its holder leaves', {
  timeout: 30_000,
}, async () => {
  const world = await World.create('bt-id-asked-again-');
  const squatter = await Attacker.open('127.0.0.66');
  let node: PeerNode | null = null;
  try {
    const tracker = await world.startTracker(60_000);
    const squatted = await squatter.register(tracker.address, 8);
    assert.equal(squatted?.type, 'registered', JSON.stringify(squatted));
    const lines: string[] = [];
    const opened = await PeerNode.open({
      nodeId: 8,
      host: '127.0.0.1',
      port: 0,
      tracker: tracker.address,
      askAgainIfIdInUse: true,
      filesDir: world.filesDir,
      maxOwners: defaults.maxOwnersPerDownload,
      blockSizeBytes: defaults.blockSizeBytes,
      giveUpWithoutOwnersMs: null,
      clock: systemClock,
      logger: memoryLogger('node8', lines),
    });
    assert.ok(opened.ok);
    node = opened.node;
    assert.equal(await node.registration, true, 'the view goes on, asking again');
    await waitFor(
      () => node!.getSnapshot().tracker.status === 'refused',
      'the view to show the refusal',
    );
    assert.equal(node.getSnapshot().tracker.asksAgain, true);
    const refusal = lines.find((line) => line.includes('tracker refused registration'));
    assert.match(
      refusal ?? '',
      /tracker refused registration: node id 8 is in use by 127\.0\.0\.66:\d+ \(another key; free once that node exits, or if it stays silent \d+ s more\); asking again with backoff$/,
    );

    // Asked again (1, 2, 4 s...), the refusal counts its seconds down: still said once.
    await sleep(3_500);
    // Until 2026-12-07 the view stayed refused for good, its id long free (found by a session).
    if (squatted?.type === 'registered')
      await squatter.ask(tracker.address, { type: 'exit', token: Buffer.from(squatted.token) });
    await waitFor(
      () => node!.getSnapshot().tracker.status === 'registered',
      'node 8 registered once the id is free',
      10_000,
    );
    assert.equal(lines.filter((line) => line.includes('tracker refused registration')).length, 1);
  } finally {
    await node?.exit();
    await squatter.close();
    await world.close();
  }
});
