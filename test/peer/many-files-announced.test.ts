/**
 * A node seeding many files announces them in OWN-MANY datagrams (up to 16 files each), so that
 * a tracker that lost its disk hears a big seeder's whole folder again within its host budget:
 * one OWN per file, 600 files took (600 - burst) / rate seconds, and NEEDs found no owner
 * meanwhile.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Swarm } from './harness/swarm.ts';
import { waitFor } from './harness/wait.ts';

const FILES = 600;

test('a tracker that lost its disk hears a folder of 600 files again within a budget of 60 requests', {
  timeout: 60_000,
}, async () => {
  const swarm = await Swarm.start();
  try {
    const folder = await swarm.folderFor(1);
    for (let i = 0; i < FILES; i++) await writeFile(join(folder, `f${i}.txt`), `file ${i}\n`);
    const seeder = await swarm.addNode({ nodeId: 1 });
    const outcomes = await seeder.node.seedAll();
    assert.equal(outcomes.filter((outcome) => outcome.ok).length, FILES);
    const known = () => swarm.trackerSnapshot().files.filter((file) => file.owners.length === 1);
    await waitFor(() => known().length === FILES, `the tracker to know ${FILES} files`);

    // 60 requests at once, then 5 a second: one OWN per file would take ~108 s.
    await swarm.restartTracker({
      emptyDb: true,
      limits: { requestBurstPerHost: 60, requestsPerHostPerSecond: 5 },
    });
    assert.equal(swarm.trackerSnapshot().files.length, 0, 'an empty tracker');
    await waitFor(
      () => seeder.lines.some((line) => line.includes(`re-announced ${FILES} seeded files`)),
      're-announced',
      15_000,
    );
    assert.equal(known().length, FILES);
    const throttled = swarm.trackerLines.filter((line) => line.includes('throttled'));
    assert.deepEqual(throttled, []);
  } finally {
    await swarm.close();
  }
});

test('files past the host bound are said refused once per reason, the rest counted', {
  timeout: 60_000,
}, async () => {
  const swarm = await Swarm.start({ limits: { maxFilesPerHost: 100 } });
  try {
    const folder = await swarm.folderFor(1);
    for (let i = 0; i < 130; i++) await writeFile(join(folder, `g${i}.txt`), `file ${i}\n`);
    const seeder = await swarm.addNode({ nodeId: 1 });
    await seeder.node.seedAll();
    await waitFor(
      () => seeder.lines.some((line) => line.includes('for the same reason')),
      'the refusals summed up',
    );
    const reason = 'host 127.0.0.1 already seeds the most files allowed (100)';
    const said = seeder.lines.filter((line) => line.includes(reason));
    let refused = 0;
    for (const line of said) {
      if (line.includes(', but the tracker refused to list it: ')) refused++;
      const more = / refused to list (\d+) more files? for the same reason: /.exec(line);
      if (more) refused += Number(more[1]);
    }
    assert.equal(refused, 30, said.join('\n'));
    assert.ok(said.length <= 4, said.join('\n'));
    assert.equal(swarm.trackerSnapshot().files.length, 100);
    // My files says which are served but not listed (before 2026-12-07 all 130 said `seeding`).
    const unlisted = () =>
      seeder.node
        .getSnapshot()
        .files.filter(
          (file) => file.state.kind === 'seeding' && file.state.unlistedBecause !== null,
        );
    await waitFor(() => unlisted().length === 30, 'thirty files marked not listed');
    for (const file of unlisted()) {
      assert.deepEqual(file.state, { ...file.state, unlistedBecause: reason });
    }

    // A tracker that allows them all (restarted with a higher bound) lists them all again.
    await swarm.restartTracker({ emptyDb: true, limits: { maxFilesPerHost: 200 } });
    await waitFor(
      () => seeder.lines.some((line) => line.includes('re-announced 130 seeded files')),
      're-announced',
    );
    await waitFor(() => unlisted().length === 0, 'every file listed again');
    assert.equal(swarm.trackerSnapshot().files.length, 130);
  } finally {
    await swarm.close();
  }
});
