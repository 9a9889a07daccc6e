/** A populated tracker state and database folders for the store tests. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { ManualClock } from '../../source/clock.ts';
import { SeededRandom } from '../../source/net/seeded-random.ts';
import {
  type PersistedTracker,
  serializeFiles,
  serializeNodes,
} from '../../source/tracker/persisted.ts';
import { TrackerState } from '../../source/tracker/tracker-state.ts';
import { infohash, newState, own, register, SWEEP_MS, update } from './fixtures.ts';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** `<a new temp folder>/tracker_db` (not created); removed after the test file. */
export async function tempDbDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bt-tui-tracker-db-'));
  dirs.push(dir);
  return join(dir, 'tracker_db');
}

/** nodes.json and files.json as earlier versions wrote them. */
export async function writeJsonDb(dbDir: string, persisted: PersistedTracker): Promise<void> {
  await mkdir(dbDir, { recursive: true });
  await writeFile(join(dbDir, 'nodes.json'), serializeNodes(persisted.nodes));
  await writeFile(join(dbDir, 'files.json'), serializeFiles(persisted.files));
}

export const FILE = { infohash: infohash(0x1d), name: 'big.iso', size: 1000 };

/** Nodes 1 and 2 own FILE; 3 credited 1 with 700 B. */
export function populated(): TrackerState {
  const { state } = newState();
  const t1 = register(state, 1, 5001, 0);
  const t2 = register(state, 2, 5002, 0);
  const t3 = register(state, 3, 5003, 0);
  own(state, t1, 5001, 0, FILE);
  own(state, t2, 5002, 0, FILE);
  own(state, t2, 5002, 0, { infohash: infohash(0x2e), name: 'small.txt', size: 5 });
  update(state, t3, 5003, 0, FILE.infohash, 1, [{ nodeId: 1, bytes: 700 }]);
  return state;
}

/** A state rebuilt from records, as a starting tracker builds it (no sessions yet). */
export function restore(persisted: PersistedTracker, nowMs: number): TrackerState {
  const random = new SeededRandom(2);
  return TrackerState.fromPersisted(
    persisted,
    { sweepIntervalMs: SWEEP_MS },
    (n) => random.bytes(n),
    new ManualClock(nowMs),
    nowMs,
  ).state;
}
